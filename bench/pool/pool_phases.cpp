#include "pool_phases.hpp"

#include <mink/persistence/connection_pool.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <exception>
#include <memory>
#include <stdexcept>
#include <utility>

namespace mink::bench {
namespace {

namespace asio = boost::asio;
using boost::system::error_code;
using persistence::connection_pool;
using persistence::pipeline;
using persistence::query_params;
using persistence::query_result;
using persistence::statement;
using namespace std::chrono_literals;

constexpr auto tuple_awaitable = asio::as_tuple(asio::use_awaitable);
constexpr std::size_t pipeline_batch = 100;
// Beyond its duration a timed run still finishes its last round trips, and a connect or an
// acquire may take up to the pool's own timeouts (10 s, 5 s); past this slack it counts as hung.
constexpr auto hang_slack = 30s;

const statement& select_statement() {
  static const statement s("SELECT $1::int4");
  return s;
}
const statement& insert_statement() {
  static const statement s("INSERT INTO bench_rows(payload) VALUES ($1)");
  return s;
}
const std::string& payload() {
  static const std::string p = "mink-bench-pool row payload: 40 bytes..";
  return p;
}

// `pool` adds the last failed connect's reason: after an acquire timeout, the only useful clue.
[[noreturn]] void fail(const char* phase, const char* what, error_code ec, const query_result& r,
                       const connection_pool* pool = nullptr) {
  std::string m = std::string(phase) + ": " + what + " failed: " + ec.message();
  if (!r.diag().sqlstate.empty()) m += " [" + r.diag().sqlstate + "]";
  if (!r.diag().message.empty()) m += ": " + r.diag().message;
  if (pool) {
    const auto stats = pool->stats();
    if (!stats.last_connect_message.empty()) m += " (last connect failure: " + stats.last_connect_message + ")";
  }
  throw std::runtime_error(m);
}

// What the workers of one timed run share. Held by shared_ptr so that a worker still running after
// the run was abandoned (another worker failed) never writes into a dead stack frame.
struct run_state {
  clock::time_point until;
  phase_counts counts;
  std::size_t remaining = 0;
  std::exception_ptr failure;
  bool hung = false;

  // After a failure the other workers stop at their next check instead of running to the deadline.
  bool more() const noexcept { return !failure && keep_going(until); }
  void record(std::uint64_t ops, clock::duration latency) noexcept {
    counts.ops += ops;
    ++counts.round_trips;
    counts.latency_sum += latency;
  }
};
using state_ptr = std::shared_ptr<run_state>;

// An io_context run by this thread alone, with a connection_pool running on it.
class pool_session {
 public:
  pool_session(const std::string& conninfo, std::size_t min_size, std::size_t max_size)
      // Concurrency hint 1: one thread runs it, so Asio may keep handlers it posts from that thread
      // in a private queue. The benchmark measures the pool, not cross-thread hand-offs.
      : ioc_(1), pool_(ioc_.get_executor(), make_params(conninfo, min_size, max_size)) {
    pool_.async_run([this](error_code ec) {
      run_ec_ = ec;
      run_done_ = true;
      ioc_.stop();  // before cancel() this is a failure (bad connection string): end timed_run
    });
  }

  ~pool_session() {
    // Let abandoned workers finish their current operation while the pool still serves them, then
    // wind the pool down so that its connections close before the io_context goes away.
    drive_until([this] { return !last_run_ || last_run_->remaining == 0; });
    pool_.cancel();
    drive_until([this] { return run_done_; });
    ioc_.restart();
    ioc_.run_for(50ms);
  }
  pool_session(const pool_session&) = delete;
  pool_session& operator=(const pool_session&) = delete;

  connection_pool& pool() noexcept { return pool_; }

  // Runs `workers` coroutines made by make_worker(state, index) until the deadline `d` from now and
  // returns what they counted; rethrows the first worker's failure.
  template <class MakeWorker>
  phase_counts timed_run(const char* phase, std::size_t workers, clock::duration d, MakeWorker& make_worker) {
    auto st = std::make_shared<run_state>();
    last_run_ = st;
    st->remaining = workers;
    const auto cpu_start = thread_cpu_time();
    const auto start = clock::now();
    st->until = start + d;
    for (std::size_t i = 0; i < workers; ++i) {
      asio::co_spawn(ioc_, make_worker(st, i), [this, st](std::exception_ptr e) {
        if (e && !st->failure) st->failure = e;
        if (--st->remaining == 0 || e) ioc_.stop();
      });
    }
    // ioc_.run() rather than a run_one_for() loop: the driver adds no per-handler cost of its own.
    asio::steady_timer watchdog(ioc_, d + hang_slack);
    watchdog.async_wait([this, st](error_code ec) {
      if (!ec) {
        st->hung = true;
        ioc_.stop();
      }
    });
    ioc_.restart();
    ioc_.run();
    st->counts.elapsed = clock::now() - start;
    st->counts.client_cpu = thread_cpu_time() - cpu_start;
    watchdog.cancel();
    if (st->failure) std::rethrow_exception(st->failure);
    if (run_done_) throw std::runtime_error(std::string(phase) + ": the pool stopped: " + run_ec_.message());
    if (st->hung || st->remaining != 0) throw std::runtime_error(std::string(phase) + ": the workers hung");
    return st->counts;
  }

 private:
  static persistence::pool_params make_params(const std::string& conninfo, std::size_t min_size,
                                              std::size_t max_size) {
    persistence::pool_params p;
    p.connection_string = conninfo;
    p.min_size = min_size;
    p.max_size = max_size;
    return p;
  }

