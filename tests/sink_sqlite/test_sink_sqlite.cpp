// test_sink_sqlite.cpp — drives the built sink_sqlite module through the C ABI
// only (tests/support/sink_module.h: dlopen() + dlsym(ANALYTICA_ENTRY), a
// minimal host services table that records fail() messages) against real
// SQLite files in a temporary directory.
#include "support/sink_module.h"
#include "support/support.h"

#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <set>
#include <string>
#include <thread>
#include <vector>

#ifndef SINK_SQLITE_MODULE
#error "SINK_SQLITE_MODULE must name the built module"
#endif

using namespace sinktest;
namespace fs = std::filesystem;

namespace {

const std::string kModule = SINK_SQLITE_MODULE;

// Settings JSON for a database file; extra is appended inside the object.
std::string settings_for(const std::string& path, const std::string& extra = "") {
  return "{\"path\": \"" + path + "\"" + (extra.empty() ? "" : ", " + extra) + "}";
}

// A test's sink_sqlite instance on a fresh database file, dir/a.db; it must open.
struct FreshSink {
  TempDir dir;
  Sink sink{kModule, settings_for(dir.file("a.db"))};
  FreshSink() { require_open(sink); }
};

// Two sink_sqlite instances on one database file, dir/shared.db, the second
// with busy_timeout_ms `second_busy_timeout_ms`; both must open.
struct TwoConnections {
  TempDir dir;
  const std::string db = dir.file("shared.db");
  Sink first, second;
  explicit TwoConnections(int second_busy_timeout_ms)
      : first(kModule, settings_for(db)),
        second(kModule, settings_for(db, "\"busy_timeout_ms\": " + std::to_string(second_busy_timeout_ms))) {
    REQUIRE(first.ok());
    REQUIRE(second.ok());
  }
};

}  // namespace

// ------------------------------------------------------------------- tests

TEST_CASE("descriptor and interface", "[sink_sqlite]") {
  const auto* d = SinkModule::get(kModule).descriptor;
  CHECK(d->struct_size == sizeof(analytica_plugin_descriptor));
  CHECK(d->abi_major == ANALYTICA_ABI_MAJOR);
  CHECK(d->abi_minor == ANALYTICA_ABI_MINOR);
  CHECK(d->kind == ANALYTICA_KIND_SINK);
  CHECK(std::string(d->name) == "sink_sqlite");
  CHECK(std::string(d->version) == "1.0.0");
  REQUIRE(d->setting_count == 4);
  std::set<std::string> names;
  for (uint32_t i = 0; i < d->setting_count; ++i) names.insert(d->settings[i].name);
  CHECK(names == std::set<std::string>{"path", "busy_timeout_ms", "journal_mode", "cache_mib"});
  CHECK(std::string(d->settings[0].default_json) == "\"data/analytica.db\"");
  CHECK(std::string(d->settings[1].default_json) == "5000");
  CHECK(std::string(d->settings[2].default_json) == "\"wal\"");
  const auto* sink = SinkModule::get(kModule).sink;
  CHECK(sink->struct_size == sizeof(analytica_sink_v1));
  CHECK(d->get_interface("analytica.source/1") == nullptr);
  CHECK(d->get_interface(nullptr) == nullptr);
  d->destroy(nullptr);  // safe with NULL
}

TEST_CASE("create, declare, write and commit, then read back through query", "[sink_sqlite]") {
  TempDir dir;
  const std::string db = dir.file("store.db");
  {
    Sink sink(kModule, settings_for(db));
    require_open(sink);
    REQUIRE(sink.declare(prices_schema()) == ANALYTICA_OK);
    REQUIRE(sink.declare(prices_schema()) == ANALYTICA_OK);  // idempotent
    write_committed(sink, prices_schema(),
                    {{T("NW"), T("2024-01"), D(512000.5), I(120), T("first")},
                     {T("SE"), T("2024-01"), D(430000), I(95), N()}});
    CHECK(sink.text_rows("SELECT region, month, price, sales, note FROM prices ORDER BY region") ==
          std::vector<std::string>{"NW|2024-01|d:512000.5|120|first", "SE|2024-01|d:430000|95|NULL"});

    // Values come back with their types.
    std::vector<Row> rows;
    REQUIRE(sink.query("SELECT price, sales, note, region FROM prices WHERE region = ?", {T("SE")}, rows) ==
            ANALYTICA_OK);
    REQUIRE(rows.size() == 1);
    CHECK(rows[0][0].type == ANALYTICA_DOUBLE);
    CHECK(rows[0][0].d == 430000.0);
    CHECK(rows[0][1].type == ANALYTICA_INT64);
    CHECK(rows[0][1].i == 95);
    CHECK(rows[0][2].type == ANALYTICA_NULL);
    CHECK(rows[0][3].type == ANALYTICA_TEXT);
    CHECK(rows[0][3].text == "SE");
  }
  // Committed rows are in the file: a new instance reads them.
  Sink again(kModule, settings_for(db));
  REQUIRE(again.ok());
  CHECK(again.text_rows("SELECT count(*) FROM prices") == std::vector<std::string>{"2"});
}

