// analytica backup [--to DIR] [--keep N] [--pipeline FILE] [--json]
// analytica restore FILE [--safety-dir DIR] [--pipeline FILE] [--json]
//
// Verified backups of the primary store, through its sink's optional
// analytica.sink.admin/1 extension (SQLite: the online backup API, so the
// copy is consistent while a run writes; PostgreSQL: pg_dump). The host
// knows no engine: it asks the sink.
//
// backup  writes DIR/analytica-<UTC time>.<db|sql|bak> (DIR defaults to
//         DATA_DIR/backups) as a ".partial" file, verifies it, renames it
//         and records beside it FILE.json: store, plugin, bytes, SHA-256,
//         the verification and every table's row count. Verification: a
//         sink that keeps its store in one file (it declares a `path`
//         setting) opens the copy as a store of its own and runs its
//         thorough check (SQLite: integrity_check) and counts the copy's
//         rows; any other sink has checked its copy while making it (a
//         complete pg_dump), and the counts are the store's right after.
//         Then only the newest N backups are kept (--keep, default 7; 0
//         keeps all); safety copies (pre-restore-*) are never rotated.
// restore verifies FILE first (the SHA-256 recorded beside it; a file sink
//         opens and checks it and compares its row counts with the record)
//         and refuses a corrupt one; keeps a safety copy of the current store
//         (SAFETY_DIR/pre-restore-<time>.*, default DIR of FILE); then has
//         the sink replace the store all or nothing and checks the result.
// Exit status 0 on success, 1 when a check fails or the sink fails, 2 on a
// usage error. Host helpers written here (none exists yet): opening the
// primary sink with its admin table (Store keeps its instance private).
#include "cli/commands.h"
#include "run/config.h"
#include "run/plugin_instance.h"
#include "run/plugin_loader.h"
#include "run/store.h"
#include "run/util.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <regex>

namespace analytica {
namespace po = boost::program_options;
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

struct TableCount {
  std::string name;
  int64_t rows = 0;
};

// The primary store's sink instance with its admin table: the first sink of
// the pipeline file, or sink_sqlite on the configured database.
class AdminSink {
 public:
  // settings_override: replaces the sink's settings (to open a backup file
  // as a store of the same plugin).
  AdminSink(const Settings& settings, const std::string& pipeline_file,
            const json* settings_override = nullptr)
      : catalog_(std::make_unique<PluginCatalog>(settings.plugin_dirs)) {
    plugin_name_ = "sink_sqlite";
    json sink_settings = {{"path", settings.database.string()}};
    std::string file = "defaults", where = "sink";
    if (!pipeline_file.empty()) {
      const Pipeline p = load_pipeline(pipeline_file, settings);
      if (p.sinks.empty()) throw UserError(pipeline_file + ": the pipeline has no sink");
      plugin_name_ = p.sinks.front().plugin;
      sink_settings = p.sinks.front().settings;
      file = pipeline_file;
      where = p.sinks.front().where + ".settings";
    }
    if (settings_override) sink_settings = *settings_override;
    settings_ = sink_settings;
    plugin_ = catalog_->load(plugin_name_);
    if (plugin_->descriptor().kind != ANALYTICA_KIND_SINK)
      throw UserError(file + ": " + plugin_name_ + " is not a sink");
    instance_ = std::make_unique<PluginInstance>(plugin_, complete_settings(*plugin_, sink_settings, file, where), "");
    admin_ = instance_->interface<analytica_sink_admin_v1>(ANALYTICA_SINK_ADMIN_V1);
  }

  const std::string& plugin_name() const { return plugin_name_; }
  std::string plugin_version() const {
    const char* v = plugin_->descriptor().version;
    return v ? v : "";
  }
  const json& sink_settings() const { return settings_; }

  // Whether the plugin declares a setting of this name.
  bool declares(const std::string& name) const {
    const auto& d = plugin_->descriptor();
    for (uint32_t i = 0; i < d.setting_count && d.settings; ++i)
      if (d.settings[i].name && name == d.settings[i].name) return true;
    return false;
  }

