// analytica — runs configured chains of data-pipeline plugins.
#include "cli/commands.h"
#include "run/logging.h"
#include "run/plugin_instance.h"
#include "run/util.h"

#include <boost/program_options.hpp>

#include <algorithm>
#include <atomic>
#include <csignal>
#include <iostream>
#include <string>
#include <vector>

namespace po = boost::program_options;
using namespace analytica;

namespace analytica {
extern std::atomic<bool> g_cancelled;

std::vector<Command>& commands() {
  static std::vector<Command> all;
  return all;
}
}  // namespace analytica

namespace {

void on_signal(int) { g_cancelled.store(true); }

void print_usage(const po::options_description& global) {
  std::cout << "Usage: analytica [global options] COMMAND [command options]\n\nCommands:\n";
  auto sorted = commands();
  sorted.push_back({"help", "this list, or one command's options (help COMMAND)", nullptr});
  std::sort(sorted.begin(), sorted.end(), [](const Command& a, const Command& b) { return std::string(a.name) < b.name; });
  for (const auto& c : sorted) std::cout << "  " << c.name << std::string(10 - std::string(c.name).size(), ' ') << c.summary << "\n";
  std::cout << "\nRun 'analytica help COMMAND' (or 'analytica COMMAND --help') for a command's options.\n\n" << global;
}

// Edits (insert, delete, replace, swap of neighbours) from a to b.
size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<std::vector<size_t>> d(a.size() + 1, std::vector<size_t>(b.size() + 1));
  for (size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
  for (size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
  for (size_t i = 1; i <= a.size(); ++i)
    for (size_t j = 1; j <= b.size(); ++j) {
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
    }
  return d[a.size()][b.size()];
}

// The command `name` names, or a UserError saying which commands it may have meant.
const Command& find_command(const std::string& name) {
  std::vector<std::string> near;
  for (const auto& c : commands()) {
    if (name == c.name) return c;
    const std::string candidate = c.name;
    if (edit_distance(name, candidate) <= (name.size() < 5 ? 1u : 2u) ||
        (name.size() >= 3 && candidate.rfind(name, 0) == 0))
      near.push_back(candidate);
  }
  std::sort(near.begin(), near.end());
  std::string hint;
  for (size_t i = 0; i < near.size(); ++i)
    hint += (i == 0 ? "" : i + 1 == near.size() ? " or " : ", ") + ("'" + near[i] + "'");
  throw UserError("unknown command '" + name + "'" + (hint.empty() ? "" : "; did you mean " + hint + "?") +
                  " (see analytica help)");
}

}  // namespace

int main(int argc, char** argv) {
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  Overrides flags;
  po::options_description global("Global options");
  global.add_options()
      ("help,h", "show this help")
      ("version", "print the version and ABI")
      ("config", po::value<std::string>(), "central configuration file (default config/analytica.json; env ANALYTICA_CONFIG)")
      ("data-dir", po::value<std::string>(), "data directory: reports in DIR/inbox, database DIR/analytica.db (env ANALYTICA_DATA_DIR)")
      ("database", po::value<std::string>(), "embedded SQLite database file (env ANALYTICA_DATABASE)")
      ("plugin-dir", po::value<std::vector<std::string>>(), "extra plugin directory, searched first (repeatable; env ANALYTICA_PLUGIN_PATH)")
      ("log-level", po::value<std::string>(), "debug|info|warn|error|off (env ANALYTICA_LOG_LEVEL)")
      ("log-format", po::value<std::string>(), "terminal log format: text|json (env ANALYTICA_LOG_FORMAT)")
      ("log-file", po::value<std::string>(), "JSON-lines log file (env ANALYTICA_LOG_FILE)");
  po::options_description hidden;
  hidden.add_options()("command", po::value<std::string>())("args", po::value<std::vector<std::string>>());
  po::options_description all;
  all.add(global).add(hidden);
  po::positional_options_description pos;
  pos.add("command", 1).add("args", -1);

  try {
    po::variables_map vm;
    auto parsed = po::command_line_parser(argc, argv).options(all).positional(pos).allow_unregistered().run();
    po::store(parsed, vm);
    po::notify(vm);
    if (vm.count("version")) {
      std::cout << "analytica " << ANALYTICA_VERSION << " (plugin ABI " << ANALYTICA_ABI_MAJOR << "."
                << ANALYTICA_ABI_MINOR << ")\n";
      return 0;
    }
    if (!vm.count("command")) {
      print_usage(global);
      return vm.count("help") ? 0 : 2;
    }
    auto opt = [&](const char* k) -> std::optional<std::string> {
      if (vm.count(k)) return vm[k].as<std::string>();
      return std::nullopt;
    };
    flags.config = opt("config");
    flags.data_dir = opt("data-dir");
    flags.database = opt("database");
    flags.log_level = opt("log-level");
    flags.log_format = opt("log-format");
    flags.log_file = opt("log-file");
    if (vm.count("plugin-dir")) flags.plugin_dirs = vm["plugin-dir"].as<std::vector<std::string>>();

    std::string name = vm["command"].as<std::string>();
    // Everything after the command name, in order, including unregistered options.
    std::vector<std::string> args = po::collect_unrecognized(parsed.options, po::include_positional);
    args.erase(args.begin());
    bool help = vm.count("help") > 0;
    if (name == "help") {  // analytica help [COMMAND]
      if (args.empty()) {
        print_usage(global);
        return 0;
      }
      name = args.front();
      args.clear();
      help = true;
    }
    const Command* command = &find_command(name);

    CommandContext ctx;
    ctx.args = std::move(args);
    if (help) ctx.args.push_back("--help");
    ctx.settings = load_settings(flags);
    logging::setup(logging::parse_level(ctx.settings.log_level), ctx.settings.log_format == "json",
                   name == "run" ? ctx.settings.log_file.string() : "");
    return command->run(ctx);
  } catch (const UserError& e) {
    std::cerr << "analytica: " << e.what() << "\n";
    return 2;
  } catch (const po::error& e) {
    std::cerr << "analytica: " << e.what() << " (see analytica --help)\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "analytica: " << e.what() << "\n";
    return 1;
  }
}
