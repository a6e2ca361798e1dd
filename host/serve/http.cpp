#include "serve/http.h"

#include "run/logging.h"
#include "serve/assets.h"
#include "serve/dashboard.h"
#include "run/util.h"

#include "read/review.h"

#include <httplib.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <chrono>
#include <cstdlib>
#include <map>
#include <regex>
#include <set>
#include <thread>

namespace analytica {
using nlohmann::json;

namespace {

constexpr size_t kMaxParamLength = 2048;  // bytes of one decoded query parameter

// The pages: each is the same shell; app.js renders the view by path.
const std::set<std::string> kPages = {"/", "/market", "/lineage", "/review", "/review/item"};

// The one address that takes a POST: a review decision.
const std::regex kDecisionPath("^/api/review/([0-9]{1,18})/decision$");
const std::regex kItemPath("^/api/review/([0-9]{1,18})$");
constexpr const char* kCsrfCookie = "analytica_csrf";

std::string random_hex(size_t bytes) {
  std::vector<unsigned char> buf(bytes);
  if (RAND_bytes(buf.data(), static_cast<int>(buf.size())) != 1) throw std::runtime_error("no random bytes");
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (unsigned char b : buf) {
    out += digits[b >> 4];
    out += digits[b & 15];
  }
  return out;
}

bool same_secret(const std::string& a, const std::string& b) {
  return !a.empty() && a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

// The value of one cookie of the request ("" if absent).
std::string cookie_of(const httplib::Request& req, const std::string& name) {
  const std::string header = req.get_header_value("Cookie");
  size_t at = 0;
  while (at < header.size()) {
    const size_t end = std::min(header.find(';', at), header.size());
    std::string part = header.substr(at, end - at);
    part.erase(0, part.find_first_not_of(' '));
    if (part.rfind(name + "=", 0) == 0) return part.substr(name.size() + 1);
    at = end + 1;
  }
  return "";
}

void send_json(httplib::Response& res, int status, const json& body) {
  res.status = status;
  res.set_header("Cache-Control", "no-store");
  res.set_content(body.dump(-1, ' ', false, json::error_handler_t::replace), "application/json");
}

void send_error(httplib::Response& res, int status, const std::string& message) {
  send_json(res, status, {{"error", message}, {"status", status}});
}

// The request's query parameters, checked: only `allowed` names, each at
// most once and not too long; `required` ones present.
std::map<std::string, std::string> params_of(const httplib::Request& req, const std::set<std::string>& allowed,
                                             const std::set<std::string>& required = {}) {
  std::map<std::string, std::string> out;
  for (const auto& [k, v] : req.params) {
    if (!allowed.count(k)) {
      std::string known;
      for (const auto& a : allowed) known += (known.empty() ? "" : ", ") + a;
      throw HttpError(400, "unknown parameter \"" + k.substr(0, 64) + "\"" +
                               (known.empty() ? " (this endpoint takes none)" : " (expected: " + known + ")"));
    }
    if (out.count(k)) throw HttpError(400, "parameter \"" + k + "\" given more than once");
    if (v.size() > kMaxParamLength)
      throw HttpError(414, "parameter \"" + k + "\" is longer than " + std::to_string(kMaxParamLength) + " bytes");
    out[k] = v;
  }
  for (const auto& r : required)
    if (!out.count(r) || out[r].empty()) throw HttpError(400, "missing parameter \"" + r + "\"");
  return out;
}

double number_param(const std::map<std::string, std::string>& p, const std::string& name, double def, double lo,
                    double hi) {
  auto it = p.find(name);
  if (it == p.end()) return def;
  char* end = nullptr;
  const double v = std::strtod(it->second.c_str(), &end);
  if (it->second.empty() || !end || *end != '\0' || !(v >= lo && v <= hi))
    throw HttpError(400, name + ": \"" + it->second.substr(0, 64) + "\" is not a number in " + std::to_string(lo) +
                             ".." + std::to_string(hi));
  return v;
}

std::string get(const std::map<std::string, std::string>& p, const std::string& name) {
  auto it = p.find(name);
  return it == p.end() ? std::string() : it->second;
}

std::string reason_phrase(int status) {
  switch (status) {
    case 400: return "bad request";
    case 404: return "not found";
    case 403: return "forbidden";
    case 405: return "method not allowed";
    case 408: return "request timeout";
    case 413: return "payload too large";
    case 414: return "URI too long";
    case 416: return "range not satisfiable";
    case 431: return "request header fields too large";
    case 503: return "service unavailable";
    default: return status >= 500 ? "server error" : "request error";
  }
}

// Runs one request's handler and turns what it throws into the error
// response: HttpError its status, UserError 400, anything else 500 (logged).
template <typename F>
void answer(const httplib::Request& req, httplib::Response& res, F&& handle) {
  try {
    handle();
  } catch (const HttpError& e) {
    send_error(res, e.status(), e.what());
  } catch (const UserError& e) {
    send_error(res, 400, e.what());
  } catch (const std::exception& e) {
    logging::write(logging::Level::error, "serve", req.method + " " + req.path + ": " + e.what());
    send_error(res, 500, e.what());
  }
}

int health_http_status(const HealthReport& h) { return h.level == HealthLevel::failing ? 503 : 200; }

}  // namespace

struct DashboardServer::Impl {
  Dashboard& dashboard;
  httplib::Server server;
  std::thread listener;
  std::string review_secret;  // "" = no decisions from the browser
  explicit Impl(Dashboard& d) : dashboard(d) {}

