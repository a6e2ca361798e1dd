/* A user's own monitor, written against nothing but analytica.h and loaded
** from a plugin directory of its own: it appends one line per run event to
** the file named by its "file" setting. The README's "Monitoring" section
** shows it as the template for custom monitors. Plain C11. */
#include <analytica.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct event_log {
  const analytica_host *host;
  char path[1024];
} event_log;

static const analytica_setting settings[] = {
    {"file", "string", NULL, 1, "file the events are appended to"},
};

/* Pulls the "file" value out of the settings JSON (the host has already
** checked it is a string); a real plugin would use a JSON parser. */
static int setting_file(const char *json, char *out, size_t size) {
  const char *p = strstr(json ? json : "", "\"file\"");
  if (!p) return 0;
  p = strchr(p + 6, '"');
  if (!p) return 0;
  const char *end = strchr(p + 1, '"');
  if (!end || (size_t)(end - p - 1) >= size) return 0;
  memcpy(out, p + 1, (size_t)(end - p - 1));
  out[end - p - 1] = '\0';
  return 1;
}

static analytica_status create(const analytica_host *host, const char *settings_json, void **out_self) {
  event_log *self = calloc(1, sizeof *self);
  if (!self) {
    host->fail(host->ctx, "out of memory");
    return ANALYTICA_ERR_INTERNAL;
  }
  self->host = host;
  if (!setting_file(settings_json, self->path, sizeof self->path)) {
    free(self);
    host->fail(host->ctx, "settings: file: expected a file name");
    return ANALYTICA_ERR_INVALID;
  }
  *out_self = self;
  return ANALYTICA_OK;
}

static void destroy(void *self) { free(self); }

static const char *kind_name(analytica_event_kind k) {
  switch (k) {
    case ANALYTICA_EVENT_RUN_START: return "run_start";
    case ANALYTICA_EVENT_SOURCE_START: return "source_start";
    case ANALYTICA_EVENT_RECORDS_WRITTEN: return "records_written";
    case ANALYTICA_EVENT_SOURCE_DONE: return "source_done";
    case ANALYTICA_EVENT_SOURCE_SKIPPED: return "source_skipped";
    case ANALYTICA_EVENT_SOURCE_FAILED: return "source_failed";
    case ANALYTICA_EVENT_WARNING: return "warning";
    case ANALYTICA_EVENT_ERROR: return "error";
    case ANALYTICA_EVENT_RUN_END: return "run_end";
  }
  return "other";
}

static analytica_status on_event(void *self_, const analytica_event *ev) {
  event_log *self = self_;
  FILE *f = fopen(self->path, "a");
  if (!f) {
    self->host->fail(self->host->ctx, "cannot open the event log");
    return ANALYTICA_ERR_IO;
  }
  fprintf(f, "%s pipeline=%s source=%s records=%llu status=%d\n", kind_name(ev->kind),
          ev->pipeline ? ev->pipeline : "", ev->source ? ev->source : "", (unsigned long long)ev->records,
          (int)ev->status);
  fclose(f);
  return ANALYTICA_OK;
}

static const analytica_monitor_v1 monitor = {sizeof(analytica_monitor_v1), on_event};

static const void *get_interface(const char *id) {
  return strcmp(id, ANALYTICA_MONITOR_V1) == 0 ? &monitor : NULL;
}

static const analytica_plugin_descriptor descriptor = {
    sizeof(analytica_plugin_descriptor), ANALYTICA_ABI_MAJOR, ANALYTICA_ABI_MINOR, ANALYTICA_KIND_MONITOR,
    "event_log_monitor", "1.0.0", "appends one line per run event to a file",
    settings, sizeof settings / sizeof settings[0], create, destroy, get_interface};

ANALYTICA_EXPORT const analytica_plugin_descriptor *analytica_plugin_entry(void) { return &descriptor; }
