// The review item page in headless Chromium (tests/monitoring's CDP
// driver): checks observed against expected, the flagged cell's crop, the
// decision history, and decisions from the browser — refused (403, nothing
// changes) without the server's secret or without the page's CSRF token,
// recorded in review_audit with the server's OS user and the typed reason
// with it.
#include "../monitoring/cdp.h"
#include "../monitoring/support.h"
#include "../validation/support.h"

#include <catch2/catch.hpp>

#include <chrono>
#include <cstdlib>

using nlohmann::json;
namespace fs = std::filesystem;

namespace {

std::string js(const std::string& s) { return json(s).dump(); }

const char* kSecret = "test-secret-5d1f0a9e";

// Sets the secret for the `serve` children of this test process.
struct SecretEnv {
  SecretEnv() { ::setenv("ANALYTICA_REVIEW_SECRET", kSecret, 1); }
  ~SecretEnv() { ::unsetenv("ANALYTICA_REVIEW_SECRET"); }
};

std::string browser_errors(const montest::Browser& b) {
  std::string all;
  for (const auto& e : b.errors()) all += e + "\n";
  return all;
}

// wait_for across a page load: an evaluation that fails because the old
// page is going away is tried again.
void wait_across_load(montest::Browser& b, const std::string& expression, const std::string& what) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
  for (;;) {
    try {
      b.wait_for(expression, what, std::chrono::seconds(5));
      return;
    } catch (const std::exception&) {
      if (std::chrono::steady_clock::now() > deadline) throw;
    }
  }
}

}  // namespace

TEST_CASE("review item page: a decision from the browser needs the secret and lands in the audit log",
          "[review][browser]") {
  const std::string chromium = montest::find_chromium();
  INFO("Chromium is required (deployment/install-deps.sh installs the Debian package 'chromium')");
  REQUIRE(!chromium.empty());

  TempDir t;
  synth(t, "2024-05");
  REQUIRE(run_pipeline(t).status == 0);
  synth(t, "2024-06", {{"district_monthly/Detached/North/sales", 999}});
  REQUIRE(run_pipeline(t).status == 0);
  const int64_t north = item_id(t, "housing_district_monthly", district_key("2024-06", "Detached", "North"));
  REQUIRE(north > 0);
  const std::string id = std::to_string(north);
  const auto db = db_of(t);
  auto state = [&] {
    return sql_rows(db, "SELECT status FROM review_queue WHERE id = " + id).at(0) + "|" +
           sql_rows(db, "SELECT count(*) FROM review_audit").at(0);
  };
  REQUIRE(state() == "pending|0");

  SecretEnv env;
  montest::Server server(t.path);
  const fs::path shots = SCREENSHOT_DIR;
  fs::create_directories(shots);
  montest::Browser b(chromium, 1280, 1600);

  // ---- the list links to the item, with "N of M"
  b.navigate(server.base() + "/review");
  b.wait_for("document.body.dataset.ready === 'review'", "the review page");
  CHECK(b.eval("document.getElementById('review-pager').innerText").get<std::string>().find("of ") !=
        std::string::npos);
  CHECK(b.eval("!!document.querySelector('a[href=\"/review/item?id=" + id + "\"]')") == true);

  // ---- the item page
  b.navigate(server.base() + "/review/item?id=" + id);
  b.wait_for("!!document.body.dataset.ready", "the review item page");
  INFO("page: " << b.eval("document.getElementById('view').innerText").dump() << "\nbrowser errors:\n"
                << browser_errors(b));
  REQUIRE(b.eval("document.body.dataset.ready") == "review-item");
  CHECK(b.eval("document.querySelectorAll('#review-checks tbody tr').length").get<int>() >= 1);
  CHECK(b.eval("[...document.querySelectorAll('#review-checks td.observed')].some((td) => td.textContent !== '–')") ==
        true);
  CHECK(b.eval("!!document.querySelector('#review-record tr.flagged')") == true);
  CHECK(b.eval("document.getElementById('review-cli').textContent").get<std::string>().find(
            "analytica review approve " + id) != std::string::npos);
  b.wait_for("(() => { const i = document.querySelector('img.crop.flagged'); return i && i.complete && "
             "i.naturalWidth > 0; })()",
             "the flagged cell's crop");
  b.screenshot(shots / "review-item.png", true);

  // ---- without the secret: 403, nothing changes
  b.eval("document.getElementById('review-reason').value = 'no secret typed'");
  b.click("#review-approve");
  b.wait_for("document.getElementById('review-result').dataset.status === '403'", "the refusal");
  CHECK(state() == "pending|0");
  // A wrong secret, too.
  b.eval("document.getElementById('review-secret').value = 'guess'");
  b.click("#review-approve");
  b.wait_for("document.getElementById('review-result').dataset.status === '403' && "
             "document.getElementById('review-result').textContent.includes('secret')",
             "the refusal of a wrong secret");
  CHECK(state() == "pending|0");
  // The right secret without the page's token and Origin (another site's
  // form or a script elsewhere): refused.
  const std::string body = json{{"decision", "approve"}, {"reason", "x"}, {"secret", kSecret}}.dump();
  const auto forged = montest::http_raw(server.port(), "POST /api/review/" + id + "/decision HTTP/1.1\r\nHost: 127.0.0.1:" +
                                                           std::to_string(server.port()) +
                                                           "\r\nContent-Type: application/json\r\nContent-Length: " +
                                                           std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body);
  CHECK(forged.status == 403);
  // Even with this server's Origin: no page token, no decision.
  const std::string host = "127.0.0.1:" + std::to_string(server.port());
  const auto no_token = montest::http_raw(server.port(), "POST /api/review/" + id + "/decision HTTP/1.1\r\nHost: " + host +
                                                             "\r\nOrigin: http://" + host +
                                                             "\r\nContent-Type: application/json\r\nContent-Length: " +
                                                             std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body);
  CHECK(no_token.status == 403);
  CHECK(montest::http(server.port(), "/api/review/" + id, "POST").status == 405);
  CHECK(state() == "pending|0");

  // ---- with the secret: approved, audited with the OS user and the reason
  const std::string reason = "checked against page 3 of the PDF";
  b.eval("document.getElementById('review-secret').value = " + js(kSecret));
  b.eval("document.getElementById('review-reason').value = " + js(reason));
  b.click("#review-approve");
  b.wait_for("document.getElementById('review-result').dataset.status === '200'", "the approval");
  CHECK(state() == "approved|1");
  CHECK(sql_rows(db, "SELECT item_id, decision, previous_status, decided_by, reason FROM review_audit") ==
        Rows{id + "|approved|pending|" + os_user() + " (web)|" + reason});
  // The page shows the decision in its history after reloading.
  wait_across_load(b, "(() => { try { return !!document.querySelector('#review-audit tbody tr'); } catch (e) { return false; } "
             "})()",
             "the decision history");
  CHECK(b.eval("document.querySelector('#review-audit tbody').innerText").get<std::string>().find(reason) !=
        std::string::npos);
  b.screenshot(shots / "review-item-decided.png", true);
  INFO("browser errors:\n" + browser_errors(b));
  // The refusals are logged by the browser as failed loads; nothing else.
  for (const auto& e : b.errors()) CHECK(e.find("403") != std::string::npos);
}

