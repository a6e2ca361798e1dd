// A test HTTP server on 127.0.0.1 in the test process (cpp-httplib), with a
// log of the requests it received. Register handlers on `http` before
// start(); stop() (or the destructor) ends it.
#ifndef ANALYTICA_TESTS_SOURCES_TEST_SERVER_H
#define ANALYTICA_TESTS_SOURCES_TEST_SERVER_H

#include <httplib.h>

#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

struct SeenRequest {
  std::string path, query, user_agent, if_none_match, if_modified_since, app_token;
  std::map<std::string, std::string> params;
};

class TestServer {
 public:
  TestServer();
  ~TestServer();
  httplib::Server http;
  void start();
  void stop();
  int port() const { return port_; }
  std::string base() const;  // "http://127.0.0.1:PORT"
  // Requests seen so far (all, or those for one path).
  std::vector<SeenRequest> seen(const std::string& path = "") const;

 private:
  int port_ = 0;
  std::thread thread_;
  mutable std::mutex mu_;
  std::vector<SeenRequest> seen_;
};

#endif  // ANALYTICA_TESTS_SOURCES_TEST_SERVER_H
