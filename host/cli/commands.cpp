#include "cli/commands.h"

#include "run/util.h"

#include <iostream>

namespace analytica {
namespace po = boost::program_options;

std::optional<po::variables_map> parse_command(const CommandContext& ctx, const std::string& usage,
                                               po::options_description options,
                                               const po::positional_options_description& positional) {
  options.add_options()("help,h", "show this help");
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(ctx.args).options(options).positional(positional).run(), vm);
    if (vm.count("help")) {
      std::cout << "Usage: " << usage << "\n\n" << options;
      return std::nullopt;
    }
    po::notify(vm);
  } catch (const po::error& e) {
    throw UserError(std::string(e.what()) + " (usage: " + usage + ")");
  }
  return vm;
}

}  // namespace analytica
