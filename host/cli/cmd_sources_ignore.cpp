// analytica sources ignore FILE --reason TEXT [--sha256 HEX] [--pipeline FILE]
// analytica sources unignore FILE [--pipeline FILE]
//
// Sets an input aside so a permanently broken file stops failing every
// run (read/ignored.h), or takes that back. FILE is the input's file name
// (a path is reduced to its name). The decision is kept in the store with
// the OS user and the time; `status` lists the inputs set aside.
#include "cli/commands.h"
#include "read/ignored.h"
#include "read/review.h"
#include "run/store.h"
#include "run/util.h"

#include <filesystem>
#include <iostream>

namespace analytica {
namespace po = boost::program_options;

int cmd_sources_ignore(CommandContext& ctx) {
  const bool ignore = ctx.args.at(0) == "ignore";
  CommandContext rest = ctx;
  rest.args.erase(rest.args.begin());
  po::options_description opts(ignore ? "sources ignore options" : "sources unignore options");
  opts.add_options()("file", po::value<std::string>(), "the input's file name");
  if (ignore)
    opts.add_options()("reason", po::value<std::string>(), "why it is set aside (required)")(
        "sha256", po::value<std::string>(), "set aside only these bytes (default: any bytes under the name)");
  add_store_option(opts);
  po::positional_options_description positional;
  positional.add("file", 1);
  auto vm = parse_command(rest,
                          ignore ? "analytica sources ignore FILE --reason TEXT [--sha256 HEX] [--pipeline FILE]"
                                 : "analytica sources unignore FILE [--pipeline FILE]",
                          opts, positional);
  if (!vm) return 0;
  if (!vm->count("file")) throw UserError(std::string("sources ") + (ignore ? "ignore" : "unignore") + ": expected FILE");
  const std::string name = std::filesystem::path((*vm)["file"].as<std::string>()).filename().string();
  const std::string reason = ignore && vm->count("reason") ? (*vm)["reason"].as<std::string>() : "";
  const std::string sha = ignore && vm->count("sha256") ? (*vm)["sha256"].as<std::string>() : "";
  Store store(ctx.settings, pipeline_option(*vm));
  set_ignored(store, name, sha, reason, os_user_name(), ignore);
  std::cout << (ignore ? "ignored " : "no longer ignored: ") << name << (ignore ? ": " + reason : "") << "\n";
  return 0;
}

}  // namespace analytica
