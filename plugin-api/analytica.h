/*
** analytica.h — the one public header of the Calgary Analytica plugin ABI.
**
** A plugin is a shared library exporting exactly one symbol, ANALYTICA_ENTRY
** ("analytica_plugin_entry"), a function returning a const descriptor. The
** host (`analytica`) loads it, checks the versions, creates instances and
** asks each instance for the interfaces of its kind by string id.
**
** This header compiles as C11 and as C++17. Rules of the ABI:
**
**  1. One entry symbol. analytica_plugin_entry() returns a pointer to a
**     static analytica_plugin_descriptor that lives as long as the library
**     is loaded. The host refuses a plugin whose abi_major differs from its
**     own, or whose abi_minor is newer than its own, naming the file and
**     both versions. A host of a newer minor loads plugins of older minors.
**
**  2. Grow, never reshape. Every struct that crosses starts with
**     `uint32_t struct_size` (set to sizeof by whoever fills it). Readers
**     use only min(struct_size, sizeof(their own view)) bytes, so members
**     are only ever appended. The only exceptions are fixed array elements,
**     marked "[fixed element]" where declared (analytica_value, analytica_box,
**     analytica_provenance, analytica_column, analytica_setting): they are
**     passed in arrays whose stride both sides must agree on, so they never
**     change; a need for more gets a new struct beside them. Interfaces are
**     asked for by versioned id ("analytica.source/1"); a breaking change
**     gets a new id. Optional extensions have ids of their own
**     ("analytica.sink.admin/1"); get_interface returns NULL for an id it
**     does not know, including NULL.
**
**  3. Host services arrive as a table (analytica_host) at creation. A
**     plugin never links against host symbols.
**
**  4. Only C crosses: fixed-width integers, doubles, plain structs, opaque
**     handles and UTF-8 strings. Strings are NUL-terminated unless a
**     length is given beside them. No C++ type, exception or allocator
**     crosses: every entry point of a plugin catches everything and returns
**     an analytica_status, reporting the reason through host->fail().
**
**  5. Ownership is explicit and simple: a pointer passed INTO a call is
**     borrowed for the duration of that call only — the callee copies what
**     it wants to keep. A pointer RETURNED by a call stays valid until the
**     next call on the same instance or until destroy, unless stated.
**     Nobody frees memory the other side allocated.
**
** Threading: the host calls each plugin instance from one thread at a time
** (not always the same thread). Host services may be called only from
** within a call the host made into that instance, on the same thread —
** except log() and is_cancelled(), which are thread-safe. A plugin may run
** its own threads (a monitor serving HTTP, say) but must stop them in
** destroy(). Each function below carries a tag:
**   [any-thread]      may be called from any thread, at any time;
**   [instance-thread] called by the host on one thread at a time per
**                     instance; different instances may run concurrently;
**   [in-call]         a host service: only from inside a call the host made
**                     into the same instance, on that call's thread.
*/
#ifndef ANALYTICA_H
#define ANALYTICA_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define ANALYTICA_ABI_MAJOR 1
#define ANALYTICA_ABI_MINOR 2
/* 1.1: sink lock_source, governance check_schema.
** 1.2: host report_check_values and store_location; input bookmarks;
**      extensions analytica.sink.admin/1 and analytica.preview/1. */

/* The one exported symbol, as a string for dlsym-style lookup. */
#define ANALYTICA_ENTRY "analytica_plugin_entry"

#if defined(_WIN32)
#define ANALYTICA_EXPORT __declspec(dllexport)
#else
#define ANALYTICA_EXPORT __attribute__((visibility("default")))
#endif

/* ---------------------------------------------------------------- status */

typedef enum analytica_status {
  ANALYTICA_OK = 0,
  ANALYTICA_DONE = 1,          /* iteration finished; not an error */
  ANALYTICA_ERR_INVALID = -1,  /* bad argument or bad settings */
  ANALYTICA_ERR_IO = -2,       /* a file or connection could not be used */
  ANALYTICA_ERR_FORMAT = -3,   /* input is not what this plugin reads */
  ANALYTICA_ERR_UNSUPPORTED = -4,
  ANALYTICA_ERR_CANCELLED = -5,
  ANALYTICA_ERR_CONFLICT = -6, /* e.g. a destructive schema change */
  ANALYTICA_ERR_INTERNAL = -7  /* a bug or an unexpected exception */
} analytica_status;

