// analytica review list [--status S] [--table T] [--limit N] [--json]
// analytica review show ID [--json]
// analytica review approve ID [--reason TEXT] [--json]
// analytica review reject ID --reason TEXT [--json]
//
// The human side of validation (validation.h): records below the pipeline's
// confidence threshold wait in review_queue as "pending" and stay out of the
// validated views until someone approves them. Every decision is written in
// one transaction through the primary store's sink: the item's status (the
// record's lineage) and a row of review_audit (who — the OS user —, when,
// why).
#include "read/cell_format.h"
#include "cli/commands.h"
#include "run/store.h"
#include "run/util.h"
#include "run/validation.h"

#include <nlohmann/json.hpp>

#include <pwd.h>
#include <unistd.h>

#include <cstdio>
#include <iostream>

namespace analytica {
namespace po = boost::program_options;
using json = nlohmann::ordered_json;

namespace {

Cell text(const std::string& s) { return Cell::of(s); }

std::string fixed(double v, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

// The OS user running the command.
std::string current_user() {
  if (const passwd* pw = getpwuid(geteuid()); pw && pw->pw_name) return pw->pw_name;
  return "uid " + std::to_string(geteuid());
}

std::string select_all(const Schema& s) {
  std::string cols;
  for (const auto& c : s.columns()) cols += (cols.empty() ? "" : ", ") + c.name;
  return "SELECT " + cols + " FROM " + s.table();
}

json row_json(const Schema& s, const Store::Row& row) {
  json j = json::object();
  for (size_t c = 0; c < s.columns().size() && c < row.size(); ++c) j[s.columns()[c].name] = cell_json<json>(row[c]);
  return j;
}

void require_queue(Store& store) {
  if (!store.has_table("review_queue"))
    throw UserError(store.description() + ": no review queue yet (run a pipeline with validators first)");
}

int64_t parse_id(const po::variables_map& vm, const std::string& action) {
  if (!vm.count("id")) throw UserError("review " + action + ": missing item ID (see `analytica review list`)");
  const std::string text = vm["id"].as<std::string>();
  size_t used = 0;
  int64_t id = 0;
  try {
    id = std::stoll(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used != text.size() || id <= 0) throw UserError("review " + action + ": ID must be a positive number, got '" + text + "'");
  return id;
}

// The item's row in review_queue's column order; throws UserError if absent.
Store::Row load_item(Store& store, int64_t id) {
  const auto rows = store.query(select_all(review_queue_schema()) + " WHERE id = ?", {Cell::of(id)});
  if (rows.empty()) throw UserError("review item " + std::to_string(id) + " not found (see `analytica review list`)");
  if (rows.size() > 1)
    throw UserError("review item " + std::to_string(id) + " names " + std::to_string(rows.size()) +
                    " records (ids were assigned concurrently); decide them with SQL on review_queue");
  return rows[0];
}

json item_json(const Store::Row& row) {
  json j = row_json(review_queue_schema(), row);
  // The record as validated, as an object rather than its JSON text.
  if (j["record"].is_string()) {
    try {
      j["record"] = json::parse(j["record"].get<std::string>());
    } catch (const std::exception&) {
    }
  }
  return j;
}

int list(Store& store, const po::variables_map& vm, bool as_json) {
  require_queue(store);
  const std::string status = vm["status"].as<std::string>();
  if (status != "all" && status != kPending && status != kAutoApproved && status != kApproved && status != kRejected)
    throw UserError("review list: --status must be pending, auto_approved, approved, rejected or all, got '" + status + "'");
  std::string sql = "SELECT id, status, confidence, table_name, record_key, source_sha256, reasons, is_current, "
                    "created_at, decided_by, decided_at FROM review_queue WHERE 1 = 1";
  std::vector<Cell> params;
  if (status != "all") {
    sql += " AND status = ?";
    params.push_back(text(status));
  }
  if (vm.count("table")) {
    sql += " AND table_name = ?";
    params.push_back(text(vm["table"].as<std::string>()));
  }
  sql += " ORDER BY id LIMIT ?";
  params.push_back(Cell::of(static_cast<int64_t>(vm["limit"].as<int>())));
  const auto rows = store.query(sql, params);
  const char* names[] = {"id", "status", "confidence", "table_name", "record_key", "source_sha256", "reasons",
                         "is_current", "created_at", "decided_by", "decided_at"};
  json items = json::array();
  for (const auto& r : rows) {
    json j = json::object();
    for (size_t c = 0; c < r.size(); ++c) j[names[c]] = cell_json<json>(r[c]);
    items.push_back(j);
  }
  if (as_json) {
    std::cout << items.dump(2) << "\n";
    return 0;
  }
  if (items.empty()) {
    std::cout << "no " << (status == "all" ? "" : status + " ") << "review items\n";
    return 0;
  }
  for (const auto& j : items) {
    std::string reasons = j["reasons"].is_string() ? j["reasons"].get<std::string>() : "";
    if (reasons.size() > 160) reasons = reasons.substr(0, 157) + "...";
    std::cout << j["id"].get<int64_t>() << "\t" << j["status"].get<std::string>() << "\t"
              << (j["confidence"].is_number() ? fixed(j["confidence"].get<double>(), 2) : "-") << "\t"
              << j["table_name"].get<std::string>() << "\t" << j["record_key"].get<std::string>()
              << (j["is_current"] == 1 ? "" : " (superseded)") << "\t" << reasons << "\n";
  }
  return 0;
}

json lineage_json(Store& store, const std::string& table, const std::string& key, const std::string& sha) {
  json lineage = json::object();
  if (store.has_table("governance_sources")) {
    const auto src = store.query("SELECT name, path, version, status FROM governance_sources WHERE sha256 = ?", {text(sha)});
    if (!src.empty())
      lineage["source"] = {{"sha256", sha}, {"name", cell_json<json>(src[0][0])}, {"path", cell_json<json>(src[0][1])},
                           {"version", cell_json<json>(src[0][2])}, {"status", cell_json<json>(src[0][3])}};
  }
  if (store.has_table("governance_lineage_records")) {
    const auto rec = store.query("SELECT run_id, extractor, written_at FROM governance_lineage_records WHERE "
                                 "table_name = ? AND record_key = ? AND source_sha256 = ?",
                                 {text(table), text(key), text(sha)});
    if (!rec.empty())
      lineage["written"] = {{"run_id", cell_json<json>(rec[0][0])}, {"extractor", cell_json<json>(rec[0][1])},
                            {"written_at", cell_json<json>(rec[0][2])}};
  }
  json cells = json::array();
  if (store.has_table("governance_lineage_cells")) {
    for (const auto& c : store.query("SELECT column_name, page, x0, y0, x1, y1, confidence FROM "
                                     "governance_lineage_cells WHERE table_name = ? AND record_key = ? AND "
                                     "source_sha256 = ? ORDER BY column_name",
                                     {text(table), text(key), text(sha)}))
      cells.push_back({{"column", cell_json<json>(c[0])}, {"page", cell_json<json>(c[1])},
                       {"box", {cell_json<json>(c[2]), cell_json<json>(c[3]), cell_json<json>(c[4]), cell_json<json>(c[5])}},
                       {"confidence", cell_json<json>(c[6])}});
  }
  lineage["cells"] = cells;
  return lineage;
}

int show(Store& store, int64_t id, bool as_json) {
  require_queue(store);
  const json item = item_json(load_item(store, id));
  const std::string table = item["table_name"], key = item["record_key"], sha = item["source_sha256"];
  json out = item;
  json checks = json::array();
  if (store.has_table("validation_checks"))
    for (const auto& r : store.query(select_all(validation_checks_schema()) +
                                         " WHERE table_name = ? AND record_key = ? AND source_sha256 = ? ORDER BY "
                                         "passed, check_name",
                                     {text(table), text(key), text(sha)}))
      checks.push_back(row_json(validation_checks_schema(), r));
  out["checks"] = checks;
  out["lineage"] = lineage_json(store, table, key, sha);
  json audit = json::array();
  if (store.has_table("review_audit"))
    for (const auto& r : store.query(select_all(review_audit_schema()) + " WHERE item_id = ? ORDER BY id", {Cell::of(id)}))
      audit.push_back(row_json(review_audit_schema(), r));
  out["audit"] = audit;
  if (as_json) {
    std::cout << out.dump(2) << "\n";
    return 0;
  }
  std::cout << "review item " << id << ": " << out["status"].get<std::string>() << " (confidence "
            << (out["confidence"].is_number() ? fixed(out["confidence"].get<double>(), 2) : "-") << ", threshold "
            << (out["threshold"].is_number() ? fixed(out["threshold"].get<double>(), 2) : "-") << ")"
            << (out["is_current"] == 1 ? "" : " — superseded by a newer report") << "\n"
            << "record  " << table << " " << key << "\n";
  if (out["lineage"].contains("source"))
    std::cout << "source  " << out["lineage"]["source"]["name"].get<std::string>() << " (sha256 " << sha << ")\n";
  if (out["record"].is_object())
    for (auto it = out["record"].begin(); it != out["record"].end(); ++it)
      std::cout << "  " << it.key() << " = " << (it->is_null() ? "(blank)" : it->is_string() ? it->get<std::string>() : it->dump()) << "\n";
  std::cout << "reasons\n";
  if (!out["reasons"].is_string()) std::cout << "  (none)\n";
  else {
    std::string r = out["reasons"];
    size_t start = 0;
    for (size_t at; (at = r.find("; ", start)) != std::string::npos; start = at + 2) std::cout << "  - " << r.substr(start, at - start) << "\n";
    std::cout << "  - " << r.substr(start) << "\n";
  }
  std::cout << "checks\n";
  for (const auto& c : checks)
    std::cout << "  " << (c["passed"] == 1 ? "pass " : "FAIL ") << c["check_name"].get<std::string>() << " ("
              << c["validator"].get<std::string>() << ", confidence "
              << (c["confidence"].is_number() ? fixed(c["confidence"].get<double>(), 2) : "-") << ")"
              << (c["observed"].is_string() ? " observed " + c["observed"].get<std::string>() : "")
              << (c["expected"].is_string() ? " expected " + c["expected"].get<std::string>() : "") << "\n";
  std::cout << "lineage\n";
  for (const auto& c : out["lineage"]["cells"]) {
    std::cout << "  " << c["column"].get<std::string>() << ": ";
    if (c["page"].is_number_integer() && c["page"].get<int64_t>() > 0) {
      std::cout << "page " << c["page"].get<int64_t>() << " box [";
      for (size_t i = 0; i < 4; ++i)
        std::cout << (i ? ", " : "") << (c["box"][i].is_number() ? fixed(c["box"][i].get<double>(), 1) : "-");
      std::cout << "]";
    } else {
      std::cout << "no page";
    }
    std::cout << " confidence " << (c["confidence"].is_number() ? fixed(c["confidence"].get<double>(), 2) : "-") << "\n";
  }
  for (const auto& a : audit)
    std::cout << "decision " << a["decision"].get<std::string>() << " by " << a["decided_by"].get<std::string>()
              << " at " << a["decided_at"].get<std::string>()
              << (a["reason"].is_string() ? ": " + a["reason"].get<std::string>() : "") << "\n";
  return 0;
}

int decide(Store& store, int64_t id, const std::string& decision, const std::string& reason, bool as_json) {
  require_queue(store);
  const std::string who = current_user(), now = now_iso8601();
  store.begin();
  try {
    Store::Row row = load_item(store, id);
    const Schema& s = review_queue_schema();
    auto at = [&](const char* name) -> Cell& { return row[static_cast<size_t>(s.index_of(name))]; };
    const std::string previous = at("status").text;
    if (previous == decision)
      throw UserError("review item " + std::to_string(id) + " is already " + decision +
                      (at("decided_by").type == ANALYTICA_TEXT ? " (by " + at("decided_by").text + ")" : ""));
    at("status") = text(decision);
    at("decided_by") = text(who);
    at("decided_at") = text(now);
    at("decision_reason") = reason.empty() ? Cell::null() : text(reason);
    at("updated_at") = text(now);
    Batch item(s);
    item.add_row() = row;
    store.write(item);

    const auto max = store.query("SELECT COALESCE(MAX(id), 0) FROM review_audit");
    const int64_t audit_id = (max.empty() || max[0][0].type != ANALYTICA_INT64 ? 0 : max[0][0].i) + 1;
    Batch audit(review_audit_schema());
    audit.add_row() = {Cell::of(audit_id), Cell::of(id), at("table_name"), at("record_key"), at("source_sha256"),
                       text(decision), text(previous), text(who), text(now),
                       reason.empty() ? Cell::null() : text(reason)};
    store.write(audit);
    store.commit();
    if (as_json) {
      std::cout << item_json(row).dump(2) << "\n";
    } else {
      std::cout << "review item " << id << " " << decision << " by " << who << " (was " << previous << "): "
                << at("table_name").text << " " << at("record_key").text << "\n";
    }
  } catch (...) {
    store.rollback();
    throw;
  }
  return 0;
}

}  // namespace

int cmd_review(CommandContext& ctx) {
  po::options_description opts("review options");
  opts.add_options()("action", po::value<std::string>()->required(), "list | show | approve | reject")(
      "id", po::value<std::string>(), "review item ID (show, approve, reject)")(
      "reason", po::value<std::string>(), "why (required to reject)")(
      "status", po::value<std::string>()->default_value(kPending),
      "list: pending | auto_approved | approved | rejected | all")(
      "table", po::value<std::string>(), "list: only items of this table")(
      "limit", po::value<int>()->default_value(1000), "list: at most this many items")("json", "print JSON");
  add_store_option(opts);
  po::positional_options_description pos;
  pos.add("action", 1).add("id", 1);
  auto vm = parse_command(ctx,
                          "analytica review list [--status S] [--table T] [--json] | review show ID [--json] | "
                          "review approve ID [--reason TEXT] [--json] | review reject ID --reason TEXT [--json]",
                          opts, pos);
  if (!vm) return 0;
  const bool as_json = vm->count("json");
  const std::string action = (*vm)["action"].as<std::string>();
  if (action != "list" && action != "show" && action != "approve" && action != "reject")
    throw UserError("review: unknown action '" + action + "' (expected list, show, approve or reject)");
  if ((*vm)["limit"].as<int>() <= 0) throw UserError("review list: --limit must be positive");
  const std::string reason = vm->count("reason") ? (*vm)["reason"].as<std::string>() : "";
  if (action == "reject" && reason.find_first_not_of(" \t") == std::string::npos)
    throw UserError("review reject: --reason is required (say why the record is wrong)");
  Store store(ctx.settings, vm->count("pipeline") ? (*vm)["pipeline"].as<std::string>() : "");
  if (action == "list") return list(store, *vm, as_json);
  const int64_t id = parse_id(*vm, action);
  if (action == "show") return show(store, id, as_json);
  return decide(store, id, action == "approve" ? kApproved : kRejected, reason, as_json);
}

const RegisterCommand kRegister("review", "list, show, approve or reject records waiting for review", cmd_review);

}  // namespace analytica
