// The analytica.sink.admin/1 extension of sink_sqlite through the C ABI
// only (dlopen, the entry symbol and the test host of support/sink_module.h): which
// sinks offer it, location, check, tables, size, and the contract of backup
// and restore — a new file or nothing, refused inside a transaction, restore
// all or nothing and refusing what is not a sound database.
#include "analytica.h"
#include "support/sink_module.h"
#include "support/support.h"

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace fs = std::filesystem;

namespace {

const analytica_plugin_descriptor* load(const std::string& file) {
  return sinktest::SinkModule::get(file).descriptor;
}

// One sink_sqlite instance on `db` with its admin and sink tables.
struct Store {
  sinktest::TestHost host;
  const analytica_plugin_descriptor* d;
  void* self = nullptr;
  const analytica_sink_v1* sink;
  const analytica_sink_admin_v1* admin;
  explicit Store(const fs::path& db) : d(load(SINK_SQLITE_MODULE)) {
    const std::string settings = "{\"path\": \"" + db.string() + "\"}";
    REQUIRE(d->create(host.table(), settings.c_str(), &self) == ANALYTICA_OK);
    sink = static_cast<const analytica_sink_v1*>(d->get_interface(ANALYTICA_SINK_V1));
    admin = static_cast<const analytica_sink_admin_v1*>(d->get_interface(ANALYTICA_SINK_ADMIN_V1));
    REQUIRE(sink);
    REQUIRE(admin);
    REQUIRE(admin->struct_size >= sizeof(analytica_sink_admin_v1));
  }
  ~Store() { d->destroy(self); }
  void exec(const std::string& sql) {
    INFO(sql);
    REQUIRE(sink->query(self, sql.c_str(), nullptr, 0, nullptr, nullptr) == ANALYTICA_OK);
  }
  std::vector<std::string> problems(int thorough) {
    std::vector<std::string> out;
    auto fn = [](void* user, const analytica_value* v, uint32_t n) -> int {
      if (n == 1 && v[0].type == ANALYTICA_TEXT)
        static_cast<std::vector<std::string>*>(user)->emplace_back(v[0].as.text.ptr, v[0].as.text.len);
      return 0;
    };
    REQUIRE(admin->check(self, thorough, fn, &out) == ANALYTICA_OK);
    return out;
  }
  std::vector<std::pair<std::string, int64_t>> tables() {
    std::vector<std::pair<std::string, int64_t>> out;
    auto fn = [](void* user, const analytica_value* v, uint32_t n) -> int {
      auto* rows = static_cast<std::vector<std::pair<std::string, int64_t>>*>(user);
      if (n != 2 || v[0].type != ANALYTICA_TEXT || v[1].type != ANALYTICA_INT64)
        rows->emplace_back("(bad row shape)", -1);
      else
        rows->emplace_back(std::string(v[0].as.text.ptr, v[0].as.text.len), v[1].as.i);
      return 0;
    };
    REQUIRE(admin->tables(self, fn, &out) == ANALYTICA_OK);
    return out;
  }
};

int64_t count_rows(const fs::path& db, const std::string& table) {
  return std::stoll(sql_value(db, "SELECT count(*) FROM " + table));
}

// A store whose table t holds 1 and 2, backed up to `copy`.
struct BackedUpStore {
  TempDir tmp;
  Store s{tmp.path / "a.db"};
  const fs::path copy = tmp.path / "copy.db";
  BackedUpStore() {
    s.exec("CREATE TABLE t (x INTEGER)");
    s.exec("INSERT INTO t VALUES (1), (2)");
    REQUIRE(s.admin->backup(s.self, copy.c_str()) == ANALYTICA_OK);
  }
};

}  // namespace

TEST_CASE("sink.admin/1: offered by sink_sqlite and sink_postgres, not by sink_export", "[admin]") {
  CHECK(load(SINK_SQLITE_MODULE)->get_interface(ANALYTICA_SINK_ADMIN_V1) != nullptr);
  CHECK(load(SINK_POSTGRES_MODULE)->get_interface(ANALYTICA_SINK_ADMIN_V1) != nullptr);
  CHECK(load(SINK_EXPORT_MODULE)->get_interface(ANALYTICA_SINK_ADMIN_V1) == nullptr);
  CHECK(load(SINK_SQLITE_MODULE)->get_interface(nullptr) == nullptr);
  CHECK(load(SINK_SQLITE_MODULE)->get_interface(ANALYTICA_SINK_V1) != nullptr);
}

