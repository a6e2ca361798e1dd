// Governance reaches the store only through the host: rows out through
// host->emit() (written by the sink inside the host's transaction), reads
// through host->query().
#ifndef ANALYTICA_PLUGINS_GOVERNANCE_STORE_H
#define ANALYTICA_PLUGINS_GOVERNANCE_STORE_H

#include <analytica_cpp.hpp>

#include <string>
#include <vector>

namespace governance {

using Row = std::vector<analytica::Cell>;

class Store {
 public:
  explicit Store(const analytica_host* host) : host_(host) {}

  // Runs a `?`-parameterised query; throws analytica::Failure on error.
  std::vector<Row> query(const std::string& sql, const Row& params = {}) const;

  // Writes (upserts) the batch; an empty batch only declares its table.
  void write(const analytica::Batch& batch) const;

  const analytica_host* host() const { return host_; }

 private:
  const analytica_host* host_;
};

// Lowercase hex SHA-256 of a file; throws Failure(ANALYTICA_ERR_IO) naming it.
std::string sha256_file(const std::string& path, int64_t* size);

// Lowercase hex SHA-256 of a string.
std::string sha256_text(const std::string& text);

// ISO 8601 UTC now with milliseconds, e.g. "2026-11-25T19:08:07.123Z"
// (sorts as text in time order).
std::string now_utc();

}  // namespace governance

#endif  // ANALYTICA_PLUGINS_GOVERNANCE_STORE_H
