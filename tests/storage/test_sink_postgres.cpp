// test_sink_postgres.cpp — drives the built sink_postgres module through the
// C ABI only (dlopen), against the throwaway server of deployment/postgres.sh,
// each test in a schema of its own. Mirrors tests/sink_sqlite where the
// semantics are shared, then covers what is PostgreSQL's own: placeholder
// translation, result types, the advisory lock per source, connection
// settings and passwords.
#include "support.h"

#include <catch2/catch.hpp>

#include <stdlib.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <future>
#include <thread>

using namespace storage_test;

namespace {

const std::string kModule = SINK_POSTGRES_MODULE;

// Sets an environment variable for the scope of a test.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const std::string& value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    ::setenv(name, value.c_str(), 1);
  }
  ~ScopedEnv() {
    if (old_) ::setenv(name_, old_->c_str(), 1);
    else ::unsetenv(name_);
  }

 private:
  const char* name_;
  std::optional<std::string> old_;
};

}  // namespace

TEST_CASE("sink_postgres: descriptor, settings table and interface with lock_source", "[sink_postgres]") {
  const SinkModule& m = SinkModule::get(kModule);
  CHECK(std::string(m.descriptor->name) == "sink_postgres");
  CHECK(m.descriptor->kind == ANALYTICA_KIND_SINK);
  CHECK(m.sink->struct_size == sizeof(analytica_sink_v1));
  CHECK(m.sink->lock_source != nullptr);
  std::vector<std::string> names;
  for (uint32_t i = 0; i < m.descriptor->setting_count; ++i) names.push_back(m.descriptor->settings[i].name);
  for (const char* want : {"conninfo", "host", "port", "dbname", "user", "password", "sslmode", "lock_timeout_ms"})
    CHECK(std::find(names.begin(), names.end(), want) != names.end());
}

TEST_CASE("sink_postgres: the module exports exactly one dynamic symbol", "[sink_postgres]") {
  CHECK(exported_symbols(kModule) == std::vector<std::string>{ANALYTICA_ENTRY});
}

TEST_CASE("sink_postgres: bad settings are refused before connecting, never echoing a connection string",
          "[sink_postgres]") {
  {
    Sink sink(kModule, "{\"hots\": \"x\"}");
    CHECK(sink.create_status() == ANALYTICA_ERR_INVALID);
    CHECK(contains(sink.error(), "unknown setting \"hots\""));
  }
  {
    Sink sink(kModule, "{\"port\": \"5432\"}");
    CHECK(sink.create_status() == ANALYTICA_ERR_INVALID);
    CHECK(contains(sink.error(), "port: expected an integer"));
  }
  {
    Sink sink(kModule, "{\"conninfo\": \"host=x password=Sup3rS3cret bogus_keyword=1\"}");
    CHECK(sink.create_status() == ANALYTICA_ERR_INVALID);
    CHECK(contains(sink.error(), "conninfo: not a valid libpq connection string"));
    CHECK_FALSE(contains(sink.error(), "Sup3rS3cret"));
  }
}

TEST_CASE("sink_postgres: an unreachable server is an IO error naming it", "[sink_postgres]") {
  // Port 1 on the loopback refuses connections at once.
  Sink sink(kModule, "{\"host\": \"127.0.0.1\", \"port\": 1, \"user\": \"nobody\", \"dbname\": \"nowhere\", "
                     "\"password\": \"NotShown-42\", \"connect_timeout_s\": 2}");
  CHECK(sink.create_status() == ANALYTICA_ERR_IO);
  CHECK(contains(sink.error(), "postgres://nobody@127.0.0.1:1/nowhere: cannot connect"));
  CHECK_FALSE(contains(sink.error(), "NotShown-42"));
}

