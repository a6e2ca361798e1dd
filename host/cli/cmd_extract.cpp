// analytica extract FILE [--extractor NAME] [--format json|csv] [--out DIR] [--provenance]
//
// JSON goes to stdout (or DIR/<file>.json). CSV is one table per file: with
// --out DIR each table goes to DIR/<table>.csv; on stdout only a file that
// yields one table can be printed. --provenance adds each cell's page, box
// and confidence (JSON: a "provenance" object per record; CSV: three columns
// <column>:page, <column>:box, <column>:confidence after the data).
#include "run/cell_format.h"
#include "cli/commands.h"
#include "run/plugin_instance.h"
#include "run/util.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

namespace analytica {
namespace po = boost::program_options;
namespace fs = std::filesystem;
using json = nlohmann::ordered_json;

namespace {

std::string csv_field(const Cell& c) {
  if (c.type == ANALYTICA_NULL) return "";
  if (c.type != ANALYTICA_TEXT) return cell_json<json>(c).dump();
  if (c.text.find_first_of(",\"\n\r") == std::string::npos) return c.text;
  std::string out = "\"";
  for (char ch : c.text) out += ch == '"' ? std::string("\"\"") : std::string(1, ch);
  return out + "\"";
}

// The document row's columns go to the top level; records omit columns that
// only repeat the document's value.
json render_json(const std::vector<Batch>& batches, json top, bool provenance) {
  json document = json::object();
  for (const auto& b : batches)
    if (b.schema().table() == "document" && b.row_count() > 0)
      for (size_t c = 0; c < b.schema().columns().size(); ++c)
        document[b.schema().columns()[c].name] = cell_json<json>(b.row(0)[c]);
  top.update(document);
  for (const auto& b : batches) {
    if (b.schema().table() == "document") continue;
    json& rows = top[b.schema().table()];
    if (rows.is_null()) rows = json::array();
    const auto& cols = b.schema().columns();
    for (size_t r = 0; r < b.row_count(); ++r) {
      json rec = json::object(), prov = json::object();
      for (size_t c = 0; c < cols.size(); ++c) {
        const Cell& cell = b.row(r)[c];
        const json v = cell_json<json>(cell);
        if (document.contains(cols[c].name) && document[cols[c].name] == v) continue;
        rec[cols[c].name] = v;
        if (provenance && cell.where.page > 0) {
          const auto& bx = cell.where.box;
          prov[cols[c].name] = {{"page", cell.where.page},
                                {"box", {bx.x0, bx.y0, bx.x1, bx.y1}},
                                {"confidence", cell.where.confidence}};
        }
      }
      if (provenance) rec["provenance"] = prov;
      rows.push_back(rec);
    }
  }
  return top;
}

std::string fixed2(double v) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "%.2f", v);
  return buf;
}

// The batches of one table, in the order the extractor emitted them.
struct TableRows {
  std::string table;
  std::vector<const Batch*> batches;
};

std::vector<TableRows> by_table(const std::vector<Batch>& batches) {
  std::vector<TableRows> out;
  for (const auto& b : batches) {
    auto it = std::find_if(out.begin(), out.end(), [&](const TableRows& t) { return t.table == b.schema().table(); });
    if (it == out.end()) out.push_back({b.schema().table(), {&b}});
    else it->batches.push_back(&b);
  }
  return out;
}

void render_csv(const TableRows& t, bool provenance, std::ostream& out) {
  const auto& cols = t.batches.front()->schema().columns();
  for (size_t c = 0; c < cols.size(); ++c) out << (c ? "," : "") << cols[c].name;
  if (provenance)
    for (const auto& col : cols) out << "," << col.name << ":page," << col.name << ":box," << col.name << ":confidence";
  out << "\n";
  for (const Batch* b : t.batches)
    for (size_t r = 0; r < b->row_count(); ++r) {
      const auto& row = b->row(r);
      for (size_t c = 0; c < cols.size() && c < row.size(); ++c) out << (c ? "," : "") << csv_field(row[c]);
      if (provenance)
        for (size_t c = 0; c < cols.size() && c < row.size(); ++c) {
          const auto& w = row[c].where;
          if (w.page > 0)
            out << "," << w.page << "," << fixed2(w.box.x0) << " " << fixed2(w.box.y0) << " " << fixed2(w.box.x1) << " "
                << fixed2(w.box.y1) << "," << fixed2(w.confidence);
          else
            out << ",,,";
        }
      out << "\n";
    }
}

}  // namespace