TEST_CASE_METHOD(FreshSink, "rollback discards the transaction's rows", "[sink_sqlite]") {
  REQUIRE(sink.declare(prices_schema()) == ANALYTICA_OK);
  write_committed(sink, prices_schema(), {{T("NW"), T("2024-01"), D(1), I(1), N()}});
  REQUIRE(sink.begin() == ANALYTICA_OK);
  REQUIRE(sink.write(make_batch(prices_schema(), {{T("NE"), T("2024-01"), D(2), I(2), N()},
                                                  {T("NW"), T("2024-01"), D(9), I(9), N()}})) == ANALYTICA_OK);
  CHECK(sink.text_rows("SELECT count(*) FROM prices") == std::vector<std::string>{"2"});  // sees its own writes
  REQUIRE(sink.rollback() == ANALYTICA_OK);
  CHECK(sink.text_rows("SELECT region, price FROM prices") == std::vector<std::string>{"NW|d:1"});
  CHECK(sink.rollback() == ANALYTICA_OK);  // no transaction: a no-op
}

TEST_CASE_METHOD(FreshSink, "upsert replaces a row by its key columns", "[sink_sqlite]") {
  REQUIRE(sink.declare(prices_schema()) == ANALYTICA_OK);
  write_committed(sink, prices_schema(),
                  {{T("NW"), T("2024-01"), D(100), I(1), T("old")}, {T("NW"), T("2024-02"), D(200), I(2), N()}});
  write_committed(sink, prices_schema(), {{T("NW"), T("2024-01"), D(150), I(3), N()}});
  CHECK(sink.text_rows("SELECT region, month, price, sales, note FROM prices ORDER BY month") ==
        std::vector<std::string>{"NW|2024-01|d:150|3|NULL", "NW|2024-02|d:200|2|NULL"});

  // The same key twice in one batch: the last row wins.
  write_committed(sink, prices_schema(),
                  {{T("SW"), T("2024-01"), D(1), I(1), N()}, {T("SW"), T("2024-01"), D(2), I(2), N()}});
  CHECK(sink.text_rows("SELECT price FROM prices WHERE region = 'SW'") == std::vector<std::string>{"d:2"});

  // A table without key columns appends.
  const Schema log("events", {{"what", ANALYTICA_TEXT, 0}});
  REQUIRE(sink.declare(log) == ANALYTICA_OK);
  write_committed(sink, log, {{T("a")}, {T("a")}});
  CHECK(sink.text_rows("SELECT count(*) FROM events") == std::vector<std::string>{"2"});
}

TEST_CASE_METHOD(FreshSink, "NEWEST: an older row never overwrites a newer one, whatever the order", "[sink_sqlite]") {
  REQUIRE(sink.declare(benchmark_schema()) == ANALYTICA_OK);
  const Row older{T("Beltline"), T("2024-01"), D(500000)};
  const Row newer{T("Beltline"), T("2024-03"), D(520000)};
  write_in_every_order(sink, older, newer);
  CHECK(sink.text_rows("SELECT district, report_month, price FROM benchmark") ==
        std::vector<std::string>{"Beltline|2024-03|d:520000"});
  // Every version stays queryable in benchmark_revisions.
  CHECK(sink.text_rows("SELECT report_month, price FROM benchmark_revisions ORDER BY report_month") ==
        std::vector<std::string>{"2024-01|d:500000", "2024-03|d:520000"});

  // The same report again (equal NEWEST value) replaces: a corrected file.
  write_committed(sink, benchmark_schema(), {{T("Beltline"), T("2024-03"), D(521000)}});
  CHECK(sink.text_rows("SELECT price FROM benchmark") == std::vector<std::string>{"d:521000"});
  CHECK(sink.text_rows("SELECT count(*), max(price) FROM benchmark_revisions") ==
        std::vector<std::string>{"2|d:521000"});

  // A row without a NEWEST value never replaces one that has it.
  write_committed(sink, benchmark_schema(), {{T("Beltline"), N(), D(1)}});
  CHECK(sink.text_rows("SELECT report_month, price FROM benchmark") == std::vector<std::string>{"2024-03|d:521000"});
}

