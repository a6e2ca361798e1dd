#include "sink_module.h"

#include "support.h"

#include <catch2/catch.hpp>

#include <dlfcn.h>

#include <cstdio>
#include <map>
#include <memory>
#include <sstream>
#include <stdexcept>

namespace sinktest {

// ------------------------------------------------------------- test host

TestHost::TestHost() {
  host_.struct_size = sizeof host_;
  host_.abi_major = ANALYTICA_ABI_MAJOR;
  host_.abi_minor = ANALYTICA_ABI_MINOR;
  host_.ctx = this;
  host_.run_id = "";
  host_.log = &TestHost::on_log;
  host_.fail = &TestHost::on_fail;
  host_.is_cancelled = &TestHost::on_is_cancelled;
  host_.event = [](void*, analytica_event_kind, const char*) {};  // warnings are not what these tests read
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
  if (!m->descriptor || !m->descriptor->get_interface) throw std::runtime_error("no descriptor in " + file);
  m->sink = static_cast<const analytica_sink_v1*>(m->descriptor->get_interface(ANALYTICA_SINK_V1));
  if (!m->sink) throw std::runtime_error("no " ANALYTICA_SINK_V1 " interface in " + file);
  slot = std::move(m);
  return *slot;
}

int collect_rows(void* user, const analytica_value* values, uint32_t count) {
  auto& rows = *static_cast<std::vector<Row>*>(user);
  Row row;
  for (uint32_t i = 0; i < count; ++i) row.push_back(analytica::cell_from(values[i]));
  rows.push_back(std::move(row));
  return 0;
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

analytica_status Sink::query(const std::string& sql, const std::vector<Cell>& params, std::vector<Row>& out,
                             analytica_row_fn fn) {
  std::vector<analytica_value> values;
  for (const auto& p : params) values.push_back(analytica::value_of(p));
  return module_.sink->query(self_, sql.c_str(), values.data(), static_cast<uint32_t>(values.size()), fn, &out);
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

// ----------------------------------------------------------------- cells

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

void write_committed(Sink& sink, const Schema& schema, const std::vector<Row>& rows) {
  INFO(sink.error());
  REQUIRE(sink.begin() == ANALYTICA_OK);
  REQUIRE(sink.write(make_batch(schema, rows)) == ANALYTICA_OK);
  REQUIRE(sink.commit() == ANALYTICA_OK);
}

void require_open(const Sink& sink) {
  INFO(sink.error());
  REQUIRE(sink.ok());
}

void write_in_every_order(Sink& sink, const Row& older, const Row& newer) {
  SECTION("older first, then newer: the newer replaces it") {
    write_committed(sink, benchmark_schema(), {older});
    write_committed(sink, benchmark_schema(), {newer});
  }
  SECTION("newer first, then older: the older is ignored") {
    write_committed(sink, benchmark_schema(), {newer});
    write_committed(sink, benchmark_schema(), {older});
  }
  SECTION("both in one batch, newer first") { write_committed(sink, benchmark_schema(), {newer, older}); }
}

std::vector<std::string> exported_symbols(const std::string& module_file) {
  const CliResult nm = run_shell(shell_command({"nm", "-D", "--defined-only", module_file}));
  INFO(nm.err);
  REQUIRE(nm.status == 0);
  std::vector<std::string> symbols;
  std::istringstream lines(nm.out);
  for (std::string line; std::getline(lines, line);) {
    std::istringstream words(line);
    std::string word, last;
    while (words >> word) last = word;
    if (!last.empty()) symbols.push_back(last);
  }
  return symbols;
}

Schema prices_schema() {
  return Schema("prices", {{"region", ANALYTICA_TEXT, ANALYTICA_COLUMN_KEY},
                           {"month", ANALYTICA_TEXT, ANALYTICA_COLUMN_KEY},
                           {"price", ANALYTICA_DOUBLE, 0},
                           {"sales", ANALYTICA_INT64, 0},
                           {"note", ANALYTICA_TEXT, 0}});
}

Schema benchmark_schema() {
  return Schema("benchmark", {{"district", ANALYTICA_TEXT, ANALYTICA_COLUMN_KEY},
                              {"report_month", ANALYTICA_TEXT, ANALYTICA_COLUMN_NEWEST},
                              {"price", ANALYTICA_DOUBLE, 0}});
}

}  // namespace sinktest
