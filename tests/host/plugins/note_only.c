/* A library noted as a sink (ANALYTICA_PLUGIN_NOTE) that is no plugin: no
** entry symbol. Loading it runs its constructor, which creates the file
** named by ANALYTICA_TEST_LOADED_MARKER: a test can tell whether it was loaded. */
#include <analytica.h>

#include <stdio.h>
#include <stdlib.h>

ANALYTICA_PLUGIN_NOTE(ANALYTICA_KIND_SINK);

__attribute__((constructor)) static void mark_loaded(void) {
  const char *marker = getenv("ANALYTICA_TEST_LOADED_MARKER");
  FILE *f = marker ? fopen(marker, "w") : NULL;
  if (f) fclose(f);
}
