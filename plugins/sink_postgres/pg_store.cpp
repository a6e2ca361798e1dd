// pg_store.cpp — the libpq connection behind sink_postgres.
#include "pg_store.h"

#include "analytica_cpp.hpp"
#include "sql_text.h"

#include <libpq-fe.h>

#include <endian.h>
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <climits>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>

namespace sink_postgres {

using analytica::Failure;
using analytica::sink::quoted_table;
using analytica::sink::valid_value;

namespace {

const char* const kQuerySavepoint = "analytica_query";
// Rows sent per pipeline round trip: few enough that neither side's
// socket buffers fill while the other is still writing.
const uint64_t kChunkRows = 256;

// The status an SQLSTATE maps to (NULL: no server error, so the
// connection failed).
analytica_status status_of(const char* sqlstate) {
  if (!sqlstate || std::strlen(sqlstate) != 5) return ANALYTICA_ERR_IO;
  const std::string state(sqlstate), cls = state.substr(0, 2);
  if (state == "57014") return ANALYTICA_ERR_CANCELLED;
  if (cls == "23") return ANALYTICA_ERR_CONFLICT;
  if (cls == "08" || cls == "53" || cls == "57" || cls == "58" || cls == "40" || cls == "55" || cls == "28" ||
      cls == "3D" || cls == "XX")
    return ANALYTICA_ERR_IO;
  if (cls == "42" || cls == "22" || cls == "0A" || cls == "25" || cls == "21" || cls == "2B" || cls == "P0")
    return ANALYTICA_ERR_INVALID;
  return ANALYTICA_ERR_INTERNAL;
}

// Collapses line breaks and runs of blanks; trims.
std::string one_line(const std::string& text) {
  std::string out;
  bool space = false;
  for (char c : text) {
    if (c == '\n' || c == '\r' || c == '\t' || c == ' ') {
      space = !out.empty();
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += c;
  }
  return out;
}

void put_int64(char* out, int64_t v) {
  const uint64_t be = htobe64(static_cast<uint64_t>(v));
  std::memcpy(out, &be, 8);
}

void put_double(char* out, double d) {
  uint64_t bits;
  std::memcpy(&bits, &d, 8);
  bits = htobe64(bits);
  std::memcpy(out, &bits, 8);
}

const char* relkind_name(char kind) {
  switch (kind) {
    case 'v': return "view";
    case 'm': return "materialized view";
    case 'i': case 'I': return "index";
    case 'S': return "sequence";
    case 'f': return "foreign table";
    case 'c': return "composite type";
    default: return "relation that is not a table";
  }
}

// The limit PostgreSQL sets on a value written, beyond the common checks.
const char* text_limit(const analytica_value& v) {
  return v.type == ANALYTICA_TEXT && v.as.text.len > static_cast<uint64_t>(INT_MAX / 2)
             ? "text longer than PostgreSQL accepts"
             : nullptr;
}

// Statements query() refuses: the host owns the transaction boundaries and
// the session's prepared statements; COPY would take the connection over.
const char* refusal(const std::string& word) {
  static const char* const control[] = {"begin", "start", "commit", "end", "rollback", "abort",
                                        "savepoint", "release", "prepare"};
  for (const char* w : control)
    if (word == w) return "transaction control is not allowed in a query; the host calls begin, commit and rollback";
  if (word == "copy") return "COPY is not allowed in a query";
  if (word == "discard" || word == "deallocate") return "DISCARD and DEALLOCATE are not allowed in a query";
  return nullptr;
}

// Reads a numeric's text: an integer within int64 range stays INT64 (as
// SQLite's sum() of integers), anything else becomes DOUBLE.
analytica_value numeric_value(const char* text, size_t len) {
  analytica_value v{};
  const char* end = text + len;
  if (std::none_of(text, end, [](char c) { return c == '.' || c == 'e' || c == 'E' || c == 'N' || c == 'I'; })) {
    int64_t i = 0;
    const auto [p, ec] = std::from_chars(text, end, i);
    if (ec == std::errc() && p == end) {
      v.type = ANALYTICA_INT64;
      v.as.i = i;
      return v;
    }
  }
  v.type = ANALYTICA_DOUBLE;
  double d = 0;
  const auto [p, ec] = std::from_chars(text, end, d);
  if (ec == std::errc::result_out_of_range) d = (len && text[0] == '-') ? -HUGE_VAL : HUGE_VAL;
  else if (ec != std::errc()) d = std::numeric_limits<double>::quiet_NaN();
  (void)p;
  v.as.d = d;
  return v;
}

}  // namespace

void PgStore::ResultDeleter::operator()(pg_result* res) const { PQclear(res); }

PgStore::PgStore(const Settings& settings, const analytica_host* host)
    : SqlBackend(host, settings.describe()), settings_(settings) {
  connect();
}

PgStore::~PgStore() {
  known_.clear();
  if (!conn_) return;
  if (in_transaction()) PQclear(PQexec(conn_, "ROLLBACK"));
  PQfinish(conn_);
}

void PgStore::connect() {
  std::vector<const char*> keys, values;
  for (const auto& kv : settings_.keywords) {
    keys.push_back(kv.first.c_str());
    values.push_back(kv.second.c_str());
  }
  keys.push_back(nullptr);
  values.push_back(nullptr);
  conn_ = PQconnectdbParams(keys.data(), values.data(), /*expand_dbname=*/0);
  if (!conn_) fail(ANALYTICA_ERR_IO, where_ + ": cannot connect: out of memory");
  if (PQstatus(conn_) != CONNECTION_OK) {
    const std::string reason = clean(PQerrorMessage(conn_));
    PQfinish(conn_);
    conn_ = nullptr;
    fail(ANALYTICA_ERR_IO, where_ + ": cannot connect: " + reason);
  }
  PQsetNoticeProcessor(conn_, &PgStore::on_notice, this);
  const auto text = [](const char* s) { return std::string(s && *s ? s : "(default)"); };
  where_ = "postgres://" + text(PQuser(conn_)) + "@" + text(PQhost(conn_)) + ":" + text(PQport(conn_)) + "/" +
           text(PQdb(conn_));
  try {
    configure_session();
  } catch (...) {
    PQfinish(conn_);
    conn_ = nullptr;
    throw;
  }
}

void PgStore::configure_session() {
  const int version = PQserverVersion(conn_);
  if (version < 110000)
    fail(ANALYTICA_ERR_IO, where_ + ": server version " + std::to_string(version / 10000) +
                               " is too old; sink_postgres needs PostgreSQL 11 or newer");
  // Exact float text (shortest round-trip), standard string literals (the
  // placeholder scanner relies on them), no NOTICE chatter, and the wait for
  // another session's locks bounded like SQLite's busy timeout.
  exec("SET extra_float_digits = 3; SET standard_conforming_strings = on; SET client_min_messages = warning; "
       "SET lock_timeout = " + std::to_string(settings_.lock_timeout_ms),
       "configure session");
  const Result schema = exec("SELECT current_schema()", "read current schema");
  if (PQntuples(schema.get()) != 1 || PQgetisnull(schema.get(), 0, 0))
    fail(ANALYTICA_ERR_IO, where_ + ": no schema to create tables in (current_schema() is NULL; check search_path)");
  const std::string name = PQgetvalue(schema.get(), 0, 0);
  prepared_.clear();
  known_.clear();
  schema_locked_ = false;
  log(ANALYTICA_LOG_DEBUG, where_ + ": connected (server " + std::to_string(version / 10000) + ", schema " + name + ")");
}

// ------------------------------------------------------------ transactions

bool PgStore::in_transaction() const {
  if (!conn_) return false;
  const PGTransactionStatusType s = PQtransactionStatus(conn_);
  return s == PQTRANS_INTRANS || s == PQTRANS_INERROR || s == PQTRANS_ACTIVE;
}

void PgStore::begin() {
  if (!conn_) {
    connect();
  } else if (PQstatus(conn_) == CONNECTION_BAD) {
    log(ANALYTICA_LOG_WARN, where_ + ": connection lost; reconnecting");
    PQreset(conn_);
    if (PQstatus(conn_) != CONNECTION_OK) fail_connection("begin: reconnect");
    configure_session();
  }
  check_can_begin();
  exec("BEGIN", "begin");
  schema_locked_ = false;
}

void PgStore::commit() {
  check_can_commit();
  if (PQtransactionStatus(conn_) == PQTRANS_INERROR) {
    PQclear(PQexec(conn_, "ROLLBACK"));
    forget_schema();
    fail(ANALYTICA_ERR_IO, where_ + ": commit: an earlier statement failed and aborted the transaction; rolled back");
  }
  exec("COMMIT", "commit");
  schema_locked_ = false;
}

void PgStore::rollback() {
  schema_locked_ = false;
  forget_schema();
  if (in_transaction()) exec("ROLLBACK", "rollback");
}

void PgStore::lock_source(const char* source_key) {
  if (!source_key) fail(ANALYTICA_ERR_INVALID, where_ + ": lock_source: no source key given");
  const std::string key = source_key;
  const std::string what = "lock source \"" + key + "\"";
  if (!in_transaction()) fail(ANALYTICA_ERR_INVALID, where_ + ": " + what + " outside a transaction (call begin first)");
  const std::string id = "hashtextextended('analytica.source:' || current_schema() || ':' || $1, 0)";
  const Result got = exec_params("SELECT pg_try_advisory_xact_lock(" + id + ")", {key}, what);
  if (std::strcmp(PQgetvalue(got.get(), 0, 0), "t") == 0) return;
  log(ANALYTICA_LOG_INFO, where_ + ": \"" + key + "\" is being ingested by another process; waiting up to " +
                              (settings_.lock_timeout_ms ? "lock_timeout_ms=" + std::to_string(settings_.lock_timeout_ms)
                                                         : std::string("forever")));
  exec_params("SELECT pg_advisory_xact_lock(" + id + ")", {key}, what);
}

// ------------------------------------------------------------------ tables

TableSpec PgStore::spec_of(const analytica_table_schema& schema) const { return table_spec(schema); }

void PgStore::forget_schema() { known_.clear(); }

void PgStore::declare(const TableSpec& spec) {
  if (!conn_) fail(ANALYTICA_ERR_IO, where_ + ": not connected");
  Scope scope(*this, quoted_table(spec.table()) + ": declare");
  declare_one(spec);
  if (spec.newest() >= 0) declare_one(spec.revisions());
  scope.done();
}

void PgStore::lock_schema() {
  exec("SELECT pg_advisory_xact_lock(hashtextextended('analytica.schema:' || current_schema(), 0))", "lock schema");
  schema_locked_ = true;
}

PgStore::Existing PgStore::inspect(const std::string& table) {
  const std::string where = quoted_table(table);
  Existing out;
  const Result rel = exec_params(
      "SELECT c.oid, c.relkind FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
      "WHERE n.nspname = current_schema() AND c.relname = $1",
      {table}, where + ": read schema");
  if (PQntuples(rel.get()) == 0) return out;
  const char kind = PQgetvalue(rel.get(), 0, 1)[0];
  if (kind != 'r' && kind != 'p')
    fail(ANALYTICA_ERR_CONFLICT, where_ + ": " + where + ": the name is taken by a " + relkind_name(kind) + ", not a table");
  out.exists = true;
  const std::string oid = PQgetvalue(rel.get(), 0, 0);
  const Result cols = exec_params(
      "SELECT a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod) FROM pg_catalog.pg_attribute a "
      "WHERE a.attrelid = $1::oid AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum",
      {oid}, where + ": read columns");
  for (int r = 0; r < PQntuples(cols.get()); ++r)
    out.columns.push_back({PQgetvalue(cols.get(), r, 0), PQgetvalue(cols.get(), r, 1)});
  const Result keys = exec_params(
      "SELECT i.indisprimary, (SELECT string_agg(a.attname::text, ',' ORDER BY a.attname::text COLLATE \"C\") "
      "FROM pg_catalog.pg_attribute a WHERE a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey)) "
      "FROM pg_catalog.pg_index i WHERE i.indrelid = $1::oid AND (i.indisprimary OR i.indisunique) "
      "AND i.indexprs IS NULL AND i.indpred IS NULL",
      {oid}, where + ": read keys");
  for (int r = 0; r < PQntuples(keys.get()); ++r) {
    const std::string columns = PQgetvalue(keys.get(), r, 1);
    if (PQgetvalue(keys.get(), r, 0)[0] == 't') out.primary_key = columns;
    else out.unique_keys.push_back(columns);
  }
  return out;
}

void PgStore::declare_one(const TableSpec& spec) {
  const std::string where = quoted_table(spec.table());
  const auto find = [](const Existing& e, const std::string& name) {
    return std::find_if(e.columns.begin(), e.columns.end(),
                        [&](const analytica::sink::StoredColumn& c) { return c.name == name; });
  };
  const auto needs_change = [&](const Existing& e) {
    return !e.exists || std::any_of(spec.columns().begin(), spec.columns().end(),
                                    [&](const ColumnSpec& c) { return find(e, c.name) == e.columns.end(); });
  };
  Existing existing = inspect(spec.table());
  if (needs_change(existing) && !schema_locked_) {
    // Another host may be creating the same table right now: serialise,
    // then look again (READ COMMITTED: this statement sees its commit).
    lock_schema();
    existing = inspect(spec.table());
  }
  if (!existing.exists) {
    exec(create_table_sql(spec, kSql), where + ": create");
    return;
  }

  const auto changes =
      analytica::sink::compare_columns(spec, existing.columns, {&catalog_type, &sql_type, /*exact=*/true});
  if (!changes.conflict.empty()) fail(ANALYTICA_ERR_CONFLICT, where_ + ": " + where + ", " + changes.conflict);

  // The key must be the declared key, or upserts cannot target it.
  const std::string declared = spec.key_names(",");
  const bool keys_match =
      existing.primary_key.empty()
          ? (declared.empty() || std::find(existing.unique_keys.begin(), existing.unique_keys.end(), declared) !=
                                     existing.unique_keys.end())
          : existing.primary_key == declared;
  if (!keys_match)
    fail(ANALYTICA_ERR_CONFLICT, where_ + ": " + where + ": existing primary key (" + existing.primary_key +
                                     ") differs from the declared key columns (" + declared + ")");

  for (const ColumnSpec* col : changes.added)
    exec(add_column_sql(spec, *col, kSql), where + ", column \"" + col->name + "\": add column");
}

// ------------------------------------------------------------------ writes

void PgStore::write_rows(KnownTable& known, const analytica_batch& batch) {
  const size_t width = known.spec.columns().size();
  for (uint64_t r = 0; r < batch.row_count; ++r)
    check_row(known.spec, batch.values + static_cast<size_t>(r) * width, r, &text_limit);

  Scope scope(*this, quoted_table(known.spec.table()) + ": write");
  prepare_statements(known);
  send_rows(known, batch);
  scope.done();
}

void PgStore::prepare_statements(KnownTable& known) {
  const auto prepare = [&](const TableSpec& spec) {
    const std::string sql = upsert_sql(spec, kSql);
    const auto it = prepared_.find(sql);
    if (it != prepared_.end()) return it->second;
    const std::string name = "analytica_w" + std::to_string(prepared_.size() + 1);
    std::vector<::Oid> types;
    for (const auto& c : spec.columns()) types.push_back(type_oid(c.type));
    const Result res(PQprepare(conn_, name.c_str(), sql.c_str(), static_cast<int>(types.size()), types.data()));
    if (!res || PQresultStatus(res.get()) != PGRES_COMMAND_OK)
      fail_result(res.get(), quoted_table(spec.table()) + ": prepare write");
    prepared_[sql] = name;
    return name;
  };
  if (known.upsert.empty()) known.upsert = prepare(known.spec);
  if (known.spec.newest() >= 0 && known.revision.empty()) known.revision = prepare(known.spec.revisions());
}

// Sends the rows pipelined (one round trip per chunk), upsert then
// revision per row, and reads every result; the first error fails the
// batch (the caller's savepoint undoes what went before it).
void PgStore::send_rows(const KnownTable& known, const analytica_batch& batch) {
  const TableSpec& spec = known.spec;
  const auto& columns = spec.columns();
  const size_t width = columns.size();
  const std::string where = quoted_table(spec.table());
  std::vector<const char*> statements = {known.upsert.c_str()};
  if (!known.revision.empty()) statements.push_back(known.revision.c_str());
  const uint64_t per_row = statements.size();

  std::vector<char> binary(width * 8);
  // One more parameter for a revision: its source (TableDef::revisions).
  std::vector<const char*> values(width + 1);
  std::vector<int> lengths(width + 1), formats(width + 1, 1);
  values[width] = batch.source_id ? batch.source_id : "";
  lengths[width] = static_cast<int>(std::strlen(values[width]));

  if (PQenterPipelineMode(conn_) != 1) fail_connection("write to " + where + ": enter pipeline mode");
  std::string error;
  analytica_status error_status = ANALYTICA_OK;
  bool broken = false;
  for (uint64_t start = 0; start < batch.row_count && error.empty() && !broken; start += kChunkRows) {
    if (start > 0 && cancelled()) {
      error = where_ + ": write to " + where + ": cancelled at row " + std::to_string(start);
      error_status = ANALYTICA_ERR_CANCELLED;
      break;
    }
    const uint64_t end = std::min<uint64_t>(batch.row_count, start + kChunkRows);
    uint64_t sent = 0;
    for (uint64_t r = start; r < end && !broken; ++r) {
      const analytica_value* row = batch.values + static_cast<size_t>(r) * width;
      for (size_t c = 0; c < width; ++c) {
        const analytica_value& v = row[c];
        char* slot = binary.data() + c * 8;
        values[c] = slot;
        lengths[c] = 8;
        switch (v.type) {
          case ANALYTICA_NULL:
            values[c] = nullptr;
            lengths[c] = 0;
            break;
          case ANALYTICA_INT64:
            if (columns[c].type == ANALYTICA_DOUBLE) put_double(slot, static_cast<double>(v.as.i));
            else put_int64(slot, v.as.i);
            break;
          case ANALYTICA_DOUBLE:
            put_double(slot, v.as.d);
            break;
          default:  // TEXT: binary text is the UTF-8 bytes themselves
            values[c] = v.as.text.ptr ? v.as.text.ptr : "";
            lengths[c] = static_cast<int>(v.as.text.len);
        }
      }
      for (const char* name : statements) {
        const int params = static_cast<int>(name == statements.front() ? width : width + 1);
        if (PQsendQueryPrepared(conn_, name, params, values.data(), lengths.data(), formats.data(), 0) != 1) {
          broken = true;
          break;
        }
        ++sent;
      }
    }
    if (!broken && PQpipelineSync(conn_) != 1) broken = true;
    if (broken) break;
    std::vector<Result> results;
    if (!drain_pipeline(sent, results)) {
      broken = true;
      break;
    }
    for (uint64_t q = 0; q < results.size() && error.empty(); ++q) {
      const pg_result* res = results[q].get();
      if (PQresultStatus(res) != PGRES_FATAL_ERROR) continue;
      const uint64_t row = start + q / per_row;
      const bool revision = q % per_row == 1;
      const char* primary = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
      const char* detail = PQresultErrorField(res, PG_DIAG_MESSAGE_DETAIL);
      error = where_ + ": write to " + (revision ? quoted_table(spec.table() + "_revisions") : where) + ", row " +
              std::to_string(row) + ": " + (primary ? primary : PQresultErrorMessage(res)) +
              (detail ? std::string(" (") + detail + ")" : std::string());
      error_status = status_of(PQresultErrorField(res, PG_DIAG_SQLSTATE));
    }
  }
  if (broken) {
    const std::string reason = clean(PQerrorMessage(conn_));
    PQexitPipelineMode(conn_);
    fail(ANALYTICA_ERR_IO, where_ + ": write to " + where + ": connection failed: " + reason);
  }
  if (PQexitPipelineMode(conn_) != 1) fail_connection("write to " + where + ": leave pipeline mode");
  if (!error.empty()) fail(error_status, clean(error));
}

// ----------------------------------------------------------------- queries

void PgStore::query(const char* sql, const analytica_value* params, uint32_t param_count, analytica_row_fn fn,
                    void* user) {
  const std::string what = check_query(sql, params, param_count);
  if (!conn_) fail(ANALYTICA_ERR_IO, where_ + ": query: not connected");

  const SqlText text = translate_sql(sql);
  if (text.sql.find_first_not_of(" \t\r\n\f\v") == std::string::npos)
    fail(ANALYTICA_ERR_INVALID, where_ + ": " + what + ": no statement in the SQL text");
  if (const char* why = refusal(text.first_word)) fail(ANALYTICA_ERR_INVALID, where_ + ": " + what + ": " + why);
  if (!text.trailing.empty())
    fail(ANALYTICA_ERR_INVALID, where_ + ": " + what + ": only one statement per call; more SQL follows: \"" +
                                    analytica::sink::excerpt(text.trailing.c_str()) + "\"");
  if (text.parameters != param_count)
    fail(ANALYTICA_ERR_INVALID, where_ + ": " + what + ": the statement takes " + std::to_string(text.parameters) +
                                    " parameters, " + std::to_string(param_count) + " given");
  const std::string& word = text.first_word;
  if (word == "create" || word == "alter" || word == "drop") forget_schema();

  std::vector<::Oid> types(param_count, 0);
  std::vector<std::string> storage(param_count);
  std::vector<const char*> values(param_count, nullptr);
  std::vector<int> lengths(param_count, 0), formats(param_count, 0);
  for (uint32_t i = 0; i < param_count; ++i) {
    const analytica_value& v = params[i];
    const std::string which = "parameter " + std::to_string(i + 1);
    if (!valid_value(v)) fail(ANALYTICA_ERR_INVALID, where_ + ": " + what + ": " + which + " has an invalid value");
    switch (v.type) {
      case ANALYTICA_INT64:
      case ANALYTICA_DOUBLE:  // binary: bigint or double precision, 8 bytes
        types[i] = v.type == ANALYTICA_INT64 ? kOidInt8 : kOidFloat8;
        storage[i].resize(8);
        if (v.type == ANALYTICA_INT64)
          put_int64(storage[i].data(), v.as.i);
        else
          put_double(storage[i].data(), v.as.d);
        formats[i] = 1;
        lengths[i] = 8;
        values[i] = storage[i].data();
        break;
      case ANALYTICA_TEXT:
        storage[i].assign(v.as.text.ptr ? v.as.text.ptr : "", static_cast<size_t>(v.as.text.len));
        if (storage[i].find('\0') != std::string::npos)
          fail(ANALYTICA_ERR_INVALID, where_ + ": " + what + ": " + which + ": text with a NUL byte cannot be sent to "
                                                                        "PostgreSQL");
        values[i] = storage[i].c_str();
        break;
      default:
        break;
    }
  }

  // Inside a transaction a failing statement would abort it: a savepoint
  // keeps the failure to this query, as in SQLite.
  const Result res = PQtransactionStatus(conn_) == PQTRANS_INTRANS
                         ? exec_in_savepoint(text.sql, param_count, types.data(), values.data(), lengths.data(),
                                             formats.data(), what)
                         : Result(PQexecParams(conn_, text.sql.c_str(), static_cast<int>(param_count), types.data(),
                                               values.data(), lengths.data(), formats.data(), 0));
  const ExecStatusType st = res ? PQresultStatus(res.get()) : PGRES_FATAL_ERROR;
  if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK) {
    if (word == "create" || word == "alter" || word == "drop") forget_schema();
    fail_result(res.get(), what);
  }
  if (!fn || st != PGRES_TUPLES_OK) return;

