// The CLI's subcommands. Each takes its own arguments (after the command
// name), prints its results to stdout, and returns the process exit status.
// Errors are thrown (UserError -> status 2, others -> 1) and printed by main.
#pragma once

#include "config.h"

#include <string>
#include <vector>

namespace analytica {

struct CommandContext {
  Settings settings;
  std::vector<std::string> args;  // after the command name
};

// Parses a subcommand's options; prints help and returns false if asked.
struct Command {
  const char* name;
  const char* summary;
  int (*run)(CommandContext&);
};

int cmd_run(CommandContext&);
int cmd_plugins(CommandContext&);
int cmd_extract(CommandContext&);

const std::vector<Command>& commands();

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
