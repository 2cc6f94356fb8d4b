#include "pool_session.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/steady_timer.hpp>

#include <stdexcept>

namespace mink::bench {

namespace asio = boost::asio;
using boost::system::error_code;
using namespace std::chrono_literals;

namespace {

// Beyond its duration a timed run still finishes its last operations, and a connect or an acquire
// may take up to the pool's own timeouts (10 s, 5 s); past this slack it counts as hung.
constexpr auto hang_slack = 30s;

persistence::pool_params make_params(const std::string& conninfo, std::size_t min_size, std::size_t max_size) {
  persistence::pool_params p;
  p.connection_string = conninfo;
  p.min_size = min_size;
  p.max_size = max_size;
  return p;
}

}  // namespace

pool_session::pool_session(const std::string& conninfo, std::size_t min_size, std::size_t max_size)
    // Concurrency hint 1: one thread runs it, so Asio may keep handlers it posts from that thread in
    // a private queue. The benchmarks measure mink, not cross-thread hand-offs.
    : ioc_(1), pool_(ioc_.get_executor(), make_params(conninfo, min_size, max_size)) {
  pool_.async_run([this](error_code ec) {
    run_ec_ = ec;
    run_done_ = true;
    ioc_.stop();  // before cancel() this is a failure (bad connection string): ends timed_run
  });
}

pool_session::~pool_session() {
  // Wind the pool down so that its connections close before the io_context goes away.
  drain();
  pool_.cancel();
  drive_until([this] { return run_done_; });
  ioc_.restart();
  ioc_.run_for(50ms);
}

void pool_session::drain() {
  drive_until([this] { return !last_run_ || last_run_->remaining == 0; });
}

template <class Done>
void pool_session::drive_until(Done done) {
  const auto until = clock::now() + 10s;
  while (!done() && clock::now() < until) {
    if (ioc_.stopped()) ioc_.restart();
    ioc_.run_one_for(until - clock::now());
  }
}

clock::duration pool_session::timed_run(const char* phase, std::shared_ptr<run_control> control, std::size_t count,
                                        clock::duration d, const make_coroutine& make) {
  last_run_ = control;
  control->remaining = count;
  const auto start = clock::now();
  control->until = start + d;
  for (std::size_t i = 0; i < count; ++i) {
    asio::co_spawn(ioc_, make(i), [this, control](std::exception_ptr e) {
      if (e && !control->failure) control->failure = e;
      if (--control->remaining == 0 || e) ioc_.stop();
    });
  }
  // ioc_.run() rather than a run_one_for() loop: the driver adds no per-handler cost of its own.
  asio::steady_timer watchdog(ioc_, d + hang_slack);
  watchdog.async_wait([this, control](error_code ec) {
    if (!ec) {
      control->hung = true;
      ioc_.stop();
    }
  });
  ioc_.restart();
  ioc_.run();
  const auto elapsed = clock::now() - start;
  watchdog.cancel();
  if (control->failure) std::rethrow_exception(control->failure);
  if (run_done_) throw std::runtime_error(std::string(phase) + ": the pool stopped: " + run_ec_.message());
  if (control->hung || control->remaining != 0) throw std::runtime_error(std::string(phase) + ": the coroutines hung");
  return elapsed;
}

}  // namespace mink::bench