  const int width = PQnfields(res.get());
  std::vector<::Oid> column_types(static_cast<size_t>(width));
  for (int c = 0; c < width; ++c) column_types[static_cast<size_t>(c)] = PQftype(res.get(), c);
  std::vector<analytica_value> row(static_cast<size_t>(width));
  const int rows = PQntuples(res.get());
  for (int r = 0; r < rows; ++r) {
    for (int c = 0; c < width; ++c) {
      analytica_value& v = row[static_cast<size_t>(c)];
      v = analytica_value{};
      if (PQgetisnull(res.get(), r, c)) continue;  // ANALYTICA_NULL
      const char* data = PQgetvalue(res.get(), r, c);
      const size_t len = static_cast<size_t>(PQgetlength(res.get(), r, c));
      switch (column_types[static_cast<size_t>(c)]) {
        case kOidInt8: case kOidInt4: case kOidInt2: case kOidOid: {
          int64_t i = 0;
          std::from_chars(data, data + len, i);
          v.type = ANALYTICA_INT64;
          v.as.i = i;
          break;
        }
        case kOidBool:
          v.type = ANALYTICA_INT64;
          v.as.i = data[0] == 't' ? 1 : 0;
          break;
        case kOidFloat8: case kOidFloat4:
          v = numeric_value(data, len);
          if (v.type == ANALYTICA_INT64) {  // "3" from a float column is still a DOUBLE
            v.type = ANALYTICA_DOUBLE;
            v.as.d = static_cast<double>(v.as.i);
          }
          break;
        case kOidNumeric:
          v = numeric_value(data, len);
          break;
        default:
          v.type = ANALYTICA_TEXT;
          v.as.text.ptr = data;
          v.as.text.len = len;
      }
    }
    if (fn(user, row.data(), static_cast<uint32_t>(width)) != 0) break;
  }
}

// ----------------------------------------------------------------- helpers

// Reads the results of `count` queries sent in pipeline mode and of the
// sync point after them: the first result of each query (PGRES_PIPELINE_ABORTED
// for those after a failure). False if the connection failed.
bool PgStore::drain_pipeline(uint64_t count, std::vector<Result>& results) {
  results.clear();
  bool in_query = false;
  int nulls = 0;
  for (;;) {
    PGresult* res = PQgetResult(conn_);
    if (!res) {
      // A query's results end with a NULL; anything else is a lost connection.
      if (in_query) {
        in_query = false;
        continue;
      }
      if (PQstatus(conn_) == CONNECTION_BAD || ++nulls > 3) return false;
      continue;
    }
    nulls = 0;
    if (PQresultStatus(res) == PGRES_PIPELINE_SYNC) {
      PQclear(res);
      return results.size() == count;
    }
    if (in_query) {
      PQclear(res);  // a further result of the same query
      continue;
    }
    in_query = true;
    results.emplace_back(res);
  }
}

// Runs one statement between SAVEPOINT and RELEASE in a single round trip;
// if it fails, rolls back to the savepoint and returns its failed result.
PgStore::Result PgStore::exec_in_savepoint(const std::string& sql, uint32_t count, const unsigned* types,
                                           const char* const* values, const int* lengths, const int* formats,
                                           const std::string& what) {
  const std::string open = std::string("SAVEPOINT ") + kQuerySavepoint;
  const std::string close = std::string("RELEASE SAVEPOINT ") + kQuerySavepoint;
  if (PQenterPipelineMode(conn_) != 1) fail_connection(what + ": enter pipeline mode");
  const bool sent =
      PQsendQueryParams(conn_, open.c_str(), 0, nullptr, nullptr, nullptr, nullptr, 0) == 1 &&
      PQsendQueryParams(conn_, sql.c_str(), static_cast<int>(count), types, values, lengths, formats, 0) == 1 &&
      PQsendQueryParams(conn_, close.c_str(), 0, nullptr, nullptr, nullptr, nullptr, 0) == 1 &&
      PQpipelineSync(conn_) == 1;
  std::vector<Result> results;
  const bool drained = sent && drain_pipeline(3, results);
  PQexitPipelineMode(conn_);
  if (!drained) fail_connection(what);
  const auto ok = [](const Result& r) {
    const ExecStatusType st = r ? PQresultStatus(r.get()) : PGRES_FATAL_ERROR;
    return st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK;
  };
  if (!ok(results[0])) fail_result(results[0].get(), what + ": savepoint");
  if (!ok(results[1])) {
    const std::string undo = std::string("ROLLBACK TO SAVEPOINT ") + kQuerySavepoint + "; " + close;
    PQclear(PQexec(conn_, undo.c_str()));
    return std::move(results[1]);
  }
  if (!ok(results[2])) fail_result(results[2].get(), what + ": release savepoint");
  return std::move(results[1]);
}

const char* PgStore::begin_statement() const { return "BEGIN"; }

void PgStore::run_statement(const std::string& sql, const std::string& what) { exec(sql, what); }

void PgStore::run_quietly(const std::string& sql) noexcept {
  if (conn_) PQclear(PQexec(conn_, sql.c_str()));
}

// An advisory lock taken inside is gone with the transaction or savepoint.
void PgStore::transaction_boundary() { schema_locked_ = false; }

PgStore::Result PgStore::exec(const std::string& sql, const std::string& what) {
  if (!conn_) fail(ANALYTICA_ERR_IO, where_ + ": " + what + ": not connected");
  Result res(PQexec(conn_, sql.c_str()));
  const ExecStatusType st = res ? PQresultStatus(res.get()) : PGRES_FATAL_ERROR;
  if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) fail_result(res.get(), what);
  return res;
}

