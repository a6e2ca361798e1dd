#include "run/pipeline_runner.h"
#include "run/review_state.h"
#include "run/sink_admin.h"

#include "run/logging.h"
#include "run/util.h"
#include "run/validation.h"

#include <analytica_store.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdlib>
#include <deque>
#include <exception>
#include <mutex>
#include <thread>

namespace analytica {
using nlohmann::json;

extern std::atomic<bool> g_cancelled;

// One created plugin of the chain with the interface of its kind.
struct PipelineRunner::Stage {
  std::unique_ptr<PluginInstance> instance;
  analytica_source_v1 source{};
  analytica_extractor_v1 extractor{};
  analytica_validator_v1 validator{};
  analytica_sink_v1 sink{};
  analytica_monitor_v1 monitor{};
  analytica_governance_v1 governance{};
  std::set<std::string> declared;  // sinks: tables declared in this run
  std::string sha256;              // of the plugin file
  // Extractors: what the call in progress emitted (the emit hook), and, for
  // a worker's instances, the events it raised, for the run loop's thread.
  std::vector<Batch> emitted;
  std::vector<std::pair<analytica_event_kind, std::string>> events;
  PluginInstance& operator*() { return *instance; }
  const std::string& name() const { return instance->name(); }
  void* self() const { return instance->self(); }
  analytica_status check(analytica_status s, const std::string& call) { return instance->check(s, call); }
};

namespace {

// Throws unless every function pointer of an interface table is set.
template <typename... Fns>
void require(const std::string& plugin, const char* id, Fns... fns) {
  if (!((fns != nullptr) && ...))
    throw PluginError(ANALYTICA_ERR_UNSUPPORTED, plugin + ": " + id + " table is incomplete");
}

std::string str(const char* s) { return s ? s : ""; }

}  // namespace

// An input copied out of the source's strings (valid only until its next call).
struct PipelineRunner::OwnedInput {
  std::string uri, path, display_name, sha256, bookmark_key, bookmark_value, etag, error;
  std::string lock_key;  // what sinks lock while ingesting it: the source's name for it, else the URI

  static OwnedInput of(const analytica_input& raw) {
    OwnedInput in{str(raw.uri),          str(raw.path),           str(raw.display_name), "",
                  str(raw.bookmark_key), str(raw.bookmark_value), str(raw.etag),         str(raw.error), ""};
    in.lock_key = in.display_name.empty() ? in.uri : in.display_name;
    if (in.display_name.empty()) in.display_name = in.path.empty() ? in.uri : in.path;
    return in;
  }
  analytica_input view() const {
    auto or_null = [](const std::string& s) { return s.empty() ? nullptr : s.c_str(); };
    return {sizeof(analytica_input), uri.c_str(),         path.c_str(),
            display_name.c_str(),    or_null(sha256),     or_null(bookmark_key),
            bookmark_key.empty() ? nullptr : bookmark_value.c_str(),
            or_null(etag),           or_null(error)};
  }
};

// One input's extraction, made on the run loop's thread or ahead on a worker.
// A worker writes every field but `input` and `speculative`, then sets ready
// under the mutex; the run loop reads them only after seeing ready.
struct PipelineRunner::Extraction {
  OwnedInput input;          // with the sha256 the extraction is given
  bool speculative = false;  // handed to a worker before governance decided
  std::string extractor;     // the chosen extractor's name
  std::vector<Batch> batches;
  struct Event {
    analytica_event_kind kind;
    std::string plugin, message;
  };
  std::vector<Event> events;  // a worker's extractors raised these (raised again in input order)
  std::exception_ptr error;   // why the extraction failed (rethrown where the input is processed)
  std::mutex mutex;
  std::condition_variable ready_cv;
  bool ready = false;
};

// The extraction workers: each takes the oldest queued extraction and makes
// it with its own set of extractor instances (one thread at a time per
// instance, as analytica.h allows). Destroying it stops and joins them;
// extractions still queued are dropped (their owners hold them).
struct PipelineRunner::Ahead {
  explicit Ahead(PipelineRunner& runner) : runner_(runner) {
    for (auto& set : runner.worker_extractors_) threads_.emplace_back([this, &set] { work(set); });
  }
  ~Ahead() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stop_ = true;
      queue_.clear();
    }
    cv_.notify_all();
    for (auto& t : threads_) t.join();
  }
  void submit(std::shared_ptr<Extraction> e) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      queue_.push_back(std::move(e));
    }
    cv_.notify_one();
  }
  static void wait(Extraction& e) {
    std::unique_lock<std::mutex> lock(e.mutex);
    e.ready_cv.wait(lock, [&] { return e.ready; });
  }

 private:
  void work(Extractors& set) {
    for (;;) {
      std::shared_ptr<Extraction> e;
      {
        std::unique_lock<std::mutex> lock(mutex_);
        cv_.wait(lock, [&] { return stop_ || !queue_.empty(); });
        if (stop_) return;
        e = std::move(queue_.front());
        queue_.pop_front();
      }
      if (g_cancelled.load())
        e->error = std::make_exception_ptr(PluginError(ANALYTICA_ERR_CANCELLED, "cancelled before extraction"));
      else
        runner_.extract(set, *e);
      {
        std::lock_guard<std::mutex> lock(e->mutex);
        e->ready = true;
      }
      e->ready_cv.notify_all();
    }
  }

  PipelineRunner& runner_;
  std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<std::shared_ptr<Extraction>> queue_;
  bool stop_ = false;
  std::vector<std::thread> threads_;
};

