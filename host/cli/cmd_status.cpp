// analytica status [--json]: is the data fresh and did the last runs go
// well? Exit status 0 healthy, 1 degraded, 2 failing, for cron jobs and
// container health checks.
#include "cli/commands.h"
#include "cli/store_options.h"
#include "read/health.h"
#include "run/store.h"

#include <iostream>

namespace analytica {
namespace po = boost::program_options;

int cmd_status(CommandContext& ctx) {
  po::options_description opts("status options");
  opts.add_options()("json", "print the report as JSON")
      ("no-source-hash", "do not hash the source files to find ones changed since ingest");
  add_health_options(opts);
  auto vm = parse_command(ctx, "analytica status [--json] [--pipeline FILE] [--grace-days N]", opts, {});
  if (!vm) return 0;
  HealthOptions options = health_options(*vm, ctx.settings);
  options.hash_sources = !vm->count("no-source-hash");
  std::string error;
  auto store = open_store(ctx.settings, pipeline_option(*vm), &error);
  options.store_error = error;
  const HealthReport report = check_health(store.get(), options);

  if (vm->count("json")) {
    std::cout << report.to_json().dump(2) << "\n";
    return report.exit_code();
  }
  std::cout << "analytica status: " << level_name(report.level) << "\n";
  for (const auto& c : report.checks) {
    const char* mark = c.level == HealthLevel::healthy ? "ok  " : c.level == HealthLevel::degraded ? "WARN" : "FAIL";
    std::cout << "  " << mark << "  " << c.name << std::string(c.name.size() < 10 ? 10 - c.name.size() : 1, ' ')
              << c.message << "\n";
  }
  return report.exit_code();
}

const RegisterCommand kRegister("status",
                                "health at a glance: last runs, data freshness, review queue, sources, integrity, "
                                "disk (exit 0 healthy, 1 degraded, 2 failing)",
                                cmd_status);

}  // namespace analytica