PgStore::Result PgStore::exec_params(const std::string& sql, const std::vector<std::string>& params,
                                     const std::string& what) {
  if (!conn_) fail(ANALYTICA_ERR_IO, where_ + ": " + what + ": not connected");
  std::vector<const char*> values;
  for (const auto& p : params) values.push_back(p.c_str());
  Result res(PQexecParams(conn_, sql.c_str(), static_cast<int>(values.size()), nullptr, values.data(), nullptr,
                          nullptr, 0));
  const ExecStatusType st = res ? PQresultStatus(res.get()) : PGRES_FATAL_ERROR;
  if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) fail_result(res.get(), what);
  return res;
}

void PgStore::fail_result(const pg_result* res, const std::string& what) const {
  const char* state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : nullptr;
  const char* primary = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : nullptr;
  const char* detail = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_DETAIL) : nullptr;
  std::string message = primary ? primary : (conn_ ? PQerrorMessage(conn_) : "not connected");
  if (message.empty() && res) message = PQresultErrorMessage(res);
  if (message.empty()) message = "failed";
  if (detail) message += std::string(" (") + detail + ")";
  if (state && std::strcmp(state, "55P03") == 0)
    message += " (still locked after waiting lock_timeout_ms=" + std::to_string(settings_.lock_timeout_ms) + ")";
  throw Failure(status_of(state), clean(where_ + ": " + what + ": " + message));
}

