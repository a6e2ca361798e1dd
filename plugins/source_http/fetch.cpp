// fetch.cpp — libcurl GET with retries into a temporary file (see fetch.h).
#include "fetch.h"
#include "utc_time.h"

#include <analytica_cpp.hpp>
#include <curl/curl.h>
#include <nlohmann/json.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <thread>

namespace fetch {
namespace fs = std::filesystem;
using analytica::Failure;

namespace {

void global_init() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

struct Transfer {
  FILE* out = nullptr;
  uint64_t bytes = 0, max_bytes = 0;
  bool too_large = false;
  std::string etag, last_modified;
  const analytica_host* host = nullptr;
  bool cancelled = false;
};

size_t on_body(char* data, size_t size, size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const size_t len = size * n;
  if (t->bytes + len > t->max_bytes) {
    t->too_large = true;
    return 0;  // aborts the transfer (CURLE_WRITE_ERROR)
  }
  if (std::fwrite(data, 1, len, t->out) != len) return 0;
  t->bytes += len;
  return len;
}

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\r' || s.back() == '\n' || s.back() == ' ' || s.back() == '\t')) s.pop_back();
  size_t i = 0;
  while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
  return s.substr(i);
}

// Keeps the validators of the final response (a redirect's headers come first).
size_t on_header(char* data, size_t size, size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const std::string line(data, size * n);
  if (line.rfind("HTTP/", 0) == 0) {
    t->etag.clear();
    t->last_modified.clear();
  }
  const size_t colon = line.find(':');
  if (colon != std::string::npos) {
    std::string name = line.substr(0, colon);
    for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (name == "etag") t->etag = trim(line.substr(colon + 1));
    if (name == "last-modified") t->last_modified = trim(line.substr(colon + 1));
  }
  return size * n;
}

int on_progress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  auto* t = static_cast<Transfer*>(user);
  if (t->host && t->host->is_cancelled && t->host->is_cancelled(t->host->ctx)) {
    t->cancelled = true;
    return 1;
  }
  return 0;
}

bool cancelled(const analytica_host* host) { return host && host->is_cancelled && host->is_cancelled(host->ctx); }

void log(const analytica_host* host, analytica_log_level level, const std::string& message) {
  if (host && host->log) host->log(host->ctx, level, message.c_str());
}

// One attempt. Fills r; returns true when another attempt may help.
bool attempt(const std::string& url, const std::vector<std::string>& headers, const std::string& dir,
             const Options& o, Result& r) {
  r = Result{r.status, "", false, r.attempts, 0, "", "", "", "", ""};
  char temp[4096];
  std::snprintf(temp, sizeof temp, "%s/.download-XXXXXX", dir.c_str());
  const int fd = mkstemp(temp);
  if (fd < 0) throw Failure(ANALYTICA_ERR_IO, std::string("cannot create a temporary file in ") + dir + ": " + std::strerror(errno));
  Transfer t;
  t.out = fdopen(fd, "wb");
  t.max_bytes = o.max_bytes;
  t.host = o.host;
  CURL* curl = curl_easy_init();
  if (!curl || !t.out) {
    if (t.out) std::fclose(t.out); else close(fd);
    if (curl) curl_easy_cleanup(curl);
    std::remove(temp);
    throw Failure(ANALYTICA_ERR_INTERNAL, "libcurl could not be initialised");
  }
  curl_slist* list = nullptr;
  for (const auto& h : headers) list = curl_slist_append(list, h.c_str());
  char errbuf[CURL_ERROR_SIZE] = {0};
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, errbuf);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 1L);
  curl_easy_setopt(curl, CURLOPT_MAXREDIRS, 5L);
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(curl, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 2L);
  if (!o.ca_file.empty()) curl_easy_setopt(curl, CURLOPT_CAINFO, o.ca_file.c_str());
  curl_easy_setopt(curl, CURLOPT_USERAGENT, o.user_agent.c_str());
  curl_easy_setopt(curl, CURLOPT_ACCEPT_ENCODING, "");
  curl_easy_setopt(curl, CURLOPT_TIMEOUT, o.timeout_seconds);
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, o.connect_timeout_seconds);
  curl_easy_setopt(curl, CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(o.max_bytes));
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, list);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &t);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &t);
  curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, on_progress);
  curl_easy_setopt(curl, CURLOPT_XFERINFODATA, &t);
  const CURLcode rc = curl_easy_perform(curl);
  long status = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  char* effective = nullptr;
  curl_easy_getinfo(curl, CURLINFO_EFFECTIVE_URL, &effective);
  char* ctype = nullptr;
  curl_easy_getinfo(curl, CURLINFO_CONTENT_TYPE, &ctype);
  r.status = status;
  r.effective_url = effective ? effective : url;
  r.content_type = ctype ? ctype : "";
  r.etag = t.etag;
  r.last_modified = t.last_modified;
  r.bytes = t.bytes;
  curl_slist_free_all(list);
  curl_easy_cleanup(curl);
  const bool flushed = std::fflush(t.out) == 0 && fsync(fileno(t.out)) == 0;
  std::fclose(t.out);
  if (t.cancelled) {
    std::remove(temp);
    throw Failure(ANALYTICA_ERR_CANCELLED, "cancelled while fetching " + url);
  }
  if (rc != CURLE_OK) {
    std::remove(temp);
    if (t.too_large || rc == CURLE_FILESIZE_EXCEEDED) {
      r.error = "larger than the limit of " + std::to_string(o.max_bytes) + " bytes";
      return false;
    }
    r.error = std::string(curl_easy_strerror(rc)) + (errbuf[0] ? std::string(": ") + errbuf : "");
    r.status = 0;
    // Timeouts, refused or reset connections and cut-off bodies may pass.
    r.transient = rc == CURLE_OPERATION_TIMEDOUT || rc == CURLE_COULDNT_CONNECT || rc == CURLE_PARTIAL_FILE ||
                  rc == CURLE_RECV_ERROR || rc == CURLE_SEND_ERROR || rc == CURLE_GOT_NOTHING ||
                  rc == CURLE_COULDNT_RESOLVE_HOST || rc == CURLE_HTTP2 || rc == CURLE_HTTP2_STREAM;
    return r.transient;
  }
  if (!flushed) {
    std::remove(temp);
    throw Failure(ANALYTICA_ERR_IO, std::string("cannot write ") + temp + ": " + std::strerror(errno));
  }
  if (status >= 200 && status < 300) {
    r.temp_path = temp;
    return false;
  }
  std::remove(temp);
  if (status == 304) return false;
  r.error = "HTTP " + std::to_string(status);
  r.transient = status >= 500 || status == 429 || status == 408;
  return r.transient;
}

}  // namespace

