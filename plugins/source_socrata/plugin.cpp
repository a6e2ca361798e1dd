// source_socrata: one dataset of a Socrata open-data portal (the City of
// Calgary's, data.calgary.ca) through the SODA API as JSON, page by page.
//
// Pages are read by keyset, not by offset: ordered by the bookmark column
// and a unique key column (`$order=issueddate,:id`), each page asks for the
// records after the last one of the page before, so records added while a
// run goes on never shift a page. Each page is written to a JSON file (a
// temporary file renamed into the downloads directory) and yielded as one
// input carrying bookmark_key/bookmark_value: governance stores the bookmark
// in the same transaction as the page's records. At start the source reads
// the last committed bookmark back with host->query(), so a run killed
// anywhere resumes after the last committed page, losing and doubling
// nothing. The app token comes from the environment (X-App-Token).
#include "../common/source_input.h"
#include "../source_http/fetch.h"
#include "instance_glue.h"
#include "settings_table.h"

#include <analytica.h>
#include <analytica_cpp.hpp>
#include <analytica_store.h>
#include <curl/curl.h>
#include <nlohmann/json.hpp>

#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace {
namespace fs = std::filesystem;
using analytica::Failure;
using nlohmann::json;

constexpr const char* kName = "source_socrata";
constexpr const char* kVersion = "1.0.0";

// A SoQL text literal.
std::string soql_text(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("''") : std::string(1, c);
  return out + "'";
}

std::string escape(const std::string& s) {
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      char buf[4];
      std::snprintf(buf, sizeof buf, "%%%02X", c);
      out += buf;
    }
  }
  return out;
}

// FNV-1a 64 as 16 hex digits: a short stable file name for a page's request.
std::string short_hash(const std::string& s) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ull;
  }
  char buf[20];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

// A record field as text: strings as they are, numbers and booleans printed.
std::string field_text(const json& rec, const std::string& name) {
  if (!rec.is_object() || !rec.contains(name) || rec[name].is_null()) return "";
  const json& v = rec[name];
  return v.is_string() ? v.get<std::string>() : v.dump();
}

struct Source {
  const analytica_host* host = nullptr;
  std::string base, dataset, select, where, bookmark_column, key_column, since, bookmark_key, token;
  int64_t page_size = 1000, max_pages = 0, pages = 0;
  fs::path dir;
  fetch::Options options;
  bool started = false, finished = false;
  std::string bookmark;  // "<bookmark value>|<key>" of the last record handed out ("" = none)
  std::string uri, path, name, value;  // of the last yielded input
  analytica_source::InputText input;    // the last yielded input: out's strings point into it

  void log(analytica_log_level level, const std::string& m) const {
    if (host && host->log) host->log(host->ctx, level, m.c_str());
  }

  // The last committed bookmark, or "" (with a warning when the host cannot say).
  std::string stored_bookmark() const {
    if (!host || !host->query) return "";
    analytica_value key{};
    key.type = ANALYTICA_TEXT;
    key.as.text.ptr = bookmark_key.data();
    key.as.text.len = bookmark_key.size();
    std::string found;
    auto on_row = [](void* user, const analytica_value* v, uint32_t n) -> int {
      if (n >= 1 && v[0].type == ANALYTICA_TEXT)
        *static_cast<std::string*>(user) = std::string(v[0].as.text.ptr, static_cast<size_t>(v[0].as.text.len));
      return 0;
    };
    const std::string sql = std::string("SELECT value FROM ") + ANALYTICA_T_BOOKMARKS + " WHERE bookmark_key = ?";
    const analytica_status s = host->query(host->ctx, sql.c_str(), &key, 1, on_row, &found);
    if (s == ANALYTICA_ERR_UNSUPPORTED) {
      log(ANALYTICA_LOG_WARN, "the host offers sources no store queries: cannot read bookmark " + bookmark_key +
                                  "; reading from the start (governance skips pages already ingested)");
      return "";
    }
    if (s < 0) throw Failure(s, "cannot read bookmark " + bookmark_key + " from " + ANALYTICA_T_BOOKMARKS);
    return found;
  }