TEST_CASE("sink_postgres: create, declare, write and commit, then read back with exact types", "[postgres]") {
  REQUIRE_PG_SINK(server, schema, sink);
  REQUIRE(sink.declare(prices_schema()) == ANALYTICA_OK);
  write_committed(sink, prices_schema(),
                  {{T("Calgary"), T("2024-01"), D(0.1), I(9007199254740993), T("Ü – \"quoted\", 'single'")},
                   {T("Calgary"), T("2024-02"), D(1e300), I(-5), T("")},
                   {T("Airdrie"), T("2024-01"), I(700000), N(), N()}});
  const auto rows = sink.rows("SELECT region, month, price, sales, note FROM prices ORDER BY region, month");
  REQUIRE(rows.size() == 3);
  CHECK(show(rows[0][2]) == show(D(700000)));  // INT64 written into a DOUBLE column reads back as DOUBLE
  CHECK(rows[0][3].type == ANALYTICA_NULL);
  CHECK(rows[1][2].type == ANALYTICA_DOUBLE);
  CHECK(rows[1][2].d == 0.1);  // bit-exact
  CHECK(rows[1][3].type == ANALYTICA_INT64);
  CHECK(rows[1][3].i == 9007199254740993);
  CHECK(rows[1][4].text == "Ü – \"quoted\", 'single'");
  CHECK(rows[2][2].d == 1e300);
  CHECK(rows[2][4].type == ANALYTICA_TEXT);
  CHECK(rows[2][4].text.empty());
}

TEST_CASE("sink_postgres: tables use BIGINT, DOUBLE PRECISION and TEXT with the key as primary key", "[postgres]") {
  REQUIRE_PG_SINK(server, schema, sink);
  REQUIRE(sink.declare(prices_schema()) == ANALYTICA_OK);
  CHECK(sink.text_rows("SELECT column_name, data_type, is_nullable FROM information_schema.columns "
                       "WHERE table_schema = current_schema() AND table_name = 'prices' ORDER BY ordinal_position") ==
        std::vector<std::string>{"region|text|NO", "month|text|NO", "price|double precision|YES",
                                 "sales|bigint|YES", "note|text|YES"});
  CHECK(sink.text_rows("SELECT constraint_type FROM information_schema.table_constraints WHERE table_schema = "
                       "current_schema() AND table_name = 'prices' AND constraint_type = 'PRIMARY KEY'")
            .size() == 1);
}

TEST_CASE("sink_postgres: rollback discards the transaction's rows", "[postgres]") {
  REQUIRE_PG_SINK(server, schema, sink);
  REQUIRE(sink.declare(prices_schema()) == ANALYTICA_OK);
  REQUIRE(sink.begin() == ANALYTICA_OK);
  REQUIRE(sink.write(make_batch(prices_schema(), {{T("a"), T("m"), D(1), I(1), N()}})) == ANALYTICA_OK);
  CHECK(sink.text_rows("SELECT count(*) FROM prices") == std::vector<std::string>{"1"});  // sees its transaction
  REQUIRE(sink.rollback() == ANALYTICA_OK);
  CHECK(sink.text_rows("SELECT count(*) FROM prices") == std::vector<std::string>{"0"});
}

TEST_CASE("sink_postgres: upsert replaces a row by its key columns, a later row of one batch wins", "[postgres]") {
  REQUIRE_PG_SINK(server, schema, sink);
  write_committed(sink, prices_schema(), {{T("a"), T("m"), D(1), I(1), T("first")}});
  write_committed(sink, prices_schema(),
                  {{T("a"), T("m"), D(2), I(2), T("second")}, {T("a"), T("m"), D(3), I(3), T("third")}});
  CHECK(sink.text_rows("SELECT region, month, price, sales, note FROM prices") ==
        std::vector<std::string>{"a|m|d:3|3|third"});
}

