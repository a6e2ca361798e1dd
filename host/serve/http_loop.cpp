#include "serve/http_loop.h"

#include "run/util.h"

#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <mutex>
#include <thread>

namespace analytica {

namespace {

using Clock = std::chrono::steady_clock;

constexpr std::chrono::milliseconds kPollAtMost{100};  // should_stop() is asked this often
constexpr std::chrono::milliseconds kDrainLimit{500};  // reading what a closed request still sends
constexpr size_t kReadChunk = 16384;

bool same_name(const std::string& a, const std::string& b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

const char* status_text(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 204:
      return "No Content";
    case 304:
      return "Not Modified";
    case 400:
      return "Bad Request";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 408:
      return "Request Timeout";
    case 409:
      return "Conflict";
    case 413:
      return "Payload Too Large";
    case 414:
      return "URI Too Long";
    case 415:
      return "Unsupported Media Type";
    case 416:
      return "Range Not Satisfiable";
    case 422:
      return "Unprocessable Entity";
    case 431:
      return "Request Header Fields Too Large";
    case 500:
      return "Internal Server Error";
    case 501:
      return "Not Implemented";
    case 503:
      return "Service Unavailable";
    default:
      return status < 400 ? "OK" : status < 500 ? "Client Error" : "Server Error";
  }
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// %XX decoded (a malformed escape is kept as sent); '+' is a space in a query.
std::string percent_decode(const std::string& s, bool plus_is_space) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && hex_digit(s[i + 1]) >= 0 && hex_digit(s[i + 2]) >= 0) {
      out += static_cast<char>(hex_digit(s[i + 1]) * 16 + hex_digit(s[i + 2]));
      i += 2;
    } else {
      out += plus_is_space && s[i] == '+' ? ' ' : s[i];
    }
  }
  return out;
}

std::string trimmed(const std::string& s) {
  const size_t b = s.find_first_not_of(" \t");
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(" \t") - b + 1);
}

// A request head (request line and headers, without the blank line), or
// the status of what is wrong with it.
struct Head {
  HttpRequest request;
  size_t content_length = 0;
  bool keep_alive = true;
  int error = 0;
};

