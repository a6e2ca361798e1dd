// Plugin trust: SHA-256 lists and detached Ed25519 signatures, checked on
// the descriptor that will be loaded (see plugin_trust.h).
#include "run/plugin_trust.h"

#include "run/config.h"
#include "run/util.h"

#include <nlohmann/json.hpp>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <memory>
#include <mutex>
#include <sstream>

namespace analytica::trust {
namespace fs = std::filesystem;

namespace {

std::mutex policy_mutex;
std::optional<Policy> loaded_policy;
std::optional<fs::path> policy_override;

std::string sha256_hex(const std::string& bytes) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  if (!ctx || EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr) != 1 ||
      EVP_DigestUpdate(ctx.get(), bytes.data(), bytes.size()) != 1 || EVP_DigestFinal_ex(ctx.get(), md, &len) != 1)
    throw std::runtime_error("SHA-256 failed (OpenSSL)");
  return lower_hex(md, len);
}

// Reads everything through fd, from offset 0.
std::string read_fd(int fd, const fs::path& file) {
  std::string out;
  char buf[1 << 16];
  off_t at = 0;
  for (;;) {
    const ssize_t n = ::pread(fd, buf, sizeof buf, at);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw UserError(file.string() + ": cannot read plugin file (" + std::strerror(errno) + ")");
    }
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
    at += n;
  }
  return out;
}

std::string read_small_file(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return {};
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

using PKey = std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)>;

PKey read_key(const fs::path& file, bool private_key) {
  const std::string pem = read_small_file(file);
  if (pem.empty()) throw UserError(file.string() + ": cannot read key");
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), BIO_free);
  PKey key(private_key ? PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr)
                       : PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr),
           EVP_PKEY_free);
  if (!key) throw UserError(file.string() + ": not a PEM " + (private_key ? "private" : "public") + " key");
  if (EVP_PKEY_id(key.get()) != EVP_PKEY_ED25519) throw UserError(file.string() + ": not an Ed25519 key");
  return key;
}

bool signature_valid(const std::string& bytes, const std::string& sig, const fs::path& public_key) {
  PKey key = read_key(public_key, false);
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  if (!ctx || EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, key.get()) != 1) return false;
  return EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(sig.data()), sig.size(),
                          reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size()) == 1;
}

// The trusted list: sha256 -> the file named beside it.
struct ListEntry {
  std::string sha256, file;
};

std::vector<ListEntry> read_list(const fs::path& list) {
  std::vector<ListEntry> out;
  std::ifstream in(list);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    const size_t space = line.find_first_of(" \t");
    std::string sha = line.substr(0, space), name;
    if (space != std::string::npos) {
      name = line.substr(space);
      name.erase(0, name.find_first_not_of(" \t*"));  // sha256sum writes " *" for binary mode
    }
    if (sha.size() == 64) out.push_back({sha, name});
  }
  return out;
}

Policy read_policy(const fs::path& file) {
  Policy p;
  p.file = file;
  const std::string where = file.string();
  const nlohmann::json j = read_json_file(file);
  check_object(j, where, "", {{"require", "boolean"}, {"trusted", "string"}, {"public_keys", "array"},
                              {"$comment", "any"}});
  const fs::path base = file.parent_path();
  auto resolve = [&](const std::string& s) { return fs::path(s).is_absolute() ? fs::path(s) : base / s; };
  p.require = j.value("require", false);
  if (j.contains("trusted")) p.trusted = resolve(j["trusted"].get<std::string>());
  if (j.contains("public_keys"))
    for (size_t i = 0; i < j["public_keys"].size(); ++i) {
      if (!j["public_keys"][i].is_string())
        throw UserError(where + ": public_keys[" + std::to_string(i) + "]: expected string");
      p.public_keys.push_back(resolve(j["public_keys"][i].get<std::string>()));
    }
  if (p.require && p.trusted.empty() && p.public_keys.empty())
    throw UserError(where + ": require is true but neither \"trusted\" nor \"public_keys\" is set");
  return p;
}

}  // namespace

const Policy& policy() {
  std::lock_guard<std::mutex> lock(policy_mutex);
  if (!loaded_policy) {
    fs::path file;
    if (policy_override) {
      file = *policy_override;
    } else if (const char* env = std::getenv("ANALYTICA_PLUGIN_TRUST"); env && *env) {
      file = env;
      if (!fs::exists(file)) throw UserError(file.string() + ": no such file (ANALYTICA_PLUGIN_TRUST)");
    } else if (fs::exists("/etc/analytica/plugin-trust.json")) {
      file = "/etc/analytica/plugin-trust.json";
    }
    loaded_policy = file.empty() ? Policy{} : read_policy(file);
  }
  return *loaded_policy;
}

void set_policy_file(const fs::path& file) {
  std::lock_guard<std::mutex> lock(policy_mutex);
  policy_override = file;
  loaded_policy.reset();
}

fs::path signature_path(const fs::path& file) { return fs::path(file.string() + ".sig"); }

