// Test helpers: temporary directories and running the real `analytica`.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

struct TempDir {
  TempDir();
  ~TempDir();
  std::filesystem::path path;
  std::filesystem::path operator/(const std::string& p) const { return path / p; }
  std::string file(const std::string& name) const { return (path / name).string(); }
};

struct CliResult {
  int status = -1;
  std::string out, err;
};

// Runs analytica with args (each shell-quoted); `env` is a prefix like
// "ANALYTICA_DATA_DIR=/x". Always adds --plugin-dir for the test plugins and
// the project's plugins, and --log-file=<none> unless args give one.
CliResult run_cli(const std::vector<std::string>& args, const std::string& env = "");

void write_text(const std::filesystem::path& file, const std::string& text);

// Runs one SQL query against a SQLite file; returns rows as "a|b|c" strings.
std::vector<std::string> sql_rows(const std::filesystem::path& db, const std::string& sql);
