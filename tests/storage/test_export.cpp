// test_export.cpp — sink_export through the C ABI (files appear only at
// commit, rollback leaves nothing, upserts merge into existing files, types
// survive CSV and JSON lines) and behind a database sink in a real pipeline
// (the files hold the database's rows; a failed input leaves no trace).
#include "support.h"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <set>

using namespace storage_test;
using nlohmann::json;

namespace {

const std::string kModule = SINK_EXPORT_MODULE;

std::string export_settings(const fs::path& dir, const std::string& format) {
  return "{\"dir\": " + json_string(dir.string()) + ", \"format\": \"" + format + "\"}";
}

// benchmark_schema() with sales and note: every cell type and NULLs.
Schema export_schema() {
  const Schema benchmark = benchmark_schema();
  std::vector<Column> columns = benchmark.columns();
  columns.push_back({"sales", ANALYTICA_INT64, 0});
  columns.push_back({"note", ANALYTICA_TEXT, 0});
  return Schema(benchmark.table(), std::move(columns));
}

std::vector<std::string> lines_of(const fs::path& file) {
  std::vector<std::string> out;
  std::string text = read_text(file), line;
  for (char c : text) {
    if (c == '\n') {
      out.push_back(line);
      line.clear();
    } else {
      line += c;
    }
  }
  if (!line.empty()) out.push_back(line);
  return out;
}

std::vector<std::string> leftovers(const fs::path& dir) {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.path().filename().string().find(".tmp") != std::string::npos) out.push_back(e.path().string());
  return out;
}

// A JSON-lines value as the cell the database holds.
Cell cell_of(const json& v, const Cell& like) {
  if (v.is_null()) return N();
  if (like.type == ANALYTICA_DOUBLE) return D(v.get<double>());
  if (v.is_number_integer()) return I(v.get<int64_t>());
  if (v.is_number()) return D(v.get<double>());
  return T(v.get<std::string>());
}

}  // namespace

TEST_CASE("sink_export: files appear at commit, a rollback leaves nothing", "[sink_export]") {
  TempDir dir;
  Sink sink(kModule, export_settings(dir.path, "csv"));
  require_open(sink);
  REQUIRE(sink.begin() == ANALYTICA_OK);
  REQUIRE(sink.write(make_batch(export_schema(), {{T("North"), T("2024-01"), D(1.5), I(3), N()}})) == ANALYTICA_OK);
  CHECK_FALSE(fs::exists(dir / "benchmark.csv"));
  REQUIRE(sink.rollback() == ANALYTICA_OK);
  CHECK_FALSE(fs::exists(dir / "benchmark.csv"));
  CHECK(fs::exists(dir / "benchmark.schema.json"));  // declarations are immediate and additive
  write_committed(sink, export_schema(), {{T("North"), T("2024-01"), D(1.5), I(3), N()}});
  CHECK(lines_of(dir / "benchmark.csv") ==
        std::vector<std::string>{"district,report_month,price,sales,note", "North,2024-01,1.5,3,"});
  CHECK(leftovers(dir.path).empty());
  std::vector<Row> out;
  CHECK(sink.query("SELECT 1", {}, out) == ANALYTICA_ERR_UNSUPPORTED);
  CHECK(contains(sink.error(), "cannot answer queries"));
}

TEST_CASE("sink_export: upserts merge into the existing file, NEWEST wins, revisions keep every version",
          "[sink_export]") {
  TempDir dir;
  {
    Sink sink(kModule, export_settings(dir.path, "csv"));
    REQUIRE(sink.ok());
    write_committed(sink, export_schema(), {{T("North"), T("2024-02"), D(200), I(2), T("feb")},
                                               {T("South"), T("2024-01"), D(50), I(1), T("jan")}});
  }
  {
    Sink sink(kModule, export_settings(dir.path, "csv"));  // a later run: reads the file back
    REQUIRE(sink.ok());
    write_committed(sink, export_schema(), {{T("North"), T("2024-01"), D(100), I(1), T("older")},
                                               {T("South"), T("2024-03"), D(70), I(7), T("newer")},
                                               {T("East"), T("2024-03"), D(10), I(1), N()}});
  }
  CHECK(lines_of(dir / "benchmark.csv") ==
        std::vector<std::string>{"district,report_month,price,sales,note", "North,2024-02,200,2,feb",
                                 "South,2024-03,70,7,newer", "East,2024-03,10,1,"});
  CHECK(lines_of(dir / "benchmark_revisions.csv").size() == 1 + 5);
}

