#include "daemon.hpp"

#include "routes.hpp"

#include <ecommerce/app/order_system.hpp>
#include <example/database.hpp>

#include <mink/http/http_metrics.hpp>
#include <mink/http/server.hpp>
#include <mink/messaging/metrics_middleware.hpp>
#include <mink/persistence/connection_pool.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <csignal>
#include <iostream>
#include <thread>
#include <vector>

namespace asio = boost::asio;
namespace mp = mink::persistence;
using boost::system::error_code;

namespace minkd {

namespace {

using strand_type = asio::strand<asio::io_context::executor_type>;

/// A one-shot flag a coroutine on the strand can wait for; set() may come from any thread, and
/// before or after the wait starts.
class event {
 public:
  explicit event(strand_type s) : timer_(s, asio::steady_timer::time_point::max()) {}
  void set() {
    asio::dispatch(timer_.get_executor(), [this] {
      set_ = true;
      timer_.cancel();
    });
  }
  bool is_set() const noexcept { return set_; }
  asio::awaitable<void> wait() {
    while (!set_) co_await timer_.async_wait(asio::as_tuple(asio::use_awaitable));
  }

 private:
  asio::steady_timer timer_;
  bool set_ = false;
};

mink::http::server_params server_settings(const config& c) {
  mink::http::server_params p;
  p.max_body = c.max_body;
  p.max_header = c.max_header;
  p.header_timeout = c.header_timeout;
  p.idle_timeout = c.idle_timeout;
  p.shutdown_timeout = c.shutdown_timeout;
  p.max_connections = c.max_connections;
  p.read_buffer = std::max<std::size_t>(p.read_buffer, c.max_header * 2);
  return p;
}

ecommerce::order_system_params system_settings(const config& c, const logger& log,
                                               std::shared_ptr<mink::command_metrics> metrics) {
  ecommerce::order_system_params p;
  p.orders.pipeline.metrics = std::move(metrics);
  p.fulfilment = c.automatic_fulfilment ? ecommerce::fulfilment_mode::automatic : ecommerce::fulfilment_mode::manual;
  if (log.enabled(log_level::debug)) {
    p.orders.pipeline.logger = [&log](const mink::command_log_record& r) {
      log.write(log_level::debug, "command",
                {{"command", r.command_type},
                 {"command_id", r.command_id},
                 {"correlation_id", r.correlation_id},
                 {"aggregate_id", r.aggregate_id},
                 {"duration_us", std::chrono::duration_cast<std::chrono::microseconds>(r.duration).count()},
                 {"outcome", r.ec ? r.error_message : std::string(r.replayed ? "replayed" : "ok")}});
    };
  }
  return p;
}

/// Everything that runs on the io_context, and the order it starts and stops in.
struct daemon_state {
  daemon_state(asio::io_context& ioc, const config& c, const logger& l, const std::string& url)
      : settings(c),
        log(l),
        strand(asio::make_strand(ioc)),
        commands(std::make_shared<mink::command_metrics>()),
        pool(ioc.get_executor(), pool_settings(c, url)),
        system(ioc.get_executor(), pool, system_settings(c, l, commands)),
        routes(router_settings(c, l, http)),
        server(ioc.get_executor(), server_settings(c), routes),
        signals(ioc, SIGINT, SIGTERM),
        stop_requested(strand),
        server_stopped(strand),
        system_stopped(strand),
        pool_stopped(strand) {
    add_routes(routes, route_targets{system, pool, http, *commands});
  }

  static mp::pool_params pool_settings(const config& c, const std::string& url) {
    mp::pool_params p;
    p.connection_string = url;
    p.max_size = c.pool_size;
    return p;
  }

  static mink::http::router_params router_settings(const config& c, const logger& l, mink::http::http_metrics& m) {
    mink::http::router_params p;
    p.log_error = [&l](std::string_view correlation_id, std::string_view what) {
      l.error("request failed", {{"correlation_id", correlation_id}, {"error", what}});
    };
    const bool access_log = c.access_log && l.enabled(log_level::info);
    p.on_response = [&l, &m, access_log](const mink::http::request_record& r) {
      m.record(r);
      // 5xx answers are errors whatever the access log says; the rest is the access log.
      const log_level level = r.status >= 500 ? log_level::error : log_level::info;
      if (level == log_level::info && !access_log) return;
      l.write(level, "request",
              {{"method", r.method},
               {"path", r.path},
               {"route", r.route},
               {"status", r.status},
               {"duration_us", std::chrono::duration_cast<std::chrono::microseconds>(r.duration).count()},
               {"correlation_id", r.correlation_id}});
    };
    return p;
  }

