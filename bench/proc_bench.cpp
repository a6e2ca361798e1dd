// proc_bench: process-level benchmarks of `analytica`, each against a floor measured
// in the same run (medians of several runs). Wall time and peak RSS come from
// wait4() on each child process.
//
//   proc_bench single  --analytica BIN [--runs N] REPORT.pdf...
//       `analytica extract X.pdf --format json` (one process) against
//       `pdftotext -layout -f P -l P X.pdf -` for each of the report's table pages
//       (one process per page, run one after the other: the floor).
//   proc_bench run     --analytica BIN --pipeline FILE --reports N [--runs R] [--timeout S] [--no-floor]
//       `analytica --data-dir D run FILE` over N distinct synthetic reports (creb_synth)
//       in a fresh data dir per run, against the pdftotext floor of the same N reports.
//       With report files given, those are the inbox instead (the real reports).
//       With --no-floor only the run is measured (the 1,000-report RSS check), stopped
//       after --timeout seconds (peak RSS so far, reports done counted).
//   proc_bench lineage --analytica BIN --pipeline FILE [--rows N] [--runs R] [--work DIR]
//       Grows governance_lineage_cells to N rows (copies of one report's cells under
//       new record keys and sources; records and sources grown to match), then times
//       `analytica lineage` and `analytica impact` per query against the same
//       commands on the small store (the floor), and the store's own SQL in-process;
//       prints EXPLAIN QUERY PLAN of each statement.
//
// Exit status: 0 when every target is met, 1 when one is missed, 2 on usage or setup errors.
#include "creb_report.h"
#include "creb_synth/creb_synth.h"

#include <sqlite3.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <spawn.h>
#include <sstream>
#include <string>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

extern char** environ;

namespace fs = std::filesystem;