TEST_CASE("sink_postgres: NEWEST: an older row never overwrites a newer one, revisions keep both", "[postgres]") {
  REQUIRE_PG_SINK(server, schema, sink);
  const Row older{T("North"), T("2024-01"), D(100)}, newer{T("North"), T("2024-02"), D(200)};
  write_in_every_order(sink, older, newer);
  CHECK(sink.text_rows("SELECT district, report_month, price FROM benchmark") ==
        std::vector<std::string>{"North|2024-02|d:200"});
  CHECK(sink.text_rows("SELECT district, report_month, price FROM benchmark_revisions ORDER BY report_month") ==
        std::vector<std::string>{"North|2024-01|d:100", "North|2024-02|d:200"});
}

TEST_CASE("sink_postgres: a NULL NEWEST value is replaced and kept in revisions as its own row", "[postgres]") {
  REQUIRE_PG_SINK(server, schema, sink);
  write_committed(sink, benchmark_schema(), {{T("North"), N(), D(1)}});
  write_committed(sink, benchmark_schema(), {{T("North"), N(), D(2)}});
  write_committed(sink, benchmark_schema(), {{T("North"), T("2024-01"), D(3)}});
  write_committed(sink, benchmark_schema(), {{T("North"), N(), D(4)}});  // NULL never beats a value
  CHECK(sink.text_rows("SELECT report_month, price FROM benchmark") == std::vector<std::string>{"2024-01|d:3"});
  CHECK(sink.text_rows("SELECT count(*) FROM benchmark_revisions") == std::vector<std::string>{"4"});
}

TEST_CASE("sink_postgres: a column added to the schema is added to the table", "[postgres]") {
  REQUIRE_PG_SINK(server, schema, sink);
  write_committed(sink, prices_schema(), {{T("a"), T("m"), D(1), I(1), N()}});
  Schema wider("prices", {{"region", ANALYTICA_TEXT, ANALYTICA_COLUMN_KEY},
                          {"month", ANALYTICA_TEXT, ANALYTICA_COLUMN_KEY},
                          {"inventory", ANALYTICA_INT64, 0}});
  REQUIRE(sink.declare(wider) == ANALYTICA_OK);
  write_committed(sink, wider, {{T("a"), T("m"), I(42)}});
  // The upsert touched only the batch's columns.
  CHECK(sink.text_rows("SELECT price, sales, inventory FROM prices") == std::vector<std::string>{"d:1|1|42"});
}

TEST_CASE("sink_postgres: a retyped column or another key is a conflict naming what differs", "[postgres]") {
  REQUIRE_PG_SINK(server, schema, sink);
  REQUIRE(sink.declare(prices_schema()) == ANALYTICA_OK);
  Schema retyped("prices", {{"region", ANALYTICA_TEXT, ANALYTICA_COLUMN_KEY},
                            {"month", ANALYTICA_TEXT, ANALYTICA_COLUMN_KEY},
                            {"sales", ANALYTICA_TEXT, 0}});
  CHECK(sink.declare(retyped) == ANALYTICA_ERR_CONFLICT);
  CHECK(contains(sink.error(), "table \"prices\", column \"sales\": existing type bigint, declared type TEXT"));
  Schema rekeyed("prices", {{"region", ANALYTICA_TEXT, ANALYTICA_COLUMN_KEY}, {"price", ANALYTICA_DOUBLE, 0}});
  CHECK(sink.declare(rekeyed) == ANALYTICA_ERR_CONFLICT);
  CHECK(contains(sink.error(), "existing primary key (month,region) differs from the declared key columns (region)"));
  schema.exec("CREATE VIEW v_taken AS SELECT 1 AS x");
  CHECK(sink.declare(Schema("v_taken", {{"x", ANALYTICA_INT64, 0}})) == ANALYTICA_ERR_CONFLICT);
  CHECK(contains(sink.error(), "the name is taken by a view"));
}