Head parse_head(const std::string& text, const HttpLoopOptions& o) {
  Head h;
  const size_t line_end = std::min(text.find("\r\n"), text.size());
  const std::string line = text.substr(0, line_end);
  const size_t sp1 = line.find(' ');
  const size_t sp2 = sp1 == std::string::npos ? std::string::npos : line.find(' ', sp1 + 1);
  if (sp2 == std::string::npos || line.find(' ', sp2 + 1) != std::string::npos) {
    h.error = 400;
    return h;
  }
  HttpRequest& r = h.request;
  r.method = line.substr(0, sp1);
  r.target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  const std::string version = line.substr(sp2 + 1);
  const bool method_ok = !r.method.empty() && r.method.size() <= 16 &&
                         std::all_of(r.method.begin(), r.method.end(), [](char c) { return c >= 'A' && c <= 'Z'; });
  if (!method_ok || (version != "HTTP/1.1" && version != "HTTP/1.0") || r.target.empty() || r.target[0] != '/') {
    h.error = 400;
    return h;
  }
  if (r.target.size() > o.max_target) {
    h.error = 414;
    return h;
  }
  bool has_length = false;
  std::string connection;
  for (size_t at = line_end + 2; at < text.size();) {
    const size_t end = std::min(text.find("\r\n", at), text.size());
    const std::string field = text.substr(at, end - at);
    at = end + 2;
    const size_t colon = field.find(':');
    if (colon == 0 || colon == std::string::npos || field[0] == ' ' || field[0] == '\t' ||
        field.find_first_of(" \t") < colon) {
      h.error = 400;
      return h;
    }
    const std::string name = field.substr(0, colon), value = trimmed(field.substr(colon + 1));
    if (same_name(name, "Content-Length")) {
      if (value.empty() || value.size() > 18 || value.find_first_not_of("0123456789") != std::string::npos ||
          (has_length && std::stoull(value) != h.content_length)) {
        h.error = 400;
        return h;
      }
      has_length = true;
      h.content_length = std::stoull(value);
      if (h.content_length > o.max_body) {
        h.error = 413;
        return h;
      }
    } else if (same_name(name, "Transfer-Encoding")) {
      h.error = 501;  // only Content-Length bodies
      return h;
    } else if (same_name(name, "Connection")) {
      connection += "," + value;
    }
    r.headers.emplace_back(name, value);
  }
  std::string lower_connection = connection;
  std::transform(lower_connection.begin(), lower_connection.end(), lower_connection.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  h.keep_alive = version == "HTTP/1.1" ? lower_connection.find("close") == std::string::npos
                                       : lower_connection.find("keep-alive") != std::string::npos;
  const size_t question = r.target.find('?');
  r.path = percent_decode(r.target.substr(0, question), false);
  if (question != std::string::npos) {
    const std::string query = r.target.substr(question + 1);
    for (size_t at = 0; at <= query.size();) {
      const size_t end = std::min(query.find('&', at), query.size());
      const std::string part = query.substr(at, end - at);
      at = end + 1;
      if (part.empty()) continue;
      const size_t eq = part.find('=');
      r.params.emplace(percent_decode(part.substr(0, eq), true),
                       eq == std::string::npos ? std::string() : percent_decode(part.substr(eq + 1), true));
    }
  }
  return h;
}

std::string serialize(const HttpResponse& res, const HttpLoopOptions& o, bool keep_alive, bool head_only) {
  std::string out = "HTTP/1.1 " + std::to_string(res.status) + " " + status_text(res.status) + "\r\n";
  for (const auto& [name, value] : o.default_headers) {
    const bool overridden =
        std::any_of(res.headers.begin(), res.headers.end(), [&](const auto& h) { return same_name(h.first, name); });
    if (!overridden) out += name + ": " + value + "\r\n";
  }
  for (const auto& [name, value] : res.headers) out += name + ": " + value + "\r\n";
  if (!res.content_type.empty()) out += "Content-Type: " + res.content_type + "\r\n";
  out += "Content-Length: " + std::to_string(res.body.size()) + "\r\n";
  out += keep_alive ? "Connection: keep-alive\r\n\r\n" : "Connection: close\r\n\r\n";
  if (!head_only) out += res.body;
  return out;
}

}  // namespace

std::string HttpRequest::get_header_value(const std::string& name) const {
  for (const auto& [n, v] : headers)
    if (same_name(n, name)) return v;
  return "";
}

void HttpResponse::set_header(const std::string& name, const std::string& value) {
  // A header value never carries a line break (no response splitting).
  if (value.find_first_of("\r\n") != std::string::npos) return;
  headers.emplace_back(name, value);
}

void HttpResponse::set_content(std::string content, const std::string& type) {
  body = std::move(content);
  content_type = type;
}

void HttpResponse::set_content(const char* data, size_t size, const std::string& type) {
  body.assign(data, size);
  content_type = type;
}

struct HttpLoop::Impl {
  HttpLoopOptions options;
  Handler handler;
  Reserved reserved;
  ErrorBody error_body;
  int listen_fd = -1;
  int wake_read = -1, wake_write = -1;
  std::atomic<bool> stopping{false};

  // One connection, owned by the loop thread.
  struct Conn {
    int fd = -1;
    enum class State { reading, busy, writing, draining } state = State::reading;
    std::string in;   // received, not yet taken as a request
    std::string out;  // the answer being sent
    size_t out_at = 0;
    bool close_after = false;
    bool started = false;          // a byte of the next request has arrived
    Clock::time_point ready_at;    // when it became ready for a request
    Clock::time_point started_at;  // that byte's arrival
    Clock::time_point deadline;    // writing: all sent by; draining: closed by
  };
  std::map<uint64_t, Conn> conns;  // by id: the oldest first
  uint64_t next_id = 1;