void PgStore::fail_connection(const std::string& what) const {
  throw Failure(ANALYTICA_ERR_IO,
                clean(where_ + ": " + what + ": " + (conn_ ? PQerrorMessage(conn_) : "not connected")));
}

std::string PgStore::clean(const std::string& message) const { return scrub(one_line(message), settings_.password); }

void PgStore::on_notice(void* self, const char* message) {
  const auto* store = static_cast<const PgStore*>(self);
  store->log(ANALYTICA_LOG_WARN, store->where_ + ": server says: " + (message ? message : ""));
}

// ------------------------------------------------------------------ admin

namespace {

// A name as a PostgreSQL string literal.
std::string literal(const std::string& text) {
  std::string out = "'";
  for (char c : text) out += c == '\'' ? std::string("''") : std::string(1, c);
  return out + "'";
}

const char kDumpHead[] = "-- PostgreSQL database dump";
const char kDumpTail[] = "-- PostgreSQL database dump complete";

// Whether path holds a complete plain-format pg_dump: its first comment
// block names it, and its last comment says it completed (a cut-off dump
// lacks it). Empty when sound, else the problem.
std::string dump_problem(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return "cannot read the file";
  std::string head(512, '\0');
  in.read(&head[0], static_cast<std::streamsize>(head.size()));
  head.resize(static_cast<size_t>(in.gcount()));
  if (head.find(kDumpHead) == std::string::npos) return "not a pg_dump file (no \"" + std::string(kDumpHead) + "\")";
  in.clear();
  in.seekg(0, std::ios::end);
  const std::streamoff end = in.tellg();
  const std::streamoff from = std::max<std::streamoff>(0, end - 256);
  in.seekg(from);
  std::string tail(static_cast<size_t>(end - from), '\0');
  in.read(&tail[0], static_cast<std::streamsize>(tail.size()));
  if (tail.find(kDumpTail) == std::string::npos) return "the dump is incomplete (no \"" + std::string(kDumpTail) + "\")";
  return "";
}

}  // namespace

