// analytica run PIPELINE.json
#include "cli/commands.h"
#include "run/pipeline_runner.h"
#include "run/util.h"

#include <iostream>

namespace analytica {
namespace po = boost::program_options;

int cmd_run(CommandContext& ctx) {
  po::options_description opts("run options");
  opts.add_options()("pipeline", po::value<std::string>()->required(), "pipeline file, e.g. config/pipelines/creb.json");
  po::positional_options_description pos;
  pos.add("pipeline", 1);
  auto vm = parse_command(ctx, "analytica run PIPELINE.json", opts, pos);
  if (!vm) return 0;
  const Pipeline pipeline = load_pipeline((*vm)["pipeline"].as<std::string>(), ctx.settings);
  PluginCatalog catalog(ctx.settings.plugin_dirs);
  PipelineRunner runner(ctx.settings, pipeline, catalog);
  const RunSummary s = runner.run();
  std::cout << "run " << s.run_id << " (" << pipeline.name << "): " << s.inputs << " input(s), " << s.ingested
            << " ingested, " << s.skipped << " unchanged, " << s.failed << " failed; " << s.records
            << " records written";
  if (s.review_waiting >= 0)
    std::cout << "; " << s.review_waiting << (s.review_waiting == 1 ? " record waits" : " records wait")
              << " for review"
              << (s.review_superseded > 0 ? " (" + std::to_string(s.review_superseded) + " superseded)" : "")
              << (s.review_waiting > 0 ? " (analytica review list)" : "");
  std::cout << "\n";
  for (const auto& f : s.failures) std::cerr << "analytica: " << f << "\n";
  if (s.cancelled) std::cerr << "analytica: run cancelled\n";
  return s.ok() ? 0 : 1;
}

const RegisterCommand kRegister("run", "run a pipeline file (sources -> extractors -> validators -> sinks)", cmd_run);

}  // namespace analytica
