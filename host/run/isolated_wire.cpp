#include "run/isolated_wire.h"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cerrno>
#include <cstring>

namespace analytica::wire {
namespace {

constexpr uint32_t kMaxMessage = 1u << 30;  // a batch bigger than 1 GiB is garbage

void put_le(std::string& buf, uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) buf.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}
uint64_t get_le(const char* p, int bytes) {
  uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) v |= static_cast<uint64_t>(static_cast<unsigned char>(p[i])) << (8 * i);
  return v;
}

// Reads exactly n bytes, waiting at most until the deadline (if any).
void read_exact(int fd, char* out, size_t n, std::optional<std::chrono::steady_clock::time_point> deadline,
                bool (*on_wait)(void*), void* user) {
  while (n > 0) {
    int wait_ms = -1;
    if (deadline || on_wait) {
      wait_ms = 100;
      if (deadline) {
        const auto left =
            std::chrono::duration_cast<std::chrono::milliseconds>(*deadline - std::chrono::steady_clock::now()).count();
        if (left <= 0) throw Timeout("timed out");
        if (left < wait_ms) wait_ms = static_cast<int>(left);
      }
    }
    pollfd p{fd, POLLIN, 0};
    const int r = ::poll(&p, 1, wait_ms);
    if (r < 0) {
      if (errno == EINTR) continue;
      throw Broken(std::string("poll: ") + std::strerror(errno));
    }
    if (r == 0) {
      if (on_wait) on_wait(user);
      continue;
    }
    const ssize_t got = ::read(fd, out, n);
    if (got < 0) {
      if (errno == EINTR || errno == EAGAIN) continue;
      throw Broken(std::string("read: ") + std::strerror(errno));
    }
    if (got == 0) throw Broken("connection closed");
    out += got;
    n -= static_cast<size_t>(got);
  }
}

}  // namespace

Writer::Writer(Type type) {
  put_le(buf_, 0, 4);
  buf_.push_back(static_cast<char>(type));
}
Writer& Writer::u8(uint8_t v) {
  buf_.push_back(static_cast<char>(v));
  return *this;
}
Writer& Writer::u32(uint32_t v) {
  put_le(buf_, v, 4);
  return *this;
}
Writer& Writer::u64(uint64_t v) {
  put_le(buf_, v, 8);
  return *this;
}
Writer& Writer::f64(double v) {
  uint64_t bits;
  std::memcpy(&bits, &v, sizeof bits);
  return u64(bits);
}
Writer& Writer::bytes(const char* p, size_t n) {
  u64(n);
  buf_.append(p, n);
  return *this;
}
Writer& Writer::opt_str(const char* s) {
  u8(s ? 1 : 0);
  if (s) str(s);
  return *this;
}
Writer& Writer::value(const analytica_value& v) {
  u8(static_cast<uint8_t>(v.type));
  switch (v.type) {
    case ANALYTICA_INT64:
      u64(static_cast<uint64_t>(v.as.i));
      break;
    case ANALYTICA_DOUBLE:
      f64(v.as.d);
      break;
    case ANALYTICA_TEXT:
      bytes(v.as.text.ptr ? v.as.text.ptr : "", v.as.text.ptr ? v.as.text.len : 0);
      break;
    default:
      break;
  }
  return *this;
}
Writer& Writer::values(const analytica_value* v, uint32_t n) {
  u32(n);
  for (uint32_t i = 0; i < n; ++i) value(v[i]);
  return *this;
}
Writer& Writer::input(const analytica_input& in) {
  for (const char* s :
       {in.uri, in.path, in.display_name, in.sha256, in.bookmark_key, in.bookmark_value, in.etag, in.error})
    opt_str(s);
  return *this;
}
Writer& Writer::schema(const analytica_table_schema& s) {
  opt_str(s.table);
  u32(s.column_count);
  for (uint32_t i = 0; i < s.column_count; ++i) {
    opt_str(s.columns[i].name);
    u32(static_cast<uint32_t>(s.columns[i].type));
    u32(s.columns[i].flags);
  }
  return *this;
}
Writer& Writer::batch(const analytica_batch& b) {
  schema(*b.schema);
  opt_str(b.source_id);
  u64(b.row_count);
  u8(b.provenance ? 1 : 0);
  const uint64_t cells = b.row_count * b.schema->column_count;
  for (uint64_t k = 0; k < cells; ++k) {
    value(b.values[k]);
    if (b.provenance) {
      const analytica_provenance& p = b.provenance[k];
      i32(p.page);
      for (double d : {p.box.x0, p.box.y0, p.box.x1, p.box.y1, p.confidence}) f64(d);
    }
  }
  return *this;
}
void Writer::send(int fd) {
  if (buf_.size() - 4 > kMaxMessage) throw Broken("message too large");
  const uint64_t length = buf_.size() - 4;
  for (int i = 0; i < 4; ++i) buf_[static_cast<size_t>(i)] = static_cast<char>((length >> (8 * i)) & 0xff);
  const char* p = buf_.data();
  size_t n = buf_.size();
  while (n > 0) {
    const ssize_t w = ::send(fd, p, n, MSG_NOSIGNAL);
    if (w < 0) {
      if (errno == EINTR) continue;
      throw Broken(std::string("send: ") + std::strerror(errno));
    }
    p += w;
    n -= static_cast<size_t>(w);
  }
}

