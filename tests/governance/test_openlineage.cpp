// OpenLineage RunEvents: every run appends START and COMPLETE / FAIL to the
// events file. Each event is checked against the required fields of the
// published OpenLineage 2-0-2 JSON schema (spec/OpenLineage.json: BaseEvent
// requires eventTime, producer, schemaURL; RunEvent run and job; Run runId
// (uuid); Job and Dataset namespace and name; every facet _producer and
// _schemaURL) and of the facets used (SchemaDatasetFacet fields[].name,
// DatasetVersionDatasetFacet datasetVersion, DataQualityMetricsDatasetFacet
// columnMetrics, ErrorMessageRunFacet message and programmingLanguage).
// The check is written here over nlohmann::json; the schema file is not
// vendored.
#include "support.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <regex>
#include <set>

using namespace govtest;
using nlohmann::json;

namespace {

using Problems = std::vector<std::string>;

bool is_uri(const json& v) {
  static const std::regex uri(R"(^[A-Za-z][A-Za-z0-9+.-]*:\S+$)");
  return v.is_string() && std::regex_match(v.get<std::string>(), uri);
}

bool is_uuid(const json& v) {
  static const std::regex uuid(R"(^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$)");
  return v.is_string() && std::regex_match(v.get<std::string>(), uuid);
}

bool is_date_time(const json& v) {  // RFC 3339
  static const std::regex dt(R"(^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$)");
  return v.is_string() && std::regex_match(v.get<std::string>(), dt);
}

void require_string(const json& o, const char* key, const std::string& where, Problems& out) {
  if (!o.is_object() || !o.contains(key) || !o[key].is_string()) out.push_back(where + "." + key + ": required string");
}

// BaseFacet plus the required fields of the facets we know by name.
void check_facets(const json& facets, const std::string& where, Problems& out) {
  if (facets.is_null()) return;
  if (!facets.is_object()) {
    out.push_back(where + ": expected an object");
    return;
  }
  for (auto it = facets.begin(); it != facets.end(); ++it) {
    const std::string at = where + "." + it.key();
    const json& f = it.value();
    if (!f.is_object()) {
      out.push_back(at + ": expected an object");
      continue;
    }
    if (!is_uri(f.value("_producer", json()))) out.push_back(at + "._producer: required URI");
    if (!is_uri(f.value("_schemaURL", json()))) out.push_back(at + "._schemaURL: required URI");
    if (it.key() == "schema" && f.contains("fields")) {
      if (!f["fields"].is_array()) out.push_back(at + ".fields: expected an array");
      else
        for (const auto& field : f["fields"]) {
          require_string(field, "name", at + ".fields[]", out);
          if (field.contains("type") && !field["type"].is_string()) out.push_back(at + ".fields[].type: expected string");
        }
    }
    if (it.key() == "version") require_string(f, "datasetVersion", at, out);
    if (it.key() == "dataQualityMetrics") {
      if (!f.contains("columnMetrics") || !f["columnMetrics"].is_object())
        out.push_back(at + ".columnMetrics: required object");
      if (f.contains("rowCount") && !f["rowCount"].is_number_integer()) out.push_back(at + ".rowCount: expected integer");
    }
    if (it.key() == "errorMessage") {
      require_string(f, "message", at, out);
      require_string(f, "programmingLanguage", at, out);
    }
    if (it.key() == "dataSource" && f.contains("uri") && !is_uri(f["uri"])) out.push_back(at + ".uri: expected URI");
  }
}

void check_datasets(const json& event, const char* key, const char* io_facets, Problems& out) {
  if (!event.contains(key)) return;
  if (!event[key].is_array()) {
    out.push_back(std::string(key) + ": expected an array");
    return;
  }
  for (size_t i = 0; i < event[key].size(); ++i) {
    const json& d = event[key][i];
    const std::string where = std::string(key) + "[" + std::to_string(i) + "]";
    require_string(d, "namespace", where, out);
    require_string(d, "name", where, out);
    if (d.is_object()) {
      check_facets(d.value("facets", json()), where + ".facets", out);
      check_facets(d.value(io_facets, json()), where + "." + io_facets, out);
    }
  }
}

// Problems of one RunEvent against the schema's required fields.
Problems validate_run_event(const json& e) {
  Problems out;
  if (!e.is_object()) return {"event: expected an object"};
  if (!is_date_time(e.value("eventTime", json()))) out.push_back("eventTime: required date-time");
  if (!is_uri(e.value("producer", json()))) out.push_back("producer: required URI");
  if (!is_uri(e.value("schemaURL", json()))) out.push_back("schemaURL: required URI");
  static const std::set<std::string> types = {"START", "RUNNING", "COMPLETE", "ABORT", "FAIL", "OTHER"};
  if (e.contains("eventType") && (!e["eventType"].is_string() || !types.count(e["eventType"].get<std::string>())))
    out.push_back("eventType: not one of START|RUNNING|COMPLETE|ABORT|FAIL|OTHER");
  if (!e.contains("run") || !e["run"].is_object()) {
    out.push_back("run: required object");
  } else {
    if (!is_uuid(e["run"].value("runId", json()))) out.push_back("run.runId: required uuid");
    check_facets(e["run"].value("facets", json()), "run.facets", out);
  }
  if (!e.contains("job") || !e["job"].is_object()) {
    out.push_back("job: required object");
  } else {
    require_string(e["job"], "namespace", "job", out);
    require_string(e["job"], "name", "job", out);
    check_facets(e["job"].value("facets", json()), "job.facets", out);
  }
  check_datasets(e, "inputs", "inputFacets", out);
  check_datasets(e, "outputs", "outputFacets", out);
  return out;
}

std::string joined(const Problems& p) {
  std::string out;
  for (const auto& s : p) out += s + "\n";
  return out;
}

}  // namespace

