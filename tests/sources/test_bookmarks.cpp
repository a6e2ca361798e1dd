// Governance's side of input bookmarks (ABI 1.2), driven through the C ABI
// alone: the governance module on a real sink_sqlite, with a test host whose
// emit() and query() go to that sink, as the host's do. The bookmark commits
// with the input's transaction and rolls back with it.
#include "support/sink_module.h"
#include "support/support.h"

#include <analytica_store.h>
#include <catch2/catch.hpp>

#include <dlfcn.h>

#include <set>

using analytica::Batch;
using analytica::Cell;
using sinktest::Row;

namespace {

// The host a governance instance sees: emit() declares and writes through
// the sink, query() reads through it.
struct GovHost {
  explicit GovHost(sinktest::Sink& store) : sink(store) {
    host.struct_size = sizeof host;
    host.abi_major = ANALYTICA_ABI_MAJOR;
    host.abi_minor = ANALYTICA_ABI_MINOR;
    host.ctx = this;
    host.run_id = "run-1";
    host.log = [](void*, analytica_log_level, const char*) {};
    host.fail = [](void* ctx, const char* m) { static_cast<GovHost*>(ctx)->failure = m ? m : ""; };
    host.emit = [](void* ctx, const analytica_batch* b) {
      auto* self = static_cast<GovHost*>(ctx);
      const Batch copy = Batch::copy_of(*b);
      if (self->declared.insert(copy.schema().table()).second) {
        const analytica_status s = self->sink.declare(copy.schema());
        if (s < 0) return s;
      }
      return copy.row_count() ? self->sink.write(copy) : ANALYTICA_OK;
    };
    host.event = [](void*, analytica_event_kind, const char*) {};
    host.is_cancelled = [](void*) { return 0; };
    host.query = [](void* ctx, const char* sql, const analytica_value* params, uint32_t n, analytica_row_fn fn,
                    void* user) {
      auto* self = static_cast<GovHost*>(ctx);
      std::vector<Cell> cells;
      for (uint32_t i = 0; i < n; ++i) cells.push_back(analytica::cell_from(params[i]));
      std::vector<Row> rows;
      const analytica_status s = self->sink.query(sql, cells, rows);
      if (s < 0 || !fn) return s;
      for (const auto& r : rows) {
        std::vector<analytica_value> v;
        for (const auto& c : r) v.push_back(analytica::value_of(c));
        if (fn(user, v.data(), static_cast<uint32_t>(v.size()))) break;
      }
      return s;
    };
    host.store_location = "";
  }
  sinktest::Sink& sink;
  analytica_host host{};
  std::set<std::string> declared;
  std::string failure;
};

}  // namespace

TEST_CASE("governance writes an input's bookmark inside the input's transaction", "[sources][bookmarks]") {
  TempDir dir;
  sinktest::Sink sink(std::string(PLUGIN_DIR) + "/libsink_sqlite.so",
                      "{\"path\": " + json_string(dir.file("store.db")) + "}");
  sinktest::require_open(sink);
  void* lib = dlopen((std::string(PLUGIN_DIR) + "/libgovernance.so").c_str(), RTLD_NOW | RTLD_LOCAL);
  REQUIRE(lib);
  const auto entry = reinterpret_cast<analytica_entry_fn>(dlsym(lib, ANALYTICA_ENTRY));
  REQUIRE(entry);
  const analytica_plugin_descriptor* d = entry();
  const auto* gov = static_cast<const analytica_governance_v1*>(d->get_interface(ANALYTICA_GOVERNANCE_V1));
  REQUIRE(gov);
  GovHost host(sink);
  void* self = nullptr;
  REQUIRE(d->create(&host.host, "{\"openlineage_path\": \"\"}", &self) == ANALYTICA_OK);

  const analytica_run_info run{sizeof(analytica_run_info), "run-1", "permits", "cfg", "[]"};
  REQUIRE(sink.begin() == ANALYTICA_OK);
  REQUIRE(gov->run_start(self, &run) == ANALYTICA_OK);
  REQUIRE(sink.commit() == ANALYTICA_OK);
  CHECK(sink.text_rows(std::string("SELECT count(*) FROM ") + ANALYTICA_T_BOOKMARKS) == std::vector<std::string>{"0"});

  auto ingest = [&](const std::string& name, const char* key, const char* value, bool commit) {
    write_text(dir / name, "[{\"n\": \"" + name + "\"}]");
    const std::string path = dir.file(name), uri = "http://portal.test/" + name;
    const analytica_input in{sizeof(analytica_input), uri.c_str(), path.c_str(), name.c_str(), nullptr, key, value, nullptr, nullptr};
    char sha[65] = {0};
    analytica_source_decision decision{};
    REQUIRE(sink.begin() == ANALYTICA_OK);
    REQUIRE(gov->register_source(self, &in, sha, &decision) == ANALYTICA_OK);
    if (commit) {
      REQUIRE(gov->source_end(self, &in, ANALYTICA_OK, nullptr) == ANALYTICA_OK);
      REQUIRE(sink.commit() == ANALYTICA_OK);
    } else {
      REQUIRE(sink.rollback() == ANALYTICA_OK);
      host.declared.clear();  // declarations rolled back too
      REQUIRE(sink.begin() == ANALYTICA_OK);  // the failure is recorded in a transaction of its own
      REQUIRE(gov->source_end(self, &in, ANALYTICA_ERR_FORMAT, "the page did not read") == ANALYTICA_OK);
      REQUIRE(sink.commit() == ANALYTICA_OK);
    }
    return std::string(sha);
  };
  const std::string sha1 = ingest("page1.json", "socrata:portal.test/c2es-76ed", "2024-01-05|BP1", true);
  const std::string sql = std::string("SELECT bookmark_key, value, source_sha256, run_id FROM ") + ANALYTICA_T_BOOKMARKS;
  CHECK(sink.text_rows(sql) ==
        std::vector<std::string>{"socrata:portal.test/c2es-76ed|2024-01-05|BP1|" + sha1 + "|run-1"});

  // A page whose transaction rolls back leaves the bookmark where it was.
  ingest("page2.json", "socrata:portal.test/c2es-76ed", "2024-01-09|BP2", false);
  CHECK(sink.text_rows(sql) ==
        std::vector<std::string>{"socrata:portal.test/c2es-76ed|2024-01-05|BP1|" + sha1 + "|run-1"});

  // The page again, committed this time; an input without a bookmark changes nothing.
  const std::string sha2 = ingest("page2.json", "socrata:portal.test/c2es-76ed", "2024-01-09|BP2", true);
  ingest("report.pdf", nullptr, nullptr, true);
  ingest("other.json", "", "ignored", true);
  CHECK(sink.text_rows(sql) ==
        std::vector<std::string>{"socrata:portal.test/c2es-76ed|2024-01-09|BP2|" + sha2 + "|run-1"});

  // Two sources keep a bookmark each.
  ingest("permits-b.json", "socrata:portal.test/other", "7", true);
  CHECK(sink.text_rows(std::string("SELECT bookmark_key, value FROM ") + ANALYTICA_T_BOOKMARKS + " ORDER BY 1") ==
        std::vector<std::string>{"socrata:portal.test/c2es-76ed|2024-01-09|BP2", "socrata:portal.test/other|7"});
  d->destroy(self);
}
