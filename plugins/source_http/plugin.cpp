// source_http: downloads files named by a list of URLs, or by a URL template
// over a range of periods ({yyyy}, {mm}, {month}), into ${data_dir}/downloads
// with libcurl, and yields each as an input whose uri is the URL.
//
// Conditional requests: the ETag and Last-Modified of every URL are kept in
// a state file in the downloads directory (rewritten atomically after each
// URL), so an unchanged file is answered 304 and not downloaded again; the
// copy on disk is still yielded, and governance skips it as the same bytes
// (which also ingests a download whose run was killed before its commit).
// A 404 for one of the newest periods is "not yet published" (logged, not a
// failure). 5xx, 429, timeouts and cut-off bodies are retried with backoff;
// after the last attempt that URL alone fails: the run goes on with the
// next URL and the failed input carries the reason (see README).
#include "../common/source_input.h"
#include "fetch.h"
#include "instance_glue.h"
#include "settings_table.h"

#include <analytica.h>
#include <analytica_cpp.hpp>
#include <nlohmann/json.hpp>

#include <cstddef>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace {
namespace fs = std::filesystem;
using analytica::Failure;
using nlohmann::json;

constexpr const char* kName = "source_http";
constexpr const char* kVersion = "1.0.0";

const char* kMonths[] = {"January", "February", "March",     "April",   "May",      "June",
                         "July",    "August",   "September", "October", "November", "December"};

struct Period {
  int year = 0, month = 0;  // month 0 = yearly
  int index() const { return year * 12 + (month ? month - 1 : 0); }
};

Period parse_period(const std::string& text, const std::string& setting) {
  Period p;
  int y = 0, m = 0;
  char tail = 0;
  if (std::sscanf(text.c_str(), "%4d-%2d%c", &y, &m, &tail) == 2 && text.size() == 7 && m >= 1 && m <= 12) {
    p.year = y;
    p.month = m;
  } else if (std::sscanf(text.c_str(), "%4d%c", &y, &tail) == 1 && text.size() == 4) {
    p.year = y;
  } else {
    throw Failure(ANALYTICA_ERR_INVALID, "setting " + setting + ": \"" + text + "\" is not YYYY-MM or YYYY");
  }
  return p;
}

Period today_period() {
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  return {tm.tm_year + 1900, tm.tm_mon + 1};
}

std::string fill(std::string text, const Period& p) {
  auto replace = [&](const std::string& what, const std::string& with) {
    for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + with.size()))
      text.replace(at, what.size(), with);
  };
  char yyyy[8], mm[4];
  std::snprintf(yyyy, sizeof yyyy, "%04d", p.year);
  std::snprintf(mm, sizeof mm, "%02d", p.month ? p.month : 1);
  replace("{yyyy}", yyyy);
  replace("{mm}", mm);
  replace("{month}", kMonths[(p.month ? p.month : 1) - 1]);
  return text;
}

// The last segment of the URL's path, without query or fragment.
std::string base_name(const std::string& url) {
  std::string path = url.substr(0, url.find_first_of("?#"));
  const size_t scheme = path.find("://");
  if (scheme != std::string::npos) {
    const size_t slash = path.find('/', scheme + 3);
    path = slash == std::string::npos ? "" : path.substr(slash);
  }
  const std::string name = path.substr(path.rfind('/') + 1);
  return name.empty() ? "download" : name;
}

bool safe_name(const std::string& n) {
  return !n.empty() && n != "." && n != ".." && n.find('/') == std::string::npos && n[0] != '.';
}

struct Item {
  std::string url, name;
  bool has_period = false;
  Period period;
};

struct Source {
  const analytica_host* host = nullptr;
  std::vector<Item> items;
  size_t next = 0;
  fs::path dir, state_file;
  json state = json::object();  // url -> {etag, last_modified, last_checked, last_status, ...}
  std::string expect;
  int unpublished = 2;
  Period today;
  fetch::Options options;
  analytica_source::InputText input;  // the last yielded input: out's strings point into it

  void log(analytica_log_level level, const std::string& m) const {
    if (host && host->log) host->log(host->ctx, level, m.c_str());
  }
  void event(analytica_event_kind kind, const std::string& m) const {
    if (host && host->event) host->event(host->ctx, kind, m.c_str());
  }
  void save_state() const { fetch::write_atomic(state_file.string(), state.dump(2) + "\n"); }
};