  std::string location() const {
    const char* l = admin_.location ? admin_.location(instance_->self()) : nullptr;
    return l ? l : "";
  }

  std::vector<std::string> check(bool thorough) {
    std::vector<std::string> problems;
    auto on_row = [](void* user, const analytica_value* v, uint32_t n) -> int {
      if (n >= 1 && v[0].type == ANALYTICA_TEXT)
        static_cast<std::vector<std::string>*>(user)->emplace_back(v[0].as.text.ptr, v[0].as.text.len);
      return 0;
    };
    need(admin_.check, "check");
    instance_->check(admin_.check(instance_->self(), thorough ? 1 : 0, on_row, &problems), "check");
    return problems;
  }

  std::vector<TableCount> tables() {
    std::vector<TableCount> out;
    auto on_row = [](void* user, const analytica_value* v, uint32_t n) -> int {
      if (n >= 2 && v[0].type == ANALYTICA_TEXT) {
        TableCount t{std::string(v[0].as.text.ptr, v[0].as.text.len), v[1].type == ANALYTICA_INT64 ? v[1].as.i : -1};
        static_cast<std::vector<TableCount>*>(user)->push_back(std::move(t));
      }
      return 0;
    };
    need(admin_.tables, "tables");
    instance_->check(admin_.tables(instance_->self(), on_row, &out), "tables");
    return out;
  }

  int64_t size() {
    int64_t bytes = 0;
    need(admin_.size, "size");
    instance_->check(admin_.size(instance_->self(), &bytes), "size");
    return bytes;
  }

  void backup(const fs::path& path) {
    need(admin_.backup, "backup");
    instance_->check(admin_.backup(instance_->self(), path.c_str()), "backup");
  }

  void restore(const fs::path& path) {
    need(admin_.restore, "restore");
    instance_->check(admin_.restore(instance_->self(), path.c_str()), "restore");
  }

  // The file extension of this store's backups.
  std::string extension() const {
    const std::string l = location();
    if (l.rfind("sqlite:", 0) == 0) return "db";
    if (l.rfind("postgres:", 0) == 0) return "sql";
    return "bak";
  }

 private:
  template <typename F>
  void need(F* f, const char* what) const {
    if (!f) throw PluginError(ANALYTICA_ERR_UNSUPPORTED, plugin_name_ + ": the admin extension has no " + what);
  }

