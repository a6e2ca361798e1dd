// analytica db check [--json] [--pipeline FILE]: is the primary store sound?
// Asked of the store's sink through analytica.sink.admin/1 (read/store_facts.h),
// so every backend answers in its own terms and the host guesses no engine:
//   integrity  the sink's thorough check
//   size       bytes the store takes
//   schema     the newest version per table governance recorded
//   tables     row count of every table
// Exit status 0 when the check passes, 1 when it finds a problem (or the
// store cannot be opened, or its sink does not answer these questions), 2 on
// a usage error.
#include "cli/commands.h"
#include "cli/render.h"
#include "read/store_facts.h"
#include "run/store.h"
#include "run/util.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <iomanip>
#include <iostream>

namespace analytica {
namespace po = boost::program_options;
using json = nlohmann::ordered_json;

namespace {

json to_json(const StoreFacts& f) {
  json versions = json::array();
  int64_t newest = 0;
  for (const auto& v : f.schema_versions) {
    versions.push_back({{"table", v.first}, {"version", v.second}});
    newest = std::max(newest, v.second);
  }
  json tables = json::array();
  for (const auto& t : f.tables) tables.push_back({{"name", t.first}, {"rows", t.second}});
  return {{"ok", f.ok()},
          {"store", f.store},
          {"location", f.location},
          {"backend", f.backend},
          {"integrity",
           {{"ok", f.integrity_checked && f.integrity_problems.empty()},
            {"thorough", f.thorough},
            {"problems", f.integrity_problems}}},
          {"size_bytes", json_or_null(f.size_bytes)},
          {"schema",
           {{"present", f.schema_present},
            {"note", f.schema_note},
            {"version", f.schema_present ? json(newest) : json(nullptr)},
            {"tables", versions}}},
          {"tables", tables},
          {"problems", f.problems}};
}

void print_text(const StoreFacts& f) {
  std::cout << "analytica db check: " << (f.ok() ? "ok" : "FAILED") << "\n";
  std::cout << "  store      " << f.store << (f.location.empty() ? "" : " (" + f.location + ")") << "\n";
  if (f.admin) {
    const bool sound = f.integrity_checked && f.integrity_problems.empty();
    std::cout << "  integrity  " << (sound ? "ok" : "FAILED") << " (the sink's " << (f.thorough ? "thorough" : "quick")
              << " check)\n";
    for (const auto& m : f.integrity_problems) std::cout << "             " << m << "\n";
    if (f.size_bytes) std::cout << "  size       " << *f.size_bytes << " bytes\n";
    std::cout << "  schema     " << f.schema_note << "\n";
    for (const auto& v : f.schema_versions)
      std::cout << "             " << std::left << std::setw(40) << v.first << " v" << v.second << "\n";
    std::cout << "  tables     " << f.tables.size() << "\n";
    for (const auto& t : f.tables)
      std::cout << "             " << std::left << std::setw(40) << t.first << " " << t.second << " rows\n";
  }
  for (const auto& p : f.problems) std::cout << "  problem    " << p << "\n";
}

int db_check(CommandContext& ctx, const po::variables_map& vm) {
  const std::string pipeline = pipeline_option(vm);
  StoreFacts facts;
  std::unique_ptr<Store> store;
  try {
    store = std::make_unique<Store>(ctx.settings, pipeline);
  } catch (const UserError&) {
    throw;
  } catch (const std::exception& e) {
    facts.store = pipeline.empty() ? ctx.settings.database.string() : pipeline;
    facts.problems.push_back(std::string("cannot open the store: ") + e.what());
  }
  if (store) facts = store_facts(*store, /*thorough=*/true);
  if (vm.count("json")) std::cout << to_json(facts).dump(2) << "\n";
  else print_text(facts);
  return facts.ok() ? 0 : 1;
}

}  // namespace

int cmd_db(CommandContext& ctx) {
  po::options_description opts("db options");
  opts.add_options()("action", po::value<std::string>(), "what to do: check")(
      "json", "print the report as JSON");
  add_store_option(opts);
  po::positional_options_description pos;
  pos.add("action", 1);
  const std::string usage = "analytica db check [--json] [--pipeline FILE]";
  auto vm = parse_command(ctx, usage, opts, pos);
  if (!vm) return 0;
  if (!vm->count("action")) throw UserError("db: say what to do (usage: " + usage + ")");
  const std::string action = (*vm)["action"].as<std::string>();
  if (action == "check") return db_check(ctx, *vm);
  throw UserError("db: unknown action \"" + action + "\" (usage: " + usage + ")");
}

const RegisterCommand kRegister("db",
                                "check the primary store: integrity, size, schema version, row counts "
                                "(`db check`, exit 1 on a problem)",
                                cmd_db);

}  // namespace analytica
