/*
** analytica_store.h — the published read model: the tables governance and
** validation write into every store, their columns, and the text formats
** of the values readers compare.
**
** This is a contract, versioned like the ABI: ANALYTICA_STORE_VERSION grows
** when a table or column is added (readers of an older version keep
** working); a rename or removal would be a new major version of the ABI.
** The host's read model (host/read/), governance and validation spell these
** names only through the macros below; plugins and outside tools may read
** the same tables with the sink's query interface.
**
** Columns are listed in declared order as "name TYPE", KEY marking the
** natural key. Times are UTC ISO 8601 text ("2026-03-01T12:00:00Z").
*/
#ifndef ANALYTICA_STORE_H
#define ANALYTICA_STORE_H

#define ANALYTICA_STORE_VERSION 5 /* 2: bookmarks, ignored inputs, figures_sha256, check values; 3: fetches;
                                     4: runs host, pid, process_start, heartbeat_at;
                                     5: lineage cells and checks keyed source first */

/* ----------------------------------------------------------- governance */

/* run_id KEY, pipeline, config_sha256, plugins (JSON), started_at, ended_at,
** status (running|succeeded|failed|cancelled|refused|abandoned),
** sources_ingested, sources_skipped, sources_failed, records, message;
** since store version 4: host (gethostname()), pid, process_start (field 22
** of /proc/<pid>/stat: with pid, names one process despite pid reuse),
** heartbeat_at ("last seen"). A store written before version 4 gains the
** four columns (NULL in older rows) at the first run of version 4.
**
** The row is rewritten in every transaction governance writes in (run
** start, each input registered, each input ended, run end), so while a run
** is `running` its counts are those committed so far and heartbeat_at is
** when it was last seen.
**
** Runs that end without saying so (killed, power lost): a `running` row
** whose host is this machine and whose (pid, process_start) names no live
** process is abandoned. The next run on that host rewrites it as status
** `abandoned`, ended_at = heartbeat_at, message naming the process. Readers
** (status, serve, /metrics) never write: they show such a row as
** `abandoned` with ended_at = its last-seen time. A `running` row of another
** host, or without a host (older versions), reads as `abandoned` once last
** seen more than ANALYTICA_RUN_STALE_SECONDS ago (the reader's environment
** variable ANALYTICA_RUN_STALE_SECONDS overrides it); until then it reads as
** `running`. analytica_run_liveness.hpp holds the process test. A host
** name stands for one process table: containers that share a store (the
** compose services app and dashboard) must not share a host name (they do
** not by default), or one would judge the other's pids in its own table. */
#define ANALYTICA_T_RUNS "governance_runs"
#define ANALYTICA_RUN_STALE_SECONDS 21600 /* 6 hours */

/* sha256 KEY, uri, path, name, size, version, first_seen, last_seen,
** status (ingested|failed|superseded|ignored), message, run_id, supersedes,
** superseded_by */
#define ANALYTICA_T_SOURCES "governance_sources"

/* table_name KEY, record_key KEY, source_sha256 KEY, run_id, extractor,
** written_at, superseded_by */
#define ANALYTICA_T_LINEAGE_RECORDS "governance_lineage_records"

/* source_sha256 KEY, table_name KEY, record_key KEY, column_name KEY, page,
** x0, y0, x1, y1 (analytica_box), confidence, value (record-key text form,
** doubles shortest round-trip).
** Keyed source first since store version 5, so one input's cells land
** together in the key's b-tree (before, keyed table_name, record_key,
** column_name, source_sha256, they were spread over every record the input
** repeats, and each input's transaction rewrote a share of the whole tree).
** A store created before version 5 keeps the old key order; readers must
** not depend on either: find a record's cells through its versions in
** governance_lineage_records (table_name, record_key -> source_sha256). */
#define ANALYTICA_T_LINEAGE_CELLS "governance_lineage_cells"

/* run_id KEY, source_sha256 KEY ("" = the whole run), scope, records, cells,
** null_cells, scored_cells, confidence_min/mean/max, conf_lt_50,
** conf_50_80, conf_80_95, conf_ge_95, validated, approved, auto_approved,
** pending, rejected, recorded_at */
#define ANALYTICA_T_QUALITY "governance_quality"