Result get(const std::string& url, const std::vector<std::string>& headers, const std::string& dir,
           const Options& o) {
  global_init();
  fs::create_directories(dir);
  Result r;
  long delay = o.retry_delay_ms;
  for (int i = 0;; ++i) {
    ++r.attempts;
    const bool again = attempt(url, headers, dir, o, r);
    if (!again || i >= o.retries) break;
    log(o.host, ANALYTICA_LOG_WARN,
        url + ": " + r.error + "; retrying in " + std::to_string(delay) + " ms (attempt " + std::to_string(i + 2) +
            " of " + std::to_string(o.retries + 1) + ")");
    for (long waited = 0; waited < delay; waited += 50) {
      if (cancelled(o.host)) throw Failure(ANALYTICA_ERR_CANCELLED, "cancelled while waiting to retry " + url);
      std::this_thread::sleep_for(std::chrono::milliseconds(std::min<long>(50, delay - waited)));
    }
    delay *= 2;
  }
  if (!r.error.empty() && r.attempts > 1) r.error += " after " + std::to_string(r.attempts) + " attempts";
  return r;
}

std::string sniff(const std::string& path, const std::string& expect) {
  if (expect.empty() || expect == "any") return "";
  std::ifstream f(path, std::ios::binary);
  char head[8] = {0};
  f.read(head, sizeof head);
  const std::streamsize n = f.gcount();
  auto describe = [&] {
    std::string shown;
    for (std::streamsize i = 0; i < n && i < 5; ++i)
      shown += std::isprint(static_cast<unsigned char>(head[i])) ? head[i] : '.';
    return n == 0 ? std::string("an empty body") : "a body starting \"" + shown + "\"";
  };
  if (expect == "pdf") return n >= 5 && std::memcmp(head, "%PDF-", 5) == 0 ? "" : "expected a PDF, got " + describe();
  if (expect == "zip") return n >= 4 && std::memcmp(head, "PK\x03\x04", 4) == 0 ? "" : "expected a ZIP, got " + describe();
  if (expect == "json") {
    std::ifstream all(path, std::ios::binary);
    if (nlohmann::json::accept(all)) return "";
    return "expected JSON, got " + describe() + " that does not parse as JSON";
  }
  return "unknown expected type \"" + expect + "\"";
}

void commit_file(const std::string& temp_path, const std::string& target) {
  std::error_code ec;
  fs::create_directories(fs::path(target).parent_path(), ec);
  if (std::rename(temp_path.c_str(), target.c_str()) != 0) {
    const std::string why = std::strerror(errno);
    std::remove(temp_path.c_str());
    throw Failure(ANALYTICA_ERR_IO, "cannot move the download into " + target + ": " + why);
  }
  // The rename itself reaches the disk with the directory.
  const int dfd = open(fs::path(target).parent_path().c_str(), O_RDONLY | O_DIRECTORY);
  if (dfd >= 0) {
    fsync(dfd);
    close(dfd);
  }
}

void write_atomic(const std::string& path, const std::string& text) {
  const fs::path p(path);
  std::error_code ec;
  fs::create_directories(p.parent_path(), ec);
  std::string tmpl = (p.parent_path() / ("." + p.filename().string() + ".XXXXXX")).string();
  const int fd = mkstemp(tmpl.data());
  if (fd < 0) throw Failure(ANALYTICA_ERR_IO, "cannot write " + path + ": " + std::strerror(errno));
  size_t done = 0;
  while (done < text.size()) {
    const ssize_t w = ::write(fd, text.data() + done, text.size() - done);
    if (w <= 0) {
      close(fd);
      std::remove(tmpl.c_str());
      throw Failure(ANALYTICA_ERR_IO, "cannot write " + path + ": " + std::strerror(errno));
    }
    done += static_cast<size_t>(w);
  }
  fsync(fd);
  close(fd);
  commit_file(tmpl, path);
}

std::string user_agent(const std::string& plugin, const std::string& version) {
  const curl_version_info_data* v = curl_version_info(CURLVERSION_NOW);
  return "CalgaryAnalytica/" + version + " (" + plugin + "; libcurl/" + (v && v->version ? v->version : "?") + ")";
}

std::string now_utc() { return analytica::utc::format(std::time(nullptr), "%Y-%m-%dT%H:%M:%SZ"); }

}  // namespace fetch
