#include "support.h"

#include <catch2/catch.hpp>
#include <libpq-fe.h>

#include <dlfcn.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <random>
#include <sstream>
#include <stdexcept>

#ifndef ANALYTICA_EXE
#error "ANALYTICA_EXE, PLUGIN_DIR, CREB_SYNTH_EXE and PG_INFO_FILE must be defined"
#endif

namespace storage_test {

TempDir::TempDir() {
  std::string tmpl = (fs::temp_directory_path() / "analytica-storage-XXXXXX").string();
  if (!mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
  path = tmpl;
}

TempDir::~TempDir() {
  std::error_code ec;
  fs::remove_all(path, ec);
}

void write_text(const fs::path& file, const std::string& text) {
  if (file.has_parent_path()) fs::create_directories(file.parent_path());
  std::ofstream(file, std::ios::binary) << text;
}

std::string read_text(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

std::string shell_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

std::string cli_command(const std::vector<std::string>& args, const std::string& env) {
  std::string cmd = env + " " + shell_quote(ANALYTICA_EXE) + " --plugin-dir " + shell_quote(PLUGIN_DIR) + " --log-file ''";
  for (const auto& a : args) cmd += " " + shell_quote(a);
  return cmd;
}

CliResult run_cli(const std::vector<std::string>& args, const std::string& env) {
  TempDir io;
  const std::string cmd = cli_command(args, env) + " >" + shell_quote((io / "out").string()) + " 2>" +
                          shell_quote((io / "err").string());
  const int rc = std::system(cmd.c_str());
  CliResult r;
  r.status = WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
  r.out = read_text(io / "out");
  r.err = read_text(io / "err");
  return r;
}

void synth_reports(const fs::path& dir, const std::vector<std::string>& months, const std::vector<std::string>& extra) {
  for (const auto& m : months) {
    std::string cmd = shell_quote(CREB_SYNTH_EXE) + " --quiet --out " + shell_quote(dir.string()) + " --month " + m;
    for (const auto& e : extra) cmd += " " + shell_quote(e);
    if (std::system(cmd.c_str()) != 0) throw std::runtime_error("creb-synth failed: " + cmd);
  }
}

std::string json_string(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

std::string creb_pipeline(const fs::path& inbox, const std::string& sinks_json) {
  return "{\"name\": \"creb\", \"table_prefix\": \"housing_\",\n"
         " \"sources\": [{\"plugin\": \"source_directory\", \"settings\": {\"path\": " +
         json_string(inbox.string()) +
         ", \"pattern\": \"*.pdf\"}}],\n"
         " \"extractors\": [{\"plugin\": \"extractor_creb\"}],\n"
         " \"validators\": [],\n"
         " \"sinks\": " +
         sinks_json + ",\n \"monitors\": []}\n";
}

// ------------------------------------------------------------ test host

TestHost::TestHost() {
  host_.struct_size = sizeof host_;
  host_.abi_major = ANALYTICA_ABI_MAJOR;
  host_.abi_minor = ANALYTICA_ABI_MINOR;
  host_.ctx = this;
  host_.run_id = "";
  host_.log = &TestHost::on_log;
  host_.fail = &TestHost::on_fail;
  host_.is_cancelled = &TestHost::on_is_cancelled;
}

std::string TestHost::last_failure() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return failures_.empty() ? "" : failures_.back();
}

std::vector<std::string> TestHost::logs() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return logs_;
}

void TestHost::on_log(void* ctx, analytica_log_level, const char* message) {
  auto& self = *static_cast<TestHost*>(ctx);
  std::lock_guard<std::mutex> lock(self.mutex_);
  self.logs_.emplace_back(message ? message : "");
}

void TestHost::on_fail(void* ctx, const char* message) {
  auto& self = *static_cast<TestHost*>(ctx);
  std::lock_guard<std::mutex> lock(self.mutex_);
  self.failures_.emplace_back(message ? message : "");
}

int TestHost::on_is_cancelled(void* ctx) { return static_cast<TestHost*>(ctx)->cancelled.load() ? 1 : 0; }

// ---------------------------------------------------------- sink modules

const SinkModule& SinkModule::get(const std::string& file) {
  static std::mutex mutex;
  static std::map<std::string, std::unique_ptr<SinkModule>> loaded;
  std::lock_guard<std::mutex> lock(mutex);
  auto& slot = loaded[file];
  if (slot) return *slot;
  void* handle = dlopen(file.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!handle) throw std::runtime_error("dlopen " + file + ": " + dlerror());
  const auto entry = reinterpret_cast<analytica_entry_fn>(dlsym(handle, ANALYTICA_ENTRY));
  if (!entry) throw std::runtime_error("no " ANALYTICA_ENTRY " in " + file);
  auto m = std::make_unique<SinkModule>();
  m->file = file;
  m->descriptor = entry();
  m->sink = static_cast<const analytica_sink_v1*>(m->descriptor->get_interface(ANALYTICA_SINK_V1));
  if (!m->sink) throw std::runtime_error("no sink interface in " + file);
  slot = std::move(m);
  return *slot;
}

Sink::Sink(const std::string& module_file, const std::string& settings_json) : module_(SinkModule::get(module_file)) {
  status_ = module_.descriptor->create(host_.table(), settings_json.c_str(), &self_);
}

Sink::~Sink() { module_.descriptor->destroy(self_); }

analytica_status Sink::declare(const Schema& schema) { return module_.sink->declare_table(self_, schema.view()); }
analytica_status Sink::begin() { return module_.sink->begin(self_); }
analytica_status Sink::commit() { return module_.sink->commit(self_); }
analytica_status Sink::rollback() { return module_.sink->rollback(self_); }
analytica_status Sink::write(const Batch& batch) { return module_.sink->write(self_, batch.view()); }
analytica_status Sink::lock_source(const std::string& key) {
  if (!module_.sink->lock_source) return ANALYTICA_ERR_UNSUPPORTED;
  return module_.sink->lock_source(self_, key.c_str());
}

namespace {
int collect_rows(void* user, const analytica_value* values, uint32_t count) {
  auto& rows = *static_cast<std::vector<Row>*>(user);
  Row row;
  for (uint32_t i = 0; i < count; ++i) row.push_back(analytica::cell_from(values[i]));
  rows.push_back(std::move(row));
  return 0;
}
}  // namespace

analytica_status Sink::query(const std::string& sql, const std::vector<Cell>& params, std::vector<Row>& out) {
  std::vector<analytica_value> values;
  for (const auto& p : params) values.push_back(analytica::value_of(p));
  return module_.sink->query(self_, sql.c_str(), values.data(), static_cast<uint32_t>(values.size()), &collect_rows,
                             &out);
}

analytica_status Sink::query_with(const std::string& sql, analytica_row_fn fn, void* user) {
  return module_.sink->query(self_, sql.c_str(), nullptr, 0, fn, user);
}

std::vector<Row> Sink::rows(const std::string& sql, const std::vector<Cell>& params) {
  std::vector<Row> out;
  const analytica_status s = query(sql, params, out);
  INFO(sql << ": " << error());
  REQUIRE(s == ANALYTICA_OK);
  return out;
}

std::vector<std::string> Sink::text_rows(const std::string& sql, const std::vector<Cell>& params) {
  std::vector<std::string> text;
  for (const auto& row : rows(sql, params)) {
    std::string line;
    for (size_t i = 0; i < row.size(); ++i) line += (i ? "|" : "") + show(row[i]);
    text.push_back(line);
  }
  return text;
}

std::string show(const Cell& c) {
  switch (c.type) {
    case ANALYTICA_INT64: return std::to_string(c.i);
    case ANALYTICA_DOUBLE: {
      char buf[64];
      std::snprintf(buf, sizeof buf, "%.17g", c.d);
      return std::string("d:") + buf;
    }
    case ANALYTICA_TEXT: return c.text;
    default: return "NULL";
  }
}

Cell I(int64_t v) { return Cell::of(v); }
Cell D(double v) { return Cell::of(v); }
Cell T(const std::string& v) { return Cell::of(v); }
Cell N() { return Cell::null(); }

Batch make_batch(const Schema& schema, const std::vector<Row>& rows) {
  Batch batch(schema);
  for (const auto& r : rows) {
    auto& row = batch.add_row();
    for (size_t i = 0; i < r.size() && i < row.size(); ++i) row[i] = r[i];
  }
  return batch;
}

// --------------------------------------------------------------- postgres

std::string PgServer::conninfo(const std::string& extra) const {
  return "host=" + host + " port=" + port + " dbname=" + dbname + " user=" + user + (extra.empty() ? "" : " " + extra);
}

namespace {

// Reads the INFO_FILE once: the server, or the reason there is none.
struct ServerState {
  std::optional<PgServer> server;
  std::string problem;
};

const ServerState& server_state() {
  static const ServerState state = [] {
    ServerState s;
    const char* env_file = std::getenv("ANALYTICA_TEST_PG_INFO");
    const std::string file = env_file && *env_file ? env_file : PG_INFO_FILE;
    const std::string how = "start it with `deployment/postgres.sh start " + file +
                            "` (ctest does so through the fixture test storage.postgres_start), or set "
                            "ANALYTICA_SKIP_POSTGRES=1 to skip the PostgreSQL tests";
    if (!fs::exists(file)) {
      s.problem = "no PostgreSQL test server: " + file + " does not exist; " + how;
      return s;
    }
    std::map<std::string, std::string> kv;
    std::istringstream in(read_text(file));
    for (std::string line; std::getline(in, line);) {
      const auto eq = line.find('=');
      if (eq != std::string::npos) kv[line.substr(0, eq)] = line.substr(eq + 1);
    }
    if (kv.count("ANALYTICA_PG_ERROR")) {
      s.problem = "the PostgreSQL test server could not be started: " + kv["ANALYTICA_PG_ERROR"] + "; " + how;
      return s;
    }
    PgServer server{kv["PGHOST"], kv["PGPORT"], kv["PGDATABASE"], kv["PGUSER"],
                    kv["ANALYTICA_PG_SECRET_USER"], kv["ANALYTICA_PG_SECRET_PASSWORD"]};
    PGconn* conn = PQconnectdb(server.conninfo("connect_timeout=10").c_str());
    if (PQstatus(conn) != CONNECTION_OK) {
      s.problem = "the PostgreSQL test server of " + file + " does not answer: " + PQerrorMessage(conn) + "; " + how;
    } else {
      s.server = server;
    }
    PQfinish(conn);
    return s;
  }();
  return state;
}

void admin_exec(const PgServer& server, const std::string& sql) {
  PGconn* conn = PQconnectdb(server.conninfo().c_str());
  if (PQstatus(conn) != CONNECTION_OK) {
    const std::string reason = PQerrorMessage(conn);
    PQfinish(conn);
    throw std::runtime_error("connect: " + reason);
  }
  PQsetNoticeProcessor(conn, [](void*, const char*) {}, nullptr);  // "drop cascades to ..."
  PGresult* res = PQexec(conn, sql.c_str());
  const ExecStatusType st = PQresultStatus(res);
  const std::string reason = PQresultErrorMessage(res);
  PQclear(res);
  PQfinish(conn);
  if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) throw std::runtime_error(sql + ": " + reason);
}

}  // namespace

std::optional<PgServer> postgres() {
  const char* skip = std::getenv("ANALYTICA_SKIP_POSTGRES");
  if (skip && std::string(skip) == "1") {
    std::cout << "SKIPPED_POSTGRES: PostgreSQL tests are disabled (ANALYTICA_SKIP_POSTGRES=1)" << std::endl;
    return std::nullopt;
  }
  const ServerState& s = server_state();
  if (!s.server) FAIL(s.problem);
  return s.server;
}

PgSchema::PgSchema(const PgServer& server) : server_(server) {
  static std::atomic<unsigned> counter{0};
  std::random_device rd;
  name_ = "t_" + std::to_string(::getpid()) + "_" + std::to_string(counter++) + "_" + std::to_string(rd() % 100000);
  admin_exec(server_, "CREATE SCHEMA " + name_);
}

PgSchema::~PgSchema() {
  try {
    admin_exec(server_, "DROP SCHEMA IF EXISTS " + name_ + " CASCADE");
  } catch (...) {
  }
}

std::string PgSchema::conninfo() const { return server_.conninfo("options='-c search_path=" + name_ + "'"); }

std::string PgSchema::settings(const std::string& extra) const {
  return "{\"conninfo\": " + json_string(conninfo()) + (extra.empty() ? "" : ", " + extra) + "}";
}

void PgSchema::exec(const std::string& sql) const { admin_exec(server_, "SET search_path = " + name_ + "; " + sql); }

}  // namespace storage_test