TEST_CASE("sink_postgres: names are checked, folded to lower case and limited to 63 bytes", "[postgres]") {
  REQUIRE_PG_SINK(server, schema, sink);
  CHECK(sink.declare(Schema("bad name", {{"x", ANALYTICA_INT64, 0}})) == ANALYTICA_ERR_INVALID);
  CHECK(sink.declare(Schema("t", {{"x;drop", ANALYTICA_INT64, 0}})) == ANALYTICA_ERR_INVALID);
  CHECK(sink.declare(Schema(std::string(64, 'a'), {{"x", ANALYTICA_INT64, 0}})) == ANALYTICA_ERR_INVALID);
  CHECK(contains(sink.error(), "at most 63 bytes"));
  CHECK(sink.declare(Schema(std::string(60, 'b'), {{"k", ANALYTICA_TEXT, ANALYTICA_COLUMN_KEY},
                                                   {"n", ANALYTICA_TEXT, ANALYTICA_COLUMN_NEWEST}})) ==
        ANALYTICA_ERR_INVALID);
  CHECK(contains(sink.error(), "_revisions"));
  Schema mixed("MixedCase", {{"Region", ANALYTICA_TEXT, ANALYTICA_COLUMN_KEY}, {"Index", ANALYTICA_INT64, 0}});
  write_committed(sink, mixed, {{T("x"), I(7)}});
  CHECK(sink.text_rows("SELECT region, \"index\" FROM mixedcase") == std::vector<std::string>{"x|7"});
  CHECK(sink.text_rows("SELECT Region FROM MixedCase") == std::vector<std::string>{"x"});
}

TEST_CASE("sink_postgres: transaction calls out of order are refused", "[postgres]") {
  REQUIRE_PG_SINK(server, schema, sink);
  CHECK(sink.commit() == ANALYTICA_ERR_INVALID);
  CHECK(contains(sink.error(), "no transaction is open"));
  CHECK(sink.write(make_batch(prices_schema(), {{T("a"), T("m"), D(1), I(1), N()}})) == ANALYTICA_ERR_INVALID);
  CHECK(contains(sink.error(), "outside a transaction"));
  CHECK(sink.lock_source("x.pdf") == ANALYTICA_ERR_INVALID);
  REQUIRE(sink.begin() == ANALYTICA_OK);
  CHECK(sink.begin() == ANALYTICA_ERR_INVALID);
  CHECK(sink.rollback() == ANALYTICA_OK);
  CHECK(sink.rollback() == ANALYTICA_OK);  // no-op without a transaction
}

TEST_CASE("sink_postgres: a bad batch fails whole, not the transaction", "[postgres]") {
  REQUIRE_PG_SINK(server, schema, sink);
  REQUIRE(sink.begin() == ANALYTICA_OK);
  REQUIRE(sink.write(make_batch(prices_schema(), {{T("a"), T("1"), D(1), I(1), N()}})) == ANALYTICA_OK);
  SECTION("a type the sink refuses") {
    CHECK(sink.write(make_batch(prices_schema(), {{T("b"), T("1"), D(1), I(1), N()},
                                                  {T("b"), T("2"), T("x"), I(1), N()}})) == ANALYTICA_ERR_INVALID);
    CHECK(contains(sink.error(), "write to table \"prices\", row 1, column \"price\": expected DOUBLE, got TEXT"));
  }
  SECTION("a key that is NULL") {
    CHECK(sink.write(make_batch(prices_schema(), {{N(), T("2"), D(1), I(1), N()}})) == ANALYTICA_ERR_INVALID);
    CHECK(contains(sink.error(), "a key column cannot be NULL"));
  }
  SECTION("a value the server refuses (a NUL byte in text), after rows it accepted") {
    std::vector<Row> rows;
    for (int i = 0; i < 300; ++i) rows.push_back({T("b"), T(std::to_string(i)), D(i), I(i), N()});
    rows.push_back({T("b"), T("bad"), D(1), I(1), T(std::string("nul\0byte", 8))});
    CHECK(sink.write(make_batch(prices_schema(), rows)) != ANALYTICA_OK);
    CHECK(contains(sink.error(), "write to table \"prices\", row 300"));
  }
  REQUIRE(sink.commit() == ANALYTICA_OK);
  CHECK(sink.text_rows("SELECT region, month FROM prices") == std::vector<std::string>{"a|1"});
}