TEST_CASE("market view: a pending figure shows, marked, only with the show-pending toggle", "[review][browser]") {
  const std::string chromium = montest::find_chromium();
  INFO("Chromium is required (deployment/install-deps.sh installs the Debian package 'chromium')");
  REQUIRE(!chromium.empty());
  TempDir t;
  synth(t, "2024-05");
  synth(t, "2024-06", {{"district_monthly/Detached/North/sales", 999}});
  REQUIRE(run_pipeline(t).status == 0);
  REQUIRE(std::stoll(sql_rows(db_of(t), "SELECT count(*) FROM review_queue WHERE status = 'pending' AND "
                                        "is_current = 1").at(0)) >= 1);

  montest::Server server(t.path);
  montest::Browser b(chromium, 1280, 1600);
  const std::string marked = "document.querySelectorAll('td.fig.unapproved, circle.point.hollow').length";
  const std::string planted = "[...document.querySelectorAll('td.fig')].filter((td) => td.textContent.trim() === '999').length";
  b.navigate(server.base() + "/view/market");
  b.wait_for("!!document.body.dataset.ready", "the market page");
  INFO("page: " << b.eval("document.getElementById('view').innerText.slice(0, 2000)").dump() << "\nbrowser errors:\n"
                << browser_errors(b));
  REQUIRE(b.eval("document.body.dataset.ready") == "view:market");
  CHECK(b.eval(marked) == 0);
  CHECK(b.eval(planted) == 0);
  CHECK(b.eval("document.getElementById('show-pending').checked") == false);

  b.click("#show-pending");
  // The page reloads: the expression may run while the old one goes away.
  wait_across_load(b, "(() => { try { return location.search.includes('include=pending') && "
             "document.body.dataset.ready === 'view:market'; } catch (e) { return false; } })()",
             "the market page with pending figures");
  b.wait_for(marked + " > 0", "marked pending figures");
  CHECK(b.eval(planted + " > 0") == true);
  CHECK(b.eval("[...document.querySelectorAll('td.fig.unapproved')].every((td) => (td.title || '').length > 0)") == true);
  b.screenshot(fs::path(SCREENSHOT_DIR) / "market-pending.png", true);
}