TEST_CASE("sink_sqlite admin: location, check, tables, size", "[admin]") {
  TempDir tmp;
  Store s(tmp.path / "a.db");
  CHECK(std::string(s.admin->location(s.self)) == "sqlite://" + (tmp.path / "a.db").string());
  s.exec("CREATE TABLE t (x INTEGER)");
  s.exec("INSERT INTO t VALUES (1), (2), (3)");
  CHECK(s.problems(0).empty());
  CHECK(s.problems(1).empty());
  const auto tables = s.tables();
  REQUIRE(tables.size() == 1);
  CHECK(tables[0].first == "t");
  CHECK(tables[0].second == 3);
  int64_t bytes = 0;
  REQUIRE(s.admin->size(s.self, &bytes) == ANALYTICA_OK);
  CHECK(bytes > 0);
  CHECK(s.admin->size(s.self, nullptr) == ANALYTICA_ERR_INVALID);
}

TEST_CASE_METHOD(BackedUpStore, "sink_sqlite admin: backup makes a new sound file or nothing", "[admin]") {
  CHECK(count_rows(copy, "t") == 2);
  CHECK_FALSE(fs::exists(copy.string() + "-wal"));

  SECTION("an existing file is not overwritten") {
    std::ofstream(tmp.path / "taken.db") << "keep me";
    CHECK(s.admin->backup(s.self, (tmp.path / "taken.db").c_str()) == ANALYTICA_ERR_INVALID);
    std::ifstream in(tmp.path / "taken.db");
    std::string text((std::istreambuf_iterator<char>(in)), {});
    CHECK(text == "keep me");
  }
  SECTION("a missing directory leaves no file") {
    const fs::path nowhere = tmp.path / "no" / "such" / "dir.db";
    CHECK(s.admin->backup(s.self, nowhere.c_str()) < 0);
    CHECK_FALSE(fs::exists(nowhere));
    CHECK_FALSE(s.host.last_failure().empty());
  }
  SECTION("no path") { CHECK(s.admin->backup(s.self, nullptr) == ANALYTICA_ERR_INVALID); }
  SECTION("refused inside a transaction") {
    REQUIRE(s.sink->begin(s.self) == ANALYTICA_OK);
    CHECK(s.admin->backup(s.self, (tmp.path / "in-tx.db").c_str()) == ANALYTICA_ERR_INVALID);
    CHECK(s.admin->restore(s.self, copy.c_str()) == ANALYTICA_ERR_INVALID);
    CHECK(s.admin->check(s.self, 0, nullptr, nullptr) == ANALYTICA_ERR_INVALID);
    CHECK_FALSE(fs::exists(tmp.path / "in-tx.db"));
    REQUIRE(s.sink->rollback(s.self) == ANALYTICA_OK);
  }
}

TEST_CASE_METHOD(BackedUpStore, "sink_sqlite admin: restore replaces all or nothing", "[admin]") {
  s.exec("DELETE FROM t");
  s.exec("CREATE TABLE later (y TEXT)");

  SECTION("a sound copy: its contents, the later table gone, the store still writable") {
    REQUIRE(s.admin->restore(s.self, copy.c_str()) == ANALYTICA_OK);
    CHECK(count_rows(tmp.path / "a.db", "t") == 2);
    const auto tables = s.tables();
    REQUIRE(tables.size() == 1);
    CHECK(tables[0].first == "t");
    s.exec("INSERT INTO t VALUES (3)");
    CHECK(count_rows(tmp.path / "a.db", "t") == 3);
    CHECK(s.problems(1).empty());
  }
  SECTION("not a database: ANALYTICA_ERR_FORMAT, the store untouched") {
    std::ofstream(tmp.path / "text.db") << "this is not an SQLite database, not at all, no";
    CHECK(s.admin->restore(s.self, (tmp.path / "text.db").c_str()) == ANALYTICA_ERR_FORMAT);
    CHECK(count_rows(tmp.path / "a.db", "t") == 0);
    CHECK(s.tables().size() == 2);
  }
  SECTION("a missing file") {
    CHECK(s.admin->restore(s.self, (tmp.path / "none.db").c_str()) == ANALYTICA_ERR_INVALID);
    CHECK(s.tables().size() == 2);
  }
}