unsigned PipelineRunner::extract_workers() {
  if (const char* v = std::getenv("ANALYTICA_EXTRACT_WORKERS"); v && *v) {
    char* end = nullptr;
    const long n = std::strtol(v, &end, 10);
    if (*end || n < 1 || n > 64)
      throw UserError(std::string("ANALYTICA_EXTRACT_WORKERS=") + v + ": expected a number of threads from 1 to 64");
    return static_cast<unsigned>(n);
  }
  return std::clamp(std::thread::hardware_concurrency(), 1u, 2u);
}

PipelineRunner::PipelineRunner(const Settings& settings, const Pipeline& pipeline, PluginCatalog& catalog)
    : settings_(settings), pipeline_(pipeline), run_id_(new_uuid()), workers_(extract_workers()) {
  validation_ = std::make_unique<Validation>(ReviewConfig::from(pipeline_), run_id_);
  create_plugins(catalog);
  if (validation_->enabled()) {  // the validated views name extractor tables: check them now
    std::vector<Schema> tables;
    for (auto& e : extractors_)
      for (uint32_t i = 0; const analytica_table_schema* t = e->extractor.output_table(e->self(), i); ++i)
        tables.push_back(Schema(pipeline_.table_prefix + (t->table ? t->table : ""), Schema::copy_of(*t).columns()));
    validation_->plan_views(tables, pipeline_.file.string());
  }
}

PipelineRunner::~PipelineRunner() {
  // Destroy in reverse order of creation: monitors last so they see the end.
  sources_.clear();
  worker_extractors_.clear();
  extractors_.clear();
  validators_.clear();
  governance_.reset();
  sinks_.clear();
  monitors_.clear();
}

