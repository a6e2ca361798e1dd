// The connection side of `analytica serve`: one thread that accepts and
// reads every connection without blocking, and a few workers that only
// compute answers. Slow or silent clients cost a file descriptor, never a
// worker: a request must arrive whole (head and body) within a deadline
// counted from its first byte, and a connection with no request under way
// is closed after a short idle limit, so trickling bytes cannot extend
// either. Beyond a cap on connections the oldest idle ones are closed.
// Requests a `reserved` predicate picks (/health) run on a worker of their
// own, so they are answered while every other worker is busy.
#ifndef ANALYTICA_HOST_SERVE_HTTP_LOOP_H
#define ANALYTICA_HOST_SERVE_HTTP_LOOP_H

#include <atomic>
#include <chrono>
#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace analytica {

// One request as it arrived: path and parameters percent-decoded, header
// names kept as sent (looked up case-insensitively).
struct HttpRequest {
  std::string method;  // "GET", "HEAD", "POST"...
  std::string target;  // as sent: path and query
  std::string path;
  std::multimap<std::string, std::string> params;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  // The value of the first header of that name (any case); "" if absent.
  std::string get_header_value(const std::string& name) const;
};

struct HttpResponse {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::string content_type;
  void set_header(const std::string& name, const std::string& value);
  void set_content(std::string content, const std::string& type);
  void set_content(const char* data, size_t size, const std::string& type);
};

struct HttpLoopOptions {
  int workers = 4;                                  // plus one for reserved requests
  std::chrono::milliseconds request_deadline{500};  // first byte -> whole request in
  std::chrono::milliseconds idle_limit{750};        // no request under way -> closed
  std::chrono::milliseconds write_deadline{10000};  // answer ready -> all of it sent
  size_t max_connections = 256;
  size_t max_target = 8192;     // bytes of the request line's target (414 beyond)
  size_t max_head = 16384;      // bytes of the request line and headers (431 beyond)
  size_t max_body = 64 * 1024;  // bytes of a body (413 beyond)
  // Headers every answer carries.
  std::vector<std::pair<std::string, std::string>> default_headers;
};

class HttpLoop {
 public:
  // handler: fills the response for one request; called on a worker
  // thread, concurrently with other calls; must not throw. reserved: which
  // requests go to the reserved worker (called on the loop thread; cheap).
  // error: fills the body of an error the loop answers itself (400, 408,
  // 413, 414, 431, 501), status already set; loop thread.
  using Handler = std::function<void(const HttpRequest&, HttpResponse&)>;
  using Reserved = std::function<bool(const HttpRequest&)>;
  using ErrorBody = std::function<void(HttpResponse&)>;
  HttpLoop(HttpLoopOptions options, Handler handler, Reserved reserved, ErrorBody error);
  ~HttpLoop();
  HttpLoop(const HttpLoop&) = delete;
  HttpLoop& operator=(const HttpLoop&) = delete;

  // Binds host:port (port 0 = any free port) and listens; returns the
  // bound port. Throws UserError if it cannot.
  int bind(const std::string& host, int port);

  // Serves on the calling thread until stop() or should_stop() returns true
  // (asked at least every 100 ms); then closes every connection and joins
  // the workers (each finishes the answer it is computing) before
  // returning.
  void run(const std::function<bool()>& should_stop);

  // Makes run() return soon. Any thread.
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace analytica

#endif  // ANALYTICA_HOST_SERVE_HTTP_LOOP_H
