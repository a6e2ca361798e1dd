// The messages between the host and an isolated plugin's child process
// (analytica-plugin-host): the calls of analytica.h one way, the host
// services the plugin calls from inside them the other way, over one
// stream socket. Private to the host and its helper executable; both are
// built from the same tree, so the format carries no version.
//
// A message is a 4-byte little-endian length, a 1-byte type and the
// payload. Strings are a u64 length and the bytes; an absent (NULL) string
// is a 0 flag byte where the field may be absent.
#ifndef ANALYTICA_HOST_RUN_ISOLATED_WIRE_H
#define ANALYTICA_HOST_RUN_ISOLATED_WIRE_H

#include <analytica.h>
#include <analytica_cpp.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace analytica::wire {

enum class Type : uint8_t {
  // host -> child: calls (answered by done, after any services)
  create = 1,         // settings json, run id
  output_tables = 2,  // answered by tables
  probe = 3,          // store location, input; done carries the score
  extract = 4,        // store location, input
  validate = 5,       // store location, batch
  destroy = 6,        // no answer: the child destroys the instance and exits 0
  // host -> child: answers to services
  status = 20,  // i32
  row = 21,     // values (query results; the status follows)
  // child -> host
  done = 40,          // i32 status (or probe score)
  tables = 41,        // u32 count, schemas
  log = 42,           // u8 level, message (no answer)
  fail = 43,          // message (no answer)
  event = 44,         // u32 kind, message (no answer)
  emit = 45,          // batch; answered by status
  query = 46,         // sql, values; answered by rows then status
  report_check = 47,  // u64 row, check, i32 passed, f64 confidence, reason?, values?; answered by status
};

// The connection broke: the other side closed it, died, or sent garbage.
class Broken : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class Writer {
 public:
  explicit Writer(Type type);
  Writer& u8(uint8_t v);
  Writer& u32(uint32_t v);
  Writer& i32(int32_t v) { return u32(static_cast<uint32_t>(v)); }
  Writer& u64(uint64_t v);
  Writer& f64(double v);
  Writer& str(const std::string& s) { return bytes(s.data(), s.size()); }
  Writer& bytes(const char* p, size_t n);
  Writer& opt_str(const char* s);  // NULL allowed
  Writer& value(const analytica_value& v);
  Writer& values(const analytica_value* v, uint32_t n);
  Writer& input(const analytica_input& in);
  Writer& schema(const analytica_table_schema& s);
  Writer& batch(const analytica_batch& b);
  // Writes the whole message to fd; throws Broken if it cannot.
  void send(int fd);

 private:
  std::string buf_;
};

// An input decoded into owned strings, with its C view.
struct Input {
  std::optional<std::string> uri, path, display_name, sha256, bookmark_key, bookmark_value, etag, error;
  analytica_input view() const;
};

class Reader {
 public:
  Reader(Type type, std::string payload) : type_(type), data_(std::move(payload)) {}
  Type type() const { return type_; }
  uint8_t u8();
  uint32_t u32();
  int32_t i32() { return static_cast<int32_t>(u32()); }
  uint64_t u64();
  double f64();
  std::string str();
  std::optional<std::string> opt_str();
  Cell value();
  std::vector<Cell> values();
  Input input();
  Schema schema();
  Batch batch();

 private:
  const char* take(size_t n);
  Type type_;
  std::string data_;
  size_t at_ = 0;
};

// Reads one message from fd. With a deadline, throws Timeout if it passes
// first. Throws Broken on end of file or a malformed length.
class Timeout : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};
Reader receive(int fd, std::optional<std::chrono::steady_clock::time_point> deadline = std::nullopt,
               bool (*on_wait)(void*) = nullptr, void* user = nullptr);

// C views of decoded cells (text borrowed from the cells).
std::vector<analytica_value> views_of(const std::vector<Cell>& cells);

}  // namespace analytica::wire

#endif  // ANALYTICA_HOST_RUN_ISOLATED_WIRE_H