TEST_CASE("sink_postgres: a table whose creation was rolled back is created again on write", "[postgres]") {
  REQUIRE_PG_SINK(server, schema, sink);
  REQUIRE(sink.begin() == ANALYTICA_OK);
  REQUIRE(sink.write(make_batch(benchmark_schema(), {{T("x"), T("1"), D(1)}})) == ANALYTICA_OK);
  REQUIRE(sink.rollback() == ANALYTICA_OK);
  write_committed(sink, benchmark_schema(), {{T("y"), T("2"), D(2)}});
  CHECK(sink.text_rows("SELECT district FROM benchmark") == std::vector<std::string>{"y"});
  CHECK(sink.text_rows("SELECT district FROM benchmark_revisions") == std::vector<std::string>{"y"});
}

TEST_CASE("sink_postgres: query translates ? placeholders outside literals and binds typed values", "[postgres]") {
  REQUIRE_PG_SINK(server, schema, sink);
  write_committed(sink, prices_schema(), {{T("a?"), T("m"), D(1.5), I(10), T("what?")},
                                          {T("b"), T("m"), D(2.5), I(20), N()}});
  CHECK(sink.text_rows("SELECT region FROM prices WHERE note = 'what?' AND sales = ?", {I(10)}) ==
        std::vector<std::string>{"a?"});
  CHECK(sink.text_rows("SELECT \"region\" /* ? */ FROM prices -- ?\n WHERE price > ? AND region <> ?",
                       {D(2), T("zz")}) == std::vector<std::string>{"b"});
  CHECK(sink.text_rows("SELECT ?2, ?1, ?", {T("one"), T("two"), T("three")}) ==
        std::vector<std::string>{"two|one|three"});
  CHECK(sink.text_rows("SELECT $$ ? $$, E'\\' ?', ?", {I(5)}) == std::vector<std::string>{" ? |' ?|5"});
  std::vector<Row> out;
  CHECK(sink.query("SELECT ? + ?", {I(1)}, out) == ANALYTICA_ERR_INVALID);
  CHECK(contains(sink.error(), "the statement takes 2 parameters, 1 given"));
}

TEST_CASE("sink_postgres: query results map to SQLite's types", "[postgres]") {
  REQUIRE_PG_SINK(server, schema, sink);
  write_committed(sink, prices_schema(), {{T("a"), T("1"), D(1.25), I(2), N()}, {T("a"), T("2"), D(2), I(4), N()}});
  const auto rows = sink.rows("SELECT count(*), sum(sales), avg(sales), sum(price), max(price), 1, 1.5, 2 > 1, "
                              "'text', NULL, min(note) FROM prices");
  REQUIRE(rows.size() == 1);
  const Row& r = rows[0];
  CHECK(show(r[0]) == "2");        // int8
  CHECK(show(r[1]) == "6");        // numeric, integral: INT64 as SQLite's sum()
  CHECK(show(r[2]) == "d:3");      // numeric with decimals: DOUBLE as SQLite's avg()
  CHECK(show(r[3]) == "d:3.25");   // float8
  CHECK(show(r[4]) == "d:2");      // float8, integral, still DOUBLE
  CHECK(show(r[5]) == "1");        // int4
  CHECK(show(r[6]) == "d:1.5");    // numeric literal
  CHECK(show(r[7]) == "1");        // bool -> 0/1
  CHECK(show(r[8]) == "text");
  CHECK(r[9].type == ANALYTICA_NULL);
  CHECK(r[10].type == ANALYTICA_NULL);
}