  // Work for the workers, and their answers for the loop.
  struct Job {
    uint64_t conn;
    HttpRequest request;
    bool keep_alive;
  };
  struct Lane {
    std::mutex mutex;
    std::condition_variable ready;
    std::deque<Job> jobs;
    std::vector<std::thread> threads;
  };
  Lane general, reserved_lane;
  bool lanes_closed = false;  // under each lane's mutex
  std::mutex done_mutex;
  std::vector<std::pair<uint64_t, std::pair<std::string, bool>>> done;  // conn, (bytes, keep_alive)

  Impl(HttpLoopOptions o, Handler h, Reserved r, ErrorBody e)
      : options(std::move(o)), handler(std::move(h)), reserved(std::move(r)), error_body(std::move(e)) {
    int fds[2];
    if (pipe2(fds, O_NONBLOCK | O_CLOEXEC) != 0) throw std::runtime_error(std::string("pipe: ") + std::strerror(errno));
    wake_read = fds[0];
    wake_write = fds[1];
  }
  ~Impl() {
    if (listen_fd >= 0) close(listen_fd);
    close(wake_read);
    close(wake_write);
  }

  void wake() {
    const char c = 1;
    [[maybe_unused]] const ssize_t n = write(wake_write, &c, 1);  // a full pipe already wakes the loop
  }

  void work(Lane& lane) {
    for (;;) {
      Job job;
      {
        std::unique_lock<std::mutex> lock(lane.mutex);
        lane.ready.wait(lock, [&] { return lanes_closed || !lane.jobs.empty(); });
        if (lanes_closed) return;
        job = std::move(lane.jobs.front());
        lane.jobs.pop_front();
      }
      HttpResponse res;
      handler(job.request, res);
      std::string bytes = serialize(res, options, job.keep_alive, job.request.method == "HEAD");
      {
        std::lock_guard<std::mutex> lock(done_mutex);
        done.push_back({job.conn, {std::move(bytes), job.keep_alive}});
      }
      wake();
    }
  }

  void close_conn(std::map<uint64_t, Conn>::iterator it) {
    close(it->second.fd);
    conns.erase(it);
  }

  // Starts sending bytes on c; closes after them unless keep_alive.
  void send_answer(Conn& c, std::string bytes, bool keep_alive) {
    c.out = std::move(bytes);
    c.out_at = 0;
    c.close_after = !keep_alive;
    c.state = Conn::State::writing;
    c.deadline = Clock::now() + options.write_deadline;
  }

  void send_error(Conn& c, int status) {
    HttpResponse res;
    res.status = status;
    if (error_body) error_body(res);
    send_answer(c, serialize(res, options, false, false), false);
  }

  // Takes a whole request off c.in if there is one and hands it to a
  // worker; answers a malformed or oversized one itself.
  void take_request(uint64_t id, Conn& c) {
    if (c.in.empty()) return;
    if (!c.started) {
      c.started = true;
      c.started_at = Clock::now();
    }
    const size_t head_end = c.in.find("\r\n\r\n");
    if (head_end == std::string::npos || head_end > options.max_head) {
      const size_t line_end = c.in.find("\r\n");
      if (std::min(line_end, c.in.size()) > options.max_target + 32) return send_error(c, 414);
      if (c.in.size() > options.max_head + 4) return send_error(c, 431);
      return;
    }
    Head head = parse_head(c.in.substr(0, head_end), options);
    if (head.error) return send_error(c, head.error);
    const size_t whole = head_end + 4 + head.content_length;
    if (c.in.size() < whole) return;  // the body is still coming
    head.request.body = c.in.substr(head_end + 4, head.content_length);
    c.in.erase(0, whole);
    c.state = Conn::State::busy;
    const bool to_reserved = reserved && reserved(head.request);
    Lane& lane = to_reserved ? reserved_lane : general;
    {
      std::lock_guard<std::mutex> lock(lane.mutex);
      lane.jobs.push_back({id, std::move(head.request), head.keep_alive});
    }
    lane.ready.notify_one();
  }

