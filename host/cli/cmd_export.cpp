// analytica export VIEW [--dataset ID] [--format csv|json] [--include pending]
//                       [--pipeline FILE]
//
// A declared view's figures (read/datasets.h) as CSV or JSON lines on
// stdout: approved figures only by default — per key the last approved
// revision, marked "fallback" when newer figures wait or were rejected —
// and, with --include pending, the unapproved ones too, marked with their
// status. One dataset per call when the view has several (--dataset).
#include "cli/commands.h"
#include "read/datasets.h"
#include "run/store.h"
#include "run/util.h"

#include <iostream>

namespace analytica {
namespace po = boost::program_options;
using nlohmann::json;

namespace {

std::string csv_field(const json& v) {
  std::string s = v.is_null() ? "" : v.is_string() ? v.get<std::string>() : v.dump();
  if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

int cmd_export(CommandContext& ctx) {
  po::options_description opts("export options");
  opts.add_options()("view", po::value<std::string>(), "the view's id")(
      "dataset", po::value<std::string>(), "the dataset's id (needed when the view has several)")(
      "format", po::value<std::string>()->default_value("csv"), "csv | json (JSON lines)")(
      "include", po::value<std::string>(), "pending: add figures that wait for review or were rejected");
  add_store_option(opts);
  po::positional_options_description positional;
  positional.add("view", 1);
  auto vm = parse_command(ctx,
                          "analytica export VIEW [--dataset ID] [--format csv|json] [--include pending] "
                          "[--pipeline FILE]",
                          opts, positional);
  if (!vm) return 0;
  if (!vm->count("view")) throw UserError("export: expected VIEW (the id of a declared view; see analytica status)");
  const std::string format = (*vm)["format"].as<std::string>();
  if (format != "csv" && format != "json") throw UserError("export: --format: expected csv or json, got " + format);
  const bool pending = vm->count("include") > 0;
  if (pending && (*vm)["include"].as<std::string>() != "pending")
    throw UserError("export: --include: expected pending, got " + (*vm)["include"].as<std::string>());
  const std::string pipeline = pipeline_option(*vm);
  Store store(ctx.settings, pipeline);
  std::unique_ptr<Pipeline> p;
  if (!pipeline.empty()) p = std::make_unique<Pipeline>(load_pipeline(pipeline, ctx.settings));
  const auto views = declared_views(store, p.get());
  const std::string id = (*vm)["view"].as<std::string>();
  const View* view = find_view(views, id);
  if (!view) {
    std::string known;
    for (const auto& v : views) known += (known.empty() ? "" : ", ") + v.id;
    throw UserError("export: no view " + id + " is declared" + (known.empty() ? "" : " (declared: " + known + ")"));
  }
  const Dataset* dataset = nullptr;
  if (vm->count("dataset")) {
    for (const auto& d : view->datasets)
      if (d.id == (*vm)["dataset"].as<std::string>()) dataset = &d;
    if (!dataset) throw UserError("export: view " + id + " has no dataset " + (*vm)["dataset"].as<std::string>());
  } else if (view->datasets.size() == 1) {
    dataset = &view->datasets.front();
  } else {
    std::string known;
    for (const auto& d : view->datasets) known += (known.empty() ? "" : ", ") + d.id;
    throw UserError("export: view " + id + " has several datasets: choose one with --dataset (" + known + ")");
  }
  const json rows = dataset_rows(store, *dataset, pending);
  std::vector<std::string> columns = {dataset->period_column};
  for (const auto& d : dataset->dimensions) columns.push_back(d.column);
  for (const auto& m : dataset->measures) columns.push_back(m.column);
  if (!dataset->quality_column.empty()) columns.push_back(dataset->quality_column);
  for (const char* mark : {"status", "fallback", "key"}) columns.push_back(mark);
  if (format == "csv") {
    for (size_t i = 0; i < columns.size(); ++i) std::cout << (i ? "," : "") << columns[i];
    std::cout << "\n";
  }
  for (const auto& r : rows) {
    if (format == "json") {
      json line = json::object();
      for (const auto& c : columns) line[c] = r.value(c, json());
      std::cout << line.dump() << "\n";
      continue;
    }
    for (size_t i = 0; i < columns.size(); ++i) std::cout << (i ? "," : "") << csv_field(r.value(columns[i], json()));
    std::cout << "\n";
  }
  return 0;
}

const RegisterCommand kRegister("export", "a declared view's approved figures as CSV or JSON lines", cmd_export);

}  // namespace

}  // namespace analytica