TEST_CASE("sink_postgres: query stops when the callback asks", "[postgres]") {
  REQUIRE_PG_SINK(server, schema, sink);
  int seen = 0;
  const auto stop_at_three = [](void* user, const analytica_value*, uint32_t) -> int { return ++*static_cast<int*>(user) == 3; };
  REQUIRE(sink.query_with("SELECT generate_series(1, 10)", stop_at_three, &seen) == ANALYTICA_OK);
  CHECK(seen == 3);
}

TEST_CASE("sink_postgres: query refuses several statements, transaction control and COPY", "[postgres]") {
  REQUIRE_PG_SINK(server, schema, sink);
  std::vector<Row> out;
  CHECK(sink.query("SELECT 1; SELECT 2", {}, out) == ANALYTICA_ERR_INVALID);
  CHECK(contains(sink.error(), "only one statement per call; more SQL follows: \"SELECT 2\""));
  CHECK(sink.query("SELECT 1; -- done\n ;", {}, out) == ANALYTICA_OK);
  CHECK(sink.query("SELECT ';' ", {}, out) == ANALYTICA_OK);
  for (const char* sql : {"BEGIN", "commit", "ROLLBACK", "savepoint x", "release x", "START TRANSACTION", "end"}) {
    CHECK(sink.query(sql, {}, out) == ANALYTICA_ERR_INVALID);
    CHECK(contains(sink.error(), "transaction control is not allowed in a query"));
  }
  CHECK(sink.query("COPY (SELECT 1) TO STDOUT", {}, out) == ANALYTICA_ERR_INVALID);
  CHECK(sink.query("DISCARD ALL", {}, out) == ANALYTICA_ERR_INVALID);
  CHECK(sink.query("SELEC 1", {}, out) == ANALYTICA_ERR_INVALID);
  CHECK(contains(sink.error(), "query \"SELEC 1\": syntax error"));
  CHECK(sink.query("  ", {}, out) == ANALYTICA_ERR_INVALID);
}

TEST_CASE("sink_postgres: a failing query leaves the open transaction usable", "[postgres]") {
  REQUIRE_PG_SINK(server, schema, sink);
  REQUIRE(sink.begin() == ANALYTICA_OK);
  REQUIRE(sink.write(make_batch(prices_schema(), {{T("a"), T("1"), D(1), I(1), N()}})) == ANALYTICA_OK);
  std::vector<Row> out;
  CHECK(sink.query("SELECT * FROM no_such_table", {}, out) == ANALYTICA_ERR_INVALID);
  CHECK(contains(sink.error(), "relation \"no_such_table\" does not exist"));
  REQUIRE(sink.write(make_batch(prices_schema(), {{T("a"), T("2"), D(1), I(1), N()}})) == ANALYTICA_OK);
  REQUIRE(sink.commit() == ANALYTICA_OK);
  CHECK(sink.text_rows("SELECT count(*) FROM prices") == std::vector<std::string>{"2"});
}

TEST_CASE("sink_postgres: DDL through query is noticed before the next write", "[postgres]") {
  REQUIRE_PG_SINK(server, schema, sink);
  write_committed(sink, prices_schema(), {{T("a"), T("1"), D(1), I(1), N()}});
  std::vector<Row> out;
  REQUIRE(sink.query("DROP TABLE prices", {}, out) == ANALYTICA_OK);
  write_committed(sink, prices_schema(), {{T("b"), T("1"), D(1), I(1), N()}});
  CHECK(sink.text_rows("SELECT region FROM prices") == std::vector<std::string>{"b"});
}