  // POST /api/review/<id>/decision: only from a page of this server (Origin
  // is this server, the X-Analytica-CSRF header repeats the SameSite=Strict
  // cookie the page got) and with the server's review secret. Anything else
  // is refused with 403 and changes nothing.
  void decision(const httplib::Request& req, httplib::Response& res, int64_t id) {
    params_of(req, {});
    const std::string origin = req.get_header_value("Origin");
    if (origin.empty() || origin != "http://" + req.get_header_value("Host"))
      throw HttpError(403, "refused: a decision must come from a page of this server (Origin)");
    const std::string cookie = cookie_of(req, kCsrfCookie);
    if (cookie.size() != 32 || !same_secret(cookie, req.get_header_value("X-Analytica-CSRF")))
      throw HttpError(403, "refused: the page's token does not match (reload the page)");
    if (req.get_header_value("Content-Type").rfind("application/json", 0) != 0)
      throw HttpError(415, "expected a JSON body");
    json body = json::parse(req.body, nullptr, false);
    if (body.is_discarded() || !body.is_object()) throw HttpError(400, "expected a JSON object");
    const std::string secret = body.value("secret", json("")).is_string() ? body.value("secret", std::string()) : "";
    if (review_secret.empty()) throw HttpError(403, "refused: this server takes no review decisions");
    if (!same_secret(secret, review_secret))
      throw HttpError(403, "refused: wrong or missing review secret (printed by `analytica serve` on start)");
    const std::string decision = body.value("decision", json("")).is_string() ? body.value("decision", std::string()) : "";
    const std::string reason = body.value("reason", json("")).is_string() ? body.value("reason", std::string()) : "";
    if (decision != "approve" && decision != "reject") throw HttpError(400, "decision: expected approve or reject");
    if (reason.size() > 2000) throw HttpError(400, "reason: at most 2000 bytes");
    if (decision == "reject" && reason.find_first_not_of(" \t\r\n") == std::string::npos)
      throw HttpError(400, "reason: say why the record is wrong");
    const std::string who = os_user_name() + " (web)";
    json out = dashboard.decide_review(id, decision == "approve" ? "approved" : "rejected", reason, who);
    logging::write(logging::Level::info, "serve", "review decision from the web",
                   {{"item", id}, {"decision", decision}, {"by", who}});
    send_json(res, 200, out);
  }

