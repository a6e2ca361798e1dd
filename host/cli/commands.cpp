#include "cli/commands.h"

#include "run/util.h"

#include <algorithm>
#include <cctype>
#include <iostream>
#include <set>

namespace analytica {
namespace po = boost::program_options;

namespace {

// The names of the positional arguments ("table" for TABLE).
std::set<std::string> positional_names(const po::positional_options_description& positional) {
  std::set<std::string> out;
  const unsigned n = positional.max_total_count();
  for (unsigned i = 0; i < n && i < 64; ++i) out.insert(positional.name_for_position(i));
  return out;
}

std::string upper(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return s;
}

// Boost's message with positional arguments named as the usage line names
// them (TABLE), never as the internal option (--table).
std::string message_of(const po::error& e, const std::set<std::string>& positional) {
  std::string text = e.what();
  for (const auto& name : positional) {
    const std::string placeholder = upper(name);
    for (const std::string& from :
         {"the option '--" + name + "' is required but missing", "the required argument for option '--" + name + "'"})
      if (text.rfind(from, 0) == 0) return "missing " + placeholder;
    for (const std::string& from : {"option '--" + name + "'", "'--" + name + "'"}) {
      for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + placeholder.size()))
        text.replace(at, from.size(), placeholder);
    }
  }
  if (dynamic_cast<const po::too_many_positional_options_error*>(&e)) return "too many arguments";
  return text;
}

}  // namespace

std::optional<po::variables_map> parse_command(const CommandContext& ctx, const std::string& usage,
                                               po::options_description options,
                                               const po::positional_options_description& positional) {
  options.add_options()("help,h", "show this help");
  const std::set<std::string> names = positional_names(positional);
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(ctx.args).options(options).positional(positional).run(), vm);
    if (vm.count("help")) {
      // Positional arguments are in the usage line; list only the options.
      if (names.empty()) {
        std::cout << "Usage: " << usage << "\n\n" << options;
      } else {
        po::options_description shown("options");
        for (const auto& o : options.options())
          if (!names.count(o->long_name())) shown.add(o);
        std::cout << "Usage: " << usage << "\n\n" << shown;
      }
      return std::nullopt;
    }
    po::notify(vm);
  } catch (const po::error& e) {
    throw UserError(message_of(e, names) + " (usage: " + usage + ")");
  }
  return vm;
}

}  // namespace analytica