std::unique_ptr<Source> make_source(const analytica_host* host, const nlohmann::json& s) {
  auto src = std::make_unique<Source>();
  src->host = host;
  src->dir = s.value("downloads_dir", "");
  if (src->dir.empty() || src->dir.string().find("${") != std::string::npos)
    throw Failure(ANALYTICA_ERR_INVALID,
                  "setting downloads_dir: \"" + src->dir.string() + "\" is not a directory path");
  src->state_file = src->dir / ".source_http-state.json";
  src->expect = s.value("expect", "any");
  if (src->expect != "any" && src->expect != "pdf" && src->expect != "zip" && src->expect != "json")
    throw Failure(ANALYTICA_ERR_INVALID, "setting expect: \"" + src->expect + "\" is not pdf, zip, json or any");
  src->unpublished = s.value("unpublished_periods", 2);
  const std::string today = s.value("today", "");
  src->today = today.empty() ? today_period() : parse_period(today, "today");
  auto positive = [&](const char* key, long def) {
    const long v = s.value(key, def);
    if (v < 0) throw Failure(ANALYTICA_ERR_INVALID, std::string("setting ") + key + ": must not be negative");
    return v;
  };
  src->options.max_bytes = static_cast<uint64_t>(positive("max_bytes", 209715200));
  src->options.timeout_seconds = positive("timeout_seconds", 120);
  src->options.connect_timeout_seconds = positive("connect_timeout_seconds", 20);
  src->options.retries = static_cast<int>(positive("retries", 3));
  src->options.retry_delay_ms = positive("retry_delay_ms", 2000);
  src->options.ca_file = s.value("ca_file", "");
  src->options.user_agent = fetch::user_agent(kName, kVersion);
  src->options.host = host;

  const std::string file_name = s.value("file_name", "");
  for (const auto& u : s.value("urls", json::array())) {
    if (!u.is_string()) throw Failure(ANALYTICA_ERR_INVALID, "setting urls: expected strings");
    Item it;
    it.url = u.get<std::string>();
    it.name = file_name.empty() ? base_name(it.url) : file_name;
    src->items.push_back(it);
  }
  const std::string tmpl = s.value("url_template", "");
  if (!tmpl.empty()) {
    const std::string from = s.value("from", "");
    if (from.empty()) throw Failure(ANALYTICA_ERR_INVALID, "setting from: required with url_template");
    const Period first = parse_period(from, "from");
    const std::string to_text = s.value("to", "");
    Period last = to_text.empty() ? src->today : parse_period(to_text, "to");
    if (!first.month) last.month = 0;
    if (!first.month != !last.month) throw Failure(ANALYTICA_ERR_INVALID, "settings from and to: mix YYYY and YYYY-MM");
    if (last.index() < first.index()) throw Failure(ANALYTICA_ERR_INVALID, "setting to: before from");
    for (Period p = first; p.index() <= last.index();) {
      Item it;
      it.url = fill(tmpl, p);
      it.name = fill(file_name.empty() ? base_name(tmpl) : file_name, p);
      it.has_period = true;
      it.period = p;
      src->items.push_back(it);
      if (p.month) {
        p.month = p.month % 12 + 1;
        if (p.month == 1) ++p.year;
      } else {
        ++p.year;
      }
    }
  }
  if (src->items.empty()) throw Failure(ANALYTICA_ERR_INVALID, "settings: give urls or url_template");
  std::set<std::string> names;
  for (const auto& it : src->items) {
    if (it.url.rfind("http://", 0) != 0 && it.url.rfind("https://", 0) != 0)
      throw Failure(ANALYTICA_ERR_INVALID, "\"" + it.url + "\" is not an http or https URL");
    if (!safe_name(it.name))
      throw Failure(ANALYTICA_ERR_INVALID, it.url + ": \"" + it.name + "\" is not a usable file name (set file_name)");
    if (!names.insert(it.name).second)
      throw Failure(ANALYTICA_ERR_INVALID, "two URLs would be saved as " + it.name +
                                               ": set file_name with placeholders, e.g. \"{yyyy}-{mm}_" + it.name +
                                               "\"");
  }
  std::error_code ec;
  fs::create_directories(src->dir, ec);
  if (ec) throw Failure(ANALYTICA_ERR_IO, src->dir.string() + ": " + ec.message());
  if (fs::exists(src->state_file)) {
    std::ifstream f(src->state_file);
    json j = json::parse(f, nullptr, false);
    if (j.is_object())
      src->state = std::move(j);
    else
      src->log(ANALYTICA_LOG_WARN, src->state_file.string() + ": unreadable, starting without validators");
  }
  return src;
}

// What became of one URL.
enum class Outcome { yield, failed, nothing };

