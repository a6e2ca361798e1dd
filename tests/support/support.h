// support.h — helpers every test folder shares: temporary directories, files,
// the real `analytica` (and any other program) run through the shell with its
// output captured, SQLite files read and written directly, synthetic CREB
// reports from the real `creb-synth` executable, and the corpus location.
//
// The analytica_test_support library (tests/CMakeLists.txt) defines the paths
// used here: ANALYTICA_EXE, PLUGIN_DIR, TEST_PLUGIN_DIR, CREB_SYNTH_EXE,
// CORPUS_DIR and SOURCE_DIR.
#ifndef ANALYTICA_TESTS_SUPPORT_SUPPORT_H
#define ANALYTICA_TESTS_SUPPORT_SUPPORT_H

#include <filesystem>
#include <string>
#include <vector>

// A fresh directory under the system's temporary directory, removed with
// everything in it when the object goes.
struct TempDir {
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  std::filesystem::path path;
  std::filesystem::path operator/(const std::string& p) const { return path / p; }
  std::string file(const std::string& name) const { return (path / name).string(); }
};

// Writes the bytes, creating missing parent directories; throws if it cannot.
void write_text(const std::filesystem::path& file, const std::string& text);
// The file's bytes; throws if it cannot be read.
std::string read_text(const std::filesystem::path& file);
bool contains(const std::string& text, const std::string& part);

// ------------------------------------------------------------- processes

struct CliResult {
  int status = -1;  // exit status; -1 if the process did not exit normally
  std::string out, err;
};

// Single-quotes a string for sh.
std::string shell_quote(const std::string& s);
// The words quoted for sh and joined, with `env` (e.g. "A=1 B=2") in front.
std::string shell_command(const std::vector<std::string>& words, const std::string& env = "");
// Runs a sh command line with stdin from /dev/null; captures stdout and stderr.
CliResult run_shell(const std::string& command);

// The words of `analytica --plugin-dir DIR... --log-file '' ARGS`: one
// --plugin-dir per directory, and no log file unless ARGS name one.
std::vector<std::string> analytica_words(const std::vector<std::string>& plugin_dirs,
                                         const std::vector<std::string>& args);
// Runs analytica_words(plugin_dirs, args) with `env` in front.
CliResult run_analytica(const std::vector<std::string>& plugin_dirs, const std::vector<std::string>& args,
                        const std::string& env = "");
// Runs analytica with the host tests' plugins (TEST_PLUGIN_DIR) searched
// before the project's (PLUGIN_DIR).
CliResult run_cli(const std::vector<std::string>& args, const std::string& env = "");

// ---------------------------------------------------------------- SQLite

using Rows = std::vector<std::string>;
// Rows of one query on a SQLite file (opened read-only) as "a|b|c" strings,
// NULL as "NULL"; throws with SQLite's message on an error.
Rows sql_rows(const std::filesystem::path& db, const std::string& sql);
// The single value of a one-row, one-column query (throws otherwise).
std::string sql_value(const std::filesystem::path& db, const std::string& sql);
// Runs statements on a SQLite file; throws with SQLite's message on an error.
void sql_exec(const std::filesystem::path& db, const std::string& sql);

// ------------------------------------------------------------ CREB data

// Writes the synthetic CREB report of each month (YYYY-MM) and its
// .expected.json into dir with the creb-synth executable; `extra` are further
// creb-synth arguments (e.g. --seed 7, --set K=V). Throws if creb-synth fails.
void synth_reports(const std::filesystem::path& dir, const std::vector<std::string>& months,
                   const std::vector<std::string>& extra = {});

// The real reports' folder: $ANALYTICA_CORPUS_DIR if set, else CORPUS_DIR;
// "" if that is not a directory (tests then skip with a message).
std::string corpus_dir();

// The JSON string literal of s (quotes and backslashes escaped).
std::string json_string(const std::string& s);

#endif  // ANALYTICA_TESTS_SUPPORT_SUPPORT_H