TEST_CASE("the OpenLineage check itself rejects events missing required fields", "[openlineage]") {
  const json good = {{"eventType", "START"},
                     {"eventTime", "2024-03-01T10:00:00.000Z"},
                     {"producer", "urn:x:y"},
                     {"schemaURL", "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent"},
                     {"run", {{"runId", "3b452093-782c-4ef2-9c0c-aafe2aa6f34d"}}},
                     {"job", {{"namespace", "n"}, {"name", "j"}}}};
  CHECK(validate_run_event(good).empty());
  json bad = good;
  bad["run"]["runId"] = "not-a-uuid";
  bad.erase("schemaURL");
  json output = {{"namespace", "x"}};
  output["facets"]["schema"]["fields"] = json::array({json{{"type", "INT"}}});
  bad["outputs"] = json::array({output});
  const Problems p = validate_run_event(bad);
  CHECK(p == Problems{"schemaURL: required URI", "run.runId: required uuid", "outputs[0].name: required string",
                      "outputs[0].facets.schema._producer: required URI",
                      "outputs[0].facets.schema._schemaURL: required URI",
                      "outputs[0].facets.schema.fields[].name: required string"});
}

TEST_CASE("each run emits START and COMPLETE or FAIL events that validate", "[openlineage]") {
  TempDir t;
  write_text(t / "inbox/a.csv", "id,v\n1,10\n2,\n");
  write_text(t / "inbox/b.csv", "id,w\n1,x\n");
  const std::string p = write_pipeline(t, "csv-ol", "csv", "extractor_csv", {{"key", {"id"}}});
  REQUIRE(run_cli(t, {"run", p}).status == 0);
  write_text(t / "inbox/c_bad.csv", "id,v\n1,2,3\n");
  REQUIRE(run_cli(t, {"run", p}).status == 1);

  const auto events = openlineage_events(t);
  REQUIRE(events.size() == 4);
  for (const auto& e : events) {
    INFO(e.dump(2));
    CHECK(joined(validate_run_event(e)).empty());
    CHECK(e["schemaURL"] == "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent");
    CHECK(e["job"] == json{{"namespace", "analytica"}, {"name", "csv-ol"}});
  }
  const auto run_ids = sql_rows(db(t), "SELECT run_id FROM governance_runs ORDER BY started_at");
  REQUIRE(run_ids.size() == 2);
  CHECK(events[0]["eventType"] == "START");
  CHECK(events[1]["eventType"] == "COMPLETE");
  CHECK(events[2]["eventType"] == "START");
  CHECK(events[3]["eventType"] == "FAIL");
  CHECK(events[0]["run"]["runId"] == run_ids[0]);
  CHECK(events[1]["run"]["runId"] == run_ids[0]);
  CHECK(events[3]["run"]["runId"] == run_ids[1]);
  CHECK(events[3]["run"]["facets"]["errorMessage"]["message"].get<std::string>().find("c_bad.csv") != std::string::npos);

  // COMPLETE: the files read, by SHA-256, and the tables written.
  const json& done = events[1];
  REQUIRE(done["inputs"].size() == 2);
  std::set<std::string> inputs;
  for (const auto& in : done["inputs"]) {
    CHECK(in["namespace"] == "file");
    CHECK(in["facets"]["dataSource"]["uri"] == "file://" + in["name"].get<std::string>());
    inputs.insert(in["name"].get<std::string>() + "|" + in["facets"]["version"]["datasetVersion"].get<std::string>());
  }
  std::set<std::string> registered;
  for (const auto& r : sql_rows(db(t), "SELECT uri, sha256 FROM governance_sources WHERE status = 'ingested'")) registered.insert(r.substr(7));
  CHECK(inputs == registered);
  REQUIRE(done["outputs"].size() == 2);
  const json& a = done["outputs"][0];
  CHECK(a["namespace"] == "sqlite://" + db(t).string());
  CHECK(a["name"] == "a");
  CHECK(a["facets"]["schema"]["fields"] == json::array({{{"name", "id"}, {"type", "INT64"}}, {{"name", "v"}, {"type", "INT64"}}}));
  const json& quality = a["facets"]["dataQualityMetrics"];
  CHECK(quality["rowCount"] == 2);
  CHECK(quality["columnMetrics"]["v"] == json{{"count", 2}, {"nullCount", 1}, {"min", 10.0}, {"max", 10.0}, {"sum", 10.0}});
  // START knows no inputs yet; the failed run read nothing it kept.
  CHECK(events[0]["inputs"].empty());
  CHECK(events[3]["inputs"].empty());
}