  std::unique_ptr<PluginCatalog> catalog_;
  std::shared_ptr<LoadedPlugin> plugin_;
  std::unique_ptr<PluginInstance> instance_;
  analytica_sink_admin_v1 admin_{};
  std::string plugin_name_;
  json settings_;
};

std::string utc_stamp() {
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%SZ", &tm);
  return buf;
}

// A new file name DIR/<prefix>-<UTC time>[-n].<ext> that does not exist yet.
fs::path new_backup_path(const fs::path& dir, const std::string& prefix, const std::string& ext) {
  const std::string stamp = utc_stamp();
  for (int n = 0;; ++n) {
    const fs::path p = dir / (prefix + "-" + stamp + (n ? "-" + std::to_string(n) : "") + "." + ext);
    if (!fs::exists(p) && !fs::exists(p.string() + ".partial")) return p;
  }
}

json tables_json(const std::vector<TableCount>& tables) {
  json out = json::array();
  for (const auto& t : tables) out.push_back({{"name", t.name}, {"rows", t.rows}});
  return out;
}

std::string join(const std::vector<std::string>& items, const std::string& sep) {
  std::string out;
  for (const auto& i : items) out += (out.empty() ? "" : sep) + i;
  return out;
}

void write_json_file(const fs::path& path, const json& value) {
  const fs::path tmp = path.string() + ".tmp";
  {
    std::ofstream out(tmp);
    out << value.dump(2) << "\n";
    if (!out) throw std::runtime_error(tmp.string() + ": cannot write");
  }
  fs::rename(tmp, path);
}

// Whether a backup of a sink that keeps its store in one file can be opened
// as a store of the same plugin: it declares `path`. Such a copy is opened
// with a rollback journal (if the sink has the setting), so opening it
// changes nothing in it.
bool file_store(const AdminSink& sink) { return sink.declares("path"); }

json copy_settings(const AdminSink& sink, const fs::path& file) {
  json s = json::object();
  s["path"] = file.string();
  if (sink.declares("journal_mode")) s["journal_mode"] = "delete";
  return s;
}

// What verifying a backup file found.
struct Verification {
  std::string method;
  std::vector<std::string> problems;
  std::vector<TableCount> tables;
};

// Opens `file` as a store of the sink's plugin and checks it thoroughly.
Verification verify_file_copy(const Settings& settings, const std::string& pipeline, const AdminSink& sink,
                              const fs::path& file) {
  Verification v;
  v.method = sink.plugin_name() + " opened the copy: thorough check and row counts";
  try {
    const json s = copy_settings(sink, file);
    AdminSink copy(settings, pipeline, &s);
    v.problems = copy.check(true);
    if (v.problems.empty()) v.tables = copy.tables();
  } catch (const std::exception& e) {
    v.problems.push_back(e.what());
  }
  return v;
}

void rotate(const fs::path& dir, size_t keep, std::vector<std::string>* removed) {
  if (keep == 0) return;
  static const std::regex kName(R"(analytica-\d{8}T\d{6}Z(-\d+)?\.[a-z]+)");
  std::vector<fs::path> backups;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.is_regular_file() && std::regex_match(e.path().filename().string(), kName)) backups.push_back(e.path());
  // Newest first: by the time in the name, then the suffix -n of
  // same-second backups (none = 0).
  const auto key = [](const fs::path& p) {
    const std::string name = p.filename().string();
    const std::string stamp = name.substr(10, 16);  // after "analytica-"
    int n = 0;
    if (name.size() > 26 && name[26] == '-') n = std::atoi(name.c_str() + 27);
    return std::make_pair(stamp, n);
  };
  std::sort(backups.begin(), backups.end(), [&](const fs::path& a, const fs::path& b) { return key(a) > key(b); });
  for (size_t i = keep; i < backups.size(); ++i) {
    std::error_code ec;
    fs::remove(backups[i], ec);
    fs::remove(backups[i].string() + ".json", ec);
    removed->push_back(backups[i].string());
  }
}

// Makes one verified backup of the sink's store into dir; returns its record.
json make_backup(const Settings& settings, const std::string& pipeline, AdminSink& sink, const fs::path& dir,
                 const std::string& prefix) {
  fs::create_directories(dir);
  const fs::path final_path = new_backup_path(dir, prefix, sink.extension());
  const fs::path partial = final_path.string() + ".partial";
  const auto started = std::chrono::steady_clock::now();
  sink.backup(partial);

  Verification v;
  if (file_store(sink)) {
    v = verify_file_copy(settings, pipeline, sink, partial);
  } else {
    v.method = sink.plugin_name() + " checked the copy while making it; row counts of the store right after";
    v.problems = sink.check(false);
    if (v.problems.empty()) v.tables = sink.tables();
  }
  if (!v.problems.empty()) {
    std::error_code ec;
    fs::remove(partial, ec);
    throw std::runtime_error(partial.string() + ": the backup failed verification (" + v.method +
                             "): " + join(v.problems, "; "));
  }
  fs::rename(partial, final_path);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  json record = {{"format", "analytica-backup/1"},
                 {"file", final_path.filename().string()},
                 {"created_at", now_iso8601()},
                 {"store", sink.location()},
                 {"plugin", sink.plugin_name()},
                 {"plugin_version", sink.plugin_version()},
                 {"bytes", static_cast<int64_t>(fs::file_size(final_path))},
                 {"sha256", sha256_file(final_path)},
                 {"seconds", std::round(seconds * 1000) / 1000},
                 {"verified", {{"ok", true}, {"method", v.method}}},
                 {"tables", tables_json(v.tables)}};
  write_json_file(final_path.string() + ".json", record);
  record["path"] = final_path.string();
  return record;
}

