#include "support.h"

#include "creb_synth/creb_synth.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace fs = std::filesystem;

namespace montest {

CliResult analytica(const fs::path& data_dir, const std::vector<std::string>& args, const std::string& env) {
  std::vector<std::string> all = {"--data-dir", data_dir.string()};
  all.insert(all.end(), args.begin(), args.end());
  return run_analytica({PLUGIN_DIR}, all, env);
}

int wait_or_kill(pid_t pid, std::chrono::milliseconds timeout) {
  int status = 0;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (waitpid(pid, &status, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() > deadline) {
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return status;
}

std::pair<int, int> png_size(const std::string& bytes) {
  if (bytes.size() < 24 || bytes.compare(0, 8, "\x89PNG\r\n\x1a\n") != 0) return {0, 0};
  auto be32 = [&](size_t at) {
    return (static_cast<unsigned char>(bytes[at]) << 24) | (static_cast<unsigned char>(bytes[at + 1]) << 16) |
           (static_cast<unsigned char>(bytes[at + 2]) << 8) | static_cast<unsigned char>(bytes[at + 3]);
  };
  return {static_cast<int>(be32(16)), static_cast<int>(be32(20))};
}

std::string today_utc() {
  const time_t now = time(nullptr);
  tm utc{};
  gmtime_r(&now, &utc);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d", &utc);
  return buf;
}

std::string add_months(const std::string& month, int n) {
  int y = std::stoi(month.substr(0, 4)), m = std::stoi(month.substr(5, 2));
  int idx = y * 12 + (m - 1) + n;
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02d", idx / 12, idx % 12 + 1);
  return buf;
}

std::string expected_month(const std::string& today) {
  const std::string t = today.empty() ? today_utc() : today;
  const int day = std::stoi(t.substr(8, 2));
  return add_months(t.substr(0, 7), day - 1 >= 7 ? -1 : -2);
}

DataDir::DataDir() {
  data = tmp / "data";
  inbox = data / "inbox";
  database = data / "analytica.db";
  pipeline = tmp / "pipeline.json";
  fs::create_directories(inbox);
  write_pipeline(nlohmann::json::array({{{"plugin", "monitor_metrics"}, {"settings", {{"dir", "${data_dir}/metrics"}}}}}));
}

void DataDir::add_reports(const std::vector<std::string>& report_months) {
  for (const auto& m : report_months) {
    creb_synth::Options o;
    o.report_month = m;
    o.seed = 1;
    const auto w = creb_synth::write_report(inbox.string(), o);
    fs::remove(w.expected_path);  // only PDFs in the inbox
    months.push_back(m);
  }
}

fs::path DataDir::report_path(const std::string& month) const {
  return inbox / (creb_synth::file_stem(month) + ".pdf");
}

void DataDir::write_pipeline(const nlohmann::json& monitors) {
  // The shipped CREB pipeline's views (the Market page); no review block: the
  // monitoring tests read the tables as written.
  const nlohmann::json shipped =
      nlohmann::json::parse(read_text(std::filesystem::path(SOURCE_DIR) / "config/pipelines/creb.json"));
  nlohmann::json p = {
      {"name", "creb"},
      {"table_prefix", "housing_"},
      {"sources", {{{"plugin", "source_directory"}, {"settings", {{"path", "${data_dir}/inbox"}, {"pattern", "*.pdf"}}}}}},
      {"extractors", {{{"plugin", "extractor_creb"}}}},
      {"validators", nlohmann::json::array()},
      {"sinks", {{{"plugin", "sink_sqlite"}, {"settings", {{"path", "${database}"}}}}}},
      {"monitors", monitors}};
  p["views"] = shipped["views"];
  write_text(pipeline, p.dump(2));
}

CliResult DataDir::run() { return analytica(data, {"run", pipeline.string()}); }

// ------------------------------------------------------------------ server

Server::Server(const fs::path& data_dir, const std::vector<std::string>& extra_args) {
  log_ = data_dir.parent_path() / ("serve-" + std::to_string(::getpid()) + ".log");
  int out[2];
  if (pipe(out) != 0) throw std::runtime_error("pipe failed");
  std::vector<std::string> serve = {"--data-dir", data_dir.string(), "serve", "--port", "0"};
  serve.insert(serve.end(), extra_args.begin(), extra_args.end());
  std::vector<std::string> args = analytica_words({PLUGIN_DIR}, serve);
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  const std::string log = log_.string();
  pid_ = fork();
  if (pid_ < 0) throw std::runtime_error("fork failed");
  if (pid_ == 0) {
    dup2(out[1], 1);
    FILE* err = std::fopen(log.c_str(), "w");
    if (err) dup2(fileno(err), 2);
    close(out[0]);
    close(out[1]);
    execv(argv[0], argv.data());
    _exit(127);
  }
  close(out[1]);
  // The first line says where it listens.
  std::string line;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
  while (line.find('\n') == std::string::npos && std::chrono::steady_clock::now() < deadline) {
    pollfd p{out[0], POLLIN, 0};
    if (poll(&p, 1, 100) <= 0) continue;
    char buf[256];
    const ssize_t n = read(out[0], buf, sizeof buf);
    if (n <= 0) break;
    line.append(buf, static_cast<size_t>(n));
  }
  close(out[0]);
  line = line.substr(0, line.find('\n'));  // more lines follow (the review secret)
  const size_t colon = line.rfind(':');
  if (line.find("listening on http://127.0.0.1:") == std::string::npos || colon == std::string::npos) {
    stop();
    throw std::runtime_error("analytica serve did not start: " + line + (fs::exists(log_) ? read_text(log_) : ""));
  }
  port_ = std::atoi(line.c_str() + colon + 1);
}

Server::~Server() {
  if (pid_ > 0) stop();
  std::error_code ec;
  fs::remove(log_, ec);
}

int Server::stop() {
  if (pid_ <= 0) return -1;
  kill(pid_, SIGTERM);
  const int status = wait_or_kill(pid_, std::chrono::seconds(10));
  pid_ = -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// -------------------------------------------------------------------- http

std::string HttpReply::header(const std::string& name) const {
  std::istringstream in(headers);
  std::string line;
  auto lower = [](std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return s;
  };
  while (std::getline(in, line)) {
    const size_t colon = line.find(':');
    if (colon == std::string::npos) continue;
    if (lower(line.substr(0, colon)) == lower(name)) {
      std::string v = line.substr(colon + 1);
      while (!v.empty() && (v.front() == ' ')) v.erase(v.begin());
      while (!v.empty() && (v.back() == '\r' || v.back() == ' ')) v.pop_back();
      return v;
    }
  }
  return "";
}

int connect_to(int port) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

HttpReply http_raw(int port, const std::string& request) {
  HttpReply r;
  const int fd = connect_to(port);
  if (fd < 0) return r;
  size_t sent = 0;
  while (sent < request.size()) {
    const ssize_t n = send(fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) break;  // the server may answer and close before reading it all
    sent += static_cast<size_t>(n);
  }
  std::string data;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (std::chrono::steady_clock::now() < deadline) {
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, 200) <= 0) continue;
    char buf[65536];
    const ssize_t n = recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    data.append(buf, static_cast<size_t>(n));
    // Done once the body announced by Content-Length is in (the server may
    // keep the connection open after an error reply).
    const size_t head_end = data.find("\r\n\r\n");
    if (head_end != std::string::npos) {
      HttpReply head;
      head.headers = data.substr(0, head_end);
      const std::string length = head.header("Content-Length");
      if (!length.empty() && data.size() - head_end - 4 >= std::stoul(length)) break;
    }
  }
  close(fd);
  const size_t end = data.find("\r\n\r\n");
  if (data.rfind("HTTP/1.", 0) != 0 || end == std::string::npos) return r;
  r.status = std::atoi(data.c_str() + 9);
  r.headers = data.substr(0, end);
  r.body = data.substr(end + 4);
  return r;
}

HttpReply http(int port, const std::string& target, const std::string& method) {
  return http_raw(port, method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
}

}  // namespace montest
