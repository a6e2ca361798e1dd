// Plugin trust: whether a plugin file may be loaded, decided on the bytes
// that will be loaded, before the dynamic loader sees them (loading a
// library runs its initialisers, so a check afterwards is too late).
//
// The policy is a JSON file:
//   {"require": true,                         // refuse every untrusted plugin
//    "trusted": "trusted-plugins.sha256",     // "<sha256>  <file>" lines (sha256sum's format)
//    "public_keys": ["release-ed25519.pem"]}  // Ed25519 public keys (PEM)
// Relative paths are relative to the policy file. A plugin file is trusted
// when its SHA-256 is listed in `trusted`, or when <file>.sig holds a
// detached Ed25519 signature of its bytes (64 raw bytes, as `analytica
// plugins sign` or `openssl pkeyutl -sign -rawin` write) made by one of
// `public_keys`. The policy file is ANALYTICA_PLUGIN_TRUST if set, else
// /etc/analytica/plugin-trust.json if it exists, else there is none (every
// plugin loads, as before).
//
// Loading under a policy that requires trust: open_plugin() opens the file
// once, hashes and checks the bytes through that descriptor, and hands back
// "/proc/self/fd/N" for the loader to dlopen — the very bytes checked, no
// check-then-swap of the path. The descriptor stays open as long as the
// PluginFile lives (keep it as long as the library: the loader matches
// libraries by that name).
#ifndef ANALYTICA_HOST_RUN_PLUGIN_TRUST_H
#define ANALYTICA_HOST_RUN_PLUGIN_TRUST_H

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace analytica::trust {

struct Policy {
  std::filesystem::path file;                       // the policy file read; empty if none
  bool require = false;
  std::filesystem::path trusted;                    // the hash list; empty if none
  std::vector<std::filesystem::path> public_keys;
};

// The policy in force (read once per process; ANALYTICA_PLUGIN_TRUST, then
// /etc/analytica/plugin-trust.json). Throws UserError naming the file and key
// for a malformed policy.
const Policy& policy();

// Replaces the policy file to read (for configuration that names one) and
// forgets the policy read so far. An empty path means "none".
void set_policy_file(const std::filesystem::path& file);

// What the policy says about one file's bytes.
struct Verdict {
  std::string sha256;     // lowercase hex of the bytes checked
  bool trusted = false;
  std::string how;        // "sha256 listed in FILE" | "signature by KEY" when trusted
  std::string reason;     // why not, when untrusted (one line, without the file name)
};

// Checks `bytes` (the content of `file`) against the policy.
Verdict check(const std::filesystem::path& file, const std::string& bytes, const Policy& policy);

// Opens and checks `file` (see check()). Throws UserError naming the file and
// its hash when it cannot be read.
Verdict verify_file(const std::filesystem::path& file, const Policy& policy);

// A plugin file opened for loading.
class PluginFile {
 public:
  PluginFile() = default;
  PluginFile(PluginFile&& other) noexcept;
  PluginFile& operator=(PluginFile&& other) noexcept;
  PluginFile(const PluginFile&) = delete;
  PluginFile& operator=(const PluginFile&) = delete;
  ~PluginFile();

  // What to hand the dynamic loader: the file itself when no policy requires
  // trust, else /proc/self/fd/N of the verified descriptor.
  const std::filesystem::path& load_path() const { return load_path_; }
  // The verdict, when the policy required a check.
  const std::optional<Verdict>& verdict() const { return verdict_; }

  friend PluginFile open_plugin(const std::filesystem::path& file);

 private:
  int fd_ = -1;
  std::filesystem::path load_path_;
  std::optional<Verdict> verdict_;
};

// Opens `file` for loading under policy(). When trust is required and the
// bytes are not trusted, throws UserError: "<file>: untrusted plugin refused
// (sha256 <hex>): <reason>".
PluginFile open_plugin(const std::filesystem::path& file);

// Appends "<sha256>  <absolute file>" to the policy's trusted list (created
// if missing; a line already there for the same path is replaced). Returns
// the hash. Throws UserError if the policy names no list.
std::string trust_file(const std::filesystem::path& file, const Policy& policy);

// Signs `file` with the Ed25519 private key in `key_pem` and writes the
// detached signature to `signature_out` (default <file>.sig). Returns the
// signature's path.
std::filesystem::path sign_file(const std::filesystem::path& file, const std::filesystem::path& key_pem,
                                const std::filesystem::path& signature_out = {});

// <file>.sig
std::filesystem::path signature_path(const std::filesystem::path& file);

}  // namespace analytica::trust

#endif  // ANALYTICA_HOST_RUN_PLUGIN_TRUST_H