  asio::awaitable<int> lifecycle();

  const config& settings;
  const logger& log;
  strand_type strand;
  mink::http::http_metrics http;
  std::shared_ptr<mink::command_metrics> commands;
  mp::connection_pool pool;
  ecommerce::order_system system;
  mink::http::router routes;
  mink::http::server server;
  asio::signal_set signals;
  event stop_requested;
  event server_stopped;
  event system_stopped;
  event pool_stopped;
  int exit_code = 0;
};

asio::awaitable<int> daemon_state::lifecycle() {
  pool.async_run([this](error_code ec) {
    if (ec) log.error("connection pool stopped", {{"error", ec.message()}});
    pool_stopped.set();
  });
  signals.async_wait([this](error_code ec, int number) {
    if (ec) return;
    log.info("stopping", {{"signal", number == SIGINT ? "SIGINT" : "SIGTERM"}});
    stop_requested.set();
  });

  auto [start_ec] = co_await system.async_start(asio::as_tuple(asio::use_awaitable));
  if (start_ec) {
    log.error("cannot prepare the database", {{"error", start_ec.message()}});
    exit_code = 1;
  } else if (auto open_ec = server.open(settings.listen)) {
    log.error("cannot listen", {{"listen", to_string(settings.listen)}, {"error", open_ec.message()}});
    exit_code = 1;
  }

  if (exit_code == 0) {
    system.async_run([this](error_code ec) {
      if (ec) {
        log.error("the order system stopped", {{"error", ec.message()}});
        exit_code = 1;
      }
      system_stopped.set();
      stop_requested.set();
    });
    server.async_run([this](error_code ec) {
      if (ec) {
        log.error("the HTTP server stopped", {{"error", ec.message()}});
        exit_code = 1;
      }
      server_stopped.set();
      stop_requested.set();
    });
    const std::string where = to_string(server.local_endpoint());
    log.info("serving", {{"listen", where},
                         {"threads", settings.threads},
                         {"fulfillment", settings.automatic_fulfilment ? "auto" : "manual"}});
    std::cout << "minkd listening on http://" << where << std::endl;

    co_await stop_requested.wait();
    // Stop in dependency order: no new requests, the ones in flight finished; then the actors,
    // projections and sagas; then the pool they used.
    server.cancel();
    co_await server_stopped.wait();
    system.cancel();
    co_await system_stopped.wait();
  }
  signals.cancel();
  pool.cancel();
  co_await pool_stopped.wait();
  log.info("stopped", {{"exit_code", exit_code}});
  co_return exit_code;
}

}  // namespace

int run(const config& settings, const logger& log) {
  // The embedded server starts here, on the main thread, which lives as long as it should (its
  // stop is tied to the starting thread). A signal before the signal_set exists ends the process
  // the default way; the embedded server then stops with it.
  example::database_options db_options;
  db_options.database_url = settings.database_url;
  db_options.data_dir = settings.data_dir;
  db_options.progress = nullptr;
  example::database db;
  if (settings.database_url.empty()) log.info("starting the embedded PostgreSQL");
  if (!db.open(db_options)) {
    log.error("no database");
    return 1;
  }

  asio::io_context ioc(static_cast<int>(settings.threads));
  daemon_state state(ioc, settings, log, db.url());
  int exit_code = 1;
  asio::co_spawn(state.strand, state.lifecycle(), [&](std::exception_ptr e, int code) {
    exit_code = e ? 1 : code;
    if (e) log.error("minkd stopped by an exception");
  });

  std::vector<std::thread> threads;
  threads.reserve(settings.threads - 1);
  for (unsigned i = 1; i < settings.threads; ++i) threads.emplace_back([&ioc] { ioc.run(); });
  ioc.run();
  for (auto& t : threads) t.join();
  return exit_code;
}

}  // namespace minkd
