// dashboard_load — a load generator for `analytica serve` (issue 17, the
// dashboard): N GET requests spread over C concurrent clients, the paths
// taken in turn, each answer read whole; prints p50/p99 latency per path
// and the throughput. Stops by itself: every socket has a timeout and the
// whole run a deadline. bench/dashboard_load.sh starts serve on a 16-report
// store and runs this against it.
//
//   dashboard_load --port P [--host 127.0.0.1] [--requests 2000] [--concurrency 20]
//                  [--path /api/market --path /health] [--keep-alive] [--target-ms 50]
//                  [--deadline-seconds 300]
//
// Exit status: 0 when every path's p99 is under --target-ms and no request
// failed, 1 otherwise, 2 on bad arguments.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

struct Args {
  std::string host = "127.0.0.1";
  int port = 0;
  int requests = 2000;
  int concurrency = 20;
  std::vector<std::string> paths;
  bool keep_alive = false;
  double target_ms = 50;
  int deadline_seconds = 300;
};

[[noreturn]] void usage(const std::string& why) {
  std::fprintf(stderr, "dashboard_load: %s\n", why.c_str());
  std::fprintf(stderr,
               "usage: dashboard_load --port P [--host 127.0.0.1] [--requests N] [--concurrency C] "
               "[--path P]... [--keep-alive] [--target-ms MS] [--deadline-seconds S]\n");
  std::exit(2);
}

int whole_number(const std::string& flag, const char* text, int lo, int hi) {
  char* end = nullptr;
  const long v = std::strtol(text, &end, 10);
  if (!*text || *end || v < lo || v > hi)
    usage(flag + ": \"" + text + "\" is not a whole number in " + std::to_string(lo) + ".." + std::to_string(hi));
  return static_cast<int>(v);
}

Args parse(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    if (flag == "--keep-alive") {
      a.keep_alive = true;
      continue;
    }
    if (i + 1 >= argc) usage(flag + ": a value is missing");
    const char* v = argv[++i];
    if (flag == "--host")
      a.host = v;
    else if (flag == "--port")
      a.port = whole_number(flag, v, 1, 65535);
    else if (flag == "--requests")
      a.requests = whole_number(flag, v, 1, 10000000);
    else if (flag == "--concurrency")
      a.concurrency = whole_number(flag, v, 1, 1000);
    else if (flag == "--path")
      a.paths.push_back(v);
    else if (flag == "--target-ms")
      a.target_ms = whole_number(flag, v, 1, 1000000);
    else if (flag == "--deadline-seconds")
      a.deadline_seconds = whole_number(flag, v, 1, 86400);
    else
      usage("unknown option " + flag);
  }
  if (a.port == 0) usage("--port is required");
  if (a.paths.empty()) a.paths = {"/api/market", "/health"};
  return a;
}

// One client's connection; reconnects when the server closes it.
class Client {
 public:
  Client(const Args& a) : args_(a) {}
  ~Client() { drop(); }
  // Sends one GET and reads the whole answer; its status, or -1.
  int get(const std::string& path) {
    if (fd_ < 0 && !open()) return -1;
    const std::string request = "GET " + path + " HTTP/1.1\r\nHost: " + args_.host + "\r\n" +
                                (args_.keep_alive ? "" : "Connection: close\r\n") + "\r\n";
    if (send(fd_, request.data(), request.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(request.size())) {
      drop();
      // A kept-alive connection the server closed meanwhile: once more, fresh.
      if (!open() || send(fd_, request.data(), request.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(request.size()))
        return fail();
    }
    std::string data;
    size_t head_end = std::string::npos, need = 0;
    char buf[65536];
    for (;;) {
      const ssize_t n = recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) return fail();
      data.append(buf, static_cast<size_t>(n));
      if (head_end == std::string::npos && (head_end = data.find("\r\n\r\n")) != std::string::npos) {
        std::string lower = data.substr(0, head_end);
        std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
        const size_t at = lower.find("\r\ncontent-length:");
        if (at == std::string::npos) return fail();
        need = head_end + 4 + std::strtoull(lower.c_str() + at + 17, nullptr, 10);
      }
      if (head_end != std::string::npos && data.size() >= need) break;
    }
    const int status = data.rfind("HTTP/1.", 0) == 0 ? std::atoi(data.c_str() + 9) : -1;
    if (!args_.keep_alive || data.substr(0, head_end).find("Connection: close") != std::string::npos) drop();
    return status;
  }

 private:
  bool open() {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    if (fd_ < 0) return false;
    timeval tv{30, 0};
    setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    const int one = 1;
    setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(args_.port));
    if (inet_pton(AF_INET, args_.host.c_str(), &addr.sin_addr) != 1 ||
        connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
      drop();
      return false;
    }
    return true;
  }
  void drop() {
    if (fd_ >= 0) close(fd_);
    fd_ = -1;
  }
  int fail() {
    drop();
    return -1;
  }
  const Args& args_;
  int fd_ = -1;
};

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const size_t i = std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size() - 1) + 0.5));
  return v[i];
}

}  // namespace

int main(int argc, char** argv) {
  const Args a = parse(argc, argv);
  std::atomic<int> next{0};
  std::atomic<int> failed{0};
  std::mutex mutex;
  std::map<std::string, std::vector<double>> latencies;  // ms per path
  const auto deadline = Clock::now() + std::chrono::seconds(a.deadline_seconds);
  const auto start = Clock::now();
  std::vector<std::thread> clients;
  for (int c = 0; c < a.concurrency; ++c)
    clients.emplace_back([&] {
      Client client(a);
      std::map<std::string, std::vector<double>> mine;
      for (int i; (i = next.fetch_add(1)) < a.requests && Clock::now() < deadline;) {
        const std::string& path = a.paths[static_cast<size_t>(i) % a.paths.size()];
        const auto t0 = Clock::now();
        const int status = client.get(path);
        const double ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
        if (status != 200 && status != 503)
          ++failed;  // /health says 503 for a failing store, still an answer
        else
          mine[path].push_back(ms);
      }
      std::lock_guard<std::mutex> lock(mutex);
      for (auto& [p, v] : mine) latencies[p].insert(latencies[p].end(), v.begin(), v.end());
    });
  for (auto& t : clients) t.join();
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  int answered = 0;
  for (const auto& [p, v] : latencies) answered += static_cast<int>(v.size());
  const bool timed_out = answered + failed < a.requests;
  std::printf("dashboard_load: %d requests (%d answered, %d failed%s), %d concurrent, %s: %.2f s, %.0f req/s\n",
              a.requests, answered, failed.load(), timed_out ? ", deadline reached" : "", a.concurrency,
              a.keep_alive ? "keep-alive" : "one connection per request", seconds, answered / seconds);
  bool met = failed == 0 && !timed_out;
  for (const auto& path : a.paths) {
    const auto& v = latencies[path];
    const double p50 = percentile(v, 0.50), p99 = percentile(v, 0.99);
    met = met && !v.empty() && p99 < a.target_ms;
    std::printf("RESULT dashboard %s %s: p50 %.1f ms, p99 %.1f ms, max %.1f ms (target p99 < %.0f ms, x%.2f)\n",
                a.keep_alive ? "keep-alive" : "new-conn", path.c_str(), p50, p99, percentile(v, 1.0), a.target_ms,
                p99 / a.target_ms);
  }
  return met ? 0 : 1;
}