TEST_CASE("a column added to the schema is added to the table", "[sink_sqlite]") {
  TempDir dir;
  const std::string db = dir.file("a.db");
  {
    Sink sink(kModule, settings_for(db));
    REQUIRE(sink.ok());
    const Schema v1("sales", {{"id", ANALYTICA_INT64, ANALYTICA_COLUMN_KEY}, {"amount", ANALYTICA_DOUBLE, 0}});
    REQUIRE(sink.declare(v1) == ANALYTICA_OK);
    write_committed(sink, v1, {{I(1), D(10.5)}});
  }
  Sink sink(kModule, settings_for(db));
  REQUIRE(sink.ok());
  const Schema v2("sales", {{"id", ANALYTICA_INT64, ANALYTICA_COLUMN_KEY},
                            {"amount", ANALYTICA_DOUBLE, 0},
                            {"currency", ANALYTICA_TEXT, 0},
                            {"units", ANALYTICA_INT64, 0}});
  INFO(sink.error());
  REQUIRE(sink.declare(v2) == ANALYTICA_OK);
  write_committed(sink, v2, {{I(2), D(20), T("CAD"), I(3)}});
  CHECK(sink.text_rows("SELECT id, amount, currency, units FROM sales ORDER BY id") ==
        std::vector<std::string>{"1|d:10.5|NULL|NULL", "2|d:20|CAD|3"});
  CHECK(sink.text_rows("SELECT type FROM pragma_table_info('sales') WHERE name IN ('currency', 'units') ORDER BY cid") ==
        std::vector<std::string>{"TEXT", "INTEGER"});
  // The old, narrower schema still writes (its columns only).
  const Schema v1("sales", {{"id", ANALYTICA_INT64, ANALYTICA_COLUMN_KEY}, {"amount", ANALYTICA_DOUBLE, 0}});
  write_committed(sink, v1, {{I(2), D(25)}});
  CHECK(sink.text_rows("SELECT amount, currency FROM sales WHERE id = 2") == std::vector<std::string>{"d:25|CAD"});
}

TEST_CASE_METHOD(FreshSink, "a retyped column is a conflict naming table, column and both types", "[sink_sqlite]") {
  REQUIRE(sink.declare(prices_schema()) == ANALYTICA_OK);
  const Schema retyped("prices", {{"region", ANALYTICA_TEXT, ANALYTICA_COLUMN_KEY},
                                  {"month", ANALYTICA_TEXT, ANALYTICA_COLUMN_KEY},
                                  {"price", ANALYTICA_TEXT, 0},
                                  {"extra", ANALYTICA_INT64, 0}});
  CHECK(sink.declare(retyped) == ANALYTICA_ERR_CONFLICT);
  const std::string message = sink.error();
  INFO(message);
  CHECK(contains(message, "a.db"));
  CHECK(contains(message, "\"prices\""));
  CHECK(contains(message, "\"price\""));
  CHECK(contains(message, "REAL"));
  CHECK(contains(message, "TEXT"));
  // Nothing changed: the column that would have been added is not there.
  CHECK(sink.text_rows("SELECT count(*) FROM pragma_table_info('prices') WHERE name = 'extra'") ==
        std::vector<std::string>{"0"});

  // A changed key is a conflict too: upserts could not target it.
  const Schema rekeyed("prices", {{"region", ANALYTICA_TEXT, ANALYTICA_COLUMN_KEY},
                                  {"month", ANALYTICA_TEXT, 0},
                                  {"price", ANALYTICA_DOUBLE, 0}});
  CHECK(sink.declare(rekeyed) == ANALYTICA_ERR_CONFLICT);
  CHECK(contains(sink.error(), "primary key"));
  // A write with a conflicting schema fails the same way, inside a transaction.
  REQUIRE(sink.begin() == ANALYTICA_OK);
  CHECK(sink.write(make_batch(retyped, {{T("a"), T("b"), T("c"), I(1)}})) == ANALYTICA_ERR_CONFLICT);
  CHECK(sink.rollback() == ANALYTICA_OK);
}