void PipelineRunner::create_plugins(PluginCatalog& catalog) {
  const std::string file = pipeline_.file.string();
  // Load and check everything first, so a bad setting stops us before any
  // plugin is created.
  struct Planned {
    const PluginRef* ref;
    analytica_plugin_kind kind;
    std::shared_ptr<LoadedPlugin> plugin;
    json settings;
  };
  std::vector<Planned> plan;
  auto add = [&](const std::vector<PluginRef>& refs, analytica_plugin_kind kind) {
    for (const auto& ref : refs) {
      std::shared_ptr<LoadedPlugin> p;
      try {
        p = catalog.load(ref.plugin);
      } catch (const UserError& e) {
        throw UserError(file + ": " + ref.where + ".plugin: " + e.what());
      }
      if (p->descriptor().kind != kind)
        throw UserError(file + ": " + ref.where + ".plugin: " + ref.plugin + " is a " + p->kind_name() +
                        " plugin, expected a " + kind_name(kind));
      plan.push_back({&ref, kind, p,
                      expand_variables(complete_settings(*p, ref.settings, file, ref.where + ".settings"),
                                       pipeline_, ref.where + ".settings")});
    }
  };
  std::shared_ptr<LoadedPlugin> gov;
  try {
    gov = catalog.load(pipeline_.governance.plugin);
  } catch (const UserError& e) {
    throw UserError(std::string("governance core plugin is required and could not be loaded: ") + e.what());
  }
  if (gov->descriptor().kind != ANALYTICA_KIND_GOVERNANCE)
    throw UserError(gov->file().string() + ": not a governance plugin; refusing to run without governance");
  const json gov_settings = expand_variables(
      complete_settings(*gov, pipeline_.governance.settings, file, "governance.settings"), pipeline_,
      "governance.settings");
  add(pipeline_.sinks, ANALYTICA_KIND_SINK);
  add(pipeline_.monitors, ANALYTICA_KIND_MONITOR);
  add(pipeline_.sources, ANALYTICA_KIND_SOURCE);
  add(pipeline_.extractors, ANALYTICA_KIND_EXTRACTOR);
  add(pipeline_.validators, ANALYTICA_KIND_VALIDATOR);

  std::map<std::string, std::string> file_sha256;  // each plugin file hashed once
  auto make = [&](std::shared_ptr<LoadedPlugin> p, const json& s, const Isolation& isolation = {}) {
    auto stage = std::make_unique<Stage>();
    std::string& sha = file_sha256[p->file().string()];
    if (sha.empty()) sha = sha256_file(p->file());
    stage->sha256 = sha;
    stage->instance = std::make_unique<PluginInstance>(p, s, run_id_, isolation);
    Stage* raw = stage.get();
    raw->instance->hooks.event = [this, raw](analytica_event_kind kind, const std::string& message) {
      raise(kind, "", raw->name(), message, 0, ANALYTICA_OK);
    };
    return stage;
  };
  // Extractor instances emit into their own buffer (Stage::emitted); any thread.
  auto extractor_stage = [this](std::unique_ptr<Stage> stage) {
    stage->extractor = stage->instance->interface<analytica_extractor_v1>(ANALYTICA_EXTRACTOR_V1);
    require(stage->name(), ANALYTICA_EXTRACTOR_V1, stage->extractor.output_table, stage->extractor.probe,
             stage->extractor.extract);
    stage->instance->hooks.emit = [this, raw = stage.get()](const analytica_batch& b) {
      raw->emitted.push_back(Batch::copy_of(b));
      raw->emitted.back().rename_table(pipeline_.table_prefix + raw->emitted.back().schema().table());
      return ANALYTICA_OK;
    };
    return stage;
  };
  for (auto& p : plan) {
    auto stage = make(p.plugin, p.settings, p.ref->isolation);
    const std::string& n = stage->name();
    switch (p.kind) {
      case ANALYTICA_KIND_SINK:
        stage->sink = stage->instance->interface<analytica_sink_v1>(ANALYTICA_SINK_V1);
        require(n, ANALYTICA_SINK_V1, stage->sink.declare_table, stage->sink.begin, stage->sink.commit,
                 stage->sink.rollback, stage->sink.write, stage->sink.query);
        sinks_.push_back(std::move(stage));
        break;
      case ANALYTICA_KIND_MONITOR:
        stage->monitor = stage->instance->interface<analytica_monitor_v1>(ANALYTICA_MONITOR_V1);
        require(n, ANALYTICA_MONITOR_V1, stage->monitor.on_event);
        monitors_.push_back(std::move(stage));
        break;
      case ANALYTICA_KIND_SOURCE:
        stage->source = stage->instance->interface<analytica_source_v1>(ANALYTICA_SOURCE_V1);
        require(n, ANALYTICA_SOURCE_V1, stage->source.next);
        // Sources read the store between inputs (a resuming source's bookmark).
        answer_queries_from_primary(*stage->instance);
        sources_.push_back(std::move(stage));
        break;
      case ANALYTICA_KIND_EXTRACTOR:
        extractors_.push_back(extractor_stage(std::move(stage)));
        break;
      case ANALYTICA_KIND_VALIDATOR:
        stage->validator = stage->instance->interface<analytica_validator_v1>(ANALYTICA_VALIDATOR_V1);
        require(n, ANALYTICA_VALIDATOR_V1, stage->validator.validate);
        answer_queries_from_primary(*stage->instance);
        stage->instance->hooks.report_check = [this, raw = stage.get()](uint64_t row, const char* check, int passed,
                                                                        double confidence, const char* reason,
                                                                        const analytica_check_values* values) {
          std::string error;
          const analytica_status s =
              validation_->report(raw->name(), row, check, passed, confidence, reason, values, error);
          if (s < 0) throw std::runtime_error(error);
          return s;
        };
        validators_.push_back(std::move(stage));
        break;
      default:
        break;
    }
  }

  // Every extraction worker gets its own instance of each extractor; their
  // events wait in Stage::events for the run loop's thread.
  if (workers_ > 1)
    for (unsigned w = 0; w < workers_; ++w) {
      Extractors& set = worker_extractors_.emplace_back();
      for (auto& p : plan) {
        if (p.kind != ANALYTICA_KIND_EXTRACTOR) continue;
        auto stage = extractor_stage(make(p.plugin, p.settings, p.ref->isolation));
        stage->instance->hooks.event = [raw = stage.get()](analytica_event_kind kind, const std::string& message) {
          raw->events.emplace_back(kind, message);
        };
        set.push_back(std::move(stage));
      }
    }

  // Governance last: it reaches the store through the primary sink, whose
  // location every plugin may read (host->store_location).
  governance_ = make(gov, gov_settings);
  if (!sinks_.empty()) {
    const std::string location = store_location(*sinks_.front()->instance);
    for (auto* group : {&sources_, &extractors_, &validators_, &sinks_, &monitors_})
      for (auto& s : *group) s->instance->set_store_location(location);
    for (auto& set : worker_extractors_)
      for (auto& s : set) s->instance->set_store_location(location);
    governance_->instance->set_store_location(location);
  }
  governance_->governance = governance_->instance->interface<analytica_governance_v1>(ANALYTICA_GOVERNANCE_V1);
  const auto& g = governance_->governance;
  require(governance_->name(), ANALYTICA_GOVERNANCE_V1, g.run_start, g.register_source, g.record_batch, g.source_end, g.run_end);
  governance_->instance->hooks.emit = [this](const analytica_batch& b) {
    Stage& primary = *sinks_.front();
    const Batch copy = Batch::copy_of(b);
    declare(primary, copy.schema());
    return primary.check(primary.sink.write(primary.self(), copy.view()), "write " + copy.schema().table());
  };
  answer_queries_from_primary(*governance_->instance);
}