TEST_CASE("sink_export: values survive CSV and JSON lines exactly", "[sink_export]") {
  const std::vector<Row> rows = {
      {T("a,b"), T("2024-01"), D(0.1), I(-9007199254740993), T("say \"hi\"\nnext line")},
      {T(" padded "), T("2024-01"), D(1e300), I(0), T("")},
      {T("Ü – ✓"), N(), N(), N(), N()}};
  for (const std::string format : {"csv", "jsonl"}) {
    DYNAMIC_SECTION(format) {
      TempDir dir;
      {
        Sink sink(kModule, export_settings(dir.path, format));
        REQUIRE(sink.ok());
        write_committed(sink, export_schema(), rows);
      }
      {
        // Merging one more row reads the file back: what it wrote must parse to the same cells.
        Sink sink(kModule, export_settings(dir.path, format));
        REQUIRE(sink.ok());
        write_committed(sink, export_schema(), {{T("z"), T("2024-09"), D(2), I(2), N()}});
      }
      const auto first = lines_of(dir / ("benchmark." + format));
      Sink again(kModule, export_settings(dir.path, format));
      REQUIRE(again.ok());
      write_committed(again, export_schema(), {});
      CHECK(lines_of(dir / ("benchmark." + format)) == first);  // stable across a re-read
      if (format == "jsonl") {
        REQUIRE(first.size() == 4);
        const json row0 = json::parse(first[0]);
        CHECK(row0["district"] == "a,b");
        CHECK(row0["price"].get<double>() == 0.1);
        CHECK(row0["sales"].get<int64_t>() == -9007199254740993);
        CHECK(row0["note"] == "say \"hi\"\nnext line");
        CHECK(json::parse(first[1])["note"] == "");
        CHECK(json::parse(first[2])["note"].is_null());
      } else {
        REQUIRE(first.size() == 1 + 4 + 1);  // header, 4 rows, one continuation line
        CHECK(first[1] == "\"a,b\",2024-01,0.1,-9007199254740993,\"say \"\"hi\"\"");
        CHECK(first[2] == "next line\"");
        CHECK(first[3] == "\" padded \",2024-01,1e+300,0,\"\"");
        CHECK(first[4] == "Ü – ✓,,,,");
      }
    }
  }
}

TEST_CASE("sink_export: a retyped column or another key is a conflict, settings are checked", "[sink_export]") {
  TempDir dir;
  Sink sink(kModule, export_settings(dir.path, "csv"));
  REQUIRE(sink.ok());
  REQUIRE(sink.declare(export_schema()) == ANALYTICA_OK);
  CHECK(sink.declare(Schema("benchmark", {{"district", ANALYTICA_TEXT, ANALYTICA_COLUMN_KEY},
                                          {"sales", ANALYTICA_TEXT, 0}})) == ANALYTICA_ERR_CONFLICT);
  CHECK(contains(sink.error(), "column \"sales\": existing type INT64, declared type TEXT"));
  CHECK(sink.declare(Schema("benchmark", {{"note", ANALYTICA_TEXT, ANALYTICA_COLUMN_KEY}})) == ANALYTICA_ERR_CONFLICT);
  CHECK(sink.declare(Schema("benchmark", {{"district", ANALYTICA_TEXT, ANALYTICA_COLUMN_KEY},
                                          {"extra", ANALYTICA_INT64, 0}})) == ANALYTICA_OK);
  Sink bad(kModule, export_settings(dir.path, "xml"));
  CHECK(bad.create_status() == ANALYTICA_ERR_INVALID);
  CHECK(contains(bad.error(), "format: \"xml\" is not csv or jsonl"));
  write_text(dir / "file", "x");
  Sink not_dir(kModule, export_settings(dir / "file", "csv"));
  CHECK(not_dir.create_status() == ANALYTICA_ERR_IO);
}