typedef enum analytica_plugin_kind {
  ANALYTICA_KIND_SOURCE = 1,
  ANALYTICA_KIND_EXTRACTOR = 2,
  ANALYTICA_KIND_VALIDATOR = 3,
  ANALYTICA_KIND_SINK = 4,
  ANALYTICA_KIND_MONITOR = 5,
  ANALYTICA_KIND_GOVERNANCE = 6
} analytica_plugin_kind;

typedef enum analytica_log_level {
  ANALYTICA_LOG_DEBUG = 0,
  ANALYTICA_LOG_INFO = 1,
  ANALYTICA_LOG_WARN = 2,
  ANALYTICA_LOG_ERROR = 3
} analytica_log_level;

/* ---------------------------------------------------------- typed values */

typedef enum analytica_type {
  ANALYTICA_NULL = 0,
  ANALYTICA_INT64 = 1,
  ANALYTICA_DOUBLE = 2,
  ANALYTICA_TEXT = 3
} analytica_type;

/* [fixed element] One cell value. For ANALYTICA_TEXT, text points at `len` bytes of UTF-8
** (not necessarily NUL-terminated), owned as the enclosing call says. */
typedef struct analytica_value {
  analytica_type type;
  union {
    int64_t i;
    double d;
    struct {
      const char *ptr;
      uint64_t len;
    } text;
  } as;
} analytica_value;

/* [fixed element] A rectangle on a page in PDF points, origin at the
** page's top-left. For a grid (a spreadsheet), the cell's 0-based column
** and row: x0 = column, y0 = row, x1 = column + 1, y1 = row + 1. */
typedef struct analytica_box {
  double x0, y0, x1, y1;
} analytica_box;

/* [fixed element] Where one cell came from. page is 1-based (the page of a
** document, the sheet of a workbook); 0 means "no page" (CSV, say), in
** which case box is all zeros. confidence is in [0, 1]. */
typedef struct analytica_provenance {
  int32_t page;
  analytica_box box;
  double confidence;
} analytica_provenance;

/* Column flags. KEY columns form the natural key: writes upsert on them.
** NEWEST: at most one per table, never a key column, only in a table with
** KEY columns; a write never replaces
** a row whose value in this column is greater (a later report's figures win
** over an older report's, whatever the ingest order). A sink keeps every
** row ever written to such a table in `<table>_revisions`, keyed by the key
** columns plus the NEWEST column, so earlier values stay queryable. */
#define ANALYTICA_COLUMN_KEY 1u
#define ANALYTICA_COLUMN_NEWEST 2u

/* [fixed element] A column of a table. */
typedef struct analytica_column {
  const char *name;
  analytica_type type; /* ANALYTICA_NULL is not a column type */
  uint32_t flags;      /* ANALYTICA_COLUMN_* */
} analytica_column;

/* The declared shape of a table a plugin writes. */
typedef struct analytica_table_schema {
  uint32_t struct_size;
  const char *table;
  const analytica_column *columns;
  uint32_t column_count;
} analytica_table_schema;

/* A typed record batch: row_count rows of schema->column_count cells, row
** major (cell (r, c) is values[r * column_count + c]). provenance is NULL or
** has the same shape. source_id names the input the rows came from (the
** source file's SHA-256 once governance registered it; may be NULL).
** A batch passed into any call is borrowed for that call only. */
typedef struct analytica_batch {
  uint32_t struct_size;
  const analytica_table_schema *schema;
  uint64_t row_count;
  const analytica_value *values;
  const analytica_provenance *provenance;
  const char *source_id;
} analytica_batch;

/* --------------------------------------------------------------- inputs */

