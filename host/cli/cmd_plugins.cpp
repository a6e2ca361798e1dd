// analytica plugins list [--json] | plugins inspect NAME [--json]
#include "cli/commands.h"
#include "run/plugin_loader.h"
#include "run/util.h"

#include <nlohmann/json.hpp>

#include <iostream>

namespace analytica {
namespace po = boost::program_options;
using nlohmann::json;

namespace {

std::string str(const char* s) { return s ? s : ""; }

json describe(const LoadedPlugin& p, bool with_settings) {
  const auto& d = p.descriptor();
  json j = {{"name", p.name()}, {"kind", p.kind_name()}, {"version", str(d.version)},
            {"description", str(d.description)}, {"file", p.file().string()},
            {"abi", std::to_string(d.abi_major) + "." + std::to_string(d.abi_minor)}};
  if (with_settings) {
    json settings = json::array();
    for (uint32_t i = 0; i < d.setting_count; ++i) {
      const auto& s = d.settings[i];
      settings.push_back({{"name", str(s.name)}, {"type", str(s.type)}, {"default", str(s.default_json)},
                          {"required", s.required != 0}, {"description", str(s.description)}});
    }
    j["settings"] = settings;
    json interfaces = json::array();
    for (const char* id : {ANALYTICA_SOURCE_V1, ANALYTICA_EXTRACTOR_V1, ANALYTICA_VALIDATOR_V1, ANALYTICA_SINK_V1,
                           ANALYTICA_MONITOR_V1, ANALYTICA_GOVERNANCE_V1, ANALYTICA_SINK_ADMIN_V1, ANALYTICA_PREVIEW_V1})
      if (d.get_interface(id)) interfaces.push_back(id);
    j["interfaces"] = interfaces;
  }
  return j;
}

}  // namespace

int cmd_plugins_trust(CommandContext& ctx);  // cli/cmd_plugins_trust.cpp

int cmd_plugins(CommandContext& ctx) {
  // Plugin trust: trust FILE..., verify [FILE...], sign FILE --key K.
  if (!ctx.args.empty() && (ctx.args[0] == "trust" || ctx.args[0] == "verify" || ctx.args[0] == "sign"))
    return cmd_plugins_trust(ctx);
  po::options_description opts("plugins options");
  opts.add_options()("action", po::value<std::string>()->required(), "list | inspect")(
      "name", po::value<std::string>(), "plugin name (inspect)")("json", "print JSON");
  po::positional_options_description pos;
  pos.add("action", 1).add("name", 1);
  auto vm = parse_command(ctx, "analytica plugins list [--json] | analytica plugins inspect NAME [--json]", opts, pos);
  if (!vm) return 0;
  const bool as_json = vm->count("json");
  const std::string action = (*vm)["action"].as<std::string>();
  PluginCatalog catalog(ctx.settings.plugin_dirs);

  if (action == "list") {
    json all = json::array();
    int refused = 0;
    for (const auto& e : catalog.scan()) {
      if (e.plugin) {
        all.push_back(describe(*e.plugin, false));
      } else {
        ++refused;
        all.push_back({{"file", e.file.string()}, {"error", e.error}});
      }
    }
    if (as_json) {
      std::cout << all.dump(2) << "\n";
    } else {
      if (all.empty()) std::cout << "no plugins found\n";
      else std::cout << "NAME" << std::string(18, ' ') << "KIND" << std::string(8, ' ') << "VERSION  DESCRIPTION\n";
      for (const auto& p : all) {
        if (p.contains("error")) {
          std::cout << "REFUSED  " << p["error"].get<std::string>() << "\n";
          continue;
        }
        const std::string name = p["name"], kind = p["kind"], version = p["version"];
        std::cout << name << std::string(name.size() < 22 ? 22 - name.size() : 1, ' ') << kind
                  << std::string(kind.size() < 12 ? 12 - kind.size() : 1, ' ') << version << "  "
                  << p["description"].get<std::string>() << "\n";
      }
    }
    return refused ? 1 : 0;
  }
  if (action == "inspect") {
    if (!vm->count("name")) throw UserError("plugins inspect: missing plugin NAME");
    const auto plugin = catalog.load((*vm)["name"].as<std::string>());
    const json j = describe(*plugin, true);
    if (as_json) {
      std::cout << j.dump(2) << "\n";
      return 0;
    }
    std::cout << j["name"].get<std::string>() << " " << j["version"].get<std::string>() << " ("
              << j["kind"].get<std::string>() << " plugin, ABI " << j["abi"].get<std::string>() << ")\n"
              << j["description"].get<std::string>() << "\nfile: " << j["file"].get<std::string>()
              << "\ninterfaces:";
    for (const auto& i : j["interfaces"]) std::cout << " " << i.get<std::string>();
    std::cout << "\nsettings:" << (j["settings"].empty() ? " none" : "") << "\n";
    for (const auto& s : j["settings"])
      std::cout << "  " << s["name"].get<std::string>() << " (" << s["type"].get<std::string>()
                << (s["required"].get<bool>() ? ", required" : ", default " + s["default"].get<std::string>())
                << "): " << s["description"].get<std::string>() << "\n";
    return 0;
  }
  throw UserError("plugins: unknown action '" + action + "' (expected list, inspect, trust, verify or sign)");
}

const RegisterCommand kRegister("plugins", "list, inspect, trust, verify or sign the installed plugins", cmd_plugins);

}  // namespace analytica