/* table_name KEY, version KEY, columns (JSON), sha256, recorded_at, run_id */
#define ANALYTICA_T_SCHEMAS "governance_schemas"

/* run_id KEY, table_name KEY, from_version, to_version, kind, outcome, diff,
** detected_at */
#define ANALYTICA_T_SCHEMA_CHANGES "governance_schema_changes"

/* bookmark_key KEY, value, source_sha256, run_id, updated_at — the last
** committed bookmark of a resuming source (analytica_input.bookmark_*). */
#define ANALYTICA_T_BOOKMARKS "governance_bookmarks"

/* Since store version 3. uri KEY, name, checked_at, etag, succeeded_at,
** first_failed_at, last_error, run_id — per input uri, what became of it
** the last time a source found it: when it was checked, the publisher's
** version (analytica_input.etag), when it was last handed over, and while
** it keeps failing since when (the first failure of the unbroken series)
** and why; NULL first_failed_at/last_error = not failing. */
#define ANALYTICA_T_FETCHES "governance_fetches"

/* name KEY (the input's display name), sha256 (of the bytes set aside, ""
** for any bytes), reason, decided_by, decided_at, active (1|0) — inputs a
** person set aside (`analytica sources ignore`). */
#define ANALYTICA_T_IGNORED "governance_ignored"

/* pipeline KEY, views (JSON array as declared, tables prefixed; see
** docs/views.md), run_id, recorded_at — what each pipeline declares people
** read, as of its last run. */
#define ANALYTICA_T_VIEWS "governance_views"

/* ----------------------------------------------------------- validation */

/* source_sha256 KEY, table_name KEY, record_key KEY, check_name KEY,
** validator, passed, confidence, reason, observed, expected, run_id,
** checked_at. observed and expected are the check's values in record-key
** text form (NULL = none; a range expected is "[minimum, maximum]"). Keyed
** source first since store version 5, like governance_lineage_cells (older
** stores: table_name, record_key, source_sha256, check_name). */
#define ANALYTICA_T_CHECKS "validation_checks"

/* run_id KEY, source_sha256 KEY, evaluated, successful, success_percent,
** records, auto_approved, pending, decided, threshold, finished_at */
#define ANALYTICA_T_CHECK_SUMMARY "validation_summary"

/* table_name KEY, record_key KEY, source_sha256 KEY, id (the number people
** type), status (ANALYTICA_REVIEW_*), confidence, reasons, extraction_
** confidence, checks_failed, record (JSON of the row), record_version,
** is_current (1 while this source's figures are the newest for the key),
** threshold, run_id, created_at, updated_at, decided_by, decided_at,
** decision_reason, figures_sha256 (SHA-256 of the record's figures: a
** decision belongs to the figures), related (JSON array of earlier item ids
** with the same key whose decisions this item relates to) */
#define ANALYTICA_T_REVIEW "review_queue"

/* id KEY, item_id, table_name, record_key, source_sha256, decision,
** previous_status, decided_by, decided_at, reason */
#define ANALYTICA_T_REVIEW_AUDIT "review_audit"

/* Review item statuses. An item is *waiting* when its status is pending and
** is_current = 1; a pending item whose figures were replaced by a newer
** report (is_current = 0) is *superseded* and waits for no one. */
#define ANALYTICA_REVIEW_AUTO_APPROVED "auto_approved"
#define ANALYTICA_REVIEW_PENDING "pending"
#define ANALYTICA_REVIEW_APPROVED "approved"
#define ANALYTICA_REVIEW_REJECTED "rejected"

/* -------------------------------------------------------- data tables */

/* A data table T with a NEWEST column keeps every row ever written in
** T || ANALYTICA_REVISIONS_SUFFIX (see ANALYTICA_COLUMN_NEWEST). */
#define ANALYTICA_REVISIONS_SUFFIX "_revisions"

/* ---------------------------------------------------------- record keys
**
** A record key is "col=value|col=value": the table's KEY columns in
** declared order (every column when the table has no KEY column); integers
** in decimal, doubles as printf("%f") ("2.500000"), text as is, NULL as the
** empty string. Stored keys stay valid: the format never changes. Values
** are not escaped; exact comparison always works, splitting back is
** unambiguous only when no text key holds '|' or '='. analytica_record_key.hpp
** computes it for C++ readers and writers.
*/

#endif /* ANALYTICA_STORE_H */