/* One input a source yields. path is a readable local file. */
typedef struct analytica_input {
  uint32_t struct_size;
  const char *uri;          /* stable identity, e.g. "file:///abs/path" */
  const char *path;         /* local file to read */
  const char *display_name; /* short name for messages */
  const char *sha256;       /* hex digest; NULL until governance registered it */
  /* Since 1.2 (NULL or absent: none). A source that resumes where it left
  ** off (a paged API, say) names a bookmark and the value it reaches once
  ** this input is committed. Governance stores the value under the key in
  ** the same transaction as the input's records (the published table
  ** ANALYTICA_T_BOOKMARKS of analytica_store.h), so a killed run resumes
  ** from the last committed input. Read it back with host->query(). */
  const char *bookmark_key;
  const char *bookmark_value;
  /* Since 1.2 (NULL or absent: none). What the publisher calls this
  ** version of the input (an HTTP ETag, else its Last-Modified), kept by
  ** governance with the input's uri and shown by `analytica sources`. */
  const char *etag;
  /* Since 1.2 (NULL or absent: usable). A source that found this input
  ** but cannot hand it over (a fetch that failed after its retries, an
  ** unreadable directory entry) says why in one line; path may then be
  ** NULL. The host extracts nothing, records it as a failed input under
  ** its uri, and goes on with the next. */
  const char *error;
} analytica_input;

/* --------------------------------------------------------------- events */

typedef enum analytica_event_kind {
  ANALYTICA_EVENT_RUN_START = 1,
  ANALYTICA_EVENT_SOURCE_START = 2,
  ANALYTICA_EVENT_RECORDS_WRITTEN = 3,
  ANALYTICA_EVENT_SOURCE_DONE = 4,
  ANALYTICA_EVENT_SOURCE_SKIPPED = 5,
  ANALYTICA_EVENT_SOURCE_FAILED = 6,
  ANALYTICA_EVENT_WARNING = 7,
  ANALYTICA_EVENT_ERROR = 8,
  ANALYTICA_EVENT_RUN_END = 9
} analytica_event_kind;

/* A run event. All strings may be NULL where they do not apply; all are
** borrowed for the call. For RUN_END, status is the run's outcome. */
typedef struct analytica_event {
  uint32_t struct_size;
  analytica_event_kind kind;
  const char *run_id;
  const char *pipeline;
  const char *source;       /* display name of the input, if any */
  const char *plugin;       /* plugin that raised a warning/error */
  const char *message;
  uint64_t sources_total;   /* known so far */
  uint64_t sources_done;
  uint64_t records;         /* records written: this source / whole run */
  analytica_status status;
  int64_t time_unix_ms;
} analytica_event;

/* ---------------------------------------------------------- host services */

/* Called once per row of a query result, on the thread of the call that
** asked. Return 0 to continue, non-zero to stop early. values is borrowed
** for the call. */
typedef int (*analytica_row_fn)(void *user, const analytica_value *values,
                                uint32_t column_count);

/* What one check measured on one row. Values are borrowed for the call;
** an ANALYTICA_NULL value means "not applicable" (no lower bound, say). */
typedef struct analytica_check_values {
  uint32_t struct_size;
  const char *column;        /* the column checked, or NULL for the row */
  analytica_value observed;  /* what the row holds */
  analytica_value expected;  /* the value it should equal, if one */
  analytica_value minimum;   /* the allowed range, inclusive */
  analytica_value maximum;
} analytica_check_values;