void PipelineRunner::answer_queries_from_primary(PluginInstance& instance) {
  instance.hooks.query = [this](const char* sql, const analytica_value* params, uint32_t k, analytica_row_fn fn,
                                void* user) { return query_primary(sql, params, k, fn, user); };
}

analytica_status PipelineRunner::query_primary(const char* sql, const analytica_value* params, uint32_t n,
                                               analytica_row_fn fn, void* user) {
  Stage& primary = *sinks_.front();
  return primary.check(primary.sink.query(primary.self(), sql, params, n, fn, user), "query");
}

StoreAccess PipelineRunner::primary_access() {
  return make_store_access(
      [this](const char* sql, const analytica_value* params, uint32_t n, analytica_row_fn fn, void* user) {
        return query_primary(sql, params, n, fn, user);  // throws on failure
      },
      [this](const Batch& batch) {
        Stage& primary = *sinks_.front();
        declare(primary, batch.schema());
        primary.check(primary.sink.write(primary.self(), batch.view()), "write " + batch.schema().table());
      });
}

void PipelineRunner::validate(Batch& batch) {
  validation_->begin_batch(batch);
  const analytica_batch* b = batch.view();
  for (auto& v : validators_) v->check(v->validator.validate(v->self(), b), "validate " + batch.schema().table());
}

