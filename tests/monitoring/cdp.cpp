#include "cdp.h"
#include "support.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <stdexcept>
#include <thread>

extern char** environ;

namespace fs = std::filesystem;
using nlohmann::json;

namespace montest {

std::string find_chromium() {
  if (access("/usr/bin/chromium", X_OK) == 0) return "/usr/bin/chromium";
  const char* path = std::getenv("PATH");
  std::string dirs = path ? path : "";
  size_t start = 0;
  while (start <= dirs.size()) {
    size_t end = dirs.find(':', start);
    if (end == std::string::npos) end = dirs.size();
    const std::string candidate = dirs.substr(start, end - start) + "/chromium";
    if (end > start && access(candidate.c_str(), X_OK) == 0) return candidate;
    start = end + 1;
  }
  return "";
}

Browser::Browser(const std::string& executable, int width, int height) {
  int in[2], out[2];  // in: we write, Chromium reads (its fd 3); out: the reverse (its fd 4)
  if (pipe2(in, O_CLOEXEC) != 0 || pipe2(out, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");
  std::vector<std::string> args = {executable,
                                   "--headless",
                                   "--no-sandbox",
                                   "--disable-gpu",
                                   "--disable-background-networking",
                                   "--disable-component-update",
                                   "--disable-sync",
                                   "--no-first-run",
                                   "--no-default-browser-check",
                                   "--disable-extensions",
                                   "--hide-scrollbars",
                                   "--mute-audio",
                                   "--remote-debugging-pipe",
                                   "--user-data-dir=" + profile_.path.string(),
                                   "--window-size=" + std::to_string(width) + "," + std::to_string(height),
                                   "about:blank"};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, in[0], 3);
  posix_spawn_file_actions_adddup2(&fa, out[1], 4);
  posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);  // the wrapper and dbus are noisy
  const int rc = posix_spawn(&pid_, executable.c_str(), &fa, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  close(in[0]);
  close(out[1]);
  to_browser_ = in[1];
  from_browser_ = out[0];
  if (rc != 0) throw std::runtime_error("cannot start " + executable);

  try {
    // One page, attached in flat mode (commands carry its sessionId).
    const json target = call("Target.createTarget", {{"url", "about:blank"}}, false);
    const json attached =
        call("Target.attachToTarget", {{"targetId", target.at("targetId")}, {"flatten", true}}, false);
    session_ = attached.at("sessionId").get<std::string>();
    call("Page.enable");
    call("Runtime.enable");
    call("Log.enable");
    call("Emulation.setDeviceMetricsOverride",
         {{"width", width}, {"height", height}, {"deviceScaleFactor", 1}, {"mobile", false}});
  } catch (...) {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
    close(to_browser_);
    close(from_browser_);
    throw;
  }
}

Browser::~Browser() {
  if (to_browser_ >= 0) {
    try {
      send({{"id", next_id_++}, {"method", "Browser.close"}});
    } catch (...) {
    }
    close(to_browser_);
  }
  if (pid_ > 0) wait_or_kill(pid_, std::chrono::seconds(5));
  if (from_browser_ >= 0) close(from_browser_);
}

void Browser::send(const json& message) {
  std::string text = message.dump();
  text.push_back('\0');
  size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = write(to_browser_, text.data() + done, text.size() - done);
    if (n <= 0) throw std::runtime_error("Chromium closed its pipe");
    done += static_cast<size_t>(n);
  }
}

bool Browser::receive(json& message, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    const size_t nul = buffer_.find('\0');
    if (nul != std::string::npos) {
      message = json::parse(buffer_.substr(0, nul));
      buffer_.erase(0, nul + 1);
      return true;
    }
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    pollfd p{from_browser_, POLLIN, 0};
    if (poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
    char buf[65536];
    const ssize_t n = read(from_browser_, buf, sizeof buf);
    if (n <= 0) throw std::runtime_error("Chromium exited");
    buffer_.append(buf, static_cast<size_t>(n));
  }
}

void Browser::on_event(const json& m) {
  const std::string method = m.value("method", "");
  const json params = m.value("params", json::object());
  if (method == "Page.loadEventFired") loaded_ = true;
  if (method == "Runtime.consoleAPICalled" &&
      (params.value("type", "") == "error" || params.value("type", "") == "assert")) {
    std::string text = "console." + params.value("type", "") + ":";
    for (const auto& a : params.value("args", json::array()))
      text += " " + (a.contains("value") ? a["value"].dump() : a.value("description", a.value("type", "")));
    errors_.push_back(text);
  }
  if (method == "Runtime.exceptionThrown") {
    const json d = params.value("exceptionDetails", json::object());
    errors_.push_back("exception: " + d.value("text", "") + " " +
                      d.value("exception", json::object()).value("description", ""));
  }
  if (method == "Log.entryAdded") {
    const json e = params.value("entry", json::object());
    if (e.value("level", "") == "error")
      errors_.push_back("log: " + e.value("text", "") + " " + e.value("url", ""));
  }
}

json Browser::call(const std::string& method, const json& params, bool page) {
  const int id = next_id_++;
  json message = {{"id", id}, {"method", method}, {"params", params}};
  if (page) message["sessionId"] = session_;
  send(message);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  for (;;) {
    json reply;
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0 || !receive(reply, left)) throw std::runtime_error(method + ": no reply from Chromium");
    if (reply.contains("id") && reply["id"] == id) {
      if (reply.contains("error")) throw std::runtime_error(method + ": " + reply["error"].dump());
      return reply.value("result", json::object());
    }
    on_event(reply);
  }
}