Outcome fetch_one(Source& src, const Item& it, std::string& reason) {
  json& st = src.state[it.url];
  if (!st.is_object()) st = json::object();
  const fs::path target = src.dir / it.name;
  const bool have_copy = fs::exists(target);
  std::vector<std::string> headers;
  if (have_copy) {  // validators only count while the copy they describe is there
    if (!st.value("etag", "").empty()) headers.push_back("If-None-Match: " + st.value("etag", ""));
    if (!st.value("last_modified", "").empty()) headers.push_back("If-Modified-Since: " + st.value("last_modified", ""));
  }
  const fetch::Result r = fetch::get(it.url, headers, src.dir.string(), src.options);
  const std::string now = fetch::now_utc();
  st["last_checked"] = now;
  st["file"] = it.name;
  st["last_http_status"] = r.status;
  auto failed = [&](const std::string& why) {
    st["last_status"] = "failed";
    st["message"] = why;
    if (st.value("failing_since", "").empty()) st["failing_since"] = now;
    reason = why;
    return Outcome::failed;
  };
  auto succeeded = [&](const char* status, const std::string& message) {
    st["last_status"] = status;
    st["message"] = message;
    st["last_success"] = now;
    st.erase("failing_since");
  };
  if (r.status == 304) {
    succeeded("not_modified", "");
    src.log(ANALYTICA_LOG_INFO, it.url + ": not modified since " +
                                    (st.value("etag", "").empty() ? st.value("last_modified", "") : st.value("etag", "")));
    return Outcome::yield;
  }
  if (r.status == 404 || r.status == 410) {
    // Monthly: the newest `unpublished` months up to today, or later ones;
    // yearly: the same in years.
    const bool recent = it.has_period && (it.period.month ? it.period.index() > src.today.index() - src.unpublished
                                                          : it.period.year > src.today.year - src.unpublished);
    if (recent) {
      succeeded("not_published", "not yet published (HTTP " + std::to_string(r.status) + ")");
      src.log(ANALYTICA_LOG_INFO, it.url + ": not yet published (HTTP " + std::to_string(r.status) + ")");
      return Outcome::nothing;
    }
    return failed(r.error);
  }
  if (!r.error.empty()) return failed(r.error);
  if (r.temp_path.empty()) return failed("HTTP " + std::to_string(r.status) + " without a body");
  const std::string wrong = fetch::sniff(r.temp_path, src.expect);
  if (!wrong.empty()) {
    std::remove(r.temp_path.c_str());
    return failed(wrong);
  }
  fetch::commit_file(r.temp_path, target.string());
  st["etag"] = r.etag;
  st["last_modified"] = r.last_modified;
  st["bytes"] = r.bytes;
  if (r.effective_url != it.url) st["redirected_to"] = r.effective_url;
  else st.erase("redirected_to");
  succeeded("downloaded", "");
  src.log(ANALYTICA_LOG_INFO, it.url + ": downloaded " + std::to_string(r.bytes) + " bytes to " + target.string());
  return Outcome::yield;
}

analytica_status next(void* self, analytica_input* out) {
  return analytica::glue::guarded<Source>(self, [&](Source* src) {
    while (src->next < src->items.size()) {
      const Item& it = src->items[src->next++];
      std::string reason;
      Outcome o = fetch_one(*src, it, reason);
      src->save_state();
      if (o == Outcome::yield && !fs::exists(src->dir / it.name)) {  // 304 but the copy vanished meanwhile
        reason = "answered 304 but " + (src->dir / it.name).string() + " is gone";
        o = Outcome::failed;
      }
      if (o == Outcome::nothing) continue;
      const json& st = src->state[it.url];
      analytica_source::InputText text;
      text.uri = it.url;
      text.display_name = it.name;
      // The publisher's version of the copy yielded (or last seen, for a
      // failure): ETag, else Last-Modified.
      text.etag = st.value("etag", "").empty() ? st.value("last_modified", "") : st.value("etag", "");
      if (o == Outcome::yield) {
        text.path = (src->dir / it.name).string();
      } else if (analytica_source::has_input_member(out, offsetof(analytica_input, error))) {
        text.error = reason;  // the host records a failed input under the URL
      } else {
        // A host older than 1.2 cannot hear of an input that could not be
        // fetched: the reason goes out as an error event, and the input is
        // yielded without a file, so the host counts it failed and names it.
        src->event(ANALYTICA_EVENT_ERROR, it.url + ": " + reason);
        text.path = "(not downloaded: " + reason + ")";
      }
      src->input = std::move(text);
      analytica_source::fill_input(out, src->input);
      return ANALYTICA_OK;
    }
    return ANALYTICA_DONE;
  });
}

const analytica_source_v1 kSource = {sizeof(analytica_source_v1), next};

}  // namespace

ANALYTICA_PLUGIN(ANALYTICA_KIND_SOURCE, kName, kVersion,
                 "downloads URLs (a list or a template over months/years) with libcurl: conditional requests, retries, "
                 "size limit, type check, atomic files",
                 source_http::kSettings, analytica::glue::create<make_source>, analytica::glue::destroy<Source>,
                 {ANALYTICA_SOURCE_V1, &kSource})