void PipelineRunner::declare(Stage& sink, const Schema& schema) {
  if (sink.declared.count(schema.table())) return;
  sink.check(sink.sink.declare_table(sink.self(), schema.view()), "declare table " + schema.table());
  sink.declared.insert(schema.table());
}

void PipelineRunner::each_sink(const std::function<void(Stage&)>& f) {
  for (auto& s : sinks_) f(*s);
}

void PipelineRunner::rollback_all() {
  for (auto& s : sinks_) {
    s->sink.rollback(s->self());  // best effort; errors already reported
    s->declared.clear();          // a declaration inside the transaction is gone too
  }
}

void PipelineRunner::raise(analytica_event_kind kind, const std::string& source, const std::string& plugin,
                           const std::string& message, uint64_t records, analytica_status status) {
  const analytica_event ev{sizeof(analytica_event),
                           kind,
                           run_id_.c_str(),
                           pipeline_.name.c_str(),
                           source.empty() ? nullptr : source.c_str(),
                           plugin.empty() ? nullptr : plugin.c_str(),
                           message.empty() ? nullptr : message.c_str(),
                           sources_total_,
                           sources_done_,
                           records,
                           status,
                           now_unix_ms()};
  if (kind == ANALYTICA_EVENT_WARNING || kind == ANALYTICA_EVENT_ERROR || kind == ANALYTICA_EVENT_SOURCE_FAILED)
    logging::write(kind == ANALYTICA_EVENT_WARNING ? logging::Level::warn : logging::Level::error, plugin,
                   source.empty() ? message : source + ": " + message);
  for (auto& m : monitors_) {
    const analytica_status s = m->monitor.on_event(m->self(), &ev);
    if (s < 0)
      logging::write(logging::Level::warn, m->name(), "monitor failed on event: " + m->instance->last_error());
  }
}