int64_t total_rows(const json& tables) {
  int64_t n = 0;
  for (const auto& t : tables) n += t.value("rows", int64_t{0});
  return n;
}

int cmd_backup(CommandContext& ctx) {
  po::options_description opts("backup options");
  opts.add_options()("to", po::value<std::string>(), "directory of the backups (default DATA_DIR/backups)")
      ("keep", po::value<int>()->default_value(7), "keep the newest N backups in it, remove older ones (0: keep all)")
      ("pipeline", po::value<std::string>(), "back up this pipeline's first sink (default: the embedded SQLite database)")
      ("json", "print the backup's record as JSON");
  auto vm = parse_command(ctx, "analytica backup [--to DIR] [--keep N] [--pipeline FILE] [--json]", opts, {});
  if (!vm) return 0;
  const int keep = (*vm)["keep"].as<int>();
  if (keep < 0) throw UserError("backup: --keep must be 0 or more, not " + std::to_string(keep));
  const fs::path dir = vm->count("to") ? fs::path((*vm)["to"].as<std::string>()) : ctx.settings.data_dir / "backups";
  const std::string pipeline = pipeline_option(*vm);
  if (pipeline.empty() && !fs::exists(ctx.settings.database))
    throw UserError(ctx.settings.database.string() + ": no database yet (run a pipeline first, or pass --pipeline FILE)");

  AdminSink sink(ctx.settings, pipeline);
  const std::vector<std::string> problems = sink.check(false);
  if (!problems.empty())
    throw std::runtime_error(sink.location() + ": the store fails its check, not backing it up: " + join(problems, "; "));
  json record = make_backup(ctx.settings, pipeline, sink, dir, "analytica");
  std::vector<std::string> removed;
  rotate(dir, static_cast<size_t>(keep), &removed);
  record["rotated_out"] = removed;

  if (vm->count("json")) {
    std::cout << record.dump(2) << "\n";
    return 0;
  }
  std::cout << "backup: " << record["path"].get<std::string>() << "\n"
            << "  store     " << record["store"].get<std::string>() << " (" << sink.plugin_name() << ")\n"
            << "  bytes     " << record["bytes"].get<int64_t>() << ", sha256 " << record["sha256"].get<std::string>()
            << "\n"
            << "  verified  " << record["verified"]["method"].get<std::string>() << ": ok\n"
            << "  tables    " << record["tables"].size() << ", rows " << total_rows(record["tables"]) << "\n"
            << "  record    " << record["path"].get<std::string>() << ".json\n";
  for (const auto& r : removed) std::cout << "  rotated   " << r << "\n";
  return 0;
}