std::string PgStore::current_schema() {
  Result res = exec("SELECT current_schema()", "current schema");
  if (PQntuples(res.get()) != 1 || PQgetisnull(res.get(), 0, 0))
    fail(ANALYTICA_ERR_IO, where_ + ": no current schema (check search_path)");
  return PQgetvalue(res.get(), 0, 0);
}

std::string PgStore::location() const {
  if (!conn_) return "";
  const auto text = [](const char* s) { return std::string(s && *s ? s : "localhost"); };
  const char* port = PQport(conn_);
  return "postgres://" + text(PQhost(conn_)) + ":" + std::string(port && *port ? port : "5432") + "/" +
         std::string(PQdb(conn_) ? PQdb(conn_) : "");
}

std::vector<std::string> PgStore::check(bool thorough) {
  std::vector<std::string> problems;
  std::string schema;
  try {
    if (!conn_ || PQstatus(conn_) != CONNECTION_OK) {
      if (conn_) PQfinish(conn_);
      conn_ = nullptr;
      connect();
    }
    schema = current_schema();
  } catch (const analytica::Failure& f) {
    return {f.what()};
  }
  Result res = exec_params(
      "SELECT c.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
      "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND NOT i.indisvalid ORDER BY 1",
      {schema}, "check indexes");
  for (int r = 0; r < PQntuples(res.get()); ++r)
    problems.push_back("index \"" + std::string(PQgetvalue(res.get(), r, 0)) + "\" of schema \"" + schema +
                       "\" is invalid (REINDEX it)");
  if (thorough) {
    try {
      tables();
    } catch (const analytica::Failure& f) {
      problems.push_back(f.what());
    }
  }
  return problems;
}