TEST_CASE("sink_postgres: lock_source serialises two connections on one source", "[postgres]") {
  REQUIRE_POSTGRES(server);
  PgSchema schema(server);
  Sink first(kModule, schema.settings());
  Sink second(kModule, schema.settings());
  REQUIRE(first.ok());
  REQUIRE(second.ok());
  REQUIRE(first.begin() == ANALYTICA_OK);
  REQUIRE(first.lock_source("03_2024_Calgary_Monthly_Stats_Package.pdf") == ANALYTICA_OK);
  REQUIRE(second.begin() == ANALYTICA_OK);
  CHECK(second.lock_source("another_report.pdf") == ANALYTICA_OK);  // other sources do not wait
  auto waiting = std::async(std::launch::async, [&] {
    return second.lock_source("03_2024_Calgary_Monthly_Stats_Package.pdf");
  });
  CHECK(waiting.wait_for(std::chrono::milliseconds(400)) == std::future_status::timeout);
  REQUIRE(first.commit() == ANALYTICA_OK);  // releases the lock
  REQUIRE(waiting.wait_for(std::chrono::seconds(10)) == std::future_status::ready);
  CHECK(waiting.get() == ANALYTICA_OK);
  bool logged = false;
  for (const auto& line : second.host().logs()) logged = logged || contains(line, "is being ingested by another process");
  CHECK(logged);
  REQUIRE(second.rollback() == ANALYTICA_OK);
}

TEST_CASE("sink_postgres: lock_source gives up after lock_timeout_ms with a clear message", "[postgres]") {
  REQUIRE_POSTGRES(server);
  PgSchema schema(server);
  Sink first(kModule, schema.settings());
  Sink second(kModule, schema.settings("\"lock_timeout_ms\": 200"));
  REQUIRE(first.ok());
  REQUIRE(second.ok());
  REQUIRE(first.begin() == ANALYTICA_OK);
  REQUIRE(first.lock_source("r.pdf") == ANALYTICA_OK);
  REQUIRE(second.begin() == ANALYTICA_OK);
  const auto start = std::chrono::steady_clock::now();
  CHECK(second.lock_source("r.pdf") == ANALYTICA_ERR_IO);
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(5));
  CHECK(contains(second.error(), "lock source \"r.pdf\""));
  CHECK(contains(second.error(), "lock_timeout_ms=200"));
  CHECK(second.rollback() == ANALYTICA_OK);
  CHECK(first.commit() == ANALYTICA_OK);
}

TEST_CASE("sink_postgres: two connections declaring the same new tables at once both succeed", "[postgres]") {
  REQUIRE_POSTGRES(server);
  PgSchema schema(server);
  for (int round = 0; round < 3; ++round) {
    const std::string table = "race_" + std::to_string(round);
    Schema s(table, {{"k", ANALYTICA_TEXT, ANALYTICA_COLUMN_KEY}, {"n", ANALYTICA_TEXT, ANALYTICA_COLUMN_NEWEST},
                     {"v", ANALYTICA_INT64, 0}});
    Sink a(kModule, schema.settings()), b(kModule, schema.settings());
    REQUIRE(a.ok());
    REQUIRE(b.ok());
    auto fa = std::async(std::launch::async, [&] { return a.declare(s); });
    auto fb = std::async(std::launch::async, [&] { return b.declare(s); });
    const auto ra = fa.get(), rb = fb.get();
    INFO(a.error() << " / " << b.error());
    CHECK(ra == ANALYTICA_OK);
    CHECK(rb == ANALYTICA_OK);
  }
}

TEST_CASE("sink_postgres: a long write stops when the run is cancelled, the transaction stays usable",
          "[postgres]") {
  REQUIRE_PG_SINK(server, schema, sink);
  std::vector<Row> rows;
  for (int i = 0; i < 2000; ++i) rows.push_back({T("r"), T(std::to_string(i)), D(i), I(i), N()});
  REQUIRE(sink.begin() == ANALYTICA_OK);
  sink.host().cancelled = true;
  CHECK(sink.write(make_batch(prices_schema(), rows)) == ANALYTICA_ERR_CANCELLED);
  CHECK(contains(sink.error(), "cancelled at row"));
  sink.host().cancelled = false;
  REQUIRE(sink.commit() == ANALYTICA_OK);
  CHECK(sink.text_rows("SELECT count(*) FROM prices") == std::vector<std::string>{"0"});
}