TEST_CASE("sink_export: behind SQLite in a pipeline the files hold the database's rows", "[sink_export]") {
  TempDir dir;
  synth_reports(dir / "inbox", {"2024-01", "2024-02"});
  write_text(dir / "inbox" / "broken.pdf", "%PDF-1.4 this is not a report\n");
  const std::string sinks = "[{\"plugin\": \"sink_sqlite\", \"settings\": {\"path\": " +
                            json_string((dir / "store.db").string()) +
                            "}}, {\"plugin\": \"sink_export\", \"settings\": " +
                            export_settings(dir / "csv", "csv") + "}, {\"plugin\": \"sink_export\", \"settings\": " +
                            export_settings(dir / "jsonl", "jsonl") + "}]";
  write_text(dir / "p.json", creb_pipeline(dir / "inbox", sinks));
  const CliResult r = run_cli({"--data-dir=" + (dir / "data").string(), "run", (dir / "p.json").string()});
  INFO(r.out << r.err);
  CHECK(r.status == 1);  // broken.pdf failed and was rolled back on every sink
  CHECK(contains(r.out, "2 ingested, 0 unchanged, 1 failed"));
  CHECK(leftovers(dir / "csv").empty());
  CHECK(leftovers(dir / "jsonl").empty());

  Sink db(SINK_SQLITE_MODULE, "{\"path\": " + json_string((dir / "store.db").string()) + "}");
  REQUIRE(db.ok());
  for (const std::string table : {"housing_city_monthly", "housing_city_monthly_revisions", "housing_district_monthly",
                                  "housing_document"}) {
    INFO(table);
    const auto rows = db.rows("SELECT * FROM " + table);
    const auto jsonl = lines_of(dir / "jsonl" / (table + ".jsonl"));
    const auto csv = lines_of(dir / "csv" / (table + ".csv"));
    REQUIRE(jsonl.size() == rows.size());
    REQUIRE(csv.size() == rows.size() + 1);
    // Typed comparison with the JSON lines, as sorted row texts.
    std::multiset<std::string> expected, exported;
    for (const auto& row : rows) {
      std::string line;
      for (const auto& c : row) line += show(c) + "|";
      expected.insert(line);
    }
    for (size_t i = 0; i < jsonl.size(); ++i) {
      const json object = json::parse(jsonl[i]);
      REQUIRE(object.size() == rows[0].size());
      std::string line;
      // Columns in the database's order, as the CSV header names them.
      std::vector<std::string> names;
      const std::string header = csv[0];
      for (size_t at = 0;;) {
        const size_t comma = header.find(',', at);
        names.push_back(header.substr(at, comma - at));
        if (comma == std::string::npos) break;
        at = comma + 1;
      }
      for (size_t k = 0; k < names.size(); ++k) line += show(cell_of(object[names[k]], rows[0][k])) + "|";
      exported.insert(line);
    }
    CHECK(exported == expected);
  }
}

TEST_CASE("sink_export: as the first sink it is refused, since governance must query the store", "[sink_export]") {
  TempDir dir;
  synth_reports(dir / "inbox", {"2024-01"});
  write_text(dir / "p.json", creb_pipeline(dir / "inbox", "[{\"plugin\": \"sink_export\", \"settings\": " +
                                                              export_settings(dir / "out", "csv") + "}]"));
  const CliResult r = run_cli({"--data-dir=" + (dir / "data").string(), "run", (dir / "p.json").string()});
  INFO(r.out << r.err);
  CHECK(r.status != 0);
  CHECK_FALSE(fs::exists(dir / "out" / "housing_city_monthly.csv"));
}
