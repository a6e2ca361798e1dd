#include "store.h"
#include "utc_time.h"

#include <openssl/evp.h>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <memory>

namespace governance {
using analytica::Failure;

std::vector<Row> Store::query(const std::string& sql, const Row& params) const {
  std::vector<analytica_value> values;
  for (const auto& p : params) values.push_back(analytica::value_of(p));
  std::vector<Row> rows;
  auto on_row = [](void* user, const analytica_value* v, uint32_t n) -> int {
    Row row;
    for (uint32_t i = 0; i < n; ++i) row.push_back(analytica::cell_from(v[i]));
    static_cast<std::vector<Row>*>(user)->push_back(std::move(row));
    return 0;
  };
  const analytica_status s = host_->query(host_->ctx, sql.c_str(), values.data(),
                                          static_cast<uint32_t>(values.size()), on_row, &rows);
  if (s < 0) {
    // The sink's reason went to the host's log; name the statement here.
    const std::string excerpt = sql.size() > 72 ? sql.substr(0, 72) + "..." : sql;
    throw Failure(s, "store query failed: " + excerpt);
  }
  return rows;
}

void Store::write(const analytica::Batch& batch) const {
  const analytica_status s = host_->emit(host_->ctx, batch.view());
  if (s < 0) throw Failure(s, "cannot write " + batch.schema().table());
}

namespace {

using DigestPtr = std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)>;

DigestPtr new_digest() {
  DigestPtr ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  if (!ctx || EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr) != 1)
    throw Failure(ANALYTICA_ERR_INTERNAL, "OpenSSL: cannot initialise SHA-256");
  return ctx;
}

std::string hex_digest(EVP_MD_CTX* ctx) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_DigestFinal_ex(ctx, md, &len);
  static const char* hex = "0123456789abcdef";
  std::string out;
  for (unsigned i = 0; i < len; ++i) {
    out += hex[md[i] >> 4];
    out += hex[md[i] & 15];
  }
  return out;
}

}  // namespace

std::string sha256_file(const std::string& path, int64_t* size) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Failure(ANALYTICA_ERR_IO, path + ": cannot open for reading");
  DigestPtr ctx = new_digest();
  std::vector<char> buf(1 << 16);
  int64_t total = 0;
  while (in) {
    in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
    EVP_DigestUpdate(ctx.get(), buf.data(), static_cast<size_t>(in.gcount()));
    total += in.gcount();
  }
  if (in.bad()) throw Failure(ANALYTICA_ERR_IO, path + ": read error");
  if (size) *size = total;
  return hex_digest(ctx.get());
}

std::string sha256_text(const std::string& text) {
  DigestPtr ctx = new_digest();
  EVP_DigestUpdate(ctx.get(), text.data(), text.size());
  return hex_digest(ctx.get());
}

std::string now_utc() { return analytica::utc::now_iso8601_ms(); }

}  // namespace governance
