#include "support.h"

#include <sqlite3.h>

#include <stdlib.h>
#include <sys/wait.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>

#ifndef ANALYTICA_EXE
#error "analytica_test_support defines ANALYTICA_EXE, PLUGIN_DIR, TEST_PLUGIN_DIR, CREB_SYNTH_EXE and CORPUS_DIR"
#endif

namespace fs = std::filesystem;

TempDir::TempDir() {
  std::string tmpl = (fs::temp_directory_path() / "analytica-test-XXXXXX").string();
  if (!mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
  path = tmpl;
}

TempDir::~TempDir() {
  std::error_code ec;
  fs::remove_all(path, ec);
}

void write_text(const fs::path& file, const std::string& text) {
  if (file.has_parent_path()) fs::create_directories(file.parent_path());
  std::ofstream out(file, std::ios::binary);
  out << text;
  if (!out) throw std::runtime_error("cannot write " + file.string());
}

std::string read_text(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + file.string());
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// ------------------------------------------------------------- processes

std::string shell_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

std::string shell_command(const std::vector<std::string>& words, const std::string& env) {
  std::string cmd = env;
  for (const auto& w : words) cmd += " " + shell_quote(w);
  return cmd;
}

CliResult run_shell(const std::string& command) {
  TempDir io;
  const std::string cmd = command + " </dev/null >" + shell_quote((io / "out").string()) + " 2>" +
                          shell_quote((io / "err").string());
  const int rc = std::system(cmd.c_str());
  CliResult r;
  r.status = rc != -1 && WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
  r.out = read_text(io / "out");
  r.err = read_text(io / "err");
  return r;
}

std::vector<std::string> analytica_words(const std::vector<std::string>& plugin_dirs,
                                         const std::vector<std::string>& args) {
  std::vector<std::string> words = {ANALYTICA_EXE};
  for (const auto& d : plugin_dirs) words.insert(words.end(), {"--plugin-dir", d});
  if (std::find(args.begin(), args.end(), "--log-file") == args.end()) words.insert(words.end(), {"--log-file", ""});
  words.insert(words.end(), args.begin(), args.end());
  return words;
}

CliResult run_analytica(const std::vector<std::string>& plugin_dirs, const std::vector<std::string>& args,
                        const std::string& env) {
  return run_shell(shell_command(analytica_words(plugin_dirs, args), env));
}

CliResult run_cli(const std::vector<std::string>& args, const std::string& env) {
  return run_analytica({TEST_PLUGIN_DIR, PLUGIN_DIR}, args, env);
}

// ---------------------------------------------------------------- SQLite

Rows sql_rows(const fs::path& db, const std::string& sql) {
  sqlite3* h = nullptr;
  if (sqlite3_open_v2(db.c_str(), &h, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
    sqlite3_close(h);
    throw std::runtime_error("cannot open " + db.string());
  }
  sqlite3_stmt* st = nullptr;
  if (sqlite3_prepare_v2(h, sql.c_str(), -1, &st, nullptr) != SQLITE_OK) {
    const std::string e = sqlite3_errmsg(h);
    sqlite3_close(h);
    throw std::runtime_error(sql + ": " + e);
  }
  Rows rows;
  int rc = SQLITE_OK;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    std::string row;
    for (int c = 0; c < sqlite3_column_count(st); ++c) {
      const unsigned char* t = sqlite3_column_text(st, c);
      row += (c ? "|" : "") + std::string(t ? reinterpret_cast<const char*>(t) : "NULL");
    }
    rows.push_back(row);
  }
  const std::string e = rc == SQLITE_DONE ? "" : sqlite3_errmsg(h);
  sqlite3_finalize(st);
  sqlite3_close(h);
  if (rc != SQLITE_DONE) throw std::runtime_error(sql + ": " + e);
  return rows;
}

std::string sql_value(const fs::path& db, const std::string& sql) {
  const Rows rows = sql_rows(db, sql);
  if (rows.size() != 1) throw std::runtime_error(sql + ": expected one row, got " + std::to_string(rows.size()));
  return rows[0];
}

void sql_exec(const fs::path& db, const std::string& sql) {
  sqlite3* h = nullptr;
  if (sqlite3_open(db.c_str(), &h) != SQLITE_OK) {
    sqlite3_close(h);
    throw std::runtime_error("cannot open " + db.string());
  }
  char* error = nullptr;
  const int rc = sqlite3_exec(h, sql.c_str(), nullptr, nullptr, &error);
  const std::string message = error ? error : "";
  sqlite3_free(error);
  sqlite3_close(h);
  if (rc != SQLITE_OK) throw std::runtime_error(sql + ": " + message);
}

// ------------------------------------------------------------ CREB data

void synth_reports(const fs::path& dir, const std::vector<std::string>& months, const std::vector<std::string>& extra) {
  for (const auto& m : months) {
    std::vector<std::string> words = {CREB_SYNTH_EXE, "--quiet", "--out", dir.string(), "--month", m};
    words.insert(words.end(), extra.begin(), extra.end());
    const CliResult r = run_shell(shell_command(words));
    if (r.status != 0) throw std::runtime_error("creb-synth failed: " + shell_command(words) + "\n" + r.err);
  }
}

std::string corpus_dir() {
  const char* env = std::getenv("ANALYTICA_CORPUS_DIR");
  const std::string dir = env && *env ? env : CORPUS_DIR;
  std::error_code ec;
  return !dir.empty() && fs::is_directory(dir, ec) ? dir : "";
}

std::string json_string(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}
