// analytica plugins trust FILE... | plugins verify [FILE...] [--json] |
// plugins sign FILE --key KEY [--out SIG]
// The plugin-trust actions of the `plugins` command (cmd_plugins.cpp hands
// them over); the checks themselves are run/plugin_trust.h. None of these
// loads a plugin: they only read its bytes.
#include "cli/commands.h"
#include "run/plugin_loader.h"
#include "run/plugin_trust.h"
#include "run/util.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <iostream>
#include <set>

namespace analytica {
namespace po = boost::program_options;
namespace fs = std::filesystem;
using nlohmann::json;

int cmd_plugins_trust(CommandContext& ctx) {
  po::options_description opts("plugins trust/verify/sign options");
  opts.add_options()("action", po::value<std::string>()->required(), "trust | verify | sign")(
      "file", po::value<std::vector<std::string>>(), "plugin files")(
      "key", po::value<std::string>(), "sign: Ed25519 private key (PEM)")(
      "out", po::value<std::string>(), "sign: where to write the signature (default FILE.sig)")(
      "json", "verify: print JSON");
  po::positional_options_description pos;
  pos.add("action", 1).add("file", -1);
  auto vm = parse_command(ctx,
                          "analytica plugins trust FILE... | analytica plugins verify [FILE...] [--json] | "
                          "analytica plugins sign FILE --key KEY [--out SIG]",
                          opts, pos);
  if (!vm) return 0;
  const std::string action = (*vm)["action"].as<std::string>();
  std::vector<fs::path> files;
  if (vm->count("file"))
    for (const auto& f : (*vm)["file"].as<std::vector<std::string>>()) files.emplace_back(f);
  const trust::Policy& policy = trust::policy();

  if (action == "trust") {
    if (files.empty()) throw UserError("plugins trust: missing FILE");
    for (const auto& f : files) {
      if (!fs::is_regular_file(f)) throw UserError(f.string() + ": no such file");
      const std::string sha = trust::trust_file(f, policy);
      std::cout << "trusted " << f.string() << " sha256 " << sha << " (" << policy.trusted.string() << ")\n";
    }
    return 0;
  }
  if (action == "sign") {
    if (files.size() != 1) throw UserError("plugins sign: expected one FILE");
    if (!vm->count("key")) throw UserError("plugins sign: missing --key KEY (an Ed25519 private key, PEM)");
    const fs::path sig = trust::sign_file(files[0], (*vm)["key"].as<std::string>(),
                                          vm->count("out") ? fs::path((*vm)["out"].as<std::string>()) : fs::path());
    std::cout << "signed " << files[0].string() << " -> " << sig.string() << "\n";
    return 0;
  }
  if (action == "verify") {
    if (files.empty()) files = plugin_files(ctx.settings.plugin_dirs);
    json all = json::array();
    int untrusted = 0;
    for (const auto& f : files) {
      json j = {{"file", f.string()}};
      try {
        const trust::Verdict v = trust::verify_file(f, policy);
        j["sha256"] = v.sha256;
        j["trusted"] = v.trusted;
        j[v.trusted ? "how" : "reason"] = v.trusted ? v.how : v.reason;
      } catch (const std::exception& e) {
        j["trusted"] = false;
        j["reason"] = e.what();
      }
      if (!j["trusted"].get<bool>()) ++untrusted;
      all.push_back(j);
    }
    if (vm->count("json")) {
      std::cout << json{{"policy", policy.file.string()}, {"require", policy.require}, {"plugins", all}}.dump(2)
                << "\n";
    } else {
      std::cout << "policy: " << (policy.file.empty() ? "none (every plugin loads)" : policy.file.string())
                << (policy.require ? ", trust required" : ", trust not required") << "\n";
      for (const auto& j : all)
        std::cout << (j["trusted"].get<bool>() ? "trusted    " : "UNTRUSTED  ") << j["file"].get<std::string>()
                  << (j.contains("sha256") ? "  sha256 " + j["sha256"].get<std::string>() : "") << "  ("
                  << (j.contains("how") ? j["how"] : j["reason"]).get<std::string>() << ")\n";
    }
    return untrusted ? 1 : 0;
  }
  throw UserError("plugins: unknown action '" + action + "'");
}

}  // namespace analytica
