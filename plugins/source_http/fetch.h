// fetch.h — one HTTP GET with libcurl as the fetching sources need it: TLS
// verified, proxy variables honoured (libcurl reads http_proxy, https_proxy
// and no_proxy itself), redirects followed within http/https, a size limit,
// retries with exponential backoff on 5xx, 429, timeouts and broken
// transfers, and the body written to a temporary file the caller renames
// into place only when it is complete and of the expected type.
// Compiled into source_http and source_socrata; never crosses the ABI.
#ifndef ANALYTICA_PLUGINS_SOURCE_HTTP_FETCH_H
#define ANALYTICA_PLUGINS_SOURCE_HTTP_FETCH_H

#include <analytica.h>

#include <cstdint>
#include <string>
#include <vector>

namespace fetch {

struct Options {
  long timeout_seconds = 60;          // whole transfer
  long connect_timeout_seconds = 15;
  uint64_t max_bytes = 200ull << 20;  // body size limit
  int retries = 3;                    // further attempts after the first
  long retry_delay_ms = 1000;         // doubled after each attempt
  std::string user_agent;
  std::string ca_file;                // "" = the system's CA store
  const analytica_host* host = nullptr;  // for cancellation and logging
};

struct Result {
  long status = 0;            // HTTP status of the final response; 0 if none arrived
  std::string error;          // why it failed (transport or HTTP), "" on 2xx/304
  bool transient = false;     // the failure is of the kind retries were for
  int attempts = 0;
  uint64_t bytes = 0;
  std::string etag, last_modified, content_type, effective_url;
  std::string temp_path;      // the body (2xx only); the caller renames or removes it
};

// GETs url with extra request headers ("Name: value"), writing the body to a
// temporary file in dir (created if missing). Never throws for network or
// HTTP errors: they come back in Result. Throws analytica::Failure with
// ANALYTICA_ERR_CANCELLED when the user stops the run.
Result get(const std::string& url, const std::vector<std::string>& headers, const std::string& dir,
           const Options& options);

// Checks the first bytes of a file against an expected type: "pdf" (%PDF-),
// "zip" (PK\3\4, also xlsx), "json" (parses as JSON), "any". Returns "" when
// it matches, else what was found instead.
std::string sniff(const std::string& path, const std::string& expect);

// Flushes the file to disk and renames it over target (atomic on one file
// system). Throws analytica::Failure(ANALYTICA_ERR_IO) naming the file.
void commit_file(const std::string& temp_path, const std::string& target);

// Writes text to path through a temporary file and a rename.
void write_atomic(const std::string& path, const std::string& text);

// The product's user agent: "CalgaryAnalytica/<version> (<plugin>; libcurl/<v>)".
std::string user_agent(const std::string& plugin, const std::string& version);

// UTC now as ISO 8601 ("2026-03-01T12:00:00Z").
std::string now_utc();

}  // namespace fetch

#endif  // ANALYTICA_PLUGINS_SOURCE_HTTP_FETCH_H
