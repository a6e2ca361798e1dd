// analytica serve [--host 127.0.0.1] [--port N]: the dashboard (overview,
// market, lineage, review queue), /health, /metrics and the JSON API, served
// until SIGINT/SIGTERM. Binds to loopback unless --host says otherwise.
#include "cli/commands.h"
#include "run/logging.h"
#include "run/store.h"
#include "cli/store_options.h"
#include "serve/dashboard.h"
#include "serve/http.h"
#include "run/util.h"

#include <atomic>
#include <csignal>
#include <cstdlib>
#include <iostream>

namespace analytica {
namespace po = boost::program_options;

extern std::atomic<bool> g_cancelled;

int cmd_serve(CommandContext& ctx) {
  po::options_description opts("serve options");
  opts.add_options()
      ("host", po::value<std::string>()->default_value("127.0.0.1"),
       "address to listen on (default loopback only; 0.0.0.0 for every interface)")
      ("port", po::value<int>()->default_value(8080), "TCP port; 0 picks a free one (printed on start)")
      ("metrics-dir", po::value<std::string>(),
       "monitor_metrics' directory (state.json, analytica.prom); default DATA_DIR/metrics");
  add_health_options(opts);
  auto vm = parse_command(ctx, "analytica serve [--host 127.0.0.1] [--port N] [--pipeline FILE]", opts, {});
  if (!vm) return 0;
  const int port = (*vm)["port"].as<int>();
  if (port < 0 || port > 65535) throw UserError("--port: " + std::to_string(port) + " is out of range 0..65535");
  const std::string host = (*vm)["host"].as<std::string>();

  DashboardOptions options;
  options.settings = ctx.settings;
  options.pipeline_file = pipeline_option(*vm);
  options.health = health_options(*vm, ctx.settings);
  options.metrics_dir = vm->count("metrics-dir") ? std::filesystem::path((*vm)["metrics-dir"].as<std::string>())
                                                 : ctx.settings.data_dir / "metrics";
  // A client hanging up mid-response must not kill the server.
  std::signal(SIGPIPE, SIG_IGN);

  Dashboard dashboard(options);
  DashboardServer server(dashboard);
  // Review decisions from the browser need this secret (and a page of this
  // server: http.cpp checks Origin and a SameSite cookie token).
  const char* env_secret = std::getenv("ANALYTICA_REVIEW_SECRET");
  const bool chosen = env_secret && *env_secret;
  const std::string secret = chosen ? std::string(env_secret) : DashboardServer::random_secret();
  server.set_review_secret(secret);
  const int bound = server.bind(host, port);
  const std::string shown_host = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  std::cout << "analytica serve: listening on http://" << shown_host << ":" << bound << "/" << std::endl;
  if (chosen)
    std::cout << "analytica serve: review decisions in the browser take the secret in ANALYTICA_REVIEW_SECRET"
              << std::endl;
  else
    std::cout << "analytica serve: review decisions in the browser take the secret " << secret
              << " (set ANALYTICA_REVIEW_SECRET to choose one)" << std::endl;
  logging::write(logging::Level::info, "serve", "listening", {{"host", host}, {"port", bound}});
  server.serve([] { return g_cancelled.load(); });
  logging::write(logging::Level::info, "serve", "stopped");
  return 0;
}

const RegisterCommand kRegister("serve",
                                "dashboard with market charts and lineage drill-down, /health, /metrics and a JSON API",
                                cmd_serve);

}  // namespace analytica
