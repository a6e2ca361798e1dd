#include "openlineage.h"

#include "schemas.h"

#include <cmath>
#include <filesystem>
#include <fstream>

namespace governance {
using analytica::Failure;
using nlohmann::json;

const char* const kProducer = "urn:calgary-analytica:plugin:governance:1.1.0";
const char* const kRunEventSchema = "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent";

namespace {

const char* const kFacets = "https://openlineage.io/spec/facets/";

json facet(const std::string& schema_file, const std::string& def) {
  return {{"_producer", kProducer}, {"_schemaURL", std::string(kFacets) + schema_file + "#/$defs/" + def}};
}

json input_dataset(const LineageInput& in) {
  json data_source = facet("1-0-1/DatasourceDatasetFacet.json", "DatasourceDatasetFacet");
  data_source["name"] = "file";
  data_source["uri"] = in.uri;
  json version = facet("1-0-1/DatasetVersionDatasetFacet.json", "DatasetVersionDatasetFacet");
  version["datasetVersion"] = in.sha256;
  return {{"namespace", "file"}, {"name", in.path}, {"facets", {{"dataSource", data_source}, {"version", version}}}};
}

json output_dataset(const std::string& ns, const std::string& table, const TableStats& stats) {
  json fields = json::array();
  for (const auto& c : stats.schema.columns()) fields.push_back({{"name", c.name}, {"type", type_name(c.type)}});
  json schema = facet("1-0-0/SchemaDatasetFacet.json", "SchemaDatasetFacet");
  schema["fields"] = fields;

  json columns = json::object();
  for (const auto& [name, c] : stats.columns) {
    json m = {{"nullCount", c.nulls}, {"count", c.count}};
    if (c.numeric && std::isfinite(c.min)) {
      m["min"] = c.min;
      m["max"] = c.max;
      m["sum"] = c.sum;
    }
    columns[name] = m;
  }
  json quality = facet("1-0-0/DataQualityMetricsDatasetFacet.json", "DataQualityMetricsDatasetFacet");
  quality["rowCount"] = stats.rows;
  quality["columnMetrics"] = columns;
  return {{"namespace", ns}, {"name", table}, {"facets", {{"schema", schema}, {"dataQualityMetrics", quality}}}};
}

}  // namespace

json run_event(const RunEventSpec& spec) {
  json run = {{"runId", spec.run_id}};
  if (!spec.error.empty()) {
    json error = facet("1-0-0/ErrorMessageRunFacet.json", "ErrorMessageRunFacet");
    error["message"] = spec.error;
    error["programmingLanguage"] = "C++";
    run["facets"] = {{"errorMessage", error}};
  }
  json inputs = json::array(), outputs = json::array();
  for (const auto& in : spec.inputs) inputs.push_back(input_dataset(in));
  for (const auto& [table, stats] : spec.outputs) outputs.push_back(output_dataset(spec.output_namespace, table, stats));
  return {{"eventType", spec.event_type},
          {"eventTime", spec.event_time},
          {"run", run},
          {"job", {{"namespace", spec.job_namespace}, {"name", spec.job_name}}},
          {"inputs", inputs},
          {"outputs", outputs},
          {"producer", kProducer},
          {"schemaURL", kRunEventSchema}};
}

void append_event(const std::string& path, const json& event) {
  const std::filesystem::path file(path);
  std::error_code ec;
  if (file.has_parent_path()) std::filesystem::create_directories(file.parent_path(), ec);
  std::ofstream out(file, std::ios::app | std::ios::binary);
  if (!out) throw Failure(ANALYTICA_ERR_IO, path + ": cannot open the OpenLineage events file for appending");
  out << event.dump() << '\n';
  out.flush();
  if (!out) throw Failure(ANALYTICA_ERR_IO, path + ": cannot write an OpenLineage event");
}

}  // namespace governance
