// A minimal Chrome DevTools Protocol client for the browser tests: starts
// headless Chromium with --remote-debugging-pipe (commands on fd 3,
// replies and events on fd 4, each a JSON text ended by NUL), opens one
// page and drives it. Console errors, uncaught exceptions and failed
// loads are collected as they arrive.
#ifndef ANALYTICA_TESTS_MONITORING_CDP_H
#define ANALYTICA_TESTS_MONITORING_CDP_H

#include "support/support.h"

#include <nlohmann/json.hpp>

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

namespace montest {

// The Chromium executable: /usr/bin/chromium or `chromium` on PATH; "" if none.
std::string find_chromium();

class Browser {
 public:
  // Starts Chromium (throws std::runtime_error if it cannot) and opens a
  // blank page of the given size.
  Browser(const std::string& executable, int width, int height);
  ~Browser();
  Browser(const Browser&) = delete;
  Browser& operator=(const Browser&) = delete;

  // Sends a command to the page (or the browser with page = false) and
  // waits for its result; throws on a protocol error or timeout.
  nlohmann::json call(const std::string& method, const nlohmann::json& params = nlohmann::json::object(),
                      bool page = true);

  // Navigates and waits for the load event.
  void navigate(const std::string& url);

  // Evaluates a JavaScript expression in the page (promises awaited) and
  // returns its value (by value, so JSON-able results only).
  nlohmann::json eval(const std::string& expression);

  // Polls eval(expression) until it is truthy; throws on timeout with
  // `what` in the message.
  nlohmann::json wait_for(const std::string& expression, const std::string& what,
                          std::chrono::milliseconds timeout = std::chrono::seconds(15));

  // A real mouse click at the centre of the first element matching selector
  // (scrolled into view first). Throws if there is none.
  void click(const std::string& selector);

  // Saves a PNG of the viewport (or the full page) to file.
  void screenshot(const std::filesystem::path& file, bool full_page = false);

  // Console errors, exceptions and failed resource loads seen so far.
  const std::vector<std::string>& errors() const { return errors_; }

 private:
  void send(const nlohmann::json& message);
  // Reads one message; false on timeout.
  bool receive(nlohmann::json& message, std::chrono::milliseconds timeout);
  void on_event(const nlohmann::json& message);

  pid_t pid_ = -1;
  int to_browser_ = -1, from_browser_ = -1;
  std::string buffer_;
  std::string session_;
  int next_id_ = 1;
  bool loaded_ = false;
  std::vector<std::string> errors_;
  TempDir profile_;  // Chromium's user data directory, removed after it exits
};

// Standard base64 decoding (for screenshots).
std::string base64_decode(const std::string& text);

}  // namespace montest

#endif  // ANALYTICA_TESTS_MONITORING_CDP_H