RunSummary PipelineRunner::run() {
  RunSummary summary;
  summary.run_id = run_id_;
  logging::set_run_id(run_id_);
  logging::write(logging::Level::info, "", "run started",
                 {{"pipeline", pipeline_.name}, {"file", pipeline_.file.string()}});
  raise(ANALYTICA_EVENT_RUN_START, "", "", "", 0, ANALYTICA_OK);

  json plugins = json::array();
  auto describe = [&](const Stage& s) {
    const auto& d = s.instance->plugin().descriptor();
    plugins.push_back({{"name", s.name()}, {"kind", kind_name(d.kind)}, {"version", str(d.version)},
                       {"file", s.instance->plugin().file().string()}, {"sha256", s.sha256}});
  };
  describe(*governance_);
  for (auto* group : {&sources_, &extractors_, &validators_, &sinks_, &monitors_})
    for (auto& s : *group) describe(*s);
  const std::string plugins_text = plugins.dump();
  const std::string config_sha = sha256_text(pipeline_.resolved.dump());
  const std::string views_text = views_to_json(pipeline_.views).dump();
  const analytica_run_info info{sizeof(analytica_run_info), run_id_.c_str(), pipeline_.name.c_str(),
                                config_sha.c_str(), plugins_text.c_str(), views_text.c_str()};
  Stage& primary = *sinks_.front();
  auto& gov = governance_->governance;
  try {
    primary.check(primary.sink.begin(primary.self()), "begin");
    governance_->check(gov.run_start(governance_->self(), &info), "run_start");
    primary.check(primary.sink.commit(primary.self()), "commit");
  } catch (...) {
    rollback_all();
    throw;
  }

  // Data tables next, before any input: governance checks each schema
  // against its recorded version, then every sink declares the table, all
  // in one transaction. A destructive schema change (or a sink conflict)
  // refuses the run, and governance records the refusal.
  try {
    each_sink([](Stage& s) { s.check(s.sink.begin(s.self()), "begin"); });
    for (auto& e : extractors_)
      for (uint32_t i = 0;; ++i) {
        const analytica_table_schema* t = e->extractor.output_table(e->self(), i);
        if (!t) break;
        Schema s = Schema::copy_of(*t);
        s = Schema(pipeline_.table_prefix + s.table(), s.columns());
        if (gov.check_schema)
          governance_->check(gov.check_schema(governance_->self(), s.view()), "check_schema " + s.table());
        each_sink([&](Stage& sink) { declare(sink, s); });
      }
    if (validation_->enabled()) validation_->prepare(primary_access());  // review tables, validated views
    each_sink([](Stage& s) { s.check(s.sink.commit(s.self()), "commit"); });
  } catch (const std::exception& e) {
    rollback_all();
    const auto* plugin_error = dynamic_cast<const PluginError*>(&e);
    try {
      primary.check(primary.sink.begin(primary.self()), "begin");
      governance_->check(gov.run_end(governance_->self(), plugin_error ? plugin_error->status() : ANALYTICA_ERR_INTERNAL, 0),
                         "run_end");
      primary.check(primary.sink.commit(primary.self()), "commit");
    } catch (const std::exception& inner) {
      rollback_all();
      logging::write(logging::Level::error, governance_->name(), inner.what());
    }
    logging::set_run_id("");
    throw;
  }

  {
    std::unique_ptr<Ahead> ahead;  // stops the workers before anything else goes
    if (!worker_extractors_.empty()) ahead = std::make_unique<Ahead>(*this);
    for (auto& src : sources_) {
      const uint64_t inputs_before = summary.inputs;
      pull_inputs(*src, summary, ahead.get());
      if (summary.cancelled) break;
      if (summary.inputs == inputs_before)
        logging::write(logging::Level::warn, src->name(), "found no input (an empty inbox?): nothing to ingest");
    }
  }

  const analytica_status outcome = summary.cancelled ? ANALYTICA_ERR_CANCELLED
                                   : summary.failed ? ANALYTICA_ERR_FORMAT
                                                    : ANALYTICA_OK;
  try {
    primary.check(primary.sink.begin(primary.self()), "begin");
    governance_->check(gov.run_end(governance_->self(), outcome, summary.records), "run_end");
    primary.check(primary.sink.commit(primary.self()), "commit");
  } catch (const std::exception& e) {
    rollback_all();
    logging::write(logging::Level::error, governance_->name(), e.what());
    summary.run_end_error = e.what();  // not an input: counted apart from them
    summary.failures.push_back(std::string("run end: ") + e.what());
  }
  raise(ANALYTICA_EVENT_RUN_END, "", "", summary.ok() ? "" : "run finished with failures", summary.records,
        summary.ok() ? ANALYTICA_OK : outcome);
  if (validation_->enabled()) {
    try {  // the one definition of "waiting" (run/review_state.h), through the primary sink
      const ReviewBacklog backlog = count_review_backlog(primary_access().query);
      summary.review_waiting = backlog.waiting;
      summary.review_superseded = backlog.superseded;
    } catch (const std::exception& e) {
      logging::write(logging::Level::warn, "", std::string("cannot count review items: ") + e.what());
    }
  }
  logging::write(summary.ok() ? logging::Level::info : logging::Level::warn, "", "run finished",
                 {{"inputs", summary.inputs}, {"ingested", summary.ingested}, {"unchanged", summary.skipped},
                  {"failed", summary.failed}, {"records", summary.records},
                  {"review_waiting", summary.review_waiting}});
  logging::set_run_id("");
  return summary;
}