TEST_CASE_METHOD(FreshSink, "names that are not identifiers are rejected", "[sink_sqlite]") {
  for (const std::string table : {"bad-name", "1table", "x; DROP TABLE y", "", "white space", "quo\"te",
                                  "sqlite_stuff", "na\xc3\xafve"}) {
    INFO("table " << table);
    CHECK(sink.declare(Schema(table, {{"a", ANALYTICA_TEXT, 0}})) == ANALYTICA_ERR_INVALID);
    CHECK_FALSE(sink.error().empty());
  }
  for (const std::string column : {"a b", "9lives", "x\"y", "", "semi;colon"}) {
    INFO("column " << column);
    CHECK(sink.declare(Schema("good", {{column, ANALYTICA_TEXT, 0}})) == ANALYTICA_ERR_INVALID);
    CHECK(contains(sink.error(), "not an identifier"));
  }
  CHECK(sink.declare(Schema("_Good_1", {{"_a9", ANALYTICA_TEXT, 0}})) == ANALYTICA_OK);
  // Nothing but _Good_1 was created.
  CHECK(sink.text_rows("SELECT name FROM sqlite_master WHERE type = 'table'") == std::vector<std::string>{"_Good_1"});
}

TEST_CASE_METHOD(FreshSink, "schema rules are checked", "[sink_sqlite]") {
  auto declare = [&](std::vector<Column> columns) { return sink.declare(Schema("t", std::move(columns))); };
  CHECK(declare({}) == ANALYTICA_ERR_INVALID);
  CHECK(declare({{"a", ANALYTICA_TEXT, 0}, {"A", ANALYTICA_TEXT, 0}}) == ANALYTICA_ERR_INVALID);
  CHECK(contains(sink.error(), "declared twice"));
  CHECK(declare({{"a", ANALYTICA_NULL, 0}}) == ANALYTICA_ERR_INVALID);
  CHECK(declare({{"k", ANALYTICA_TEXT, ANALYTICA_COLUMN_KEY | ANALYTICA_COLUMN_NEWEST}}) == ANALYTICA_ERR_INVALID);
  CHECK(declare({{"k", ANALYTICA_TEXT, ANALYTICA_COLUMN_KEY},
                 {"n1", ANALYTICA_TEXT, ANALYTICA_COLUMN_NEWEST},
                 {"n2", ANALYTICA_TEXT, ANALYTICA_COLUMN_NEWEST}}) == ANALYTICA_ERR_INVALID);
  CHECK(declare({{"n", ANALYTICA_TEXT, ANALYTICA_COLUMN_NEWEST}}) == ANALYTICA_ERR_INVALID);
  CHECK(contains(sink.error(), "NEWEST"));
  // Unknown flag bits are ignored (flags may grow).
  CHECK(declare({{"k", ANALYTICA_TEXT, ANALYTICA_COLUMN_KEY | 0x100u}}) == ANALYTICA_OK);
  // A view cannot be declared as a table.
  std::vector<Row> none;
  REQUIRE(sink.query("CREATE VIEW v AS SELECT 1 AS a", {}, none) == ANALYTICA_OK);
  CHECK(sink.declare(Schema("v", {{"a", ANALYTICA_INT64, 0}})) == ANALYTICA_ERR_CONFLICT);
}

TEST_CASE_METHOD(FreshSink, "transaction calls out of order are refused", "[sink_sqlite]") {
  REQUIRE(sink.declare(prices_schema()) == ANALYTICA_OK);
  const Batch batch = make_batch(prices_schema(), {{T("NW"), T("2024-01"), D(1), I(1), N()}});

  CHECK(sink.write(batch) == ANALYTICA_ERR_INVALID);
  CHECK(contains(sink.error(), "outside a transaction"));
  CHECK(contains(sink.error(), "prices"));
  CHECK(sink.commit() == ANALYTICA_ERR_INVALID);
  CHECK(contains(sink.error(), "no transaction"));
  REQUIRE(sink.begin() == ANALYTICA_OK);
  CHECK(sink.begin() == ANALYTICA_ERR_INVALID);
  CHECK(contains(sink.error(), "already open"));
  CHECK(sink.write(batch) == ANALYTICA_OK);
  CHECK(sink.commit() == ANALYTICA_OK);
  CHECK(sink.text_rows("SELECT count(*) FROM prices") == std::vector<std::string>{"1"});
}