std::vector<PgStore::TableRows> PgStore::tables() {
  const std::string schema = current_schema();
  Result res = exec_params("SELECT tablename FROM pg_tables WHERE schemaname = $1 ORDER BY tablename COLLATE \"C\"",
                           {schema}, "list tables");
  std::vector<TableRows> out;
  for (int r = 0; r < PQntuples(res.get()); ++r) {
    const std::string name = PQgetvalue(res.get(), r, 0);
    const std::string what = "count rows of " + analytica::sink::quoted_table(name);
    Result count = exec("SELECT count(*) FROM " + analytica::sink::quote_identifier(schema) + "." +
                            analytica::sink::quote_identifier(name),
                        what);
    out.push_back({name, std::stoll(PQgetvalue(count.get(), 0, 0))});
  }
  return out;
}

int64_t PgStore::size() {
  Result res = exec_params(
      "SELECT COALESCE(sum(pg_total_relation_size(c.oid)), 0)::bigint FROM pg_class c "
      "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relkind IN ('r', 'm', 'p')",
      {current_schema()}, "size");
  return std::stoll(PQgetvalue(res.get(), 0, 0));
}

uint64_t PgStore::change_counter() {
  Result res = exec("SELECT (pg_current_wal_insert_lsn() - '0/0'::pg_lsn)::text", "change counter");
  return std::stoull(PQgetvalue(res.get(), 0, 0));
}