int cmd_restore(CommandContext& ctx) {
  po::options_description opts("restore options");
  opts.add_options()("file", po::value<std::string>(), "the backup to restore")
      ("safety-dir", po::value<std::string>(), "where the safety copy of the current store goes (default: the backup's directory)")
      ("pipeline", po::value<std::string>(), "restore this pipeline's first sink (default: the embedded SQLite database)")
      ("json", "print what was done as JSON");
  po::positional_options_description pos;
  pos.add("file", 1);
  auto vm = parse_command(ctx, "analytica restore FILE [--safety-dir DIR] [--pipeline FILE] [--json]", opts, pos);
  if (!vm) return 0;
  if (!vm->count("file")) throw UserError("restore: which backup? (analytica restore FILE)");
  const fs::path file = fs::absolute((*vm)["file"].as<std::string>());
  if (!fs::is_regular_file(file)) throw UserError(file.string() + ": no such backup file");
  const std::string pipeline = pipeline_option(*vm);
  const fs::path safety_dir = vm->count("safety-dir") ? fs::path((*vm)["safety-dir"].as<std::string>()) : file.parent_path();

  // 1. Verify the backup before touching anything.
  json recorded;
  const fs::path record_path = file.string() + ".json";
  std::vector<std::string> notes;
  if (fs::exists(record_path)) {
    try {
      recorded = json::parse(read_file(record_path));
    } catch (const std::exception& e) {
      throw std::runtime_error(record_path.string() + ": unreadable backup record: " + e.what());
    }
    const std::string want = recorded.value("sha256", "");
    const std::string got = sha256_file(file);
    if (want != got)
      throw std::runtime_error(file.string() + ": refusing a corrupt backup: its SHA-256 is " + got +
                               ", the record beside it says " + want);
  } else {
    notes.push_back("no record " + record_path.filename().string() + " beside the backup: SHA-256 not compared");
  }
  AdminSink sink(ctx.settings, pipeline);
  if (recorded.is_object() && recorded.contains("plugin") && recorded["plugin"] != sink.plugin_name())
    throw UserError(file.string() + ": a backup of " + recorded["plugin"].get<std::string>() +
                    ", the store is " + sink.plugin_name());
  std::string method = sink.plugin_name() + " checks the file as it restores it";
  if (file_store(sink)) {
    const Verification v = verify_file_copy(ctx.settings, pipeline, sink, file);
    method = v.method;
    if (!v.problems.empty())
      throw std::runtime_error(file.string() + ": refusing a corrupt backup: " + join(v.problems, "; "));
    if (recorded.is_object() && recorded.contains("tables") && tables_json(v.tables) != recorded["tables"])
      throw std::runtime_error(file.string() + ": refusing the backup: its row counts differ from the record beside it");
  }

  // 2. A safety copy of the store as it is now.
  const auto started = std::chrono::steady_clock::now();
  json safety = make_backup(ctx.settings, pipeline, sink, safety_dir, "pre-restore");

  // 3. Replace, all or nothing; 4. check the result.
  sink.restore(file);
  const std::vector<std::string> problems = sink.check(false);
  const std::vector<TableCount> now = sink.tables();
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  bool counts_match = true;
  if (recorded.is_object() && recorded.contains("tables")) counts_match = tables_json(now) == recorded["tables"];
  const bool ok = problems.empty() && counts_match;
  json out = {{"ok", ok},
              {"restored", file.string()},
              {"store", sink.location()},
              {"verified", method},
              {"safety_copy", safety["path"]},
              {"tables", tables_json(now)},
              {"problems", problems},
              {"row_counts_match_record", counts_match},
              {"notes", notes},
              {"seconds", std::round(seconds * 1000) / 1000}};
  if (vm->count("json")) {
    std::cout << out.dump(2) << "\n";
  } else {
    std::cout << "restore: " << file.string() << " -> " << sink.location() << (ok ? "" : " (PROBLEMS)") << "\n"
              << "  verified     " << method << ": ok\n"
              << "  safety copy  " << safety["path"].get<std::string>() << "\n"
              << "  tables       " << now.size() << ", rows " << total_rows(tables_json(now)) << "\n";
    for (const auto& n : notes) std::cout << "  note         " << n << "\n";
    for (const auto& p : problems) std::cout << "  PROBLEM      " << p << "\n";
    if (!counts_match) std::cout << "  PROBLEM      row counts differ from the backup's record\n";
  }
  if (!ok)
    std::cerr << "restore: the store has problems after the restore; the previous store is in "
              << safety["path"].get<std::string>() << "\n";
  return ok ? 0 : 1;
}

const RegisterCommand kRegisterBackup("backup",
                                      "verified backup of the primary store through its sink, old ones rotated "
                                      "(--to DIR, --keep N)",
                                      cmd_backup);
const RegisterCommand kRegisterRestore("restore",
                                       "restore the primary store from a backup: verified first, a safety copy kept, "
                                       "all or nothing",
                                       cmd_restore);

}  // namespace
}  // namespace analytica
