/* A plain C11 extractor written to an OLDER release of the ABI: the build
** puts include/analytica/compat/<version>/ first on the include path, so
** <analytica.h> is the header as released then. It reads "*.kv" files of
** lines "name value" into table compat_items(name TEXT key, value INT64,
** abi TEXT) and records in `abi` the version it was built for, so the test
** sees which build ran.
** COMPAT_NAME names the plugin; COMPAT_ABI_MAJOR / COMPAT_ABI_MINOR may
** override the declared version (to build deliberately incompatible ones). */
#include <analytica.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef COMPAT_NAME
#error "define COMPAT_NAME"
#endif
#ifndef COMPAT_ABI_MAJOR
#define COMPAT_ABI_MAJOR ANALYTICA_ABI_MAJOR
#endif
#ifndef COMPAT_ABI_MINOR
#define COMPAT_ABI_MINOR ANALYTICA_ABI_MINOR
#endif
#define STR2(x) #x
#define STR(x) STR2(x)

typedef struct compat_extractor {
  const analytica_host *host;
} compat_extractor;

static const analytica_column columns[] = {
    {"name", ANALYTICA_TEXT, ANALYTICA_COLUMN_KEY},
    {"value", ANALYTICA_INT64, 0},
    {"abi", ANALYTICA_TEXT, 0},
};
static const analytica_table_schema schema = {sizeof(analytica_table_schema), "compat_items", columns, 3};
static const char abi_text[] = STR(COMPAT_ABI_MAJOR) "." STR(COMPAT_ABI_MINOR);

static analytica_status create(const analytica_host *host, const char *settings, void **out) {
  compat_extractor *x = calloc(1, sizeof *x);
  (void)settings;
  if (!x) {
    host->fail(host->ctx, "out of memory");
    return ANALYTICA_ERR_INTERNAL;
  }
  x->host = host;
  *out = x;
  return ANALYTICA_OK;
}

static void destroy(void *self) { free(self); }

static const analytica_table_schema *output_table(void *self, uint32_t index) {
  (void)self;
  return index == 0 ? &schema : NULL;
}

static int32_t probe(void *self, const analytica_input *in) {
  const char *dot = in->path ? strrchr(in->path, '.') : NULL;
  (void)self;
  return dot && strcmp(dot, ".kv") == 0 ? 60 : 0;
}

#define MAX_ROWS 64
static analytica_status extract(void *self, const analytica_input *in) {
  compat_extractor *x = self;
  static char names[MAX_ROWS][64];
  analytica_value values[MAX_ROWS * 3];
  analytica_batch batch;
  long value;
  uint64_t rows = 0;
  FILE *f = fopen(in->path, "r");
  if (!f) {
    x->host->fail(x->host->ctx, "cannot open input");
    return ANALYTICA_ERR_IO;
  }
  memset(values, 0, sizeof values);
  while (rows < MAX_ROWS && fscanf(f, "%63s %ld", names[rows], &value) == 2) {
    analytica_value *v = values + rows * 3;
    v[0].type = ANALYTICA_TEXT;
    v[0].as.text.ptr = names[rows];
    v[0].as.text.len = strlen(names[rows]);
    v[1].type = ANALYTICA_INT64;
    v[1].as.i = value;
    v[2].type = ANALYTICA_TEXT;
    v[2].as.text.ptr = abi_text;
    v[2].as.text.len = sizeof abi_text - 1;
    ++rows;
  }
  fclose(f);
  memset(&batch, 0, sizeof batch);
  batch.struct_size = sizeof batch;
  batch.schema = &schema;
  batch.row_count = rows;
  batch.values = values;
  return x->host->emit(x->host->ctx, &batch);
}

static const analytica_extractor_v1 extractor = {sizeof(analytica_extractor_v1), output_table, probe, extract};

static const void *get_interface(const char *id) {
  return id && strcmp(id, ANALYTICA_EXTRACTOR_V1) == 0 ? &extractor : NULL;
}

static const analytica_plugin_descriptor descriptor = {
    sizeof(analytica_plugin_descriptor), COMPAT_ABI_MAJOR, COMPAT_ABI_MINOR, ANALYTICA_KIND_EXTRACTOR,
    COMPAT_NAME, "1.0.0", "test extractor built against a released header", NULL, 0, create, destroy,
    get_interface};

ANALYTICA_EXPORT const analytica_plugin_descriptor *analytica_plugin_entry(void) { return &descriptor; }