  std::string request_url() const {
    std::vector<std::string> conditions;
    if (!where.empty()) conditions.push_back("(" + where + ")");
    std::string b, k;
    if (!bookmark.empty()) {
      const size_t bar = bookmark_column.empty() ? std::string::npos : bookmark.find('|');
      if (bar == std::string::npos) k = bookmark;
      else b = bookmark.substr(0, bar), k = bookmark.substr(bar + 1);
    }
    if (!bookmark_column.empty()) {
      conditions.push_back(bookmark_column + " IS NOT NULL");
      if (!bookmark.empty())
        conditions.push_back("(" + bookmark_column + " > " + soql_text(b) + " OR (" + bookmark_column + " = " + soql_text(b) +
                             " AND " + key_column + " > " + soql_text(k) + "))");
      else if (!since.empty())
        conditions.push_back(bookmark_column + " >= " + soql_text(since));
    } else if (!bookmark.empty()) {
      conditions.push_back(key_column + " > " + soql_text(k));
    }
    std::string sel = select.empty() ? "*" : select;
    if (!key_column.empty() && key_column[0] == ':' && sel.find(key_column) == std::string::npos)
      sel = key_column + "," + sel;
    std::string cond;
    for (const auto& c : conditions) cond += (cond.empty() ? "" : " AND ") + c;
    std::string url = base + "/resource/" + dataset + ".json?$select=" + escape(sel);
    if (!cond.empty()) url += "&$where=" + escape(cond);
    url += "&$order=" + escape(bookmark_column.empty() ? key_column : bookmark_column + "," + key_column);
    url += "&$limit=" + std::to_string(page_size);
    return url;
  }
};

std::unique_ptr<Source> make_source(const analytica_host* host, const nlohmann::json& s) {
  auto src = std::make_unique<Source>();
  src->host = host;
  src->base = s.value("base_url", "https://data.calgary.ca");
  while (!src->base.empty() && src->base.back() == '/') src->base.pop_back();
  if (src->base.rfind("http://", 0) != 0 && src->base.rfind("https://", 0) != 0)
    throw Failure(ANALYTICA_ERR_INVALID, "setting base_url: \"" + src->base + "\" is not an http or https URL");
  src->dataset = s.at("dataset").get<std::string>();
  for (char c : src->dataset)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-')
      throw Failure(ANALYTICA_ERR_INVALID,
                    "setting dataset: \"" + src->dataset + "\" is not a dataset id like c2es-76ed");
  src->select = s.value("select", "");
  src->where = s.value("where", "");
  src->bookmark_column = s.value("bookmark_column", "");
  src->key_column = s.value("key_column", ":id");
  if (src->key_column.empty()) throw Failure(ANALYTICA_ERR_INVALID, "setting key_column: must name a unique column");
  src->since = s.value("since", "");
  src->page_size = s.value("page_size", 1000);
  if (src->page_size < 1 || src->page_size > 50000)
    throw Failure(ANALYTICA_ERR_INVALID, "setting page_size: expected 1 to 50000");
  src->max_pages = s.value("max_pages", 0);
  const std::string token_env = s.value("app_token_env", "SOCRATA_APP_TOKEN");
  if (!token_env.empty())
    if (const char* t = std::getenv(token_env.c_str())) src->token = t;
  src->bookmark_key = s.value("bookmark_key", "");
  if (src->bookmark_key.empty()) {
    const std::string after_scheme = src->base.substr(src->base.find("://") + 3);
    src->bookmark_key = "socrata:" + after_scheme + "/" + src->dataset;
  }
  src->dir = s.value("downloads_dir", "");
  if (src->dir.empty() || src->dir.string().find("${") != std::string::npos)
    throw Failure(ANALYTICA_ERR_INVALID,
                  "setting downloads_dir: \"" + src->dir.string() + "\" is not a directory path");
  src->options.max_bytes = static_cast<uint64_t>(s.value("max_bytes", 104857600));
  src->options.timeout_seconds = s.value("timeout_seconds", 120);
  src->options.connect_timeout_seconds = s.value("connect_timeout_seconds", 20);
  src->options.retries = s.value("retries", 3);
  src->options.retry_delay_ms = s.value("retry_delay_ms", 2000);
  src->options.ca_file = s.value("ca_file", "");
  src->options.user_agent = fetch::user_agent(kName, kVersion);
  src->options.host = host;
  return src;
}