TEST_CASE_METHOD(FreshSink, "a bad row fails the whole batch, not the transaction", "[sink_sqlite]") {
  REQUIRE(sink.declare(prices_schema()) == ANALYTICA_OK);
  REQUIRE(sink.begin() == ANALYTICA_OK);
  REQUIRE(sink.write(make_batch(prices_schema(), {{T("A"), T("m"), D(1), I(1), N()}})) == ANALYTICA_OK);

  // Wrong type in row 1: the batch's row 0 is not kept either.
  CHECK(sink.write(make_batch(prices_schema(), {{T("B"), T("m"), D(1), I(1), N()},
                                                {T("C"), T("m"), T("not a number"), I(1), N()}})) ==
        ANALYTICA_ERR_INVALID);
  CHECK(contains(sink.error(), "row 1"));
  CHECK(contains(sink.error(), "\"price\""));
  CHECK(contains(sink.error(), "expected DOUBLE, got TEXT"));
  // NULL key.
  CHECK(sink.write(make_batch(prices_schema(), {{N(), T("m"), D(1), I(1), N()}})) == ANALYTICA_ERR_INVALID);
  CHECK(contains(sink.error(), "key column cannot be NULL"));
  // An INT64 in a DOUBLE column is fine.
  CHECK(sink.write(make_batch(prices_schema(), {{T("D"), T("m"), I(7), I(1), N()}})) == ANALYTICA_OK);
  REQUIRE(sink.commit() == ANALYTICA_OK);
  CHECK(sink.text_rows("SELECT region, price, typeof(price) FROM prices ORDER BY region") ==
        std::vector<std::string>{"A|d:1|real", "D|d:7|real"});
}

TEST_CASE_METHOD(FreshSink, "a table whose creation was rolled back is created again on write", "[sink_sqlite]") {
  // The host remembers which tables it declared; a rollback can undo a
  // declaration made inside the transaction. The next write must still work.
  REQUIRE(sink.begin() == ANALYTICA_OK);
  REQUIRE(sink.declare(prices_schema()) == ANALYTICA_OK);
  REQUIRE(sink.write(make_batch(prices_schema(), {{T("A"), T("m"), D(1), I(1), N()}})) == ANALYTICA_OK);
  REQUIRE(sink.rollback() == ANALYTICA_OK);
  CHECK(sink.text_rows("SELECT count(*) FROM sqlite_master WHERE name = 'prices'") == std::vector<std::string>{"0"});
  write_committed(sink, prices_schema(), {{T("B"), T("m"), D(2), I(2), N()}});
  CHECK(sink.text_rows("SELECT region FROM prices") == std::vector<std::string>{"B"});
}

TEST_CASE_METHOD(FreshSink, "query binds parameters, returns typed values and stops when asked", "[sink_sqlite]") {
  CHECK(sink.text_rows("SELECT ?, ?, ?, ?, typeof(?4)", {I(-42), D(2.5), T("h\xc3\xa9llo"), N()}) ==
        std::vector<std::string>{"-42|d:2.5|h\xc3\xa9llo|NULL|null"});
  CHECK(sink.text_rows("SELECT x'414200'") == std::vector<std::string>{std::string("AB\0", 3)});  // BLOB as bytes
  CHECK(sink.text_rows("SELECT ?1 || ?1", {T("ab")}) == std::vector<std::string>{"abab"});
  CHECK(sink.text_rows("SELECT 1 WHERE 0").empty());

  // Early stop: fn returns non-zero after the first row.
  std::vector<Row> rows;
  auto first_only = [](void* user, const analytica_value* v, uint32_t n) -> int {
    collect_rows(user, v, n);
    return 1;
  };
  REQUIRE(sink.query("WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < 100) SELECT i FROM c",
                     {}, rows, first_only) == ANALYTICA_OK);
  CHECK(rows.size() == 1);

  // No callback: statements without rows (or whose rows nobody wants) run.
  REQUIRE(sink.declare(Schema("t", {{"a", ANALYTICA_INT64, 0}})) == ANALYTICA_OK);
  REQUIRE(sink.query("INSERT INTO t (a) VALUES (?)", {I(5)}, rows, nullptr) == ANALYTICA_OK);
  CHECK(sink.text_rows("SELECT a FROM t") == std::vector<std::string>{"5"});
  // Trailing semicolons, blanks and comments are one statement.
  CHECK(sink.text_rows("SELECT a FROM t; -- done\n ; ") == std::vector<std::string>{"5"});
}

