#include "run/logging.h"

#include "run/util.h"

#include <nlohmann/json.hpp>
#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <filesystem>
#include <mutex>

namespace analytica::logging {
namespace {

std::mutex g_mutex;
std::shared_ptr<spdlog::logger> g_terminal;
std::shared_ptr<spdlog::logger> g_file;
bool g_terminal_json = false;
Level g_level = Level::info;
std::string g_run_id;

spdlog::level::level_enum to_spd(Level l) {
  switch (l) {
    case Level::debug: return spdlog::level::debug;
    case Level::info: return spdlog::level::info;
    case Level::warn: return spdlog::level::warn;
    case Level::error: return spdlog::level::err;
    default: return spdlog::level::off;
  }
}

const char* name_of(Level l) {
  switch (l) {
    case Level::debug: return "debug";
    case Level::info: return "info";
    case Level::warn: return "warning";
    case Level::error: return "error";
    default: return "off";
  }
}

// Builds the JSON line ourselves: spdlog's %v is not JSON-escaped.
std::string json_line(Level level, const std::string& plugin, const std::string& message,
                      const nlohmann::json& fields) {
  nlohmann::json j = {{"ts", now_iso8601()}, {"level", name_of(level)}, {"run_id", g_run_id},
                      {"plugin", plugin},    {"msg", message}};
  if (fields.is_object() && !fields.empty()) j["fields"] = fields;
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string text_line(const std::string& plugin, const std::string& message,
                      const nlohmann::json& fields) {
  std::string out = plugin.empty() ? message : plugin + ": " + message;
  if (fields.is_object())
    for (auto it = fields.begin(); it != fields.end(); ++it)
      out += " " + it.key() + "=" +
             (it->is_string() ? it->get<std::string>() : it->dump());
  return out;
}

}  // namespace

Level parse_level(const std::string& text) {
  if (text == "debug") return Level::debug;
  if (text == "info") return Level::info;
  if (text == "warn" || text == "warning") return Level::warn;
  if (text == "error") return Level::error;
  if (text == "off") return Level::off;
  throw UserError("log level '" + text + "': expected debug, info, warn, error or off");
}

void setup(Level level, bool terminal_json, const std::string& log_file) {
  std::lock_guard<std::mutex> lock(g_mutex);
  g_level = level;
  g_terminal_json = terminal_json;
  spdlog::drop("analytica.terminal");
  spdlog::drop("analytica.file");
  g_terminal = spdlog::stderr_logger_mt("analytica.terminal");
  g_terminal->set_pattern(terminal_json ? "%v" : "%^%l%$ %v");
  g_terminal->set_level(to_spd(level));
  g_file.reset();
  if (!log_file.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(std::filesystem::path(log_file).parent_path(), ec);
    try {
      g_file = spdlog::basic_logger_mt("analytica.file", log_file);
      g_file->set_pattern("%v");
      g_file->set_level(to_spd(level == Level::off ? Level::off : std::min(level, Level::info)));
      g_file->flush_on(spdlog::level::info);
    } catch (const spdlog::spdlog_ex& e) {
      throw UserError(log_file + ": cannot open log file (" + e.what() + ")");
    }
  }
}

void set_run_id(const std::string& run_id) {
  std::lock_guard<std::mutex> lock(g_mutex);
  g_run_id = run_id;
}

void write(Level level, const std::string& plugin, const std::string& message,
           const nlohmann::json& fields) {
  std::lock_guard<std::mutex> lock(g_mutex);
  if (!g_terminal) return;
  const auto spd = to_spd(level);
  if (g_terminal->should_log(spd))
    g_terminal->log(spd, "{}", g_terminal_json ? json_line(level, plugin, message, fields)
                                               : text_line(plugin, message, fields));
  if (g_file && g_file->should_log(spd)) g_file->log(spd, "{}", json_line(level, plugin, message, fields));
}

void write(Level level, const std::string& plugin, const std::string& message) {
  write(level, plugin, message, nlohmann::json());
}

}  // namespace analytica::logging
