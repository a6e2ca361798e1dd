#include "support.h"

#include <catch2/catch.hpp>
#include <libpq-fe.h>

#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <iostream>
#include <map>
#include <random>
#include <sstream>
#include <stdexcept>

#ifndef PG_INFO_FILE
#error "PG_INFO_FILE must name deployment/postgres.sh's INFO_FILE"
#endif

namespace storage_test {

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