Verdict check(const fs::path& file, const std::string& bytes, const Policy& p) {
  Verdict v;
  v.sha256 = sha256_hex(bytes);
  std::string listed_other;  // the hash the list trusts for this very file, if another
  if (!p.trusted.empty()) {
    std::error_code ec;
    const fs::path abs = fs::weakly_canonical(file, ec);
    for (const auto& e : read_list(p.trusted)) {
      if (e.sha256 == v.sha256) {
        v.trusted = true;
        v.how = "sha256 listed in " + p.trusted.string();
        return v;
      }
      if (!e.file.empty() && (e.file == file.string() || e.file == abs.string())) listed_other = e.sha256;
    }
  }
  const fs::path sig_file = signature_path(file);
  std::string sig_note;
  if (!p.public_keys.empty()) {
    const std::string sig = read_small_file(sig_file);
    if (sig.empty()) {
      sig_note = "no signature " + sig_file.string();
    } else if (sig.size() != 64) {
      sig_note = "signature " + sig_file.string() + " is not 64 bytes";
    } else {
      for (const auto& key : p.public_keys)
        if (signature_valid(bytes, sig, key)) {
          v.trusted = true;
          v.how = "signature by " + key.string();
          return v;
        }
      sig_note = "signature " + sig_file.string() + " does not verify with any of " +
                 std::to_string(p.public_keys.size()) + " configured key(s)";
    }
  }
  if (!listed_other.empty())
    v.reason = "modified since trusted (" + p.trusted.string() + " lists sha256 " + listed_other + ")";
  else if (!p.trusted.empty())
    v.reason = "sha256 not in " + p.trusted.string();
  if (!sig_note.empty()) v.reason += (v.reason.empty() ? "" : "; ") + sig_note;
  if (v.reason.empty()) v.reason = "the trust policy lists no hashes and no keys";
  return v;
}

// The whole file, opened and closed here; throws UserError naming it.
std::string read_file_bytes(const fs::path& file) {
  const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw UserError(file.string() + ": cannot open plugin file (" + std::strerror(errno) + ")");
  std::string bytes;
  try {
    bytes = read_fd(fd, file);
  } catch (...) {
    ::close(fd);
    throw;
  }
  ::close(fd);
  return bytes;
}

Verdict verify_file(const fs::path& file, const Policy& p) { return check(file, read_file_bytes(file), p); }

PluginFile::PluginFile(PluginFile&& o) noexcept
    : fd_(o.fd_), load_path_(std::move(o.load_path_)), verdict_(std::move(o.verdict_)) {
  o.fd_ = -1;
}

PluginFile& PluginFile::operator=(PluginFile&& o) noexcept {
  if (this != &o) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = o.fd_;
    o.fd_ = -1;
    load_path_ = std::move(o.load_path_);
    verdict_ = std::move(o.verdict_);
  }
  return *this;
}

PluginFile::~PluginFile() {
  if (fd_ >= 0) ::close(fd_);
}

PluginFile open_plugin(const fs::path& file) {
  PluginFile out;
  const Policy& p = policy();
  if (!p.require) {
    out.load_path_ = file;
    return out;
  }
  out.fd_ = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
  if (out.fd_ < 0) throw UserError(file.string() + ": cannot open plugin file (" + std::strerror(errno) + ")");
  struct stat before {}, after {};
  if (::fstat(out.fd_, &before) != 0 || !S_ISREG(before.st_mode))
    throw UserError(file.string() + ": untrusted plugin refused: not a regular file");
  const std::string bytes = read_fd(out.fd_, file);
  Verdict v = check(file, bytes, p);
  // The bytes hashed must be the file's whole content as it stands now.
  if (::fstat(out.fd_, &after) != 0 || after.st_size != before.st_size ||
      after.st_mtim.tv_sec != before.st_mtim.tv_sec || after.st_mtim.tv_nsec != before.st_mtim.tv_nsec ||
      static_cast<off_t>(bytes.size()) != after.st_size)
    throw UserError(file.string() + ": untrusted plugin refused (sha256 " + v.sha256 +
                    "): the file changed while it was being verified");
  if (!v.trusted)
    throw UserError(file.string() + ": untrusted plugin refused (sha256 " + v.sha256 + "): " + v.reason);
  out.load_path_ = "/proc/self/fd/" + std::to_string(out.fd_);
  out.verdict_ = std::move(v);
  return out;
}

std::string trust_file(const fs::path& file, const Policy& p) {
  if (p.trusted.empty())
    throw UserError(p.file.empty() ? std::string("no trust policy (set ANALYTICA_PLUGIN_TRUST or create "
                                                 "/etc/analytica/plugin-trust.json with a \"trusted\" list)")
                                   : p.file.string() + ": names no \"trusted\" list");
  const Verdict v = verify_file(file, p);
  const std::string abs = fs::weakly_canonical(file).string();
  std::string kept;
  {
    std::ifstream in(p.trusted);
    std::string line;
    while (std::getline(in, line)) {
      const size_t space = line.find_first_of(" \t");
      std::string name = space == std::string::npos ? "" : line.substr(space);
      name.erase(0, name.find_first_not_of(" \t*"));
      if (name == abs) continue;  // replaced below
      kept += line + "\n";
    }
  }
  if (!p.trusted.parent_path().empty()) fs::create_directories(p.trusted.parent_path());
  const fs::path tmp = p.trusted.string() + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << kept << v.sha256 << "  " << abs << "\n";
    if (!out) throw UserError(tmp.string() + ": cannot write");
  }
  fs::rename(tmp, p.trusted);
  return v.sha256;
}

fs::path sign_file(const fs::path& file, const fs::path& key_pem, const fs::path& signature_out) {
  PKey key = read_key(key_pem, true);
  const std::string bytes = read_file_bytes(file);
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  unsigned char sig[64];
  size_t sig_len = sizeof sig;
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, key.get()) != 1 ||
      EVP_DigestSign(ctx.get(), sig, &sig_len, reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size()) != 1)
    throw UserError(file.string() + ": signing failed (OpenSSL)");
  const fs::path out_path = signature_out.empty() ? signature_path(file) : signature_out;
  const fs::path tmp = out_path.string() + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(sig), static_cast<std::streamsize>(sig_len));
    if (!out) throw UserError(tmp.string() + ": cannot write");
  }
  fs::rename(tmp, out_path);
  return out_path;
}

}  // namespace analytica::trust
