// The CLI's subcommands. Each takes its own arguments (after the command
// name), prints its results to stdout, and returns the process exit status.
// Errors are thrown (UserError -> status 2, others -> 1) and printed by main.
#ifndef ANALYTICA_HOST_CLI_COMMANDS_H
#define ANALYTICA_HOST_CLI_COMMANDS_H

#include "run/config.h"

#include <string>
#include <vector>

namespace analytica {

struct CommandContext {
  Settings settings;
  std::vector<std::string> args;  // after the command name
};

struct Command {
  const char* name;
  const char* summary;
  int (*run)(CommandContext&);
};

// Every command, in registration order. A command file registers itself
// with a static RegisterCommand object; command files are compiled into the
// executable (not a static library) so their registrations are kept.
std::vector<Command>& commands();

struct RegisterCommand {
  RegisterCommand(const char* name, const char* summary, int (*run)(CommandContext&)) {
    commands().push_back({name, summary, run});
  }
};

}  // namespace analytica

#include <boost/program_options.hpp>
#include <optional>

namespace analytica {

// Parses ctx.args against `options` and `positional`. Prints `usage` and the
// options and returns nullopt on --help. Throws UserError on bad options.
std::optional<boost::program_options::variables_map> parse_command(
    const CommandContext& ctx, const std::string& usage, boost::program_options::options_description options,
    const boost::program_options::positional_options_description& positional);

}  // namespace analytica

#endif  // ANALYTICA_HOST_CLI_COMMANDS_H