TEST_CASE_METHOD(FreshSink, "query refuses several statements, transaction control and bad SQL", "[sink_sqlite]") {
  REQUIRE(sink.declare(Schema("t", {{"a", ANALYTICA_INT64, 0}})) == ANALYTICA_OK);
  std::vector<Row> rows;
  CHECK(sink.query("INSERT INTO t VALUES (1); DELETE FROM t", {}, rows) == ANALYTICA_ERR_INVALID);
  CHECK(contains(sink.error(), "only one statement"));
  CHECK(sink.text_rows("SELECT count(*) FROM t") == std::vector<std::string>{"0"});  // nothing ran
  for (const char* sql : {"BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT x", "RELEASE x", "END"}) {
    INFO(sql);
    CHECK(sink.query(sql, {}, rows) == ANALYTICA_ERR_INVALID);
    CHECK(contains(sink.error(), "transaction control"));
  }
  CHECK(sink.query("ATTACH DATABASE ':memory:' AS other", {}, rows) == ANALYTICA_ERR_INVALID);
  CHECK(sink.query("SELEC 1", {}, rows) == ANALYTICA_ERR_INVALID);
  CHECK(contains(sink.error(), "syntax error"));
  CHECK(contains(sink.error(), "SELEC 1"));
  CHECK(sink.query("SELECT * FROM missing", {}, rows) == ANALYTICA_ERR_INVALID);
  CHECK(contains(sink.error(), "no such table"));
  CHECK(sink.query("SELECT ?, ?", {I(1)}, rows) == ANALYTICA_ERR_INVALID);
  CHECK(contains(sink.error(), "2 parameters, 1 given"));
  CHECK(sink.query("", {}, rows) == ANALYTICA_ERR_INVALID);
  // The host's transaction is unaffected by refused statements.
  REQUIRE(sink.begin() == ANALYTICA_OK);
  CHECK(sink.query("COMMIT", {}, rows) == ANALYTICA_ERR_INVALID);
  CHECK(sink.rollback() == ANALYTICA_OK);
}

TEST_CASE_METHOD(FreshSink, "query sees the open transaction and DDL through query is noticed", "[sink_sqlite]") {
  REQUIRE(sink.declare(prices_schema()) == ANALYTICA_OK);
  REQUIRE(sink.begin() == ANALYTICA_OK);
  REQUIRE(sink.write(make_batch(prices_schema(), {{T("A"), T("m"), D(1), I(1), N()}})) == ANALYTICA_OK);
  std::vector<Row> rows;
  REQUIRE(sink.query("UPDATE prices SET note = ? WHERE region = ?", {T("checked"), T("A")}, rows, nullptr) ==
          ANALYTICA_OK);
  CHECK(sink.text_rows("SELECT note FROM prices") == std::vector<std::string>{"checked"});
  // Dropping the table through query(): the next write re-creates it.
  REQUIRE(sink.query("DROP TABLE prices", {}, rows, nullptr) == ANALYTICA_OK);
  REQUIRE(sink.write(make_batch(prices_schema(), {{T("B"), T("m"), D(2), I(2), N()}})) == ANALYTICA_OK);
  REQUIRE(sink.commit() == ANALYTICA_OK);
  CHECK(sink.text_rows("SELECT region FROM prices") == std::vector<std::string>{"B"});
}

