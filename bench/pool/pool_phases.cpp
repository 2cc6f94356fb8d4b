#include "pool_phases.hpp"

#include "pool_session.hpp"

#include <mink/persistence/connection_pool.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/use_awaitable.hpp>

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

// What the workers of one timed run share.
struct run_state : run_control {
  phase_counts counts;

  void record(std::uint64_t ops, clock::duration latency) noexcept {
    counts.ops += ops;
    ++counts.round_trips;
    counts.latency_sum += latency;
  }
};
using state_ptr = std::shared_ptr<run_state>;

// Runs `workers` coroutines made by make_worker(state, index) until the deadline `d` from now and
// returns what they counted; rethrows the first worker's failure.
template <class MakeWorker>
phase_counts timed_run(pool_session& session, const char* phase, std::size_t workers, clock::duration d,
                       MakeWorker& make_worker) {
  auto st = std::make_shared<run_state>();
  const auto cpu_start = thread_cpu_time();
  st->counts.elapsed = session.timed_run(phase, st, workers, d, [&](std::size_t i) { return make_worker(st, i); });
  st->counts.client_cpu = thread_cpu_time() - cpu_start;
  return st->counts;
}

// Warm-up, then the measured run, with the same workers.
template <class MakeWorker>
std::pair<phase_counts, phase_counts> warm_and_measure(pool_session& session, const char* phase, std::size_t workers,
                                                       clock::duration measure, MakeWorker make_worker) {
  auto warm = timed_run(session, phase, workers, warmup_time, make_worker);
  auto measured = timed_run(session, phase, workers, measure, make_worker);
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
