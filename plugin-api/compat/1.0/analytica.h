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
**     are only ever appended. Interfaces are asked for by versioned id
**     ("analytica.source/1"); a breaking change gets a new id.
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
** (the run thread). Host services may be called only from within a call the
** host made into that instance, on the same thread — except log() and
** is_cancelled(), which are thread-safe. A plugin may run its own threads
** (a monitor serving HTTP, say) but must stop them in destroy().
*/
#ifndef ANALYTICA_H
#define ANALYTICA_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define ANALYTICA_ABI_MAJOR 1
#define ANALYTICA_ABI_MINOR 0

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

/* One cell value. For ANALYTICA_TEXT, text points at `len` bytes of UTF-8
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

/* A rectangle on a page in PDF points, origin at the page's top-left. */
typedef struct analytica_box {
  double x0, y0, x1, y1;
} analytica_box;

/* Where one cell came from. page is 1-based; 0 means "no page" (CSV, say),
** in which case box is all zeros. confidence is in [0, 1]. */
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

/* A column of a table. */
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

/* Called once per row of a query result. Return 0 to continue, non-zero to
** stop early. values is borrowed for the call. */
typedef int (*analytica_row_fn)(void *user, const analytica_value *values,
                                uint32_t column_count);

/* The services table the host hands every plugin instance at creation. It
** stays valid until that instance is destroyed. Pass `ctx` back as first
** argument; it identifies the calling instance to the host. */
typedef struct analytica_host {
  uint32_t struct_size;
  uint32_t abi_major;
  uint32_t abi_minor;
  void *ctx;
  const char *run_id; /* of the current run; "" outside runs */

  /* Logs one message on behalf of the plugin. Thread-safe. */
  void (*log)(void *ctx, analytica_log_level level, const char *message);

  /* Sets the reason for the failure the current call is about to return.
  ** The host copies it. Call it before returning a status < 0. */
  void (*fail)(void *ctx, const char *message);

  /* Hands the host a batch of records (extractors, governance). The host
  ** copies it before returning. Governance batches are written through the
  ** primary sink inside the current transaction; an empty governance batch
  ** only declares its table. */
  analytica_status (*emit)(void *ctx, const analytica_batch *batch);

  /* Raises a run event (warnings, progress) for monitors and the log. */
  void (*event)(void *ctx, analytica_event_kind kind, const char *message);

  /* Non-zero once the user asked the run to stop. Thread-safe. Long calls
  ** should poll it and return ANALYTICA_ERR_CANCELLED. */
  int (*is_cancelled)(void *ctx);

  /* Reads the primary store (through the sink) with a parameterised SQL
  ** statement using `?` placeholders in the portable subset of SQL that
  ** SQLite and PostgreSQL share. Rows go to fn. Inside a run, reads see the
  ** current transaction. */
  analytica_status (*query)(void *ctx, const char *sql,
                            const analytica_value *params, uint32_t param_count,
                            analytica_row_fn fn, void *user);

  /* Validators: records the outcome of one check on one row of the batch
  ** under validation. passed is 0 or 1; confidence in [0, 1] is the check's
  ** own score for the row; reason is human-readable (may be NULL if passed). */
  analytica_status (*report_check)(void *ctx, uint64_t row, const char *check,
                                   int passed, double confidence,
                                   const char *reason);
} analytica_host;

/* -------------------------------------------------------------- settings */

/* One setting a plugin accepts, for validation, `plugins inspect` and the
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

  /* Creates an instance. settings_json is a JSON object (already checked
  ** against `settings` by the host). On success stores the instance in
  ** *out_self and returns ANALYTICA_OK; on failure calls host->fail(). host
  ** outlives the instance. */
  analytica_status (*create)(const analytica_host *host,
                             const char *settings_json, void **out_self);

  /* Destroys an instance; never fails. Safe to call with NULL. */
  void (*destroy)(void *self);

  /* Returns the interface table for id (e.g. ANALYTICA_SOURCE_V1) or NULL
  ** if this plugin does not provide it. The table is static. */
  const void *(*get_interface)(const char *id);
} analytica_plugin_descriptor;

/* The entry point every plugin exports. Must not fail; must not allocate
** per call; safe to call more than once. */
typedef const analytica_plugin_descriptor *(*analytica_entry_fn)(void);

/* ------------------------------------------------------------ interfaces */

#define ANALYTICA_SOURCE_V1 "analytica.source/1"
/* Yields inputs in a stable order. next() fills *out (strings valid until
** the next call) and returns ANALYTICA_OK, or ANALYTICA_DONE at the end. */
typedef struct analytica_source_v1 {
  uint32_t struct_size;
  analytica_status (*next)(void *self, analytica_input *out);
} analytica_source_v1;

#define ANALYTICA_EXTRACTOR_V1 "analytica.extractor/1"
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
  /* Checks the rows of one batch and reports through host->report_check().
  ** Must not change values. May read the store through host->query(). */
  analytica_status (*validate)(void *self, const analytica_batch *batch);
} analytica_validator_v1;

#define ANALYTICA_SINK_V1 "analytica.sink/1"
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
} analytica_sink_v1;

#define ANALYTICA_MONITOR_V1 "analytica.monitor/1"
typedef struct analytica_monitor_v1 {
  uint32_t struct_size;
  /* Receives every run event. Must return quickly; errors are logged and
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
} analytica_run_info;

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
} analytica_governance_v1;

#ifdef __cplusplus
}
#endif
#endif /* ANALYTICA_H */