TEST_CASE("two connections: the second waits within busy_timeout and proceeds", "[sink_sqlite]") {
  TwoConnections c(10000);
  Sink& first = c.first;
  Sink& second = c.second;
  REQUIRE(first.declare(prices_schema()) == ANALYTICA_OK);
  REQUIRE(first.begin() == ANALYTICA_OK);
  REQUIRE(first.write(make_batch(prices_schema(), {{T("A"), T("m"), D(1), I(1), N()}})) == ANALYTICA_OK);

  std::atomic<int> begin_status{ANALYTICA_ERR_INTERNAL}, write_status{ANALYTICA_ERR_INTERNAL},
      commit_status{ANALYTICA_ERR_INTERNAL};
  std::atomic<long long> waited_ms{0};
  std::thread other([&] {
    const auto start = std::chrono::steady_clock::now();
    begin_status = second.begin();
    waited_ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start).count();
    if (begin_status != ANALYTICA_OK) return;
    write_status = second.write(make_batch(prices_schema(), {{T("B"), T("m"), D(2), I(2), N()}}));
    commit_status = second.commit();
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(400));
  const analytica_status committed = first.commit();
  other.join();
  INFO(second.error());
  REQUIRE(committed == ANALYTICA_OK);
  CHECK(begin_status == ANALYTICA_OK);
  CHECK(waited_ms >= 300);  // it really waited for the first commit
  CHECK(write_status == ANALYTICA_OK);
  CHECK(commit_status == ANALYTICA_OK);
  CHECK(first.text_rows("SELECT region FROM prices ORDER BY region") == std::vector<std::string>{"A", "B"});
  // Reads do not wait for a writer under WAL.
  REQUIRE(second.begin() == ANALYTICA_OK);
  CHECK(first.text_rows("SELECT count(*) FROM prices") == std::vector<std::string>{"2"});
  CHECK(second.rollback() == ANALYTICA_OK);
}

TEST_CASE("two connections: past busy_timeout begin fails with a clear message", "[sink_sqlite]") {
  TwoConnections c(100);
  Sink& first = c.first;
  Sink& second = c.second;
  REQUIRE(first.begin() == ANALYTICA_OK);
  const auto start = std::chrono::steady_clock::now();
  CHECK(second.begin() == ANALYTICA_ERR_IO);
  const auto waited = std::chrono::steady_clock::now() - start;
  CHECK(waited >= std::chrono::milliseconds(90));
  CHECK(waited < std::chrono::seconds(5));
  INFO(second.error());
  CHECK(contains(second.error(), "shared.db"));
  CHECK(contains(second.error(), "database is locked"));
  CHECK(contains(second.error(), "busy_timeout_ms=100"));
  REQUIRE(first.commit() == ANALYTICA_OK);
  CHECK(second.begin() == ANALYTICA_OK);
  CHECK(second.commit() == ANALYTICA_OK);
}

TEST_CASE("journal mode is WAL by default and configurable", "[sink_sqlite]") {
  TempDir dir;
  Sink wal(kModule, settings_for(dir.file("wal.db")));
  REQUIRE(wal.ok());
  CHECK(wal.text_rows("PRAGMA journal_mode") == std::vector<std::string>{"wal"});
  CHECK(wal.text_rows("PRAGMA foreign_keys") == std::vector<std::string>{"1"});
  CHECK(wal.text_rows("PRAGMA synchronous") == std::vector<std::string>{"1"});  // NORMAL
  CHECK(wal.text_rows("PRAGMA busy_timeout") == std::vector<std::string>{"5000"});
  CHECK(wal.text_rows("PRAGMA cache_size") == std::vector<std::string>{"-2048"});  // KiB: 2 MiB
  CHECK(wal.text_rows("PRAGMA temp_store") == std::vector<std::string>{"2"});        // MEMORY

  Sink del(kModule, settings_for(dir.file("delete.db"),
                                "\"journal_mode\": \"DELETE\", \"busy_timeout_ms\": 250, \"cache_mib\": 8"));
  REQUIRE(del.ok());
  CHECK(del.text_rows("PRAGMA journal_mode") == std::vector<std::string>{"delete"});
  CHECK(del.text_rows("PRAGMA synchronous") == std::vector<std::string>{"2"});  // FULL
  CHECK(del.text_rows("PRAGMA busy_timeout") == std::vector<std::string>{"250"});
  CHECK(del.text_rows("PRAGMA cache_size") == std::vector<std::string>{"-8192"});
}

TEST_CASE("the module exports exactly one dynamic symbol", "[sink_sqlite]") {
  CHECK(exported_symbols(kModule) == std::vector<std::string>{ANALYTICA_ENTRY});
}