TEST_CASE("the events file is a governance setting, an empty path turns events off", "[openlineage]") {
  TempDir t;
  write_text(t / "inbox/a.csv", "id,v\n1,10\n");
  const auto custom = t / "lineage/events.jsonl";
  REQUIRE(run_cli(t, {"run", write_pipeline(t, "p1", "csv", "extractor_csv", {{"key", {"id"}}},
                                            {{"openlineage_path", custom.string()},
                                             {"openlineage_namespace", "calgary"},
                                             {"openlineage_dataset_namespace", "sqlite://warehouse"}})})
              .status == 0);
  const auto lines = read_text(custom);
  REQUIRE(std::count(lines.begin(), lines.end(), '\n') == 2);
  const json complete = json::parse(lines.substr(lines.find('\n') + 1));
  CHECK(complete["job"]["namespace"] == "calgary");
  CHECK(complete["outputs"][0]["namespace"] == "sqlite://warehouse");
  CHECK(!std::filesystem::exists(t / "openlineage.jsonl"));

  write_text(t / "inbox/b.csv", "id,v\n2,20\n");
  REQUIRE(run_cli(t, {"run", write_pipeline(t, "p2", "csv", "extractor_csv", {{"key", {"id"}}},
                                            {{"openlineage_path", ""}})})
              .status == 0);
  CHECK(!std::filesystem::exists(t / "openlineage.jsonl"));
  CHECK(read_text(custom) == lines);
}
