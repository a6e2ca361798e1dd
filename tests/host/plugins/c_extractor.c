/* A plugin written in plain C11: an extractor that reads "*.txt" files of
** lines "name value" into table c_items(name TEXT KEY, value INT64). It
** proves the header is C and that a C plugin loads and runs. */
#include <analytica.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct c_extractor {
  const analytica_host *host;
} c_extractor;

static const analytica_column columns[] = {
    {"name", ANALYTICA_TEXT, ANALYTICA_COLUMN_KEY},
    {"value", ANALYTICA_INT64, 0},
};
static const analytica_table_schema schema = {sizeof(analytica_table_schema), "c_items", columns, 2};

static analytica_status create(const analytica_host *host, const char *settings, void **out) {
  (void)settings;
  c_extractor *x = calloc(1, sizeof *x);
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
  (void)self;
  const char *dot = in->path ? strrchr(in->path, '.') : NULL;
  return dot && strcmp(dot, ".txt") == 0 ? 50 : 0;
}

static analytica_status extract(void *self, const analytica_input *in) {
  c_extractor *x = self;
  FILE *f = fopen(in->path, "r");
  if (!f) {
    x->host->fail(x->host->ctx, "cannot open input");
    return ANALYTICA_ERR_IO;
  }
  enum { MAX_ROWS = 64 };
  static char names[MAX_ROWS][64];
  analytica_value values[MAX_ROWS * 2];
  long value;
  uint64_t rows = 0;
  while (rows < MAX_ROWS && fscanf(f, "%63s %ld", names[rows], &value) == 2) {
    values[rows * 2].type = ANALYTICA_TEXT;
    values[rows * 2].as.text.ptr = names[rows];
    values[rows * 2].as.text.len = strlen(names[rows]);
    values[rows * 2 + 1].type = ANALYTICA_INT64;
    values[rows * 2 + 1].as.i = value;
    ++rows;
  }
  fclose(f);
  analytica_batch batch = {sizeof(analytica_batch), &schema, rows, values, NULL, NULL};
  return x->host->emit(x->host->ctx, &batch);
}

static const analytica_extractor_v1 extractor = {sizeof(analytica_extractor_v1), output_table, probe, extract};

static const void *get_interface(const char *id) {
  return strcmp(id, ANALYTICA_EXTRACTOR_V1) == 0 ? &extractor : NULL;
}

static const analytica_plugin_descriptor descriptor = {
    sizeof(analytica_plugin_descriptor), ANALYTICA_ABI_MAJOR, ANALYTICA_ABI_MINOR, ANALYTICA_KIND_EXTRACTOR,
    "test_c_extractor", "0.1.0", "plain C test extractor for *.txt", NULL, 0, create, destroy, get_interface};

ANALYTICA_EXPORT const analytica_plugin_descriptor *analytica_plugin_entry(void) { return &descriptor; }
