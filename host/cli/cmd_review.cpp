// analytica review list [--status S] [--table T] [--limit N] [--offset N] [--json]
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
#include "run/cell_format.h"
#include "cli/commands.h"
#include "cli/render.h"
#include "run/store.h"
#include "run/util.h"
#include "run/validation.h"
#include "read/review.h"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <iostream>
#include <optional>

namespace analytica {
namespace po = boost::program_options;
using json = nlohmann::ordered_json;

namespace {

std::string fixed(double v, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

void require_queue(Store& store) {
  if (!review_available(store))
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

int list(Store& store, const po::variables_map& vm, bool as_json) {
  require_queue(store);
  ReviewListQuery q;
  q.status = vm["status"].as<std::string>();
  if (!review_status_filter_valid(q.status))
    throw UserError("review list: --status must be pending, superseded, auto_approved, approved, rejected or all, got '" +
                    q.status + "'");
  if (vm.count("table")) q.table = vm["table"].as<std::string>();
  q.limit = vm["limit"].as<int>();
  q.offset = vm["offset"].as<int>();
  const ReviewList page = list_review(store, q);
  json items = json::array();
  for (const auto& i : page.items)
    items.push_back({{"id", i.id}, {"status", i.status}, {"confidence", json_or_null(i.confidence)},
                     {"table_name", i.table}, {"record_key", i.record_key}, {"source_sha256", i.source_sha256},
                     {"reasons", i.reasons}, {"is_current", i.current ? 1 : 0}, {"created_at", i.created_at},
                     {"decided_by", json_or_null(i.decided_by)}, {"decided_at", json_or_null(i.decided_at)}});
  if (as_json) {
    std::cout << items.dump(2) << "\n";
    return 0;
  }
  const std::string what = q.status == "all" ? "" : q.status + " ";
  if (page.total == 0) {
    std::cout << "no " << what << "review items\n";
  } else {
    std::cout << "ID\tSTATUS\tCONFIDENCE\tTABLE\tRECORD\tREASONS\n";
    for (const auto& i : page.items) {
      std::string reasons = i.reasons;
      if (reasons.size() > 160) reasons = reasons.substr(0, 157) + "...";
      std::cout << i.id << "\t" << i.status << (i.status == kPending && !i.current ? " (superseded)" : "") << "\t"
                << (i.confidence ? fixed(*i.confidence, 2) : "-") << "\t" << i.table << "\t" << i.record_key << "\t"
                << reasons << "\n";
    }
    std::cout << "showing " << (page.items.empty() ? 0 : q.offset + 1) << "-" << q.offset + static_cast<int64_t>(page.items.size())
              << " of " << page.total << " " << what << "review items";
    if (q.offset + static_cast<int64_t>(page.items.size()) < page.total)
      std::cout << " (next: --offset " << q.offset + static_cast<int64_t>(page.items.size()) << ")";
    std::cout << "\n";
  }
  if (q.status == kPending && page.counts.superseded > 0)
    std::cout << page.counts.superseded << " pending item(s) superseded by a newer report wait for no one "
              << "(--status superseded)\n";
  return 0;
}

int show(Store& store, int64_t id, bool as_json) {
  require_queue(store);
  const auto found = review_item(store, id);
  if (!found) throw UserError("review item " + std::to_string(id) + " not found (see `analytica review list`)");
  const json out = json::parse(found->dump());
  const json& checks = out["checks"];
  const json& audit = out["audit"];
  const std::string table = out["table_name"], key = out["record_key"], sha = out["source_sha256"];
  if (as_json) {
    std::cout << found->dump(2) << "\n";
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
  if (out["previous"].is_object()) {
    const json& p = out["previous"];
    std::cout << "previous report (item " << p["id"].dump() << ", " << p["status"].get<std::string>()
              << (p.contains("source") ? ", " + p["source"].get<std::string>() : "") << ")\n";
    if (p["record"].is_object() && out["record"].is_object())
      for (auto it = p["record"].begin(); it != p["record"].end(); ++it)
        if (!out["record"].contains(it.key()) || out["record"][it.key()] != *it)
          std::cout << "  " << it.key() << " = " << (it->is_string() ? it->get<std::string>() : it->dump()) << "\n";
  }
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
  const std::string who = os_user_name();
  const ReviewDecision d = decide_review(store, id, decision, reason, who);
  if (as_json) {
    std::cout << d.item.dump(2) << "\n";
  } else {
    std::cout << "review item " << id << " " << decision << " by " << who << " (was " << d.previous_status << "): "
              << d.item["table_name"].get<std::string>() << " " << d.item["record_key"].get<std::string>() << "\n";
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
      "list: pending (waiting) | superseded | auto_approved | approved | rejected | all")(
      "table", po::value<std::string>(), "list: only items of this table")(
      "limit", po::value<int>()->default_value(50), "list: at most this many items")(
      "offset", po::value<int>()->default_value(0), "list: skip this many items (paging)")("json", "print JSON");
  add_store_option(opts);
  po::positional_options_description pos;
  pos.add("action", 1).add("id", 1);
  auto vm = parse_command(ctx,
                          "analytica review list [--status S] [--table T] [--limit N] [--offset N] [--json] | review show ID [--json] | "
                          "review approve ID [--reason TEXT] [--json] | review reject ID --reason TEXT [--json]",
                          opts, pos);
  if (!vm) return 0;
  const bool as_json = vm->count("json");
  const std::string action = (*vm)["action"].as<std::string>();
  if (action != "list" && action != "show" && action != "approve" && action != "reject")
    throw UserError("review: unknown action '" + action + "' (expected list, show, approve or reject)");
  if ((*vm)["limit"].as<int>() <= 0) throw UserError("review list: --limit must be positive");
  if ((*vm)["offset"].as<int>() < 0) throw UserError("review list: --offset must not be negative");
  const std::string reason = vm->count("reason") ? (*vm)["reason"].as<std::string>() : "";
  if (action == "reject" && reason.find_first_not_of(" \t") == std::string::npos)
    throw UserError("review reject: --reason is required (say why the record is wrong)");
  Store store(ctx.settings, pipeline_option(*vm));
  if (action == "list") return list(store, *vm, as_json);
  const int64_t id = parse_id(*vm, action);
  if (action == "show") return show(store, id, as_json);
  return decide(store, id, action == "approve" ? kApproved : kRejected, reason, as_json);
}

const RegisterCommand kRegister("review", "list, show, approve or reject records waiting for review", cmd_review);

}  // namespace analytica