namespace {

using Clock = std::chrono::steady_clock;

struct Measured {
    double wall_ms = 0;
    long max_rss_kib = 0;
    int status = -1;  // exit status, or 128 + signal
    bool timed_out = false;
};

double median(std::vector<double> v) {
    if (v.empty()) return 0;
    std::sort(v.begin(), v.end());
    const size_t n = v.size();
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

// Runs argv with stdout to out_path (or /dev/null) and stderr to /dev/null; waits
// (killing it after timeout_s when > 0). Wall time and the child's peak RSS.
Measured spawn(const std::vector<std::string>& args, const std::string& out_path = "/dev/null",
               double timeout_s = 0) {
    Measured m;
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
    std::vector<std::string> copy = args;
    std::vector<char*> argv;
    for (auto& a : copy) argv.push_back(a.data());
    argv.push_back(nullptr);
    pid_t pid = 0;
    const auto t0 = Clock::now();
    const int rc = posix_spawnp(&pid, argv[0], &fa, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0) return m;
    int status = 0;
    struct rusage ru {};
    for (;;) {
        const pid_t got = wait4(pid, &status, timeout_s > 0 ? WNOHANG : 0, &ru);
        if (got == pid) break;
        if (got < 0) return m;
        if (std::chrono::duration<double>(Clock::now() - t0).count() > timeout_s) {
            kill(pid, SIGKILL);
            m.timed_out = true;
            wait4(pid, &status, 0, &ru);
            break;
        }
        usleep(20000);
    }
    m.wall_ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
    m.max_rss_kib = ru.ru_maxrss;
    m.status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
    return m;
}


struct Floor {
    double wall_ms = 0;
    long max_rss_kib = 0;
    bool ok = true;
};

// pdftotext -layout on each table page of each report, one process per page.
Floor pdftotext_floor(const std::vector<std::pair<std::string, std::vector<int>>>& reports) {
    Floor f;
    for (const auto& r : reports) {
        for (int p : r.second) {
            const std::string ps = std::to_string(p);
            const Measured m = spawn({"pdftotext", "-layout", "-f", ps, "-l", ps, r.first, "-"});
            f.wall_ms += m.wall_ms;
            f.max_rss_kib = std::max(f.max_rss_kib, m.max_rss_kib);
            if (m.status != 0) f.ok = false;
        }
    }
    return f;
}

std::vector<int> table_pages(const std::string& pdf) { return creb::read_report(pdf).table_pages; }

struct Args {
    std::string mode, analytica, pipeline, work;
    int runs = 5, reports = 48;
    long rows = 10'000'000;
    double timeout_s = 0;
    bool floor = true;
    std::vector<std::string> files;
};

std::string fmt_ratio(double r) {
    char b[32];
    std::snprintf(b, sizeof b, "%.2fx", r);
    return b;
}

// ---------------------------------------------------------------- single

int bench_single(const Args& a) {
    if (a.files.empty()) {
        std::fprintf(stderr, "proc_bench single: no reports given\n");
        return 2;
    }
    std::printf("single report: analytica extract X.pdf --format json vs pdftotext -layout on its table pages "
                "(one process per page); median of %d runs\n",
                a.runs);
    std::printf("%-44s %5s %10s %10s %7s %9s %9s %7s\n", "report", "pages", "extract ms", "floor ms", "ratio",
                "RSS MiB", "floor MiB", "ratio");
    std::vector<double> ratios, rss_ratios;
    bool ok = true;
    for (const std::string& pdf : a.files) {
        std::vector<int> pages;
        try {
            pages = table_pages(pdf);
        } catch (const std::exception& e) {
            std::printf("%s: %s\n", pdf.c_str(), e.what());
            ok = false;
            continue;
        }
        std::vector<double> ex, fl, exr, flr;
        (void)spawn({a.analytica, "extract", pdf, "--format", "json"});  // warm the page cache
        for (int k = 0; k < a.runs; ++k) {
            const Measured m = spawn({a.analytica, "extract", pdf, "--format", "json"});
            if (m.status != 0) {
                std::printf("%s: analytica extract failed (exit %d)\n", pdf.c_str(), m.status);
                return 1;
            }
            const Floor f = pdftotext_floor({{pdf, pages}});
            ex.push_back(m.wall_ms);
            exr.push_back(static_cast<double>(m.max_rss_kib));
            fl.push_back(f.wall_ms);
            flr.push_back(static_cast<double>(f.max_rss_kib));
        }
        const double r = median(ex) / median(fl), rr = median(exr) / median(flr);
        ratios.push_back(r);
        rss_ratios.push_back(rr);
        std::printf("%-44s %5zu %10.1f %10.1f %7s %9.1f %9.1f %7s\n", fs::path(pdf).filename().string().c_str(),
                    pages.size(), median(ex), median(fl), fmt_ratio(r).c_str(), median(exr) / 1024,
                    median(flr) / 1024, fmt_ratio(rr).c_str());
    }
    const double overall = median(ratios);
    std::printf("RESULT single: median ratio %s wall (target <= 0.75x), %s peak RSS\n", fmt_ratio(overall).c_str(),
                fmt_ratio(median(rss_ratios)).c_str());
    return ok && overall <= 0.75 ? 0 : 1;
}

// ---------------------------------------------------------------- run

// Writes n synthetic reports with distinct bytes into dir (months from 2001-01 on,
// seeds varying; names made distinct with a prefix so each is a new source).
std::vector<std::string> make_reports(const fs::path& dir, int n) {
    fs::create_directories(dir);
    std::vector<std::string> out;
    for (int i = 0; i < n; ++i) {
        creb_synth::Options opt;
        const int idx = (2001 * 12) + (i % 288);  // 2001-01 .. 2024-12, then again with other seeds
        char month[16];
        std::snprintf(month, sizeof month, "%04d-%02d", idx / 12, idx % 12 + 1);
        opt.report_month = month;
        opt.seed = 1000u + static_cast<unsigned>(i / 288);
        const creb_synth::Rendered r = creb_synth::render_report(opt);
        char prefix[16];
        std::snprintf(prefix, sizeof prefix, "r%04d_", i);
        const fs::path p = dir / (prefix + r.file_name);
        std::ofstream(p, std::ios::binary) << r.pdf;
        out.push_back(p.string());
    }
    return out;
}

int count_ingested(const fs::path& db) {
    sqlite3* h = nullptr;
    int n = -1;
    if (sqlite3_open_v2(db.c_str(), &h, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
        sqlite3_stmt* st = nullptr;
        if (sqlite3_prepare_v2(h, "SELECT count(*) FROM governance_sources WHERE status = 'ingested'", -1, &st,
                               nullptr) == SQLITE_OK &&
            sqlite3_step(st) == SQLITE_ROW)
            n = sqlite3_column_int(st, 0);
        sqlite3_finalize(st);
    }
    sqlite3_close(h);
    return n;
}

int bench_run(const Args& a) {
    const fs::path work = a.work.empty() ? fs::temp_directory_path() / "analytica-bench" : fs::path(a.work);
    const fs::path inbox = work / ("inbox-" + std::to_string(a.reports));
    std::vector<std::string> pdfs = a.files;  // given reports (the real ones), else synthetic
    if (!pdfs.empty()) {
        // as given
    } else if (fs::exists(inbox)) {
        for (const auto& e : fs::directory_iterator(inbox))
            if (e.path().extension() == ".pdf") pdfs.push_back(e.path().string());
    }
    if (a.files.empty() && static_cast<int>(pdfs.size()) != a.reports) {
        fs::remove_all(inbox);
        pdfs = make_reports(inbox, a.reports);
    }
    const int n = static_cast<int>(pdfs.size());
    std::sort(pdfs.begin(), pdfs.end());
    std::vector<std::pair<std::string, std::vector<int>>> floor_set;
    if (a.floor)
        for (const auto& p : pdfs) floor_set.emplace_back(p, table_pages(p));

    std::printf("%d-report run%s: analytica run %s (fresh data dir each run)%s; median of %d run(s)\n", n,
                a.files.empty() ? " (synthetic)" : " (given reports)",
                a.pipeline.c_str(), a.floor ? " vs pdftotext -layout on the table pages of the same reports" : "",
                a.runs);
    std::vector<double> wall, rss, fwall, frss;
    int done = -1;
    bool timed_out = false;
    for (int k = 0; k < a.runs; ++k) {
        const fs::path data = work / ("data-" + std::to_string(n));
        fs::remove_all(data);
        fs::create_directories(data / "inbox");
        for (const auto& p : pdfs) {
            std::error_code ec;
            fs::create_hard_link(p, data / "inbox" / fs::path(p).filename(), ec);
            if (ec) fs::copy_file(p, data / "inbox" / fs::path(p).filename());
        }
        const Measured m = spawn({a.analytica, "--data-dir", data.string(), "--log-level", "warn", "run",
                                  a.pipeline},
                                 "/dev/null", a.timeout_s);
        done = count_ingested(data / "analytica.db");
        timed_out = m.timed_out;
        if (m.status != 0 && !m.timed_out) {
            std::printf("analytica run exited %d (%d of %d ingested)\n", m.status, done, n);
        }
        wall.push_back(m.wall_ms);
        rss.push_back(static_cast<double>(m.max_rss_kib));
        if (a.floor) {
            const Floor f = pdftotext_floor(floor_set);
            fwall.push_back(f.wall_ms);
            frss.push_back(static_cast<double>(f.max_rss_kib));
        }
    }
    const double rss_mib = median(rss) / 1024;
    if (a.floor) {
        const double r = median(wall) / median(fwall);
        std::printf("run %.0f ms (%.1f ms/report), floor %.0f ms: ratio %s; peak RSS %.1f MiB (floor %.1f MiB); "
                    "%d of %d ingested\n",
                    median(wall), median(wall) / n, median(fwall), fmt_ratio(r).c_str(), rss_mib,
                    median(frss) / 1024, done, n);
        std::printf("RESULT run%d%s: ratio %s wall (target <= 0.75x), peak RSS %.1f MiB (target < 100)\n", n,
                    a.files.empty() ? "" : "-given",
                    fmt_ratio(r).c_str(), rss_mib);
        return r <= 0.75 && rss_mib < 100 ? 0 : 1;
    }
    std::printf("RESULT run%d: peak RSS %.1f MiB (target < 100, flat); %d of %d ingested in %.0f s%s\n", n,
                rss_mib, done, n, median(wall) / 1000,
                timed_out ? " (stopped at the time bound)" : "");
    return rss_mib < 100 ? 0 : 1;
}

// ---------------------------------------------------------------- lineage

struct Db {
    sqlite3* h = nullptr;
    explicit Db(const fs::path& p) {
        if (sqlite3_open(p.c_str(), &h) != SQLITE_OK) throw std::runtime_error("cannot open " + p.string());
        sqlite3_busy_timeout(h, 10000);
    }
    ~Db() { sqlite3_close(h); }
    void exec(const std::string& sql) {
        char* err = nullptr;
        if (sqlite3_exec(h, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
            std::string e = err ? err : "?";
            sqlite3_free(err);
            throw std::runtime_error(e + " in: " + sql.substr(0, 200));
        }
    }
    std::vector<std::vector<std::string>> rows(const std::string& sql, const std::vector<std::string>& params = {}) {
        sqlite3_stmt* st = nullptr;
        if (sqlite3_prepare_v2(h, sql.c_str(), -1, &st, nullptr) != SQLITE_OK)
            throw std::runtime_error(std::string(sqlite3_errmsg(h)) + " in: " + sql);
        for (size_t i = 0; i < params.size(); ++i)
            sqlite3_bind_text(st, static_cast<int>(i + 1), params[i].c_str(), -1, SQLITE_TRANSIENT);
        std::vector<std::vector<std::string>> out;
        while (sqlite3_step(st) == SQLITE_ROW) {
            std::vector<std::string> r;
            for (int c = 0; c < sqlite3_column_count(st); ++c) {
                const unsigned char* t = sqlite3_column_text(st, c);
                r.push_back(t ? reinterpret_cast<const char*>(t) : "");
            }
            out.push_back(std::move(r));
        }
        sqlite3_finalize(st);
        return out;
    }
    long count(const std::string& table) { return std::stol(rows("SELECT count(*) FROM " + table)[0][0]); }
};

// INSERT ... SELECT copying `table`'s rows of one source n times, with the source
// replaced by a numbered fake SHA-256 and the record key made unique per copy.
void grow(Db& db, const std::string& table, const std::string& source_col, const std::string& sha, long copies,
          const std::string& where_extra = "") {
    std::vector<std::string> cols;
    for (const auto& r : db.rows("PRAGMA table_info(" + table + ")")) cols.push_back(r[1]);
    std::string list, select;
    for (const auto& c : cols) {
        list += (list.empty() ? "" : ", ") + ("\"" + c + "\"");
        std::string e = "t.\"" + c + "\"";
        if (c == source_col) e = "printf('b%063d', k.i)";
        else if (c == "record_key") e = "t.record_key || '|bench=' || k.i";
        else if (c == "superseded_by") e = "NULL";
        select += (select.empty() ? "" : ", ") + e;
    }
    db.exec("WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < " + std::to_string(copies) +
            ") INSERT OR IGNORE INTO " + table + " (" + list + ") SELECT " + select + " FROM k, " + table +
            " t WHERE t." + source_col + " = '" + sha + "'" + where_extra);
}

double time_sql_ms(Db& db, const std::string& sql, const std::vector<std::string>& params, int reps) {
    std::vector<double> t;
    for (int k = 0; k < reps; ++k) {
        const auto t0 = Clock::now();
        (void)db.rows(sql, params);
        t.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
    }
    return median(t);
}

std::string plan(Db& db, const std::string& sql, const std::vector<std::string>& params) {
    std::string out;
    for (const auto& r : db.rows("EXPLAIN QUERY PLAN " + sql, params)) out += (out.empty() ? "" : "; ") + r[3];
    return out;
}

int bench_lineage(const Args& a) {
    const fs::path work = a.work.empty() ? fs::temp_directory_path() / "analytica-bench" : fs::path(a.work);
    const fs::path small = work / "lineage-small", big = work / "lineage-big";
    const fs::path small_db = small / "analytica.db", big_db = big / "analytica.db";
    // The small store: two synthetic reports ingested by the real pipeline.
    if (!fs::exists(small_db)) {
        fs::remove_all(small);
        make_reports(small / "inbox", 2);
        const Measured m = spawn({a.analytica, "--data-dir", small.string(), "--log-level", "warn", "run",
                                  a.pipeline});
        if (m.status != 0) {
            std::fprintf(stderr, "proc_bench lineage: the pipeline failed on the small store (exit %d)\n",
                         m.status);
            return 2;
        }
    }
    std::string sha, table = "housing_city_monthly", key;
    {
        Db db(small_db);
        sha = db.rows("SELECT sha256 FROM governance_sources WHERE status = 'ingested' ORDER BY name LIMIT 1")[0][0];
        key = db.rows("SELECT record_key FROM governance_lineage_records WHERE table_name = ? AND source_sha256 = ? "
                      "ORDER BY record_key LIMIT 1",
                      {table, sha})[0][0];
    }
    // The big store: the small one grown to a.rows cell-lineage rows.
    long cells = 0;
    {
        bool fresh = true;
        if (fs::exists(big_db)) {
            Db db(big_db);
            cells = db.count("governance_lineage_cells");
            fresh = cells < a.rows;
        }
        if (fresh) {
            fs::remove_all(big);
            fs::create_directories(big);
            fs::copy_file(small_db, big_db);
            for (const char* sfx : {"-wal", "-shm"})
                if (fs::exists(small.string() + "/analytica.db" + sfx))
                    fs::copy_file(small.string() + "/analytica.db" + sfx, big.string() + "/analytica.db" + sfx);
            Db db(big_db);
            const long per = std::stol(
                db.rows("SELECT count(*) FROM governance_lineage_cells WHERE source_sha256 = ?", {sha})[0][0]);
            const long copies = (a.rows - db.count("governance_lineage_cells") + per - 1) / per;
            std::printf("growing governance_lineage_cells by %ld copies of %ld cells ...\n", copies, per);
            std::fflush(stdout);
            const auto t0 = Clock::now();
            db.exec("PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; BEGIN");
            grow(db, "governance_lineage_cells", "source_sha256", sha, copies);
            grow(db, "governance_lineage_records", "source_sha256", sha, copies);
            grow(db, "governance_sources", "sha256", sha, copies);
            db.exec("COMMIT; PRAGMA journal_mode = WAL");
            cells = db.count("governance_lineage_cells");
            std::printf("grown in %.0f s\n", std::chrono::duration<double>(Clock::now() - t0).count());
        }
    }
    // A run on the big store (empty inbox): governance's run_start adds any index the
    // store lacks (a big store grown by an older build), as on any existing store.
    {
        fs::create_directories(big / "inbox");
        const Measured m = spawn({a.analytica, "--data-dir", big.string(), "--log-level", "error", "run", a.pipeline});
        std::printf("run on the big store (adds missing indexes): %.1f s, exit %d\n", m.wall_ms / 1000, m.status);
    }
    // The store's own SQL (host/cli/cmd_lineage.cpp, cmd_impact.cpp), timed in-process.
    struct Q {
        const char* name;
        std::string sql;
        std::vector<std::string> params;
    };
    const std::vector<Q> qs = {
        {"lineage: records of a key",
         "SELECT source_sha256, run_id, extractor, written_at, superseded_by FROM governance_lineage_records WHERE "
         "table_name = ? AND record_key = ?",
         {table, key}},
        {"lineage: cells of a record version",
         "SELECT column_name, value, page, x0, y0, x1, y1, confidence FROM governance_lineage_cells WHERE table_name "
         "= ? AND record_key = ? AND source_sha256 = ?",
         {table, key, sha}},
        {"impact: records of a source",
         "SELECT table_name, record_key, superseded_by FROM governance_lineage_records WHERE source_sha256 = ? "
         "ORDER BY table_name, record_key",
         {sha}},
        {"impact: source by sha256 prefix",
         "SELECT sha256 FROM governance_sources WHERE sha256 >= ? AND sha256 < ?",
         {sha.substr(0, 12), sha.substr(0, 12) + "g"}},
    };
    std::printf("lineage at scale: %ld governance_lineage_cells rows; per query, median of %d\n", cells, a.runs);
    std::printf("%-36s %10s %10s %8s  %s\n", "statement", "big ms", "small ms", "ratio", "query plan (big store)");
    bool ok = true;
    std::vector<std::string> missing_index;
    {
        Db bigdb(big_db), smalldb(small_db);
        for (const Q& q : qs) {
            const double b = time_sql_ms(bigdb, q.sql, q.params, a.runs);
            const double s = time_sql_ms(smalldb, q.sql, q.params, a.runs);
            const std::string p = plan(bigdb, q.sql, q.params);
            std::printf("%-36s %10.2f %10.2f %8s  %s\n", q.name, b, s, fmt_ratio(b / std::max(s, 1e-3)).c_str(),
                        p.c_str());
            if (b > 10) ok = false;
            if (p.find("SCAN") != std::string::npos) missing_index.push_back(q.name);
        }
    }
    // The commands as a person runs them (process start included).
    const std::string dbflag = "--database";
    std::vector<std::pair<std::string, std::vector<std::string>>> cmds = {
        {"analytica lineage TABLE KEY", {"lineage", table}},
        {"analytica impact SHA256", {"impact", sha}},
    };
    // KEY as the CLI takes it: the record key's col=value parts as separate arguments.
    {
        std::string part;
        std::stringstream ss(key);
        while (std::getline(ss, part, '|')) cmds[0].second.push_back(part);
    }
    std::printf("%-36s %10s %10s %8s\n", "command (whole process)", "big ms", "small ms", "ratio");
    for (const auto& c : cmds) {
        std::vector<double> tb, ts;
        for (int k = 0; k < a.runs; ++k) {
            for (auto [dir, into] : {std::pair<const fs::path*, std::vector<double>*>{&big, &tb}, {&small, &ts}}) {
                std::vector<std::string> args = {a.analytica, "--data-dir", dir->string()};
                args.insert(args.end(), c.second.begin(), c.second.end());
                args.push_back("--json");
                const Measured m = spawn(args);
                if (m.status != 0) std::printf("  %s exited %d\n", c.first.c_str(), m.status);
                into->push_back(m.wall_ms);
            }
        }
        std::printf("%-36s %10.1f %10.1f %8s\n", c.first.c_str(), median(tb), median(ts),
                    fmt_ratio(median(tb) / median(ts)).c_str());
    }
    for (const auto& m : missing_index) std::printf("NOTE: no index serves \"%s\" (full scan)\n", m.c_str());
    std::printf("RESULT lineage: every statement %s 10 ms on %ld cell-lineage rows%s\n", ok ? "under" : "NOT under",
                cells, missing_index.empty() ? "" : "; index missing, see NOTE lines");
    return ok ? 0 : 1;
}

Args parse(int argc, char** argv) {
    Args a;
    if (argc < 2) throw std::invalid_argument("usage: proc_bench single|run|lineage [options]");
    a.mode = argv[1];
    for (int i = 2; i < argc; ++i) {
        const std::string s = argv[i];
        auto next = [&]() -> std::string {
            if (i + 1 >= argc) throw std::invalid_argument(s + " needs a value");
            return argv[++i];
        };
        if (s == "--analytica") a.analytica = next();
        else if (s == "--pipeline") a.pipeline = next();
        else if (s == "--work") a.work = next();
        else if (s == "--runs") a.runs = std::max(1, std::atoi(next().c_str()));
        else if (s == "--reports") a.reports = std::max(1, std::atoi(next().c_str()));
        else if (s == "--rows") a.rows = std::max(1L, std::atol(next().c_str()));
        else if (s == "--timeout") a.timeout_s = std::atof(next().c_str());
        else if (s == "--no-floor") a.floor = false;
        else if (!s.empty() && s[0] == '-') throw std::invalid_argument("unknown option " + s);
        else a.files.push_back(s);
    }
    if (a.analytica.empty()) throw std::invalid_argument("--analytica BIN is required");
    if ((a.mode == "run" || a.mode == "lineage") && a.pipeline.empty())
        throw std::invalid_argument("--pipeline FILE is required");
    return a;
}

}  // namespace

int main(int argc, char** argv) {
    Args a;
    try {
        a = parse(argc, argv);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "proc_bench: %s\n", e.what());
        return 2;
    }
    std::setvbuf(stdout, nullptr, _IOLBF, 0);
    try {
        if (a.mode == "single") return bench_single(a);
        if (a.mode == "run") return bench_run(a);
        if (a.mode == "lineage") return bench_lineage(a);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "proc_bench %s: %s\n", a.mode.c_str(), e.what());
        return 2;
    }
    std::fprintf(stderr, "proc_bench: unknown mode %s\n", a.mode.c_str());
    return 2;
}