analytica_status next(void* self, analytica_input* out) {
  return analytica::glue::guarded<Source>(self, [&](Source* src) {
    if (!src->started) {
      src->started = true;
      src->bookmark = src->stored_bookmark();
      src->log(ANALYTICA_LOG_INFO, src->bookmark.empty() ? src->bookmark_key + ": no bookmark, reading from the start"
                                                         : src->bookmark_key + ": resuming after " + src->bookmark);
    }
    if (src->finished || (src->max_pages > 0 && src->pages >= src->max_pages)) return ANALYTICA_DONE;
    const std::string url = src->request_url();
    std::vector<std::string> headers = {"Accept: application/json"};
    if (!src->token.empty()) headers.push_back("X-App-Token: " + src->token);
    const fetch::Result r = fetch::get(url, headers, src->dir.string(), src->options);
    src->uri = url;
    src->name = src->dataset + "-" + short_hash(url) + ".json";
    auto fail_page = [&](const std::string& why) {
      // No later page can be read without this one's bookmark: the run
      // stops here and the next one retries the same request.
      src->finished = true;
      analytica_source::InputText text{src->uri, "", src->name, "", "", "", ""};
      if (analytica_source::has_input_member(out, offsetof(analytica_input, error))) {
        text.error = why;  // the host records a failed input under the page's URL
      } else {  // a host older than 1.2: an event, and a "path" that reads as the reason
        if (src->host && src->host->event)
          src->host->event(src->host->ctx, ANALYTICA_EVENT_ERROR, (url + ": " + why).c_str());
        text.path = "(not downloaded: " + why + ")";
      }
      src->input = std::move(text);
      analytica_source::fill_input(out, src->input);
      return ANALYTICA_OK;
    };
    if (!r.error.empty()) return fail_page(r.error);
    if (r.temp_path.empty()) return fail_page("HTTP " + std::to_string(r.status) + " without a body");
    json page;
    {
      std::ifstream f(r.temp_path, std::ios::binary);
      page = json::parse(f, nullptr, false);
    }
    if (!page.is_array()) {
      std::remove(r.temp_path.c_str());
      return fail_page(page.is_discarded() ? "the page is not JSON" : "the page is not a JSON array of records");
    }
    if (page.empty()) {
      std::remove(r.temp_path.c_str());
      src->finished = true;
      src->log(ANALYTICA_LOG_INFO, src->bookmark_key + ": no records after " +
                                       (src->bookmark.empty() ? std::string("the start") : src->bookmark));
      return ANALYTICA_DONE;
    }
    const json& last = page.back();
    const std::string k = field_text(last, src->key_column);
    const std::string b = src->bookmark_column.empty() ? "" : field_text(last, src->bookmark_column);
    if (k.empty() || (!src->bookmark_column.empty() && b.empty())) {
      std::remove(r.temp_path.c_str());
      return fail_page("the last record has no " + (k.empty() ? src->key_column : src->bookmark_column) +
                       " (select it, or choose other bookmark/key columns)");
    }
    const std::string target = (src->dir / src->name).string();
    fetch::commit_file(r.temp_path, target);
    src->path = target;
    src->value = src->bookmark_column.empty() ? k : b + "|" + k;
    src->bookmark = src->value;
    ++src->pages;
    if (static_cast<int64_t>(page.size()) < src->page_size) src->finished = true;  // a short page is the last
    src->log(ANALYTICA_LOG_INFO, url + ": " + std::to_string(page.size()) + " records, bookmark " + src->value);
    // A page has no publisher's version of its own: the ETag the portal
    // sent with it, if any, else none.
    src->input = {src->uri, src->path, src->name, src->bookmark_key, src->value,
                  r.etag.empty() ? r.last_modified : r.etag, ""};
    analytica_source::fill_input(out, src->input);
    return ANALYTICA_OK;
  });
}

const analytica_source_v1 kSource = {sizeof(analytica_source_v1), next};

}  // namespace

ANALYTICA_PLUGIN(ANALYTICA_KIND_SOURCE, kName, kVersion,
                 "a Socrata (SODA) dataset page by page as JSON, resuming after the last committed page (bookmark)",
                 source_socrata::kSettings, analytica::glue::create<make_source>, analytica::glue::destroy<Source>,
                 {ANALYTICA_SOURCE_V1, &kSource})
