// settings_table_gen — turns a plugin's settings.json into the C++ header
// that holds its analytica_setting table, at build time (see
// analytica_plugin_settings() in this folder's CMakeLists.txt).
//
//   settings_table_gen SETTINGS_JSON NAMESPACE OUTPUT_HEADER
//
// settings.json is an array, one object per setting, in the order the
// descriptor lists them:
//   {"name": "path", "type": "string", "default": "data/analytica.db", "required": false,
//    "description": "SQLite database file"}
// name ([a-z0-9_]+), type (string | integer | number | boolean | array |
// object) and description are required. "default" is any JSON value of the
// type, or null; leaving it out gives the setting no default (default_json
// NULL). "required" is false unless given. The header declares
// `inline constexpr analytica_setting kSettings[]` in NAMESPACE, with each
// default written as JSON text with ", " and ": " separators.
//
// Exit status 0 on success; 1 with one line on stderr naming the file, the
// setting and the reason when the file is not such an array (the header is
// then not written).
#include <nlohmann/json.hpp>

#include <cctype>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <regex>
#include <set>
#include <stdexcept>
#include <string>

namespace {

using json = nlohmann::ordered_json;

// JSON text of value as the settings tables have always spelled it: compact
// but for a space after each ',' and ':'.
std::string json_text(const json& value) {
  if (value.is_array()) {
    std::string out = "[";
    for (size_t i = 0; i < value.size(); ++i) out += (i ? ", " : "") + json_text(value[i]);
    return out + "]";
  }
  if (value.is_object()) {
    std::string out = "{";
    bool first = true;
    for (const auto& [key, member] : value.items()) {
      out += (first ? "" : ", ") + json(key).dump() + ": " + json_text(member);
      first = false;
    }
    return out + "}";
  }
  return value.dump();
}

// text as a C string literal (UTF-8 bytes pass through).
std::string c_literal(const std::string& text) {
  std::string out = "\"";
  for (const unsigned char c : text) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c == '\n') {
      out += "\\n";
    } else if (c < 0x20) {
      char escaped[8];
      std::snprintf(escaped, sizeof escaped, "\\%03o", c);
      out += escaped;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + "\"";
}

bool default_fits(const std::string& type, const json& value) {
  if (value.is_null()) return true;
  if (type == "string") return value.is_string();
  if (type == "integer") return value.is_number_integer();
  if (type == "number") return value.is_number();
  if (type == "boolean") return value.is_boolean();
  if (type == "array") return value.is_array();
  return value.is_object();  // "object"
}

// One line of the table for setting; throws std::runtime_error naming what
// is wrong with it.
std::string table_row(const json& setting) {
  static const std::set<std::string> kKeys = {"name", "type", "default", "required", "description"};
  static const std::set<std::string> kTypes = {"string", "integer", "number", "boolean", "array", "object"};
  if (!setting.is_object()) throw std::runtime_error("expected an object");
  for (const auto& [key, value] : setting.items())
    if (!kKeys.count(key)) throw std::runtime_error("unknown key \"" + key + "\"");
  if (!setting.contains("name") || !setting["name"].is_string() ||
      !std::regex_match(setting["name"].get<std::string>(), std::regex("[a-z0-9_]+")))
    throw std::runtime_error("\"name\" must be a string of [a-z0-9_]+");
  if (!setting.contains("type") || !setting["type"].is_string() || !kTypes.count(setting["type"].get<std::string>()))
    throw std::runtime_error("\"type\" must be string, integer, number, boolean, array or object");
  if (!setting.contains("description") || !setting["description"].is_string())
    throw std::runtime_error("\"description\" must be a string");
  if (setting.contains("required") && !setting["required"].is_boolean())
    throw std::runtime_error("\"required\" must be true or false");
  const std::string type = setting["type"];
  if (setting.contains("default") && !default_fits(type, setting["default"]))
    throw std::runtime_error("\"default\" must be a JSON " + type + " or null");

  const std::string default_json = setting.contains("default") ? c_literal(json_text(setting["default"])) : "nullptr";
  const bool required = setting.value("required", false);
  return "    {" + c_literal(setting["name"]) + ", " + c_literal(type) + ", " + default_json + ", " +
         (required ? "1" : "0") + ", " + c_literal(setting["description"]) + "},\n";
}

std::string header(const json& settings, const std::string& source, const std::string& ns) {
  std::string rows;
  std::set<std::string> names;
  for (size_t i = 0; i < settings.size(); ++i) {
    try {
      rows += table_row(settings[i]);
      if (!names.insert(settings[i]["name"].get<std::string>()).second) throw std::runtime_error("named twice");
    } catch (const std::exception& e) {
      const std::string name = settings[i].is_object() && settings[i].contains("name") ? settings[i]["name"].dump() : "";
      throw std::runtime_error("setting " + std::to_string(i + 1) + (name.empty() ? "" : " (" + name + ")") + ": " +
                               e.what());
    }
  }
  std::string guard = "ANALYTICA_" + ns + "_SETTINGS_TABLE_H";
  for (char& c : guard) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return "// Generated from " + source + " by settings_table_gen (plugins/common); edit that file, not this one.\n"
         "#ifndef " + guard + "\n#define " + guard + "\n\n#include \"analytica.h\"\n\nnamespace " + ns + " {\n\n"
         "// The plugin's settings, in settings.json's order: the descriptor's table.\n"
         "inline constexpr analytica_setting kSettings[] = {\n" + rows + "};\n\n}  // namespace " + ns + "\n\n#endif\n";
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    std::cerr << "usage: settings_table_gen SETTINGS_JSON NAMESPACE OUTPUT_HEADER\n";
    return 2;
  }
  const std::string source = argv[1];
  if (!std::regex_match(argv[2], std::regex("[A-Za-z_][A-Za-z0-9_]*"))) {
    std::cerr << "settings_table_gen: namespace " << argv[2] << " is not a C++ identifier\n";
    return 2;
  }
  try {
    std::ifstream in(source);
    if (!in) throw std::runtime_error("cannot read the file");
    const json settings = json::parse(in);
    if (!settings.is_array() || settings.empty()) throw std::runtime_error("expected a non-empty array of settings");
    const std::string text = header(settings, source, argv[2]);
    std::ofstream out(argv[3], std::ios::binary | std::ios::trunc);
    out << text;
    if (!out.flush()) throw std::runtime_error(std::string("cannot write ") + argv[3]);
  } catch (const std::exception& e) {
    std::cerr << source << ": " << e.what() << "\n";
    std::remove(argv[3]);
    return 1;
  }
  return 0;
}