void PipelineRunner::pull_inputs(Stage& src, RunSummary& summary, Ahead* ahead) {
  // Inputs taken from the source but not yet processed: one without workers
  // (the source is asked for the next input only after the current one is
  // done), twice the workers with them (a bounded queue). A source whose
  // inputs carry bookmarks (pages of an API, each resumed from the last one
  // committed) is asked for the next only after the current one is done.
  const size_t capacity = ahead ? 2 * worker_extractors_.size() : 1;
  bool paged = false;
  std::deque<std::shared_ptr<Extraction>> pulled;
  std::exception_ptr source_error;  // raised after the inputs taken before it
  bool source_done = false;
  for (;;) {
    while (!source_done && !source_error && pulled.size() < (paged ? 1 : capacity) && !g_cancelled.load()) {
      analytica_input in{};
      in.struct_size = sizeof in;
      try {
        if (src.check(src.source.next(src.self(), &in), "next") == ANALYTICA_DONE) {
          source_done = true;
          break;
        }
      } catch (...) {
        source_error = std::current_exception();
        break;
      }
      auto e = std::make_shared<Extraction>();
      e->input = OwnedInput::of(read_sized(&in));
      paged = paged || !e->input.bookmark_key.empty();
      if (ahead && !paged && likely_new(e->input)) {
        e->speculative = true;
        ahead->submit(e);
      }
      pulled.push_back(std::move(e));
    }
    if (g_cancelled.load()) {
      summary.cancelled = true;
      break;
    }
    if (pulled.empty()) break;
    const std::shared_ptr<Extraction> next = std::move(pulled.front());
    pulled.pop_front();
    ++sources_total_;
    process_input(next->input, summary, next->speculative ? next.get() : nullptr);
    ++sources_done_;
  }
  if (source_error) std::rethrow_exception(source_error);
}

bool PipelineRunner::likely_new(OwnedInput& input) {
  if (!input.error.empty() || input.path.empty()) return false;
  try {
    input.sha256 = sha256_file(input.path);
  } catch (const std::exception&) {
    return false;  // governance names the unreadable file when its turn comes
  }
  try {
    const auto rows = primary_access().query("SELECT status FROM " ANALYTICA_T_SOURCES " WHERE sha256 = ?",
                                             {Cell::of(input.sha256)});
    return rows.empty() || rows[0].empty() || rows[0][0].text != "ingested";
  } catch (const std::exception&) {
    return true;  // no answer: extract ahead; register_source still decides
  }
}

void PipelineRunner::extract(Extractors& set, Extraction& out) const {
  Stage* chosen = nullptr;
  try {
    const analytica_input view = out.input.view();
    int32_t best = 0;
    for (auto& e : set) {
      const int32_t score = e->extractor.probe(e->self(), &view);
      if (score > best) { best = score; chosen = e.get(); }
    }
    if (!chosen) throw UserError("no extractor of this pipeline reads this file");
    out.extractor = chosen->name();
    chosen->emitted.clear();
    chosen->check(chosen->extractor.extract(chosen->self(), &view), "extract");
    out.batches = std::move(chosen->emitted);
  } catch (...) {
    out.error = std::current_exception();
  }
  if (chosen) chosen->emitted.clear();
  for (auto& e : set) {
    for (auto& [kind, message] : e->events) out.events.push_back({kind, e->name(), std::move(message)});
    e->events.clear();
  }
}