analytica_input Input::view() const {
  auto c = [](const std::optional<std::string>& s) { return s ? s->c_str() : nullptr; };
  return {sizeof(analytica_input), c(uri),  c(path), c(display_name), c(sha256), c(bookmark_key),
          c(bookmark_value),       c(etag), c(error)};
}

const char* Reader::take(size_t n) {
  if (n > data_.size() - at_) throw Broken("truncated message");
  const char* p = data_.data() + at_;
  at_ += n;
  return p;
}
uint8_t Reader::u8() { return static_cast<uint8_t>(*take(1)); }
uint32_t Reader::u32() { return static_cast<uint32_t>(get_le(take(4), 4)); }
uint64_t Reader::u64() { return get_le(take(8), 8); }
double Reader::f64() {
  const uint64_t bits = u64();
  double d;
  std::memcpy(&d, &bits, sizeof d);
  return d;
}
std::string Reader::str() {
  const uint64_t n = u64();
  if (n > data_.size()) throw Broken("truncated message");
  const char* p = take(static_cast<size_t>(n));
  return std::string(p, static_cast<size_t>(n));
}
std::optional<std::string> Reader::opt_str() {
  if (!u8()) return std::nullopt;
  return str();
}
Cell Reader::value() {
  switch (static_cast<analytica_type>(u8())) {
    case ANALYTICA_INT64:
      return Cell::of(static_cast<int64_t>(u64()));
    case ANALYTICA_DOUBLE:
      return Cell::of(f64());
    case ANALYTICA_TEXT:
      return Cell::of(str());
    default:
      return Cell::null();
  }
}
std::vector<Cell> Reader::values() {
  const uint32_t n = u32();
  std::vector<Cell> out;
  for (uint32_t i = 0; i < n; ++i) out.push_back(value());
  return out;
}
Input Reader::input() {
  Input in;
  for (auto* s :
       {&in.uri, &in.path, &in.display_name, &in.sha256, &in.bookmark_key, &in.bookmark_value, &in.etag, &in.error})
    *s = opt_str();
  return in;
}
Schema Reader::schema() {
  const std::string table = opt_str().value_or("");
  const uint32_t n = u32();
  std::vector<Column> columns;
  for (uint32_t i = 0; i < n; ++i) {
    Column c;
    c.name = opt_str().value_or("");
    c.type = static_cast<analytica_type>(u32());
    c.flags = u32();
    columns.push_back(std::move(c));
  }
  return Schema(table, std::move(columns));
}
Batch Reader::batch() {
  Batch b(schema());
  b.source_id = opt_str().value_or("");
  const uint64_t rows = u64();
  const bool with_provenance = u8() != 0;
  const size_t columns = b.schema().columns().size();
  for (uint64_t r = 0; r < rows; ++r) {
    auto& row = b.add_row();
    for (size_t c = 0; c < columns; ++c) {
      row[c] = value();
      if (with_provenance) {
        analytica_provenance& p = row[c].where;
        p.page = i32();
        for (double* d : {&p.box.x0, &p.box.y0, &p.box.x1, &p.box.y1, &p.confidence}) *d = f64();
      }
    }
  }
  return b;
}

Reader receive(int fd, std::optional<std::chrono::steady_clock::time_point> deadline, bool (*on_wait)(void*),
               void* user) {
  char head[5];
  read_exact(fd, head, sizeof head, deadline, on_wait, user);
  const uint64_t length = get_le(head, 4);
  if (length < 1 || length - 1 > kMaxMessage) throw Broken("malformed message length");
  std::string payload(static_cast<size_t>(length - 1), '\0');
  if (!payload.empty()) read_exact(fd, payload.data(), payload.size(), deadline, on_wait, user);
  return Reader(static_cast<Type>(head[4]), std::move(payload));
}

std::vector<analytica_value> views_of(const std::vector<Cell>& cells) {
  std::vector<analytica_value> out;
  out.reserve(cells.size());
  for (const auto& c : cells) out.push_back(value_of(c));
  return out;
}

}  // namespace analytica::wire