  // Sends what the socket takes now; on the end, closes, drains, or waits
  // for the next request.
  void write_some(std::map<uint64_t, Conn>::iterator it) {
    Conn& c = it->second;
    while (c.out_at < c.out.size()) {
      const ssize_t n = send(c.fd, c.out.data() + c.out_at, c.out.size() - c.out_at, MSG_NOSIGNAL);
      if (n > 0) {
        c.out_at += static_cast<size_t>(n);
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
      return close_conn(it);
    }
    c.out.clear();
    c.out.shrink_to_fit();
    if (c.close_after) {
      // Read what the client still sends before closing, so the close does
      // not reset the connection under the answer.
      shutdown(c.fd, SHUT_WR);
      c.state = Conn::State::draining;
      c.deadline = Clock::now() + kDrainLimit;
      return;
    }
    c.state = Conn::State::reading;
    c.started = false;
    c.ready_at = Clock::now();
    take_request(it->first, c);  // a request sent before this answer went out
  }

  // Reads what arrived; false if the connection was closed.
  bool read_some(std::map<uint64_t, Conn>::iterator it) {
    Conn& c = it->second;
    const size_t cap = options.max_head + options.max_body + 4;
    char buf[kReadChunk];
    for (;;) {
      if (c.state == Conn::State::reading && c.in.size() >= cap) return true;
      const ssize_t n = recv(c.fd, buf, sizeof buf, 0);
      if (n > 0) {
        if (c.state == Conn::State::reading) c.in.append(buf, static_cast<size_t>(n));
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return true;
      close_conn(it);
      return false;
    }
  }

  void accept_all() {
    for (;;) {
      const int fd = accept4(listen_fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (fd < 0) {
        if (errno == EINTR || errno == ECONNABORTED) continue;
        return;  // EAGAIN, or out of descriptors: the backlog waits
      }
      if (conns.size() >= options.max_connections) {
        // Make room by closing the connection waiting longest for a
        // request (silent or trickling); refuse the new one if all are busy.
        auto oldest = conns.end();
        for (auto it = conns.begin(); it != conns.end(); ++it)
          if (it->second.state == Conn::State::reading &&
              (oldest == conns.end() || it->second.ready_at < oldest->second.ready_at))
            oldest = it;
        if (oldest == conns.end()) {
          close(fd);
          continue;
        }
        close_conn(oldest);
      }
      const int one = 1;
      setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      Conn c;
      c.fd = fd;
      c.ready_at = Clock::now();
      conns.emplace(next_id++, std::move(c));
    }
  }

  void take_answers() {
    char buf[256];
    while (read(wake_read, buf, sizeof buf) > 0) {
    }
    std::vector<std::pair<uint64_t, std::pair<std::string, bool>>> answers;
    {
      std::lock_guard<std::mutex> lock(done_mutex);
      answers.swap(done);
    }
    for (auto& [id, answer] : answers) {
      auto it = conns.find(id);
      if (it == conns.end()) continue;
      send_answer(it->second, std::move(answer.first), answer.second);
      write_some(it);
    }
  }

  // Closes what ran out of time; returns the next deadline.
  Clock::time_point enforce_deadlines(Clock::time_point now) {
    Clock::time_point next = now + kPollAtMost;
    for (auto it = conns.begin(); it != conns.end();) {
      auto cur = it++;
      Conn& c = cur->second;
      Clock::time_point due = Clock::time_point::max();
      switch (c.state) {
        case Conn::State::reading:
          due = c.started ? c.started_at + options.request_deadline : c.ready_at + options.idle_limit;
          break;
        case Conn::State::writing:
        case Conn::State::draining:
          due = c.deadline;
          break;
        case Conn::State::busy:
          break;
      }
      if (due > now) {
        next = std::min(next, due);
        continue;
      }
      if (c.state == Conn::State::reading && c.started) {
        send_error(c, 408);
        write_some(cur);
      } else {
        close_conn(cur);
      }
    }
    return next;
  }

  void run(const std::function<bool()>& should_stop) {
    for (int i = 0; i < std::max(1, options.workers); ++i) general.threads.emplace_back([this] { work(general); });
    reserved_lane.threads.emplace_back([this] { work(reserved_lane); });
    std::vector<pollfd> fds;
    std::vector<uint64_t> ids;
    while (!stopping && !should_stop()) {
      const Clock::time_point next = enforce_deadlines(Clock::now());
      fds.clear();
      ids.clear();
      fds.push_back({wake_read, POLLIN, 0});
      fds.push_back({listen_fd, POLLIN, 0});
      for (const auto& [id, c] : conns) {
        short events = 0;
        if (c.state == Conn::State::reading || c.state == Conn::State::draining) events = POLLIN;
        if (c.state == Conn::State::writing) events = POLLOUT;
        if (!events) continue;
        fds.push_back({c.fd, events, 0});
        ids.push_back(id);
      }
      const auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(next - Clock::now()).count() + 1;
      if (poll(fds.data(), fds.size(), static_cast<int>(std::clamp<long long>(wait, 0, kPollAtMost.count()))) < 0 &&
          errno != EINTR)
        throw std::runtime_error(std::string("poll: ") + std::strerror(errno));
      if (fds[0].revents) take_answers();
      if (fds[1].revents) accept_all();
      for (size_t i = 2; i < fds.size(); ++i) {
        if (!fds[i].revents) continue;
        auto it = conns.find(ids[i - 2]);
        if (it == conns.end()) continue;  // closed to make room
        Conn& c = it->second;
        if (c.state == Conn::State::writing) {
          write_some(it);
          continue;
        }
        const bool draining = c.state == Conn::State::draining;
        if (!read_some(it)) continue;  // closed
        if (draining) {
          if (fds[i].revents & (POLLHUP | POLLERR)) close_conn(it);
          continue;
        }
        take_request(it->first, c);
        if (c.state == Conn::State::writing) write_some(it);
      }
    }
    shut_down();
  }

  // Closes every connection, lets the workers finish what they compute,
  // and joins them.
  void shut_down() {
    for (auto& [id, c] : conns) close(c.fd);
    conns.clear();
    for (Lane* lane : {&general, &reserved_lane}) {
      std::lock_guard<std::mutex> lock(lane->mutex);
      lanes_closed = true;
    }
    for (Lane* lane : {&general, &reserved_lane}) {
      lane->ready.notify_all();
      for (auto& t : lane->threads) t.join();
      lane->threads.clear();
      lane->jobs.clear();
    }
    std::lock_guard<std::mutex> lock(done_mutex);
    done.clear();
  }
};

HttpLoop::HttpLoop(HttpLoopOptions options, Handler handler, Reserved reserved, ErrorBody error)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(handler), std::move(reserved), std::move(error))) {}

HttpLoop::~HttpLoop() = default;

int HttpLoop::bind(const std::string& host, int port) {
  const std::string where = host + (port ? ":" + std::to_string(port) : "");
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* found = nullptr;
  if (getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &found) != 0 || !found)
    throw UserError("cannot listen on " + where + ": not an address of this machine");
  int fd = -1;
  for (addrinfo* a = found; a && fd < 0; a = a->ai_next) {
    fd = socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0) continue;
    const int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (::bind(fd, a->ai_addr, a->ai_addrlen) != 0 || listen(fd, 128) != 0) {
      close(fd);
      fd = -1;
    }
  }
  freeaddrinfo(found);
  if (fd < 0)
    throw UserError(port ? "cannot listen on " + where + " (address in use, or not a local address?)"
                         : "cannot listen on " + host + ": no free port, or not a local address");
  sockaddr_storage bound{};
  socklen_t len = sizeof bound;
  getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &len);
  const int bound_port = bound.ss_family == AF_INET6 ? ntohs(reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port)
                                                     : ntohs(reinterpret_cast<sockaddr_in*>(&bound)->sin_port);
  if (impl_->listen_fd >= 0) close(impl_->listen_fd);
  impl_->listen_fd = fd;
  return bound_port;
}

void HttpLoop::run(const std::function<bool()>& should_stop) {
  if (impl_->listen_fd < 0) throw std::logic_error("HttpLoop::run before bind");
  impl_->stopping = false;
  impl_->lanes_closed = false;
  impl_->run(should_stop);
}

void HttpLoop::stop() {
  impl_->stopping = true;
  impl_->wake();
}

}  // namespace analytica
