// analytica-plugin-host --fd N --plugin FILE [--memory-mb MB] [--trust-policy FILE]
//
// The child process of an isolated plugin (run/isolated_plugin.h): loads
// FILE with the host's loader and trust policy, creates one instance and
// serves the calls the host sends over the socket on fd N
// (run/isolated_wire.h), forwarding the plugin's host services back over
// it. Started by `analytica` only; dies with it (PR_SET_PDEATHSIG). With
// --memory-mb the address space is limited (RLIMIT_AS) before the plugin is
// loaded. SIGTERM/SIGINT raise host->is_cancelled(). Exits 0 after destroy
// or when the host closes the socket, 2 on bad arguments.
#include "run/host_table.h"
#include "run/isolated_wire.h"
#include "run/plugin_loader.h"
#include "run/plugin_trust.h"

#include <analytica.h>

#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>
#include <atomic>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>
#include <string>

using namespace analytica;

namespace {

std::atomic<bool> g_stop{false};
void on_stop(int) { g_stop.store(true); }

int g_fd = -1;
unsigned long g_memory_mb = 0;  // RLIMIT_AS of this process, 0 = none
std::mutex g_send;              // log() may come from the plugin's own threads

// The host is gone: nothing left to serve.
[[noreturn]] void host_gone() { _exit(1); }

void send(wire::Writer& w) {
  std::lock_guard<std::mutex> lock(g_send);
  try {
    w.send(g_fd);
  } catch (const std::exception&) {
    host_gone();
  }
}

// Waits for the host's answer to a service call; rows of a query go to
// on_row first.
analytica_status wait_status(analytica_row_fn on_row = nullptr, void* user = nullptr) {
  bool stopped = false;
  try {
    for (;;) {
      wire::Reader m = wire::receive(g_fd);
      if (m.type() == wire::Type::status) return static_cast<analytica_status>(m.i32());
      if (m.type() != wire::Type::row) host_gone();
      const std::vector<Cell> cells = m.values();
      if (on_row && !stopped) {
        const std::vector<analytica_value> v = wire::views_of(cells);
        stopped = on_row(user, v.data(), static_cast<uint32_t>(v.size())) != 0;
      }
    }
  } catch (const std::exception&) {
    host_gone();
  }
}

struct Child {
  std::unique_ptr<LoadedPlugin> plugin;
  void* self = nullptr;
  std::string run_id, store_location;
  analytica_host host{};
};
Child g_child;

// The services of the instance's host table: each sends its call to the
// host over the socket and, where it has an answer, waits for it.
struct ChildServices {
  static void log(void*, analytica_log_level level, const char* message) {
    wire::Writer w(wire::Type::log);
    w.u8(static_cast<uint8_t>(level)).str(message ? message : "");
    send(w);
  }
  static void fail(void*, const char* message) {
    std::string text = message ? message : "";
    if (g_memory_mb && text.find("bad_alloc") != std::string::npos)
      text += " (past the isolated process's memory limit of " + std::to_string(g_memory_mb) + " MB)";
    wire::Writer w(wire::Type::fail);
    w.str(text);
    send(w);
  }
  static analytica_status emit(void*, const analytica_batch* batch) {
    if (!batch || !batch->schema) return ANALYTICA_ERR_INVALID;
    const analytica_batch b = read_sized(batch);
    wire::Writer w(wire::Type::emit);
    w.batch(b);
    send(w);
    return wait_status();
  }
  static void event(void*, analytica_event_kind kind, const char* message) {
    wire::Writer w(wire::Type::event);
    w.u32(static_cast<uint32_t>(kind)).str(message ? message : "");
    send(w);
  }
  static int is_cancelled(void*) { return g_stop.load() ? 1 : 0; }
  static analytica_status query(void*, const char* sql, const analytica_value* params, uint32_t n, analytica_row_fn fn,
                                void* user) {
    if (!sql) return ANALYTICA_ERR_INVALID;
    wire::Writer w(wire::Type::query);
    w.str(sql).values(params, params ? n : 0);
    send(w);
    return wait_status(fn, user);
  }
  static analytica_status report_check_values(void*, uint64_t row, const char* check, int passed, double confidence,
                                              const char* reason, const analytica_check_values* values) {
    wire::Writer w(wire::Type::report_check);
    w.u64(row).str(check ? check : "").i32(passed).f64(confidence).opt_str(reason);
    w.u8(values ? 1 : 0);
    if (values) {
      const analytica_check_values v = read_sized(values);
      w.opt_str(v.column).value(v.observed).value(v.expected).value(v.minimum).value(v.maximum);
    }
    send(w);
    return wait_status();
  }
  static analytica_status report_check(void* ctx, uint64_t row, const char* check, int passed, double confidence,
                                       const char* reason) {
    return report_check_values(ctx, row, check, passed, confidence, reason, nullptr);
  }
};

void done(int32_t value) {
  wire::Writer w(wire::Type::done);
  w.i32(value);
  send(w);
}

template <typename T>
T table(const char* id) {
  const T* t = static_cast<const T*>(g_child.plugin->descriptor().get_interface(id));
  return read_sized(t);
}

void serve_create(wire::Reader& m, const std::string& file) {
  const std::string settings = m.str();
  g_child.run_id = m.str();
  try {
    g_child.plugin = std::make_unique<LoadedPlugin>(file);
  } catch (const std::exception& e) {
    ChildServices::fail(nullptr, e.what());
    return done(ANALYTICA_ERR_INVALID);
  }
  g_child.host = host_table<ChildServices>(&g_child, g_child.run_id.c_str(), g_child.store_location.c_str());
  const analytica_status s = g_child.plugin->descriptor().create(&g_child.host, settings.c_str(), &g_child.self);
  if (s >= 0 && !g_child.self) {
    ChildServices::fail(nullptr, "create returned no instance");
    return done(ANALYTICA_ERR_INTERNAL);
  }
  done(s);
}

void set_store_location(wire::Reader& m) {
  g_child.store_location = m.str();
  g_child.host.store_location = g_child.store_location.c_str();
}

// probe and extract: takes the store location and the input from m, calls
// the extractor's `call` on them and answers its result (`absent` if the
// plugin has no such function).
template <typename Result>
void serve_input(wire::Reader& m, Result (*analytica_extractor_v1::*call)(void*, const analytica_input*),
                 int32_t absent) {
  set_store_location(m);
  const wire::Input in = m.input();
  const analytica_input view = in.view();
  const auto fn = table<analytica_extractor_v1>(ANALYTICA_EXTRACTOR_V1).*call;
  done(fn ? fn(g_child.self, &view) : absent);
}

void serve(const std::string& file) {
  for (;;) {
    std::optional<wire::Reader> next;
    try {
      next.emplace(wire::receive(g_fd));
    } catch (const std::exception&) {
      break;  // the host closed the socket
    }
    wire::Reader& m = *next;
    switch (m.type()) {
      case wire::Type::create:
        serve_create(m, file);
        break;
      case wire::Type::output_tables: {
        const auto ex = table<analytica_extractor_v1>(ANALYTICA_EXTRACTOR_V1);
        std::vector<const analytica_table_schema*> schemas;
        for (uint32_t i = 0; ex.output_table; ++i) {
          const analytica_table_schema* t = ex.output_table(g_child.self, i);
          if (!t) break;
          schemas.push_back(t);
        }
        wire::Writer w(wire::Type::tables);
        w.u32(static_cast<uint32_t>(schemas.size()));
        for (const auto* t : schemas) w.schema(read_sized(t));
        send(w);
        break;
      }
      case wire::Type::probe:
        serve_input(m, &analytica_extractor_v1::probe, 0);
        break;
      case wire::Type::extract:
        serve_input(m, &analytica_extractor_v1::extract, ANALYTICA_ERR_UNSUPPORTED);
        break;
      case wire::Type::validate: {
        set_store_location(m);
        const Batch b = m.batch();
        const auto v = table<analytica_validator_v1>(ANALYTICA_VALIDATOR_V1);
        done(v.validate ? v.validate(g_child.self, b.view()) : ANALYTICA_ERR_UNSUPPORTED);
        break;
      }
      case wire::Type::destroy:
        if (g_child.self) g_child.plugin->descriptor().destroy(g_child.self);
        _exit(0);
      default:
        _exit(1);  // a host of another build: nothing sensible to do
    }
  }
  if (g_child.self) g_child.plugin->descriptor().destroy(g_child.self);
  _exit(0);
}

}  // namespace

int main(int argc, char** argv) {
  std::string file, trust_policy;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string key = argv[i], value = argv[i + 1];
    if (key == "--fd")
      g_fd = std::atoi(value.c_str());
    else if (key == "--plugin")
      file = value;
    else if (key == "--memory-mb")
      g_memory_mb = std::strtoul(value.c_str(), nullptr, 10);
    else if (key == "--trust-policy")
      trust_policy = value;
  }
  if (g_fd < 0 || file.empty()) {
    std::fprintf(stderr, "analytica-plugin-host: started by analytica for an isolated plugin; not a command\n");
    return 2;
  }
  const pid_t parent = getppid();
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (getppid() != parent) return 1;  // the host died before the line above
  std::signal(SIGPIPE, SIG_IGN);
  std::signal(SIGINT, on_stop);
  std::signal(SIGTERM, on_stop);
  if (!trust_policy.empty()) trust::set_policy_file(trust_policy);
  if (g_memory_mb) {
    const rlim_t bytes = static_cast<rlim_t>(g_memory_mb) << 20;
    const rlimit limit{bytes, bytes};
    setrlimit(RLIMIT_AS, &limit);
  }
  serve(file);
}