/* The services table the host hands every plugin instance at creation. It
** stays valid until that instance is destroyed. Pass `ctx` back as first
** argument; it identifies the calling instance to the host. */
typedef struct analytica_host {
  uint32_t struct_size;
  uint32_t abi_major;
  uint32_t abi_minor;
  void *ctx;
  const char *run_id; /* of the current run; "" outside runs */

  /* [any-thread] Logs one message on behalf of the plugin. */
  void (*log)(void *ctx, analytica_log_level level, const char *message);

  /* [in-call] Sets the reason for the failure the current call is about to return.
  ** The host copies it. Call it before returning a status < 0. */
  void (*fail)(void *ctx, const char *message);

  /* [in-call] Hands the host a batch of records (extractors, governance). The host
  ** copies it before returning. Governance batches are written through the
  ** primary sink inside the current transaction; an empty governance batch
  ** only declares its table. */
  analytica_status (*emit)(void *ctx, const analytica_batch *batch);

  /* [in-call] Raises a run event (warnings, progress) for monitors and the log. */
  void (*event)(void *ctx, analytica_event_kind kind, const char *message);

  /* [any-thread] Non-zero once the user asked the run to stop. Long calls
  ** should poll it and return ANALYTICA_ERR_CANCELLED. */
  int (*is_cancelled)(void *ctx);

  /* [in-call] Reads the primary store (through the sink) with a parameterised SQL
  ** statement using `?` placeholders in the portable subset of SQL that
  ** SQLite and PostgreSQL share. Rows go to fn. Inside a run, reads see the
  ** current transaction. */
  analytica_status (*query)(void *ctx, const char *sql,
                            const analytica_value *params, uint32_t param_count,
                            analytica_row_fn fn, void *user);

  /* [in-call] Validators: records the outcome of one check on one row of
  ** the batch under validation. passed is 0 or 1; confidence in [0, 1] is
  ** the check's own score for the row; reason is human-readable (may be
  ** NULL if passed). */
  analytica_status (*report_check)(void *ctx, uint64_t row, const char *check,
                                   int passed, double confidence,
                                   const char *reason);

  /* [in-call] Since 1.2. Like report_check, with what the check measured as
  ** values (see analytica_check_values), so readers can show observed
  ** against expected without parsing the reason. values may be NULL. */
  analytica_status (*report_check_values)(void *ctx, uint64_t row, const char *check,
                                          int passed, double confidence,
                                          const char *reason,
                                          const analytica_check_values *values);

  /* Since 1.2. Where the primary store lives, as the sink describes it
  ** (analytica_sink_admin_v1.location, e.g. "sqlite:///data/analytica.db"
  ** or "postgres://db:5432/analytica"); "" when unknown. Valid as long as
  ** the instance. */
  const char *store_location;
} analytica_host;


/* -------------------------------------------------------------- settings */

/* [fixed element] One setting a plugin accepts, for validation, `plugins inspect` and the
** docs. default_json is a JSON text (e.g. "\"*.pdf\"", "10", "null"). */
typedef struct analytica_setting {
  const char *name;
  const char *type; /* "string" | "integer" | "number" | "boolean" | "array" | "object" */
  const char *default_json;
  int32_t required;
  const char *description;
} analytica_setting;

/* ------------------------------------------------------------ descriptor */

typedef struct analytica_plugin_descriptor {
  uint32_t struct_size;
  uint32_t abi_major;
  uint32_t abi_minor;
  analytica_plugin_kind kind;
  const char *name;        /* unique, [a-z0-9_]+; matches the file name */
  const char *version;     /* semantic version of the plugin */
  const char *description; /* one line */
  const analytica_setting *settings;
  uint32_t setting_count;

  /* [instance-thread] Creates an instance. settings_json is a JSON object (already checked
  ** against `settings` by the host). On success stores the instance in
  ** *out_self and returns ANALYTICA_OK; on failure calls host->fail(). host
  ** outlives the instance. */
  analytica_status (*create)(const analytica_host *host,
                             const char *settings_json, void **out_self);

  /* [instance-thread] Destroys an instance; never fails. Safe to call with NULL. */
  void (*destroy)(void *self);

  /* [any-thread] Returns the interface table for id (e.g.
  ** ANALYTICA_SOURCE_V1) or NULL if this plugin does not provide it, or id
  ** is NULL. The table is static. */
  const void *(*get_interface)(const char *id);
} analytica_plugin_descriptor;

/* The entry point every plugin exports. Must not fail; must not allocate
** per call; safe to call more than once. */
typedef const analytica_plugin_descriptor *(*analytica_entry_fn)(void);

