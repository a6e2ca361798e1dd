// analytica db check [--json] [--pipeline FILE]: is the primary store sound?
// Through the store's sink (Store), on either backend:
//   integrity  SQLite: PRAGMA integrity_check; PostgreSQL: connectivity, the
//              current schema, no invalid index, every table readable
//   schema     the newest version per table in governance_schemas (when
//              governance records schema versions)
//   tables     row count of every table
// Exit status 0 when the check passes, 1 when it finds a problem (or the
// store cannot be opened), 2 on a usage error.
#include "read/cell_format.h"
#include "cli/commands.h"
#include "run/store.h"
#include "run/util.h"

#include <nlohmann/json.hpp>

#include <iomanip>
#include <iostream>

namespace analytica {
namespace po = boost::program_options;
using nlohmann::json;

namespace {

std::string quote_name(const std::string& name) {
  std::string out = "\"";
  for (char c : name) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

// What the check found; to_json() is the --json output.
struct Report {
  std::string store, backend, engine;
  bool integrity_ok = false;
  std::string integrity_method;
  std::vector<std::string> integrity_messages;
  bool schema_present = false;
  std::string schema_note;
  std::vector<std::pair<std::string, int64_t>> schema_versions;  // table -> newest version
  std::vector<std::pair<std::string, int64_t>> tables;           // table -> rows (-1: unreadable)
  std::vector<std::string> problems;

  bool ok() const { return problems.empty(); }

  json to_json() const {
    json versions = json::array();
    for (const auto& v : schema_versions) versions.push_back({{"table", v.first}, {"version", v.second}});
    json t = json::array();
    for (const auto& v : tables) t.push_back({{"name", v.first}, {"rows", v.second < 0 ? json(nullptr) : json(v.second)}});
    int64_t newest = 0;
    for (const auto& v : schema_versions) newest = std::max(newest, v.second);
    return {{"ok", ok()},
            {"store", store},
            {"backend", backend},
            {"engine", engine},
            {"integrity", {{"ok", integrity_ok}, {"method", integrity_method}, {"messages", integrity_messages}}},
            {"schema",
             {{"present", schema_present},
              {"note", schema_note},
              {"version", schema_present ? json(newest) : json(nullptr)},
              {"tables", versions}}},
            {"tables", t},
            {"problems", problems}};
  }
};

// The rows of a query, or nullopt (with the reason) if it failed.
std::optional<std::vector<Store::Row>> try_query(Store& store, const std::string& sql, std::string* why = nullptr,
                                                 const std::vector<Cell>& params = {}) {
  try {
    return store.query(sql, params);
  } catch (const std::exception& e) {
    if (why) *why = e.what();
    return std::nullopt;
  }
}

void check_sqlite(Store& store, Report& r) {
  r.integrity_method = "PRAGMA integrity_check";
  std::string why;
  const auto rows = try_query(store, "PRAGMA integrity_check", &why);
  if (!rows) {
    r.integrity_messages.push_back(why);
  } else {
    for (const auto& row : *rows)
      if (!row.empty()) r.integrity_messages.push_back(cell_text(row[0]));
    r.integrity_ok = r.integrity_messages.size() == 1 && r.integrity_messages[0] == "ok";
  }
  if (!r.integrity_ok)
    for (const auto& m : r.integrity_messages) r.problems.push_back("integrity: " + m);
  if (const auto mode = try_query(store, "PRAGMA journal_mode"); mode && !mode->empty() && !(*mode)[0].empty())
    r.engine += " (journal_mode " + cell_text((*mode)[0][0]) + ")";
  const auto tables = try_query(store,
                                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' "
                                "ESCAPE '\\' ORDER BY name",
                                &why);
  if (!tables) {
    r.problems.push_back("cannot list the tables: " + why);
    return;
  }
  for (const auto& row : *tables) r.tables.emplace_back(cell_text(row[0]), 0);
}

void check_postgres(Store& store, Report& r) {
  r.integrity_method = "connectivity and catalog check";
  std::string why;
  const auto where = try_query(
      store, "SELECT current_database(), current_schema(), current_user, host(inet_server_addr()), inet_server_port()",
      &why);
  if (!where || where->empty() || (*where)[0][1].type == ANALYTICA_NULL) {
    r.integrity_messages.push_back(where ? "no current schema (check search_path)" : why);
  } else {
    const auto& w = (*where)[0];
    r.store += " (postgres://" + cell_text(w[2]) + "@" + (w[3].type == ANALYTICA_NULL ? "local" : cell_text(w[3])) +
               (w[4].type == ANALYTICA_NULL ? "" : ":" + cell_text(w[4])) + "/" + cell_text(w[0]) + ")";
    r.integrity_messages.push_back("connected to database " + cell_text((*where)[0][0]) + ", schema " +
                                   cell_text((*where)[0][1]));
    const auto invalid = try_query(store,
                                   "SELECT ci.relname FROM pg_catalog.pg_index i "
                                   "JOIN pg_catalog.pg_class ci ON ci.oid = i.indexrelid "
                                   "JOIN pg_catalog.pg_class c ON c.oid = i.indrelid "
                                   "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
                                   "WHERE n.nspname = current_schema() AND NOT (i.indisvalid AND i.indisready) "
                                   "ORDER BY 1",
                                   &why);
    if (!invalid) r.integrity_messages.push_back("cannot read the index catalog: " + why);
    else
      for (const auto& row : *invalid) r.integrity_messages.push_back("invalid index " + cell_text(row[0]));
    r.integrity_ok = invalid && invalid->empty();
  }
  if (!r.integrity_ok)
    for (const auto& m : r.integrity_messages)
      if (m.rfind("connected to ", 0) != 0) r.problems.push_back("integrity: " + m);
  const auto tables = try_query(store,
                                "SELECT c.relname FROM pg_catalog.pg_class c "
                                "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
                                "WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') "
                                "ORDER BY c.relname COLLATE \"C\"",
                                &why);
  if (!tables) {
    r.problems.push_back("cannot list the tables: " + why);
    return;
  }
  for (const auto& row : *tables) r.tables.emplace_back(cell_text(row[0]), 0);
}

void check_schema_versions(Store& store, Report& r) {
  bool listed = false;
  for (const auto& t : r.tables) listed = listed || t.first == "governance_schemas";
  if (!listed) {
    r.schema_note = "no governance_schemas table: this store records no schema versions";
    return;
  }
  std::string why;
  const auto rows = try_query(
      store, "SELECT table_name, max(version) FROM governance_schemas GROUP BY table_name ORDER BY table_name", &why);
  if (!rows) {
    r.schema_note = "governance_schemas could not be read as (table_name, version): " + why;
    r.problems.push_back(r.schema_note);
    return;
  }
  r.schema_present = true;
  for (const auto& row : *rows)
    r.schema_versions.emplace_back(cell_text(row[0]), row[1].type == ANALYTICA_INT64 ? row[1].i : 0);
  r.schema_note = std::to_string(r.schema_versions.size()) + " table(s) with recorded schema versions";
}

void count_rows(Store& store, Report& r) {
  for (auto& t : r.tables) {
    std::string why;
    const auto rows = try_query(store, "SELECT count(*) FROM " + quote_name(t.first), &why);
    if (!rows || rows->empty() || (*rows)[0].empty() || (*rows)[0][0].type != ANALYTICA_INT64) {
      t.second = -1;
      r.problems.push_back("table " + t.first + " cannot be read: " + (rows ? "no count" : why));
    } else {
      t.second = (*rows)[0][0].i;
    }
  }
}

void print_text(const Report& r) {
  std::cout << "analytica db check: " << (r.ok() ? "ok" : "FAILED") << "\n";
  std::cout << "  store      " << r.store << (r.engine.empty() ? "" : " — " + r.engine) << "\n";
  std::cout << "  integrity  " << (r.integrity_ok ? "ok" : "FAILED") << " (" << r.integrity_method << ")\n";
  for (const auto& m : r.integrity_messages)
    if (!(r.integrity_ok && m == "ok")) std::cout << "             " << m << "\n";
  std::cout << "  schema     " << r.schema_note << "\n";
  for (const auto& v : r.schema_versions)
    std::cout << "             " << std::left << std::setw(40) << v.first << " v" << v.second << "\n";
  std::cout << "  tables     " << r.tables.size() << "\n";
  for (const auto& t : r.tables)
    std::cout << "             " << std::left << std::setw(40) << t.first << " "
              << (t.second < 0 ? std::string("unreadable") : std::to_string(t.second) + " rows") << "\n";
  for (const auto& p : r.problems) std::cout << "  problem    " << p << "\n";
}

int db_check(CommandContext& ctx, const po::variables_map& vm) {
  const std::string pipeline = vm.count("pipeline") ? vm["pipeline"].as<std::string>() : "";
  Report r;
  std::unique_ptr<Store> store;
  try {
    store = std::make_unique<Store>(ctx.settings, pipeline);
    r.store = store->description();
  } catch (const UserError&) {
    throw;
  } catch (const std::exception& e) {
    r.store = pipeline.empty() ? ctx.settings.database.string() : pipeline;
    r.problems.push_back(std::string("cannot open the store: ") + e.what());
  }
  if (store) {
    // Which engine answers: each has a version function the other lacks.
    if (const auto v = try_query(*store, "SELECT sqlite_version()"); v && !v->empty()) {
      r.backend = "sqlite";
      r.engine = "SQLite " + cell_text((*v)[0][0]);
      check_sqlite(*store, r);
    } else if (const auto pg = try_query(*store, "SELECT version()"); pg && !pg->empty() &&
                                                                      cell_text((*pg)[0][0]).rfind("PostgreSQL", 0) == 0) {
      r.backend = "postgresql";
      const std::string full = cell_text((*pg)[0][0]);
      r.engine = full.substr(0, full.find(" on "));
      check_postgres(*store, r);
    } else {
      r.backend = "unknown";
      r.problems.push_back("the store's sink answers neither SQLite's nor PostgreSQL's version query; "
                           "cannot check it");
    }
    if (r.backend != "unknown") {
      check_schema_versions(*store, r);
      count_rows(*store, r);
    }
  }
  if (vm.count("json")) std::cout << r.to_json().dump(2) << "\n";
  else print_text(r);
  return r.ok() ? 0 : 1;
}

}  // namespace

int cmd_db(CommandContext& ctx) {
  po::options_description opts("db options");
  opts.add_options()("action", po::value<std::string>()->required(), "what to do: check")(
      "json", "print the report as JSON");
  add_store_option(opts);
  po::positional_options_description pos;
  pos.add("action", 1);
  const std::string usage = "analytica db check [--json] [--pipeline FILE]";
  auto vm = parse_command(ctx, usage, opts, pos);
  if (!vm) return 0;
  const std::string action = (*vm)["action"].as<std::string>();
  if (action == "check") return db_check(ctx, *vm);
  throw UserError("db: unknown action \"" + action + "\" (usage: " + usage + ")");
}

const RegisterCommand kRegister("db",
                                "check the primary store: integrity, schema version, row counts "
                                "(`db check`, exit 1 on a problem)",
                                cmd_db);

}  // namespace analytica