TEST_CASE("sink_postgres: connection settings come from settings, then ANALYTICA_PG_*, then libpq", "[postgres]") {
  REQUIRE_POSTGRES(server);
  PgSchema schema(server);
  SECTION("ANALYTICA_PG_* alone") {
    ScopedEnv host("ANALYTICA_PG_HOST", server.host), port("ANALYTICA_PG_PORT", server.port),
        db("ANALYTICA_PG_DBNAME", server.dbname), user("ANALYTICA_PG_USER", server.user);
    Sink sink(kModule, "{}");
    require_open(sink);
    CHECK(sink.text_rows("SELECT current_database()") == std::vector<std::string>{server.dbname});
  }
  SECTION("ANALYTICA_PG_CONNINFO, its dbname overridden by a setting") {
    ScopedEnv info("ANALYTICA_PG_CONNINFO", server.conninfo() + " dbname=postgres");
    Sink sink(kModule, "{\"dbname\": " + json_string(server.dbname) + "}");
    require_open(sink);
    CHECK(sink.text_rows("SELECT current_database()") == std::vector<std::string>{server.dbname});
  }
  SECTION("settings win over ANALYTICA_PG_*") {
    ScopedEnv port("ANALYTICA_PG_PORT", "1");
    Sink sink(kModule, schema.settings());
    require_open(sink);
  }
  SECTION("libpq's PG* variables fill in the rest") {
    ScopedEnv host("PGHOST", server.host), port("PGPORT", server.port), db("PGDATABASE", server.dbname),
        user("PGUSER", server.user);
    Sink sink(kModule, "{}");
    require_open(sink);
  }
}

TEST_CASE("sink_postgres: the password never appears in messages or logs", "[postgres]") {
  REQUIRE_POSTGRES(server);
  const std::string wrong = "Wr0ng-Pa55word-" + std::to_string(::getpid());
  const std::string base = "host=" + server.host + " port=" + server.port + " dbname=" + server.dbname + " user=" +
                           server.secret_user;
  SECTION("wrong password in the password setting") {
    Sink sink(kModule, "{\"conninfo\": " + json_string(base) + ", \"password\": " + json_string(wrong) + "}");
    CHECK(sink.create_status() == ANALYTICA_ERR_IO);
    CHECK(contains(sink.error(), "password authentication failed"));
    CHECK(contains(sink.error(), "postgres://" + server.secret_user + "@"));
    CHECK_FALSE(contains(sink.error(), wrong));
  }
  SECTION("wrong password inside a conninfo URI") {
    const std::string uri = "postgresql://" + server.secret_user + ":" + wrong + "@" + server.host + ":" + server.port +
                            "/" + server.dbname;
    Sink sink(kModule, "{\"conninfo\": " + json_string(uri) + "}");
    CHECK(sink.create_status() == ANALYTICA_ERR_IO);
    CHECK_FALSE(contains(sink.error(), wrong));
  }
  SECTION("wrong password from ANALYTICA_PG_PASSWORD") {
    ScopedEnv pw("ANALYTICA_PG_PASSWORD", wrong);
    Sink sink(kModule, "{\"conninfo\": " + json_string(base) + "}");
    CHECK(sink.create_status() == ANALYTICA_ERR_IO);
    CHECK_FALSE(contains(sink.error(), wrong));
  }
  SECTION("the right password connects; errors and logs still never show it") {
    Sink sink(kModule, "{\"conninfo\": " + json_string(base) + ", \"password\": " +
                           json_string(server.secret_password) + "}");
    require_open(sink);
    std::vector<Row> out;
    // A statement that makes the server quote the password back.
    CHECK(sink.query("SELECT '" + server.secret_password + "'::int", {}, out) == ANALYTICA_ERR_INVALID);
    CHECK(contains(sink.error(), "invalid input syntax"));
    CHECK_FALSE(contains(sink.error(), server.secret_password));
    for (const auto& line : sink.host().logs()) CHECK_FALSE(contains(line, server.secret_password));
  }
}