void PipelineRunner::process_input(const OwnedInput& given, RunSummary& summary, Extraction* ahead) {
  OwnedInput input = given;
  input.sha256.clear();  // governance computes it
  ++summary.inputs;
  raise(ANALYTICA_EVENT_SOURCE_START, input.display_name, "", "", 0, ANALYTICA_OK);
  auto& gov = governance_->governance;
  uint64_t records = 0;
  try {
    // The source found this input but cannot hand it over: a failed input.
    if (!input.error.empty()) throw PluginError(ANALYTICA_ERR_IO, input.error);
    each_sink([](Stage& s) { s.check(s.sink.begin(s.self()), "begin"); });
    // Another host sharing the store may be ingesting the same report: wait
    // for it (sinks that can), so governance below sees its outcome.
    each_sink([&](Stage& s) {
      if (s.sink.lock_source) s.check(s.sink.lock_source(s.self(), input.lock_key.c_str()), "lock_source");
    });
    char sha[65] = {0};
    analytica_source_decision decision = ANALYTICA_SOURCE_INGEST;
    analytica_input view = input.view();
    governance_->check(gov.register_source(governance_->self(), &view, sha, &decision), "register_source");
    input.sha256 = sha;
    if (decision == ANALYTICA_SOURCE_SKIP) {
      each_sink([](Stage& s) { s.check(s.sink.commit(s.self()), "commit"); });
      ++summary.skipped;
      logging::write(logging::Level::info, "", input.display_name + ": unchanged", {{"sha256", input.sha256}});
      raise(ANALYTICA_EVENT_SOURCE_SKIPPED, input.display_name, "", "unchanged since last ingest", 0, ANALYTICA_OK);
      return;
    }
    view = input.view();

    // The extraction made ahead for these bytes, or one made here and now.
    Extraction here;
    Extraction* made = ahead;
    if (ahead && ahead->input.sha256 == input.sha256) {
      Ahead::wait(*ahead);
    } else {
      here.input = input;
      extract(extractors_, here);
      made = &here;
    }
    for (const auto& ev : made->events) raise(ev.kind, "", ev.plugin, ev.message, 0, ANALYTICA_OK);
    if (made->error) std::rethrow_exception(made->error);
    const std::string& extractor = made->extractor;
    if (validation_->enabled()) validation_->begin_source(input.sha256);
    for (auto& batch : made->batches) {
      batch.source_id = input.sha256;
      const analytica_batch* b = batch.view();
      // A table not yet declared in this run (its shape known only per
      // input, as with CSV): governance checks its schema first.
      if (gov.check_schema && !sinks_.front()->declared.count(batch.schema().table()))
        governance_->check(gov.check_schema(governance_->self(), batch.schema().view()),
                           "check_schema " + batch.schema().table());
      // Validators see each batch before it is written, and the batches
      // written before it in this transaction (city pages before districts).
      if (validation_->enabled()) validate(batch);
      each_sink([&](Stage& s) {
        declare(s, batch.schema());
        s.check(s.sink.write(s.self(), b), "write " + batch.schema().table());
      });
      if (validation_->enabled()) validation_->batch_written(primary_access());
      governance_->check(gov.record_batch(governance_->self(), &view, extractor.c_str(), b), "record_batch");
      records += batch.row_count();
    }
    if (validation_->enabled()) {  // review items first: governance reads them at source_end
      const Validation::Outcome v = validation_->finish_source(primary_access());
      logging::write(logging::Level::info, "", input.display_name + ": validated",
                     {{"records", v.records}, {"auto_approved", v.auto_approved}, {"pending", v.pending},
                      {"decided", v.decided}, {"checks", v.evaluated}, {"checks_passed", v.successful}});
    }
    governance_->check(gov.source_end(governance_->self(), &view, ANALYTICA_OK, nullptr), "source_end");
    each_sink([](Stage& s) { s.check(s.sink.commit(s.self()), "commit"); });
    ++summary.ingested;
    summary.records += records;
    logging::write(logging::Level::info, extractor, input.display_name + ": ingested",
                   {{"records", records}, {"sha256", input.sha256},
                    {"new_version", decision == ANALYTICA_SOURCE_NEW_VERSION}});
    raise(ANALYTICA_EVENT_RECORDS_WRITTEN, input.display_name, extractor, "", records, ANALYTICA_OK);
    raise(ANALYTICA_EVENT_SOURCE_DONE, input.display_name, extractor, "", records, ANALYTICA_OK);
  } catch (const std::exception& e) {
    validation_->abandon();
    rollback_all();
    const std::string reason = e.what();
    const auto status = dynamic_cast<const PluginError*>(&e) ? static_cast<const PluginError&>(e).status()
                                                              : ANALYTICA_ERR_FORMAT;
    ++summary.failed;
    summary.failures.push_back(input.display_name + ": " + reason);
    // Governance records the failure in a transaction of its own.
    Stage& primary = *sinks_.front();
    try {
      const analytica_input view = input.view();
      primary.check(primary.sink.begin(primary.self()), "begin");
      governance_->check(gov.source_end(governance_->self(), &view, status, reason.c_str()), "source_end");
      primary.check(primary.sink.commit(primary.self()), "commit");
    } catch (const std::exception& inner) {
      rollback_all();
      logging::write(logging::Level::error, governance_->name(), inner.what());
    }
    raise(ANALYTICA_EVENT_SOURCE_FAILED, input.display_name, "", reason, 0, status);
  }
}

}  // namespace analytica
