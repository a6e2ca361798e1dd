#include "serve/http.h"

#include "serve/http_loop.h"

#include "run/logging.h"
#include "serve/assets.h"
#include "serve/dashboard.h"
#include "run/util.h"

#include "read/review.h"

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
  return lower_hex(buf.data(), buf.size());
}

bool same_secret(const std::string& a, const std::string& b) {
  return !a.empty() && a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

// The value of one cookie of the request ("" if absent).
std::string cookie_of(const HttpRequest& req, const std::string& name) {
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

void send_json_text(HttpResponse& res, int status, std::string text) {
  res.status = status;
  res.set_header("Cache-Control", "no-store");
  res.set_content(std::move(text), "application/json");
}

void send_json(HttpResponse& res, int status, const json& body) { send_json_text(res, status, json_text(body)); }

void send_error(HttpResponse& res, int status, const std::string& message) {
  send_json(res, status, {{"error", message}, {"status", status}});
}

// The request's query parameters, checked: only `allowed` names, each at
// most once and not too long; `required` ones present.
std::map<std::string, std::string> params_of(const HttpRequest& req, const std::set<std::string>& allowed,
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
void answer(const HttpRequest& req, HttpResponse& res, F&& handle) {
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

HttpLoopOptions loop_options() {
  HttpLoopOptions o;
  o.default_headers = {
      {"X-Content-Type-Options", "nosniff"},
      {"X-Frame-Options", "DENY"},
      {"Referrer-Policy", "no-referrer"},
      {"Content-Security-Policy",
       "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; "
       "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"},
  };
  return o;
}

bool is_health(const HttpRequest& req) { return req.path == "/health" || req.path == "/api/health"; }

}  // namespace

struct DashboardServer::Impl {
  Dashboard& dashboard;
  std::string review_secret;  // "" = no decisions from the browser; set before serve()
  HttpLoop loop;
  explicit Impl(Dashboard& d)
      : dashboard(d),
        loop(loop_options(), [this](const HttpRequest& req, HttpResponse& res) { handle(req, res); }, is_health,
             // Errors the loop answers itself (bad request lines, 414 URI
             // too long...) get a JSON body too.
             [](HttpResponse& res) { send_error(res, res.status, reason_phrase(res.status)); }) {}

  // Every request: GET and HEAD read, POST only a review decision. Worker
  // threads, concurrently; never throws.
  void handle(const HttpRequest& req, HttpResponse& res) {
    answer(req, res, [&] {
      std::smatch m;
      const bool decision_path = std::regex_match(req.path, m, kDecisionPath);
      if (req.method == "GET" || req.method == "HEAD") {
        route(req, res);
      } else if (req.method == "POST" && decision_path) {
        decision(req, res, std::stoll(m[1].str()));
      } else {
        res.set_header("Allow", decision_path ? "POST" : "GET, HEAD");
        throw HttpError(405, "method " + req.method.substr(0, 16) + " not allowed: the dashboard is read-only");
      }
    });
    logging::write(res.status >= 500 ? logging::Level::warn : logging::Level::debug, "serve",
                   req.method + " " + req.path.substr(0, 200) + " " + std::to_string(res.status));
  }

  // POST /api/review/<id>/decision: only from a page of this server (Origin
  // is this server, the X-Analytica-CSRF header repeats the SameSite=Strict
  // cookie the page got) and with the server's review secret. Anything else
  // is refused with 403 and changes nothing.
  void decision(const HttpRequest& req, HttpResponse& res, int64_t id) {
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

  // A 200 JSON answer that depends only on the store: computed once per
  // store change (Dashboard::cached), keyed by the request's target.
  void send_cached(HttpResponse& res, const HttpRequest& req, const std::function<json()>& compute) {
    send_json_text(res, 200, *dashboard.cached(req.target, compute));
  }

  void route(const HttpRequest& req, HttpResponse& res) {
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
      const bool pending = get(params_of(req, {"include"}), "include") == "pending";
      send_cached(res, req, [&] { return dashboard.view("market", pending); });
      return;
    }
    if (path == "/api/views") {
      params_of(req, {});
      send_cached(res, req, [&] { return dashboard.views(); });
      return;
    }
    if (path.rfind("/api/views/", 0) == 0) {
      const auto p = params_of(req, {"include"});
      const std::string include = get(p, "include");
      if (!include.empty() && include != "pending") throw HttpError(400, "include: expected pending");
      send_cached(res, req, [&] { return dashboard.view(path.substr(11), include == "pending"); });
      return;
    }
    if (path == "/api/lineage") {
      const auto p = params_of(req, {"table", "key", "column"}, {"table", "key"});
      send_cached(res, req, [&] { return dashboard.lineage(get(p, "table"), get(p, "key"), get(p, "column")); });
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
      send_cached(res, req, [&] {
        json out = dashboard.review(status, offset, limit);
        out["decisions"] = !review_secret.empty();
        return out;
      });
      return;
    }
    std::smatch m;
    if (std::regex_match(path, m, kItemPath)) {
      params_of(req, {});
      send_cached(res, req, [&] {
        json out = dashboard.review_item(std::stoll(m[1].str()));
        out["decisions"] = !review_secret.empty();
        return out;
      });
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

DashboardServer::DashboardServer(Dashboard& dashboard) : impl_(std::make_unique<Impl>(dashboard)) {}

DashboardServer::~DashboardServer() { stop(); }

void DashboardServer::set_review_secret(const std::string& secret) { impl_->review_secret = secret; }

std::string DashboardServer::random_secret() { return random_hex(16); }

int DashboardServer::bind(const std::string& host, int port) { return impl_->loop.bind(host, port); }

void DashboardServer::serve(const std::function<bool()>& should_stop) { impl_->loop.run(should_stop); }

void DashboardServer::stop() {
  if (impl_) impl_->loop.stop();
}

}  // namespace analytica