  template <class Done>
  void drive_until(Done done) {
    const auto until = clock::now() + 10s;
    while (!done() && clock::now() < until) {
      if (ioc_.stopped()) ioc_.restart();
      ioc_.run_one_for(until - clock::now());
    }
  }

  asio::io_context ioc_;
  bool run_done_ = false;
  error_code run_ec_;
  state_ptr last_run_;
  connection_pool pool_;  // last: destroyed (cancelled) before the io_context
};

// Warm-up, then the measured run, with the same workers.
template <class MakeWorker>
std::pair<phase_counts, phase_counts> warm_and_measure(pool_session& session, const char* phase, std::size_t workers,
                                                       clock::duration measure, MakeWorker make_worker) {
  auto warm = session.timed_run(phase, workers, warmup_time, make_worker);
  auto measured = session.timed_run(phase, workers, measure, make_worker);
  return {warm, measured};
}

// One requester of the SELECT phases; `next` seeds its values so that requesters differ.
asio::awaitable<void> select_loop(connection_pool& pool, state_ptr st, std::int32_t next, const char* phase) {
  while (st->more()) {
    const std::int32_t i = next;
    next = (next + 1) & 0x3fffffff;  // stays a valid int4 however long the run
    const auto t0 = clock::now();
    auto [ec, r] = co_await pool.async_execute(select_statement(), query_params(i), tuple_awaitable);
    const auto t1 = clock::now();
    if (ec) fail(phase, "connection_pool::async_execute", ec, r, &pool);
    const auto value = r.get<std::int32_t>(0, 0);
    if (!value || *value != i)
      throw std::runtime_error(std::string(phase) + ": SELECT $1::int4 did not return " + std::to_string(i));
    st->record(1, t1 - t0);
  }
}

asio::awaitable<void> insert_plain_loop(connection_pool& pool, state_ptr st) {
  auto [aec, conn] = co_await pool.async_acquire(tuple_awaitable);
  if (aec) fail("insert_plain", "connection_pool::async_acquire", aec, query_result(), &pool);
  while (st->more()) {
    const auto t0 = clock::now();
    auto [ec, r] = co_await conn.async_execute(insert_statement(), query_params(payload()), tuple_awaitable);
    const auto t1 = clock::now();
    if (ec) fail("insert_plain", "pooled_connection::async_execute", ec, r);
    if (r.affected_rows() != 1) throw std::runtime_error("insert_plain: INSERT did not report one row");
    st->record(1, t1 - t0);
  }
}

asio::awaitable<void> insert_pipeline_loop(connection_pool& pool, state_ptr st) {
  auto [aec, conn] = co_await pool.async_acquire(tuple_awaitable);
  if (aec) fail("insert_pipeline", "connection_pool::async_acquire", aec, query_result(), &pool);
  while (st->more()) {
    // Building the batch is part of the cost of pipelining, so it is inside the measured time.
    const auto t0 = clock::now();
    pipeline batch;
    batch.reserve(pipeline_batch);
    for (std::size_t k = 0; k < pipeline_batch; ++k) batch.add(insert_statement(), query_params(payload()));
    auto [ec, results] = co_await conn.async_pipeline(std::move(batch), tuple_awaitable);
    const auto t1 = clock::now();
    if (ec) {
      for (const auto& r : results)
        if (!r.diag().message.empty()) fail("insert_pipeline", "pooled_connection::async_pipeline", ec, r);
      fail("insert_pipeline", "pooled_connection::async_pipeline", ec, query_result());
    }
    if (results.size() != pipeline_batch) throw std::runtime_error("insert_pipeline: wrong number of results");
    for (const auto& r : results)
      if (r.affected_rows() != 1) throw std::runtime_error("insert_pipeline: an INSERT did not report one row");
    st->record(pipeline_batch, t1 - t0);
  }
}

}  // namespace

phase_result run_pool_1(const std::string& conninfo, clock::duration measure) {
  pool_session session(conninfo, 1, 4);
  auto make = [&session](state_ptr st, std::size_t) { return select_loop(session.pool(), std::move(st), 0, "pool_1"); };
  return {"pool_1", "queries", warm_and_measure(session, "pool_1", 1, measure, make).second};
}

phase_result run_pool_16x4(const std::string& conninfo, clock::duration measure) {
  pool_session session(conninfo, 4, 4);
  auto make = [&session](state_ptr st, std::size_t index) {
    return select_loop(session.pool(), std::move(st), static_cast<std::int32_t>(index) << 24, "pool_16x4");
  };
  return {"pool_16x4", "queries", warm_and_measure(session, "pool_16x4", 16, measure, make).second};
}

insert_outcome run_insert_plain(const std::string& conninfo, clock::duration measure) {
  pool_session session(conninfo, 1, 4);
  auto make = [&session](state_ptr st, std::size_t) { return insert_plain_loop(session.pool(), std::move(st)); };
  const auto [warm, measured] = warm_and_measure(session, "insert_plain", 1, measure, make);
  return {{"insert_plain", "rows", measured}, warm.ops + measured.ops};
}

insert_outcome run_insert_pipeline(const std::string& conninfo, clock::duration measure) {
  pool_session session(conninfo, 1, 4);
  auto make = [&session](state_ptr st, std::size_t) { return insert_pipeline_loop(session.pool(), std::move(st)); };
  const auto [warm, measured] = warm_and_measure(session, "insert_pipeline", 1, measure, make);
  return {{"insert_pipeline", "rows", measured}, warm.ops + measured.ops};
}

}  // namespace mink::bench
