#include "support.h"

#include <sqlite3.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <sys/wait.h>

namespace fs = std::filesystem;
using nlohmann::json;

namespace govtest {

TempDir::TempDir() {
  std::string tmpl = (fs::temp_directory_path() / "analytica-gov-XXXXXX").string();
  if (!mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
  path = tmpl;
}

TempDir::~TempDir() {
  std::error_code ec;
  fs::remove_all(path, ec);
}

namespace {
std::string quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}
}  // namespace

std::string read_text(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void write_text(const fs::path& file, const std::string& text) {
  if (file.has_parent_path()) fs::create_directories(file.parent_path());
  std::ofstream(file, std::ios::binary) << text;
}

CliResult run_cli(const TempDir& dir, const std::vector<std::string>& args) {
  TempDir io;
  std::string cmd = quote(ANALYTICA_EXE) + " --plugin-dir " + quote(GOV_TEST_PLUGIN_DIR) + " --plugin-dir " +
                    quote(PLUGIN_DIR) + " --log-file '' --log-level warn --data-dir " + quote(dir.path.string());
  for (const auto& a : args) cmd += " " + quote(a);
  cmd += " >" + quote((io / "out").string()) + " 2>" + quote((io / "err").string());
  const int rc = std::system(cmd.c_str());
  CliResult r;
  r.status = WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
  r.out = read_text(io / "out");
  r.err = read_text(io / "err");
  return r;
}

json run_json(const TempDir& dir, const std::vector<std::string>& args) {
  const CliResult r = run_cli(dir, args);
  try {
    return json::parse(r.out);
  } catch (const std::exception& e) {
    throw std::runtime_error("not JSON (status " + std::to_string(r.status) + "): " + r.out + "\nstderr: " + r.err);
  }
}

std::vector<std::string> sql_rows(const fs::path& file, const std::string& sql) {
  sqlite3* h = nullptr;
  if (sqlite3_open_v2(file.c_str(), &h, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
    sqlite3_close(h);
    throw std::runtime_error("cannot open " + file.string());
  }
  sqlite3_stmt* st = nullptr;
  if (sqlite3_prepare_v2(h, sql.c_str(), -1, &st, nullptr) != SQLITE_OK) {
    const std::string e = sqlite3_errmsg(h);
    sqlite3_close(h);
    throw std::runtime_error(sql + ": " + e);
  }
  std::vector<std::string> rows;
  while (sqlite3_step(st) == SQLITE_ROW) {
    std::string row;
    for (int c = 0; c < sqlite3_column_count(st); ++c) {
      const unsigned char* t = sqlite3_column_text(st, c);
      row += (c ? "|" : "") + std::string(t ? reinterpret_cast<const char*>(t) : "NULL");
    }
    rows.push_back(row);
  }
  sqlite3_finalize(st);
  sqlite3_close(h);
  return rows;
}

void sql_exec(const fs::path& file, const std::string& sql) {
  sqlite3* h = nullptr;
  if (sqlite3_open(file.c_str(), &h) != SQLITE_OK) {
    sqlite3_close(h);
    throw std::runtime_error("cannot open " + file.string());
  }
  char* error = nullptr;
  const int rc = sqlite3_exec(h, sql.c_str(), nullptr, nullptr, &error);
  const std::string message = error ? error : "";
  sqlite3_free(error);
  sqlite3_close(h);
  if (rc != SQLITE_OK) throw std::runtime_error(sql + ": " + message);
}

std::string sql_value(const fs::path& file, const std::string& sql) {
  const auto rows = sql_rows(file, sql);
  if (rows.size() != 1) throw std::runtime_error(sql + ": expected one row, got " + std::to_string(rows.size()));
  return rows[0];
}

std::string write_pipeline(const TempDir& dir, const std::string& name, const std::string& ext,
                           const std::string& extractor, const json& extractor_settings,
                           const json& governance_settings, const std::string& table_prefix) {
  json p = {{"name", name},
            {"sources", {{{"plugin", "source_directory"},
                          {"settings", {{"path", "${data_dir}/inbox"}, {"pattern", "*." + ext}}}}}},
            {"extractors", {{{"plugin", extractor}, {"settings", extractor_settings}}}},
            {"sinks", {{{"plugin", "sink_sqlite"}, {"settings", {{"path", "${database}"}}}}}}};
  if (!table_prefix.empty()) p["table_prefix"] = table_prefix;
  if (!governance_settings.empty()) p["governance"] = {{"settings", governance_settings}};
  const fs::path file = dir / (name + ".json");
  write_text(file, p.dump(2));
  return file.string();
}

fs::path db(const TempDir& dir) { return dir / "analytica.db"; }

std::vector<json> openlineage_events(const TempDir& dir) {
  std::vector<json> out;
  std::ifstream in(dir / "openlineage.jsonl");
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) out.push_back(json::parse(line));
  return out;
}

}  // namespace govtest
