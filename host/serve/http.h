// The HTTP side of `analytica serve`: routes, parameter checks and error
// responses over the serve loop (http_loop.h), in front of a Dashboard.
#ifndef ANALYTICA_HOST_SERVE_HTTP_H
#define ANALYTICA_HOST_SERVE_HTTP_H

#include <atomic>
#include <functional>
#include <memory>
#include <string>

namespace analytica {

class Dashboard;

class DashboardServer {
 public:
  explicit DashboardServer(Dashboard& dashboard);
  ~DashboardServer();
  DashboardServer(const DashboardServer&) = delete;
  DashboardServer& operator=(const DashboardServer&) = delete;

  // Binds host:port (port 0 = any free port) and returns the bound port;
  // throws UserError if it cannot.
  int bind(const std::string& host, int port);

  // Serves until stop() (from another thread) or until should_stop()
  // returns true (polled every 100 ms).
  void serve(const std::function<bool()>& should_stop);

  // The secret a browser must send with a review decision (POST
  // /api/review/<id>/decision); "" (the default) refuses every decision.
  void set_review_secret(const std::string& secret);
  // 32 random hex digits.
  static std::string random_secret();
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace analytica

#endif  // ANALYTICA_HOST_SERVE_HTTP_H
