// Small helpers shared by the host's parts: hashing, ids, time, JSON escaping.
#ifndef ANALYTICA_HOST_RUN_UTIL_H
#define ANALYTICA_HOST_RUN_UTIL_H

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <stdexcept>
#include <string>

namespace analytica {

// An error the user caused (bad config, bad input): printed as one line,
// exit status 2. Other exceptions exit with status 1.
class UserError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Two lowercase hex digits per byte of bytes[0..n).
std::string lower_hex(const unsigned char* bytes, size_t n);

// Lowercase hex SHA-256 of a file's bytes. Throws UserError naming the file
// if it cannot be read.
std::string sha256_file(const std::filesystem::path& file);

// Lowercase hex SHA-256 of a string.
std::string sha256_text(const std::string& text);

// A random RFC 4122 version-4 UUID.
std::string new_uuid();

// Current time as ISO 8601 UTC with milliseconds ("2026-11-25T19:08:07.123Z").
std::string now_iso8601();
int64_t now_unix_ms();

// Reads a whole file; throws UserError naming it on failure.
std::string read_file(const std::filesystem::path& file);

// Directory of the running executable.
std::filesystem::path exe_dir();

}  // namespace analytica

#endif  // ANALYTICA_HOST_RUN_UTIL_H