/* Optional: the plugin's kind, readable from the library file without loading
** it (loading runs the library's initialisers and maps every library it
** needs). A host choosing among plugins of one kind — `analytica extract`
** picking an extractor — skips a file whose note names another kind, and
** loads every file without a note, as before. The descriptor stays the
** authority: the note only spares loading. One per library, at file scope:
**   ANALYTICA_PLUGIN_NOTE(ANALYTICA_KIND_EXTRACTOR)
** (analytica_cpp.hpp's ANALYTICA_DEFINE_ENTRY adds it). Stored in an ELF
** section of its own; `magic` tells a note from a section left zeroed (an
** initialiser that was not a constant). */
#define ANALYTICA_NOTE_SECTION ".analytica_note"
#define ANALYTICA_NOTE_MAGIC "analytica-note"
typedef struct analytica_plugin_note {
  char magic[16];    /* ANALYTICA_NOTE_MAGIC, NUL-padded */
  uint32_t abi_major;
  uint32_t kind;     /* analytica_plugin_kind */
} analytica_plugin_note;
#if defined(__GNUC__) && defined(__ELF__)
#define ANALYTICA_PLUGIN_NOTE(plugin_kind)                                        \
  __attribute__((used, section(ANALYTICA_NOTE_SECTION))) static const           \
      analytica_plugin_note analytica_plugin_note_ = {ANALYTICA_NOTE_MAGIC,      \
                                                      ANALYTICA_ABI_MAJOR, (uint32_t)(plugin_kind)}
#else /* no ELF sections: no note; the host loads the library to ask */
#define ANALYTICA_PLUGIN_NOTE(plugin_kind) extern const analytica_plugin_note analytica_plugin_note_absent_
#endif

/* ------------------------------------------------------------ interfaces */

#define ANALYTICA_SOURCE_V1 "analytica.source/1"
/* [instance-thread] Yields inputs in a stable order. next() fills *out
** (strings valid until the next call) and returns ANALYTICA_OK, or
** ANALYTICA_DONE at the end. */
typedef struct analytica_source_v1 {
  uint32_t struct_size;
  analytica_status (*next)(void *self, analytica_input *out);
} analytica_source_v1;

#define ANALYTICA_EXTRACTOR_V1 "analytica.extractor/1"
/* All members [instance-thread]. */
typedef struct analytica_extractor_v1 {
  uint32_t struct_size;
  /* Returns the schema of output table `index`, or NULL past the last. The
  ** schema lives as long as the instance. */
  const analytica_table_schema *(*output_table)(void *self, uint32_t index);
  /* Returns how well this extractor reads the file: 0 not at all .. 100
  ** certainly. Cheap: may look at the name and the first bytes only. */
  int32_t (*probe)(void *self, const analytica_input *input);
  /* Reads the input and hands batches to host->emit(). All or nothing:
  ** on a status < 0 the host discards what was emitted for this input.
  ** Convention: one row in a table named "document" holds facts about the
  ** whole input (e.g. the report's month); `analytica extract` prints its
  ** columns at the top level of its JSON output. */
  analytica_status (*extract)(void *self, const analytica_input *input);
} analytica_extractor_v1;

#define ANALYTICA_VALIDATOR_V1 "analytica.validator/1"
typedef struct analytica_validator_v1 {
  uint32_t struct_size;
  /* [instance-thread] Checks the rows of one batch and reports through
  ** host->report_check() or report_check_values().
  ** Must not change values. May read the store through host->query(). */
  analytica_status (*validate)(void *self, const analytica_batch *batch);
} analytica_validator_v1;