TEST_CASE("a path that cannot hold a database gives a clear error", "[sink_sqlite]") {
  TempDir dir;
  const std::string blocker = dir.file("blocker");
  write_text(blocker, "a regular file where a directory should be\n");

  SECTION("parent is a file") {
    const std::string db = blocker + "/sub/store.db";
    Sink sink(kModule, settings_for(db));
    CHECK(sink.create_status() == ANALYTICA_ERR_IO);
    INFO(sink.error());
    CHECK(contains(sink.error(), db));
    CHECK(contains(sink.error(), "cannot create directory"));
  }
  SECTION("path is a directory") {
    Sink sink(kModule, settings_for(dir.file("")));
    CHECK(sink.create_status() == ANALYTICA_ERR_IO);
    CHECK(contains(sink.error(), "cannot open database"));
  }
  SECTION("file is not a database") {
    const std::string junk = dir.file("junk.db");
    write_text(junk, std::string(4096, 'x'));
    Sink sink(kModule, settings_for(junk));
    CHECK(sink.create_status() == ANALYTICA_ERR_IO);
    INFO(sink.error());
    CHECK(contains(sink.error(), "junk.db"));
    CHECK(contains(sink.error(), "not a database"));
  }
}

TEST_CASE("missing directories are created", "[sink_sqlite]") {
  TempDir dir;
  const std::string db = dir.file("a/b/c/store.db");
  Sink sink(kModule, settings_for(db));
  require_open(sink);
  CHECK(fs::exists(db));
}

TEST_CASE("bad settings are refused with the setting's name", "[sink_sqlite]") {
  TempDir dir;
  const std::string db = dir.file("a.db");
  struct Case {
    std::string json, expect;
  } cases[] = {
      {"not json", "not valid JSON"},
      {"[1, 2]", "JSON object"},
      {settings_for(db, "\"journal_mode\": \"sideways\""), "journal_mode"},
      {settings_for(db, "\"busy_timeout_ms\": -1"), "busy_timeout_ms"},
      {settings_for(db, "\"busy_timeout_ms\": \"5s\""), "busy_timeout_ms"},
      {settings_for(db, "\"cache_mib\": 0"), "cache_mib"},
      {settings_for(db, "\"colour\": \"blue\""), "colour"},
      {"{\"path\": \"\"}", "path"},
      {"{\"path\": 7}", "path"},
  };
  for (const auto& c : cases) {
    INFO(c.json);
    Sink sink(kModule, c.json);
    CHECK(sink.create_status() == ANALYTICA_ERR_INVALID);
    CHECK(contains(sink.error(), c.expect));
  }
  CHECK_FALSE(fs::exists(db));
}

TEST_CASE("destroy rolls back an open transaction", "[sink_sqlite]") {
  TempDir dir;
  const std::string db = dir.file("a.db");
  {
    Sink sink(kModule, settings_for(db));
    REQUIRE(sink.ok());
    REQUIRE(sink.declare(prices_schema()) == ANALYTICA_OK);
    REQUIRE(sink.begin() == ANALYTICA_OK);
    REQUIRE(sink.write(make_batch(prices_schema(), {{T("A"), T("m"), D(1), I(1), N()}})) == ANALYTICA_OK);
  }
  Sink sink(kModule, settings_for(db));
  REQUIRE(sink.ok());
  CHECK(sink.text_rows("SELECT count(*) FROM prices") == std::vector<std::string>{"0"});
}

TEST_CASE_METHOD(FreshSink, "a long write stops when the run is cancelled", "[sink_sqlite]") {
  const Schema schema("n", {{"i", ANALYTICA_INT64, ANALYTICA_COLUMN_KEY}});
  REQUIRE(sink.declare(schema) == ANALYTICA_OK);
  std::vector<Row> rows;
  for (int64_t i = 0; i < 5000; ++i) rows.push_back({I(i)});
  REQUIRE(sink.begin() == ANALYTICA_OK);
  sink.host().cancelled = true;
  CHECK(sink.write(make_batch(schema, rows)) == ANALYTICA_ERR_CANCELLED);
  sink.host().cancelled = false;
  CHECK(sink.text_rows("SELECT count(*) FROM n") == std::vector<std::string>{"0"});
  CHECK(sink.write(make_batch(schema, rows)) == ANALYTICA_OK);
  CHECK(sink.commit() == ANALYTICA_OK);
  CHECK(sink.text_rows("SELECT count(*) FROM n") == std::vector<std::string>{"5000"});
}
