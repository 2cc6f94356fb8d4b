#include "store_session.hpp"

#include "es_phases.hpp"
#include "server_cpu.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/steady_timer.hpp>

#include <stdexcept>

namespace mink::bench {

namespace asio = boost::asio;
using boost::system::error_code;
using namespace std::chrono_literals;

// Beyond its duration a timed run still finishes its last operations, and a connect or an acquire
// may take up to the pool's own timeouts (10 s, 5 s); past this slack it counts as hung.
constexpr auto hang_slack = 30s;

store_session::store_session(const std::string& conninfo, std::size_t pool_size)
    // Concurrency hint 1: one thread runs it, as an application's single-threaded io_context would.
    : ioc_(1), pool_(ioc_.get_executor(), make_params(conninfo, pool_size)) {
  pool_.async_run([this](error_code ec) {
    run_ec_ = ec;
    run_done_ = true;
    ioc_.stop();  // before cancel() this is a failure (bad connection string): ends timed_run
  });
  store_ = std::make_unique<persistence::pg_event_store>(pool_);  // default pg_event_store_params
}

store_session::~store_session() {
  // Let abandoned callers finish their current operation while the pool still serves them, then
  // wind the pool down so that its connections close before the io_context goes away.
  drive_until([this] { return !last_run_ || last_run_->remaining == 0; });
  store_.reset();
  pool_.cancel();
  drive_until([this] { return run_done_; });
  ioc_.restart();
  ioc_.run_for(50ms);
}

persistence::pool_params store_session::make_params(const std::string& conninfo, std::size_t pool_size) {
  persistence::pool_params p;
  p.connection_string = conninfo;
  p.min_size = pool_size;
  p.max_size = pool_size;
  return p;
}

template <class Done>
void store_session::drive_until(Done done) {
  const auto until = clock::now() + 10s;
  while (!done() && clock::now() < until) {
    if (ioc_.stopped()) ioc_.restart();
    ioc_.run_one_for(until - clock::now());
  }
}

timed_outcome store_session::timed_run(const char* phase, std::size_t callers, clock::duration d,
                                       const make_caller& make, const server_cpu* server) {
  auto st = std::make_shared<run_state>();
  last_run_ = st;
  st->remaining = callers;
  timed_outcome out;
  out.state = st;
  const auto server0 = server ? server->seconds() : std::nullopt;
  const auto cpu_start = process_cpu_time();
  const auto start = clock::now();
  st->until = start + d;
  for (std::size_t i = 0; i < callers; ++i) {
    asio::co_spawn(ioc_, make(st, i), [this, st](std::exception_ptr e) {
      if (e && !st->failure) st->failure = e;
      if (--st->remaining == 0 || e) ioc_.stop();
    });
  }
  asio::steady_timer watchdog(ioc_, d + hang_slack);
  watchdog.async_wait([this, st](error_code ec) {
    if (!ec) {
      st->hung = true;
      ioc_.stop();
    }
  });
  ioc_.restart();
  ioc_.run();
  out.elapsed = clock::now() - start;
  out.client_cpu = process_cpu_time() - cpu_start;
  const auto server1 = server ? server->seconds() : std::nullopt;
  if (server0 && server1) out.server_cpu_s = *server1 - *server0;
  watchdog.cancel();
  if (st->failure) std::rethrow_exception(st->failure);
  if (run_done_) throw std::runtime_error(std::string(phase) + ": the pool stopped: " + run_ec_.message());
  if (st->hung || st->remaining != 0) throw std::runtime_error(std::string(phase) + ": the callers hung");
  return out;
}

}  // namespace mink::bench