#define ANALYTICA_SINK_V1 "analytica.sink/1"
/* All members [instance-thread]. */
typedef struct analytica_sink_v1 {
  uint32_t struct_size;
  /* Creates the table if missing; adds missing columns. Returns
  ** ANALYTICA_ERR_CONFLICT if an existing column has another type. */
  analytica_status (*declare_table)(void *self, const analytica_table_schema *schema);
  /* Transaction boundaries, driven by the host: one per source file. */
  analytica_status (*begin)(void *self);
  analytica_status (*commit)(void *self);
  analytica_status (*rollback)(void *self);
  /* Writes rows, upserting on the schema's key columns. Only between begin
  ** and commit/rollback. */
  analytica_status (*write)(void *self, const analytica_batch *batch);
  /* Runs one parameterised statement (`?` placeholders, portable SQL);
  ** result rows go to fn (may be NULL for statements without rows). */
  analytica_status (*query)(void *self, const char *sql,
                            const analytica_value *params, uint32_t param_count,
                            analytica_row_fn fn, void *user);
  /* Optional (may be NULL; older sinks' tables end before it). Serialises
  ** the ingest of one source across every process and host sharing this
  ** store: blocks until no other transaction holds the lock for the same
  ** source_key, then holds it until the open transaction commits or rolls
  ** back. The host calls it right after begin() for each input, before
  ** governance looks the input up, with the input's display name (its file
  ** name; the uri if it has none), so a second host sees the report as
  ** already ingested. Only between begin and commit/rollback. source_key is
  ** borrowed for the call. A sink whose begin() already excludes every
  ** other writer (SQLite's BEGIN IMMEDIATE) leaves it NULL. Returns
  ** ANALYTICA_ERR_IO if the lock could not be taken within the sink's
  ** configured wait. */
  analytica_status (*lock_source)(void *self, const char *source_key); /* since 1.1 */
} analytica_sink_v1;

#define ANALYTICA_MONITOR_V1 "analytica.monitor/1"
typedef struct analytica_monitor_v1 {
  uint32_t struct_size;
  /* [instance-thread] Receives every run event. Must return quickly; errors are logged and
  ** otherwise ignored (a monitor never stops a run). */
  analytica_status (*on_event)(void *self, const analytica_event *event);
} analytica_monitor_v1;

#define ANALYTICA_GOVERNANCE_V1 "analytica.governance/1"

/* What governance decided about one input. */
typedef enum analytica_source_decision {
  ANALYTICA_SOURCE_INGEST = 1,      /* new: extract and write */
  ANALYTICA_SOURCE_SKIP = 2,        /* same bytes already ingested */
  ANALYTICA_SOURCE_NEW_VERSION = 3  /* known name, new bytes: supersede */
} analytica_source_decision;

/* Run facts governance records. Strings borrowed for the call. */
typedef struct analytica_run_info {
  uint32_t struct_size;
  const char *run_id;
  const char *pipeline;
  const char *config_sha256;  /* of the resolved pipeline configuration */
  const char *plugins_json;   /* [{"name","kind","version","sha256"}...] */
  /* Since 1.2: the pipeline's declared views (a JSON array, tables
  ** prefixed; "[]" when none), which governance records in
  ** ANALYTICA_T_VIEWS so readers need no pipeline file. */
  const char *views_json;
} analytica_run_info;

/* All members [instance-thread]. */
typedef struct analytica_governance_v1 {
  uint32_t struct_size;
  /* Declares governance's own tables through host->query()/the sink and
  ** records the run. Called once, before any source. */
  analytica_status (*run_start)(void *self, const analytica_run_info *run);
  /* Hashes the input (SHA-256), records it in the source registry and
  ** decides what the host does with it. Writes the lowercase hex digest and
  ** a NUL into sha256_out. Called inside the source's transaction. */
  analytica_status (*register_source)(void *self, const analytica_input *input,
                                      char sha256_out[65],
                                      analytica_source_decision *decision);
  /* Records lineage for a batch about to be written (inside the source's
  ** transaction), emitting its own rows through host->emit(). */
  analytica_status (*record_batch)(void *self, const analytica_input *input,
                                   const char *extractor,
                                   const analytica_batch *batch);
  /* Closes the source: status is ANALYTICA_OK when its records are about to
  ** commit; otherwise its transaction was rolled back and message says why
  ** (governance records the failure in a fresh transaction). */
  analytica_status (*source_end)(void *self, const analytica_input *input,
                                 analytica_status status, const char *message);
  /* Records the end of the run. */
  analytica_status (*run_end)(void *self, analytica_status status,
                              uint64_t records_written);
  /* Records the schema of a table the sinks are about to declare and
  ** compares it with the version recorded before. Called inside a
  ** transaction on the sinks, before the host declares the table on them:
  ** at run start for every extractor output table (after run_start), and
  ** during a source for a table first seen in that batch. New table or
  ** additive change (columns added): recorded as a new version and
  ** ANALYTICA_OK (the sinks then add the columns in the same transaction).
  ** Destructive change (a column removed or retyped, key changed):
  ** ANALYTICA_ERR_CONFLICT with a message saying what to do; the host
  ** then refuses the run (at run start) or fails the source. schema is
  ** borrowed for the call. May be NULL in tables of older plugins. */
  analytica_status (*check_schema)(void *self, const analytica_table_schema *schema); /* since 1.1 */
} analytica_governance_v1;

