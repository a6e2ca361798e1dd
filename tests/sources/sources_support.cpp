#include "sources_support.h"

namespace srctest {
using nlohmann::json;

json shipped_pipeline(const std::string& name) {
  return json::parse(read_text(std::string(SOURCE_DIR) + "/config/pipelines/" + name + ".json"));
}

std::string write_pipeline(const TempDir& dir, const json& pipeline) {
  const std::string path = dir.file(pipeline.at("name").get<std::string>() + ".json");
  write_text(path, pipeline.dump(2));
  return path;
}

CliResult run(const TempDir& dir, const std::string& pipeline, const std::string& env) {
  return run_cli({"--data-dir", dir.path.string(), "--log-level", "info", "run", pipeline},
                 "http_proxy= https_proxy= HTTP_PROXY= HTTPS_PROXY= ALL_PROXY= all_proxy= no_proxy=127.0.0.1 " + env);
}

std::string db(const TempDir& dir) { return dir.file("analytica.db"); }

json items_pipeline(const json& source_settings) {
  json settings = source_settings;
  if (!settings.contains("retry_delay_ms")) settings["retry_delay_ms"] = 50;
  return {{"name", "items"},
          {"sources", {{{"plugin", "source_http"}, {"settings", settings}}}},
          {"extractors",
           {{{"plugin", "extractor_json_records"},
             {"settings",
              {{"table", "items"},
               {"columns",
                {{{"name", "id"}, {"type", "text"}, {"key", true}},
                 {{"name", "value"}, {"type", "integer"}, {"required", true}}}}}}}}},
          {"sinks", {{{"plugin", "sink_sqlite"}, {"settings", {{"path", "${database}"}}}}}}};
}

CliResult run_items(const TempDir& dir, const json& source_settings, const std::string& env) {
  return run(dir, write_pipeline(dir, items_pipeline(source_settings)), env);
}

}  // namespace srctest