void Browser::navigate(const std::string& url) {
  loaded_ = false;
  const json r = call("Page.navigate", {{"url", url}});
  if (r.contains("errorText")) throw std::runtime_error("navigate " + url + ": " + r["errorText"].get<std::string>());
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
  while (!loaded_) {
    json m;
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0 || !receive(m, left)) throw std::runtime_error("navigate " + url + ": no load event");
    on_event(m);
  }
}

json Browser::eval(const std::string& expression) {
  const json r = call("Runtime.evaluate",
                      {{"expression", expression}, {"returnByValue", true}, {"awaitPromise", true}});
  if (r.contains("exceptionDetails"))
    throw std::runtime_error("eval " + expression + ": " + r["exceptionDetails"].dump());
  return r.value("result", json::object()).value("value", json());
}

json Browser::wait_for(const std::string& expression, const std::string& what, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    const json v = eval(expression);
    const bool truthy = !(v.is_null() || v == false || v == 0 || v == "");
    if (truthy) return v;
    if (std::chrono::steady_clock::now() > deadline) throw std::runtime_error("timed out waiting for " + what);
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

void Browser::click(const std::string& selector) {
  const std::string sel = json(selector).dump();
  const json box = eval("(() => { const e = document.querySelector(" + sel +
                        "); if (!e) return null; e.scrollIntoView({block: 'center'}); const r = "
                        "e.getBoundingClientRect(); return {x: r.left + r.width / 2, y: r.top + r.height / 2}; })()");
  if (!box.is_object()) throw std::runtime_error("click: nothing matches " + selector);
  const double x = box["x"], y = box["y"];
  call("Input.dispatchMouseEvent", {{"type", "mouseMoved"}, {"x", x}, {"y", y}});
  call("Input.dispatchMouseEvent",
       {{"type", "mousePressed"}, {"x", x}, {"y", y}, {"button", "left"}, {"clickCount", 1}});
  call("Input.dispatchMouseEvent",
       {{"type", "mouseReleased"}, {"x", x}, {"y", y}, {"button", "left"}, {"clickCount", 1}});
}

void Browser::screenshot(const fs::path& file, bool full_page) {
  json params = {{"format", "png"}};
  if (full_page) params["captureBeyondViewport"] = true;
  if (full_page) {
    const json size = eval("({w: document.documentElement.scrollWidth, h: document.documentElement.scrollHeight})");
    params["clip"] = {{"x", 0}, {"y", 0}, {"width", size["w"]}, {"height", size["h"]}, {"scale", 1}};
  }
  const json r = call("Page.captureScreenshot", params);
  write_text(file, base64_decode(r.at("data").get<std::string>()));
}

std::string base64_decode(const std::string& text) {
  auto value = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
  };
  std::string out;
  int bits = 0, acc = 0;
  for (char c : text) {
    const int v = value(c);
    if (v < 0) continue;
    acc = ((acc << 6) | v) & 0xFFFF;  // only the bits not yet output matter (at most 14)
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xFF));
    }
  }
  return out;
}

}  // namespace montest