int cmd_extract(CommandContext& ctx) {
  po::options_description opts("extract options");
  opts.add_options()("file", po::value<std::string>()->required(), "input file")(
      "extractor", po::value<std::string>(), "extractor plugin (default: the one whose probe scores highest)")(
      "format", po::value<std::string>()->default_value("json"), "json | csv")(
      "out", po::value<std::string>(), "write into this directory: DIR/<table>.csv per table (csv), DIR/<file>.json (json)")(
      "provenance", "add each cell's page, box and confidence");
  po::positional_options_description pos;
  pos.add("file", 1);
  auto vm = parse_command(ctx, "analytica extract FILE [--extractor NAME] [--format json|csv] [--out DIR] [--provenance]",
                          opts, pos);
  if (!vm) return 0;
  const fs::path file = (*vm)["file"].as<std::string>();
  const std::string format = (*vm)["format"].as<std::string>();
  if (format != "json" && format != "csv") throw UserError("--format: expected json or csv, got '" + format + "'");
  if (!fs::is_regular_file(file)) throw UserError(file.string() + ": no such file");

  const std::string sha = sha256_file(file);
  const std::string uri = "file://" + fs::absolute(file).lexically_normal().string();
  const std::string path = file.string(), display = file.filename().string();
  analytica_input input{};
  input.struct_size = sizeof(analytica_input);
  input.uri = uri.c_str();
  input.path = path.c_str();
  input.display_name = display.c_str();
  input.sha256 = sha.c_str();

  PluginCatalog catalog(ctx.settings.plugin_dirs);
  std::vector<std::shared_ptr<LoadedPlugin>> candidates;
  if (vm->count("extractor")) {
    auto p = catalog.load((*vm)["extractor"].as<std::string>());
    if (p->descriptor().kind != ANALYTICA_KIND_EXTRACTOR)
      throw UserError(p->name() + " is a " + p->kind_name() + " plugin, not an extractor");
    candidates.push_back(p);
  } else {
    for (const auto& e : catalog.scan(ANALYTICA_KIND_EXTRACTOR))
      if (e.plugin && e.plugin->descriptor().kind == ANALYTICA_KIND_EXTRACTOR) candidates.push_back(e.plugin);
  }

  std::unique_ptr<PluginInstance> chosen;
  analytica_extractor_v1 api{};
  int32_t best = 0;
  for (const auto& p : candidates) {
    json settings;
    try {
      settings = complete_settings(*p, json::object(), "defaults", p->name());
    } catch (const UserError&) {
      if (vm->count("extractor")) throw;
      continue;  // an extractor that cannot run without settings is not probed
    }
    auto inst = std::make_unique<PluginInstance>(p, settings, "");
    const auto table = inst->interface<analytica_extractor_v1>(ANALYTICA_EXTRACTOR_V1);
    const int32_t score = table.probe ? table.probe(inst->self(), &input) : 0;
    if (score > best || (vm->count("extractor") && !chosen)) {
      best = score;
      chosen = std::move(inst);
      api = table;
    }
  }
  if (!chosen) throw UserError(file.string() + ": no installed extractor reads this file");

  std::vector<Batch> batches;
  chosen->hooks.emit = [&](const analytica_batch& b) {
    batches.push_back(Batch::copy_of(b));
    return ANALYTICA_OK;
  };
  try {
    chosen->check(api.extract(chosen->self(), &input), "extract");
  } catch (const PluginError& e) {
    throw UserError(file.string() + ": " + e.what());
  }

  const bool provenance = vm->count("provenance") > 0;
  const fs::path out_dir = vm->count("out") ? fs::path((*vm)["out"].as<std::string>()) : fs::path();
  if (!out_dir.empty()) {
    std::error_code ec;
    fs::create_directories(out_dir, ec);
    if (!fs::is_directory(out_dir, ec)) throw UserError("--out: " + out_dir.string() + " is not a directory");
  }
  auto write_file = [](const fs::path& to, const std::string& text) {
    std::ofstream f(to, std::ios::binary | std::ios::trunc);
    f << text;
    if (!f.flush()) throw UserError(to.string() + ": cannot write");
    std::cout << to.string() << "\n";
  };
  if (format == "csv") {
    const auto tables = by_table(batches);
    if (out_dir.empty()) {
      if (tables.size() > 1) {
        std::string names;
        for (const auto& t : tables) names += (names.empty() ? "" : ", ") + t.table;
        throw UserError(file.string() + " yields " + std::to_string(tables.size()) + " tables (" + names +
                        "): give --out DIR for one CSV file per table");
      }
      if (!tables.empty()) render_csv(tables.front(), provenance, std::cout);
      return 0;
    }
    for (const auto& t : tables) {
      std::ostringstream text;
      render_csv(t, provenance, text);
      write_file(out_dir / (t.table + ".csv"), text.str());
    }
  } else {
    const std::string text =
        render_json(batches, {{"source_file", display}, {"sha256", sha}}, provenance).dump(2) + "\n";
    if (out_dir.empty()) std::cout << text;
    else write_file(out_dir / (file.stem().string() + ".json"), text);
  }
  return 0;
}

const RegisterCommand kRegister("extract", "run one extractor on one file and print its records", cmd_extract);

}  // namespace analytica
