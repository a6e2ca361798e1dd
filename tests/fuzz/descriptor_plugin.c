/* A plugin library for fuzz_plugin_descriptor: its entry returns whatever
** descriptor the fuzz target last handed it, so the host's real loader
** (dlopen, entry symbol, version and descriptor checks) runs on it. */
#include "analytica.h"

static const analytica_plugin_descriptor *g_descriptor;

ANALYTICA_EXPORT void fuzz_set_descriptor(const analytica_plugin_descriptor *d) { g_descriptor = d; }

ANALYTICA_EXPORT const analytica_plugin_descriptor *analytica_plugin_entry(void) { return g_descriptor; }