  void route(const httplib::Request& req, httplib::Response& res) {
    const std::string& path = req.path;
    if (kPages.count(path) || path.rfind("/view/", 0) == 0) {
      params_of(req, {"table", "key", "column", "source", "status", "include", "page", "id", "offset"});
      const WebAsset* page = find_web_asset("/index.html");
      if (!page) throw HttpError(500, "the dashboard's index.html was not embedded");
      res.set_header("Cache-Control", "no-cache");
      // The token a page repeats in X-Analytica-CSRF when it posts a review
      // decision (double submit; SameSite=Strict keeps other sites' requests
      // from carrying it).
      if (cookie_of(req, kCsrfCookie).size() != 32)
        res.set_header("Set-Cookie", std::string(kCsrfCookie) + "=" + random_hex(16) + "; Path=/; SameSite=Strict");
      res.set_content(reinterpret_cast<const char*>(page->data), page->size, page->content_type);
      return;
    }
    if (path == "/health" || path == "/api/health") {
      params_of(req, {});
      const HealthReport h = dashboard.health();
      res.set_header("X-Analytica-Health", level_name(h.level));
      send_json(res, path == "/health" ? health_http_status(h) : 200, h.to_json());
      return;
    }
    if (path == "/metrics") {
      params_of(req, {});
      res.set_header("Cache-Control", "no-store");
      res.set_content(dashboard.metrics(), "text/plain; version=0.0.4; charset=utf-8");
      return;
    }
    if (path == "/api/overview") {
      params_of(req, {});
      send_json(res, 200, dashboard.overview());
      return;
    }
    if (path == "/api/market") {  // the view "market", under its first address
      params_of(req, {"include"});
      send_json(res, 200, dashboard.view("market", get(params_of(req, {"include"}), "include") == "pending"));
      return;
    }
    if (path == "/api/views") {
      params_of(req, {});
      send_json(res, 200, dashboard.views());
      return;
    }
    if (path.rfind("/api/views/", 0) == 0) {
      const auto p = params_of(req, {"include"});
      const std::string include = get(p, "include");
      if (!include.empty() && include != "pending") throw HttpError(400, "include: expected pending");
      send_json(res, 200, dashboard.view(path.substr(11), include == "pending"));
      return;
    }
    if (path == "/api/lineage") {
      const auto p = params_of(req, {"table", "key", "column"}, {"table", "key"});
      send_json(res, 200, dashboard.lineage(get(p, "table"), get(p, "key"), get(p, "column")));
      return;
    }
    if (path == "/api/review") {
      const auto p = params_of(req, {"status", "limit", "offset"});
      std::string status = p.count("status") ? get(p, "status") : "pending";
      if (!review_status_filter_valid(status))
        throw HttpError(400, "status: expected pending, superseded, auto_approved, approved, rejected or all");
      const int limit = static_cast<int>(number_param(p, "limit", 50, 1, 1000));
      if (p.count("limit") && get(p, "limit").find_first_not_of("0123456789") != std::string::npos)
        throw HttpError(400, "limit: expected a whole number in 1..1000");
      const auto offset = static_cast<int64_t>(number_param(p, "offset", 0, 0, 1e12));
      if (p.count("offset") && get(p, "offset").find_first_not_of("0123456789") != std::string::npos)
        throw HttpError(400, "offset: expected a whole number");
      json out = dashboard.review(status, offset, limit);
      out["decisions"] = !review_secret.empty();
      send_json(res, 200, out);
      return;
    }
    std::smatch m;
    if (std::regex_match(path, m, kItemPath)) {
      params_of(req, {});
      json out = dashboard.review_item(std::stoll(m[1].str()));
      out["decisions"] = !review_secret.empty();
      send_json(res, 200, out);
      return;
    }
    if (path == "/api/crop") {
      const auto p = params_of(req, {"table", "key", "column", "source", "scale"}, {"table", "key", "column"});
      const double scale = number_param(p, "scale", 2.0, 0.5, 4.0);
      const std::string png = dashboard.crop(get(p, "table"), get(p, "key"), get(p, "column"), get(p, "source"), scale);
      res.set_header("Cache-Control", "private, max-age=300");
      res.set_content(png, "image/png");
      return;
    }
    const std::string asset_path = path == "/favicon.ico" ? "/favicon.svg" : path;
    if (asset_path != "/index.html") {
      if (const WebAsset* a = find_web_asset(asset_path)) {
        params_of(req, {"v"});
        res.set_header("Cache-Control", "no-cache");
        res.set_content(reinterpret_cast<const char*>(a->data), a->size, a->content_type);
        return;
      }
    }
    throw HttpError(404, "no such page: " + path.substr(0, 200));
  }
};

DashboardServer::DashboardServer(Dashboard& dashboard) : impl_(std::make_unique<Impl>(dashboard)) {
  auto& svr = impl_->server;
  svr.set_default_headers({
      {"X-Content-Type-Options", "nosniff"},
      {"X-Frame-Options", "DENY"},
      {"Referrer-Policy", "no-referrer"},
      {"Content-Security-Policy",
       "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; "
       "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"},
  });
  svr.set_payload_max_length(64 * 1024);
  svr.set_read_timeout(10, 0);
  svr.set_write_timeout(10, 0);
  svr.set_keep_alive_timeout(5);
  svr.new_task_queue = [] { return new httplib::ThreadPool(4); };
  svr.set_pre_routing_handler([](const httplib::Request& req, httplib::Response& res) {
    if (req.method == "GET" || req.method == "HEAD") return httplib::Server::HandlerResponse::Unhandled;
    if (req.method == "POST" && std::regex_match(req.path, kDecisionPath))
      return httplib::Server::HandlerResponse::Unhandled;
    res.set_header("Allow", std::regex_match(req.path, kDecisionPath) ? "POST" : "GET, HEAD");
    send_error(res, 405, "method " + req.method.substr(0, 16) + " not allowed: the dashboard is read-only");
    return httplib::Server::HandlerResponse::Handled;
  });
  Impl* impl = impl_.get();
  svr.Get(".*", [impl](const httplib::Request& req, httplib::Response& res) {
    answer(req, res, [&] { impl->route(req, res); });
  });
  svr.Post(".*", [impl](const httplib::Request& req, httplib::Response& res) {
    answer(req, res, [&] {
      std::smatch m;
      if (!std::regex_match(req.path, m, kDecisionPath)) throw HttpError(405, "method not allowed");
      impl->decision(req, res, std::stoll(m[1].str()));
    });
  });
  // Errors httplib answers itself (bad request lines, 414 URI too long...)
  // get a JSON body too.
  svr.set_error_handler(httplib::Server::HandlerWithResponse([](const httplib::Request&, httplib::Response& res) {
    if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
    send_error(res, res.status, reason_phrase(res.status));
    return httplib::Server::HandlerResponse::Handled;
  }));
  svr.set_logger([](const httplib::Request& req, const httplib::Response& res) {
    logging::write(res.status >= 500 ? logging::Level::warn : logging::Level::debug, "serve",
                   req.method + " " + req.path.substr(0, 200) + " " + std::to_string(res.status));
  });
}

DashboardServer::~DashboardServer() { stop(); }

void DashboardServer::set_review_secret(const std::string& secret) { impl_->review_secret = secret; }

std::string DashboardServer::random_secret() { return random_hex(16); }

int DashboardServer::bind(const std::string& host, int port) {
  auto& svr = impl_->server;
  if (port == 0) {
    const int bound = svr.bind_to_any_port(host);
    if (bound <= 0) throw UserError("cannot listen on " + host + ": no free port, or not a local address");
    return bound;
  }
  if (!svr.bind_to_port(host, port))
    throw UserError("cannot listen on " + host + ":" + std::to_string(port) +
                    " (address in use, or not a local address?)");
  return port;
}

void DashboardServer::serve(const std::function<bool()>& should_stop) {
  auto& svr = impl_->server;
  impl_->listener = std::thread([&svr] { svr.listen_after_bind(); });
  bool started = false;
  while (!should_stop()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    const bool running = svr.is_running();
    if (started && !running) break;  // stopped from elsewhere
    started = started || running;
  }
  stop();
}

void DashboardServer::stop() {
  if (!impl_) return;
  impl_->server.stop();
  if (impl_->listener.joinable()) impl_->listener.join();
}

}  // namespace analytica