/* ------------------------------------------------------------ extensions */

#define ANALYTICA_SINK_ADMIN_V1 "analytica.sink.admin/1"
/* Optional on sinks: the storage questions the host must not answer by
** guessing the engine. All members [instance-thread]; none may be called
** between begin and commit/rollback. Rows go to fn as the member says. */
typedef struct analytica_sink_admin_v1 {
  uint32_t struct_size;
  /* Where the store lives, for people and for lineage namespaces:
  ** "sqlite:///abs/file.db", "postgres://host:port/db". Never holds a
  ** password. Valid as long as the instance. */
  const char *(*location)(void *self);
  /* Checks the store's integrity. thorough = 0: a quick check (seconds on
  ** a large store); 1: everything the engine can check. One row per
  ** problem found, (TEXT problem); no rows means the store is sound. */
  analytica_status (*check)(void *self, int32_t thorough, analytica_row_fn fn, void *user);
  /* One row per table in the store: (TEXT name, INT64 rows). */
  analytica_status (*tables)(void *self, analytica_row_fn fn, void *user);
  /* Bytes the store takes on disk (or in the server), in *out_bytes. */
  analytica_status (*size)(void *self, int64_t *out_bytes);
  /* Writes a consistent copy of the whole store to path (a new file), while
  ** other connections may go on writing. path is borrowed for the call. A
  ** failure leaves no file at path. */
  analytica_status (*backup)(void *self, const char *path);
  /* Replaces the store's contents with the copy at path, made by backup().
  ** The caller has checked the copy; the sink replaces all or nothing. */
  analytica_status (*restore)(void *self, const char *path);
  /* A number in *out that changes whenever a write to the store commits,
  ** through this instance or any other connection or process; it may also
  ** change without one (a cache keyed by it only recomputes more often).
  ** Cheap: a reader asks before each answer it caches, and reads the
  ** store after asking. Since 1.2; absent (struct_size too small) or NULL
  ** in tables of earlier 1.2 plugins. */
  analytica_status (*change_counter)(void *self, uint64_t *out);
} analytica_sink_admin_v1;

#define ANALYTICA_PREVIEW_V1 "analytica.preview/1"
/* Optional on extractors: shows people where figures came from, in the
** input as its publisher laid it out (a crop of a PDF page, a grid of a
** worksheet). All members [instance-thread]. */
typedef struct analytica_preview_request {
  uint32_t struct_size;
  const char *path;                /* the input file, as the extractor read it */
  const analytica_provenance *cells; /* cells to mark; all on one page */
  uint32_t cell_count;
  double scale;                    /* 1.0 = the extractor's natural size */
} analytica_preview_request;

typedef struct analytica_preview_v1 {
  uint32_t struct_size;
  /* Renders the cells of request in their context: with their row label
  ** and column header in view, the cells marked. Stores a media type
  ** ("image/png", "image/svg+xml", "text/html") and the bytes, which stay
  ** valid until the next call on the instance. ANALYTICA_ERR_FORMAT if the
  ** file is not one this extractor reads; ANALYTICA_ERR_INVALID for a page
  ** or cell outside it. */
  analytica_status (*render)(void *self, const analytica_preview_request *request,
                             const char **out_media_type, const uint8_t **out_data,
                             uint64_t *out_size);
} analytica_preview_v1;

#ifdef __cplusplus
}
#endif
#endif /* ANALYTICA_H */
