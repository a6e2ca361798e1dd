#include "test_server.h"

#include <chrono>
#include <stdexcept>

TestServer::TestServer() {
  // Recorded as each request arrives, before its handler runs: a logger
  // would see it only once answered (never, for a client killed meanwhile).
  http.set_pre_routing_handler([this](const httplib::Request& req, httplib::Response&) {
    SeenRequest r;
    r.path = req.path;
    for (const auto& [k, v] : req.params) {
      r.params[k] = v;
      r.query += (r.query.empty() ? "" : "&") + k + "=" + v;
    }
    r.user_agent = req.get_header_value("User-Agent");
    r.if_none_match = req.get_header_value("If-None-Match");
    r.if_modified_since = req.get_header_value("If-Modified-Since");
    r.app_token = req.get_header_value("X-App-Token");
    std::lock_guard<std::mutex> lock(mu_);
    seen_.push_back(std::move(r));
    return httplib::Server::HandlerResponse::Unhandled;
  });
}

TestServer::~TestServer() { stop(); }

void TestServer::start() {
  port_ = http.bind_to_any_port("127.0.0.1");
  if (port_ <= 0) throw std::runtime_error("test server: cannot bind 127.0.0.1");
  thread_ = std::thread([this] { http.listen_after_bind(); });
  for (int i = 0; i < 500 && !http.is_running(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  if (!http.is_running()) throw std::runtime_error("test server: did not start");
}

void TestServer::stop() {
  if (thread_.joinable()) {
    http.stop();
    thread_.join();
  }
}

std::string TestServer::base() const { return "http://127.0.0.1:" + std::to_string(port_); }

std::vector<SeenRequest> TestServer::seen(const std::string& path) const {
  std::lock_guard<std::mutex> lock(mu_);
  if (path.empty()) return seen_;
  std::vector<SeenRequest> out;
  for (const auto& r : seen_)
    if (r.path == path) out.push_back(r);
  return out;
}
