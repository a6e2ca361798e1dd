/* A descriptor with a chosen ABI version (TEST_ABI_MAJOR / TEST_ABI_MINOR),
** built under the name TEST_NAME, to test the host's version checks. An
** older-minor descriptor is shorter: struct_size shows only the fields an
** ABI 1.0 host knows. */
#include <analytica.h>

#include <string.h>

static analytica_status create(const analytica_host *host, const char *settings, void **out) {
  (void)host;
  (void)settings;
  static int instance;
  *out = &instance;
  return ANALYTICA_OK;
}
static void destroy(void *self) { (void)self; }
static analytica_status next(void *self, analytica_input *out) {
  (void)self;
  (void)out;
  return ANALYTICA_DONE;
}
static const analytica_source_v1 source = {sizeof(analytica_source_v1), next};
static const void *get_interface(const char *id) { return strcmp(id, ANALYTICA_SOURCE_V1) == 0 ? &source : NULL; }

static const analytica_plugin_descriptor descriptor = {
    sizeof(analytica_plugin_descriptor), TEST_ABI_MAJOR, TEST_ABI_MINOR, ANALYTICA_KIND_SOURCE,
    TEST_NAME, "0.1.0", "ABI version test plugin", NULL, 0, create, destroy, get_interface};

ANALYTICA_EXPORT const analytica_plugin_descriptor *analytica_plugin_entry(void) { return &descriptor; }