void PgStore::run_client(const std::vector<std::string>& argv, const std::string& what) {
  // The connection's parameters as libpq's environment variables (PGHOST,
  // PGPASSWORD, PGOPTIONS, ...): never on a command line others can read.
  std::map<std::string, std::string> env_vars;
  if (PQconninfoOption* opts = PQconninfo(conn_)) {
    for (PQconninfoOption* o = opts; o->keyword; ++o)
      if (o->envvar && o->val && *o->val) env_vars[o->envvar] = o->val;
    PQconninfoFree(opts);
  }
  std::vector<std::string> env_text;
  for (char** e = environ; e && *e; ++e) {
    const std::string entry = *e;
    const std::string name = entry.substr(0, entry.find('='));
    if (name.rfind("PG", 0) == 0) continue;  // only this connection's
    env_text.push_back(entry);
  }
  for (const auto& kv : env_vars) env_text.push_back(kv.first + "=" + kv.second);
  std::vector<char*> envp, args;
  for (auto& e : env_text) envp.push_back(&e[0]);
  envp.push_back(nullptr);
  std::vector<std::string> argv_copy = argv;
  for (auto& a : argv_copy) args.push_back(&a[0]);
  args.push_back(nullptr);

  char err_path[] = "/tmp/analytica-pgclient-XXXXXX";
  const int err_fd = mkstemp(err_path);
  if (err_fd < 0) fail(ANALYTICA_ERR_IO, where_ + ": " + what + ": cannot create a temporary file");
  unlink(err_path);
  const pid_t pid = fork();
  if (pid < 0) {
    close(err_fd);
    fail(ANALYTICA_ERR_IO, where_ + ": " + what + ": cannot start " + argv[0]);
  }
  if (pid == 0) {
    const int null_fd = open("/dev/null", O_RDWR);
    if (null_fd >= 0) {
      dup2(null_fd, 0);
      dup2(null_fd, 1);
    }
    dup2(err_fd, 2);
    execvpe(args[0], args.data(), envp.data());
    const char msg[] = "cannot run the program (is postgresql-client installed?)\n";
    (void)!::write(2, msg, sizeof msg - 1);
    _exit(127);
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  std::string err;
  lseek(err_fd, 0, SEEK_SET);
  char buf[4096];
  ssize_t n;
  while ((n = ::read(err_fd, buf, sizeof buf)) > 0) err.append(buf, static_cast<size_t>(n));
  close(err_fd);
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return;
  // The last lines of stderr, on one line.
  while (!err.empty() && (err.back() == '\n' || err.back() == ' ')) err.pop_back();
  if (err.size() > 600) err = "..." + err.substr(err.size() - 600);
  std::replace(err.begin(), err.end(), '\n', ' ');
  fail(ANALYTICA_ERR_IO, where_ + ": " + what + ": " + argv[0] + " failed" +
                             (WIFEXITED(status) ? " (exit " + std::to_string(WEXITSTATUS(status)) + ")" : "") +
                             (err.empty() ? "" : ": " + err));
}

void PgStore::backup(const std::string& path) {
  const std::string what = "backup to \"" + path + "\"";
  std::error_code ec;
  if (std::filesystem::exists(path, ec))
    fail(ANALYTICA_ERR_INVALID, where_ + ": " + what + ": the file exists (a backup goes to a new file)");
  const std::string schema = current_schema();
  // -t "schema".* : the schema's tables, views and sequences, schema-qualified,
  // without CREATE SCHEMA (restore() empties the schema and reloads them).
  std::string pattern = "\"";
  for (char c : schema) pattern += c == '"' ? std::string("\"\"") : std::string(1, c);
  pattern += "\".*";
  try {
    run_client({"pg_dump", "--format=plain", "--no-owner", "--no-privileges", "--table=" + pattern,
                "--file=" + path},
               what);
  } catch (...) {
    std::filesystem::remove(path, ec);
    throw;
  }
  const std::string problem = dump_problem(path);
  if (!problem.empty()) {
    std::filesystem::remove(path, ec);
    fail(ANALYTICA_ERR_IO, where_ + ": " + what + ": " + problem);
  }
  log(ANALYTICA_LOG_DEBUG, where_ + ": backed up schema \"" + schema + "\" to " + path);
}

void PgStore::restore(const std::string& path) {
  const std::string what = "restore from \"" + path + "\"";
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) fail(ANALYTICA_ERR_INVALID, where_ + ": " + what + ": no such file");
  const std::string problem = dump_problem(path);
  if (!problem.empty()) fail(ANALYTICA_ERR_FORMAT, where_ + ": " + what + ": " + problem);
  const std::string schema = current_schema();
  forget_schema();
  // Empties the schema inside the same transaction as the reload.
  const std::string empty_schema =
      "DO $analytica$ DECLARE r record; BEGIN "
      "FOR r IN SELECT c.relname, c.relkind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
      "WHERE n.nspname = " + literal(schema) + " AND c.relkind IN ('v', 'm') LOOP "
      "EXECUTE format(CASE WHEN r.relkind = 'm' THEN 'DROP MATERIALIZED VIEW IF EXISTS %I.%I CASCADE' "
      "ELSE 'DROP VIEW IF EXISTS %I.%I CASCADE' END, " + literal(schema) + ", r.relname); END LOOP; "
      "FOR r IN SELECT tablename FROM pg_tables WHERE schemaname = " + literal(schema) + " LOOP "
      "EXECUTE format('DROP TABLE IF EXISTS %I.%I CASCADE', " + literal(schema) + ", r.tablename); END LOOP; "
      "FOR r IN SELECT sequencename FROM pg_sequences WHERE schemaname = " + literal(schema) + " LOOP "
      "EXECUTE format('DROP SEQUENCE IF EXISTS %I.%I CASCADE', " + literal(schema) + ", r.sequencename); END LOOP; "
      "END $analytica$";
  run_client({"psql", "--no-psqlrc", "--quiet", "--single-transaction", "--set=ON_ERROR_STOP=1",
              "--command=" + empty_schema, "--file=" + path},
             what);
  log(ANALYTICA_LOG_DEBUG, where_ + ": restored schema \"" + schema + "\" from " + path);
}

}  // namespace sink_postgres
