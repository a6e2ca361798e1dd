#include "openlineage.h"

#include "schemas.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstring>
#include <filesystem>

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

uint64_t append_event(const std::string& path, const json& event) {
  const std::filesystem::path file(path);
  std::error_code ec;
  if (file.has_parent_path()) std::filesystem::create_directories(file.parent_path(), ec);
  const int fd = ::open(file.c_str(), O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0)
    throw Failure(ANALYTICA_ERR_IO,
                  path + ": cannot open the OpenLineage events file for appending: " + std::strerror(errno));
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }  // releases the lock too
  } closer{fd};
  // Appenders of other runs wait here, so a truncation below never cuts
  // their line.
  if (::flock(fd, LOCK_EX) != 0)
    throw Failure(ANALYTICA_ERR_IO, path + ": cannot lock the OpenLineage events file: " + std::strerror(errno));
  struct stat st {};
  if (::fstat(fd, &st) != 0) throw Failure(ANALYTICA_ERR_IO, path + ": cannot stat: " + std::strerror(errno));
  off_t size = st.st_size;

  // A torn last line (a writer killed mid-line by an older version) is cut
  // off, so this event starts a line of its own.
  uint64_t dropped = 0;
  if (size > 0) {
    off_t keep = size;
    char buf[4096];
    while (keep > 0) {
      const off_t from = keep > static_cast<off_t>(sizeof buf) ? keep - static_cast<off_t>(sizeof buf) : 0;
      const ssize_t n = ::pread(fd, buf, static_cast<size_t>(keep - from), from);
      if (n <= 0) throw Failure(ANALYTICA_ERR_IO, path + ": cannot read its end: " + std::strerror(errno));
      ssize_t i = n - 1;
      while (i >= 0 && buf[i] != '\n') --i;
      if (i >= 0) {
        keep = from + i + 1;
        break;
      }
      keep = from;
    }
    if (keep < size) {
      if (::ftruncate(fd, keep) != 0)
        throw Failure(ANALYTICA_ERR_IO, path + ": cannot cut its torn last line: " + std::strerror(errno));
      dropped = static_cast<uint64_t>(size - keep);
      size = keep;
    }
  }

  // The whole line in one write() (further ones only after a short write,
  // still under the lock); a failure (a full disk, a file size limit) takes
  // the partial line back, so the file only ever holds whole lines.
  const std::string line = event.dump() + "\n";
  size_t done = 0;
  while (done < line.size()) {
    const ssize_t n = ::write(fd, line.data() + done, line.size() - done);
    if (n > 0) {
      done += static_cast<size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    const std::string why = n < 0 ? std::strerror(errno) : "nothing written";
    const bool restored = ::ftruncate(fd, size) == 0;
    throw Failure(ANALYTICA_ERR_IO, path + ": cannot append an OpenLineage event: " + why +
                                        (restored ? "" : " (and cannot take the partial line back)"));
  }
  return dropped;
}

}  // namespace governance
