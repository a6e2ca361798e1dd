// `analytica serve` against slow clients (issue 14 item 3): connections that
// send nothing and connections that trickle a header byte at a time must
// not keep /health from answering, must be closed after the serve loop's
// deadlines, and must not delay SIGTERM. The real `analytica serve` over a
// store written by the real `analytica run`.
#include "support.h"

#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

using namespace montest;
using Clock = std::chrono::steady_clock;

namespace {

// One report ingested; serve answers /health from it.
struct Fixture {
  DataDir d;
  Fixture() {
    d.add_reports({expected_month()});
    const CliResult r = d.run();
    INFO(r.err);
    REQUIRE(r.status == 0);
  }
};


// `silent` connections that never send a byte and `trickling` ones that
// start a request and then send one header byte every 100 ms, as long as
// the object lives (or until the server closes them).
class SlowClients {
 public:
  SlowClients(int port, int silent, int trickling) {
    for (int i = 0; i < silent; ++i) silent_.push_back(connect_to(port));
    for (int i = 0; i < trickling; ++i) {
      const int fd = connect_to(port);
      if (fd >= 0) send(fd, "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ", 48, MSG_NOSIGNAL);
      trickling_.push_back(fd);
    }
    ticker_ = std::thread([this] {
      while (!done_) {
        for (int fd : trickling_)
          if (fd >= 0) send(fd, "x", 1, MSG_NOSIGNAL);
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
      }
    });
  }
  ~SlowClients() {
    done_ = true;
    ticker_.join();
    for (int fd : silent_) close(fd);
    for (int fd : trickling_) close(fd);
  }
  int connected() const {
    int n = 0;
    for (int fd : silent_) n += fd >= 0;
    for (int fd : trickling_) n += fd >= 0;
    return n;
  }
  // What the server sent on the first connection of a kind before closing
  // it, waiting up to `limit`; "<open>" if it is still open then.
  std::string first_silent_ending(std::chrono::milliseconds limit) const { return ending(silent_.at(0), limit); }
  std::string first_trickling_ending(std::chrono::milliseconds limit) const { return ending(trickling_.at(0), limit); }

 private:
  static std::string ending(int fd, std::chrono::milliseconds limit) {
    std::string got;
    const auto deadline = Clock::now() + limit;
    while (Clock::now() < deadline) {
      pollfd p{fd, POLLIN, 0};
      if (poll(&p, 1, 50) <= 0) continue;
      char buf[4096];
      const ssize_t n = recv(fd, buf, sizeof buf, 0);
      if (n <= 0) return got;
      got.append(buf, static_cast<size_t>(n));
    }
    return "<open>";
  }
  std::vector<int> silent_, trickling_;
  std::atomic<bool> done_{false};
  std::thread ticker_;
};

double ms_since(Clock::time_point t) { return std::chrono::duration<double, std::milli>(Clock::now() - t).count(); }

}  // namespace

TEST_CASE("32 silent and 32 trickling connections do not delay /health", "[serve][slow]") {
  Fixture f;
  Server s(f.d.data);
  SlowClients slow(s.port(), 32, 32);
  REQUIRE(slow.connected() == 64);
  std::this_thread::sleep_for(std::chrono::milliseconds(200));  // the slow ones are in first
  const auto start = Clock::now();
  const HttpReply health = http(s.port(), "/health");
  const double took = ms_since(start);
  INFO("GET /health with 64 slow connections open took " << took << " ms");
  CHECK((health.status == 200 || health.status == 503));
  CHECK(health.header("X-Analytica-Health") != "");
  CHECK(took < 1000);
  // The serve loop's deadlines: a started request must be whole within
  // 500 ms of its first byte (408), a silent connection is closed after
  // its idle limit; neither is kept open by the trickle.
  CHECK(slow.first_trickling_ending(std::chrono::milliseconds(3000)).rfind("HTTP/1.1 408", 0) == 0);
  CHECK(slow.first_silent_ending(std::chrono::milliseconds(3000)).empty());
}

TEST_CASE("connections beyond the cap close the oldest waiting ones, not /health", "[serve][slow]") {
  Fixture f;
  Server s(f.d.data);
  SlowClients slow(s.port(), 300, 0);  // the cap is 256
  const auto start = Clock::now();
  const HttpReply health = http(s.port(), "/health");
  const double took = ms_since(start);
  INFO("GET /health after 300 silent connections took " << took << " ms");
  CHECK((health.status == 200 || health.status == 503));
  CHECK(took < 1000);
  CHECK(slow.first_silent_ending(std::chrono::milliseconds(100)).empty());  // closed to make room
}

TEST_CASE("SIGTERM stops serve within a second while slow clients hold connections", "[serve][sigterm]") {
  Fixture f;
  Server s(f.d.data);
  SlowClients slow(s.port(), 16, 16);
  REQUIRE(slow.connected() == 32);
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  const auto start = Clock::now();
  const int status = s.stop();  // SIGTERM, then waits for the exit
  const double took = ms_since(start);
  INFO("serve exited " << took << " ms after SIGTERM with 32 slow connections");
  CHECK(status == 0);
  CHECK(took <= 1500);
}
