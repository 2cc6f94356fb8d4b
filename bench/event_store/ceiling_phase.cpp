// `ceiling`: what durable single-row INSERTs reach through plain, blocking libpq from 16
// connections at once (the server's group commit shares flushes among them). Every insert is its
// own transaction, as an event store that appended one event per transaction would do.
#include "es_phases.hpp"
#include "pg_sync.hpp"

#include <atomic>
#include <barrier>
#include <exception>
#include <mutex>
#include <thread>

namespace mink::bench {
namespace {

const char* const insert_sql = "INSERT INTO bench_ceiling(stream_id, data) VALUES ($1, $2::jsonb)";

struct alignas(64) thread_count {
  std::uint64_t inserts = 0;  // completed inside the measured window
};

// The measured window, fixed by the barrier's completion once every thread has connected: it runs
// before any waiter is released, so every thread reads the same times.
struct window {
  clock::duration measure{};
  clock::time_point measure_from{}, until{};
};
struct start_clock {
  window* w;
  void operator()() noexcept {
    w->measure_from = clock::now() + warmup_time;
    w->until = w->measure_from + w->measure;
  }
};

struct shared_run {
  shared_run(std::size_t parties, clock::duration measure)
      : sync(static_cast<std::ptrdiff_t>(parties), start_clock{&times}) {
    times.measure = measure;
  }
  window times;
  std::barrier<start_clock> sync;
  std::atomic<bool> failed{false};
  std::mutex mtx;
  std::exception_ptr failure;

  void fail(std::exception_ptr e) {
    std::lock_guard lock(mtx);
    if (!failure) failure = e;
    failed.store(true);
  }
};

void insert_loop(const std::string& conninfo, std::size_t index, shared_run& run, thread_count& count) {
  conn_ptr conn;
  try {
    conn = connect(conninfo, "ceiling");
    prepare_checked(conn.get(), "bench_ceiling_insert", insert_sql, 2, "ceiling");
  } catch (...) {
    run.fail(std::current_exception());
  }
  run.sync.arrive_and_wait();  // everyone connected (or failed): the clock starts
  if (run.failed.load()) return;
  try {
    const std::string data = event_payload_text(index);
    const std::string prefix = "ceiling-" + std::to_string(index) + "-";
    std::string stream;
    const char* values[2] = {nullptr, data.c_str()};
    for (std::uint64_t n = 0; !run.failed.load(std::memory_order_relaxed) && keep_going(run.times.until); ++n) {
      stream = prefix + std::to_string(n);
      values[0] = stream.c_str();
      result_ptr res(PQexecPrepared(conn.get(), "bench_ceiling_insert", 2, values, nullptr, nullptr, 0));
      if (!res || PQresultStatus(res.get()) != PGRES_COMMAND_OK)
        throw std::runtime_error("ceiling: INSERT: " + trimmed(PQerrorMessage(conn.get())));
      if (clock::now() >= run.times.measure_from) ++count.inserts;
    }
  } catch (...) {
    run.fail(std::current_exception());
  }
}

// Sleeps until `t`, or until a stop signal or a failure.
void wait_until(clock::time_point t, const shared_run& run) {
  while (!stop_requested() && !run.failed.load() && clock::now() < t)
    std::this_thread::sleep_for(std::min<clock::duration>(t - clock::now(), std::chrono::milliseconds(20)));
}

}  // namespace

throughput run_ceiling(const phase_env& env) {
  {
    auto conn = connect(env.conninfo, "ceiling");
    exec_checked(conn.get(),
                 "CREATE TABLE IF NOT EXISTS bench_ceiling(id bigserial PRIMARY KEY, stream_id text, data jsonb)",
                 PGRES_COMMAND_OK, "ceiling");
  }
  shared_run run(ceiling_threads + 1, env.measure);  // + 1: this thread, which samples the CPU clocks
  std::vector<thread_count> counts(ceiling_threads);
  std::vector<std::thread> threads;
  threads.reserve(ceiling_threads);
  try {
    for (std::size_t i = 0; i < ceiling_threads; ++i)
      threads.emplace_back(insert_loop, std::cref(env.conninfo), i, std::ref(run), std::ref(counts[i]));
  } catch (...) {
    run.fail(std::current_exception());
    // A thread that could not be started never arrives: drop its places at the barrier.
    for (std::size_t i = threads.size(); i < ceiling_threads; ++i) (void)run.sync.arrive_and_drop();
  }
  run.sync.arrive_and_wait();
  throughput out;
  wait_until(run.times.measure_from, run);
  const auto cpu0 = process_cpu_time();
  const auto server0 = env.server ? env.server->seconds() : std::nullopt;
  wait_until(run.times.until, run);
  const auto cpu1 = process_cpu_time();
  const auto server1 = env.server ? env.server->seconds() : std::nullopt;
  for (auto& t : threads) t.join();
  if (run.failure) std::rethrow_exception(run.failure);
  for (const auto& c : counts) out.ops += c.inserts;
  out.elapsed = run.times.until - run.times.measure_from;
  out.client_cpu = cpu1 - cpu0;
  if (server0 && server1) out.server_cpu_s = *server1 - *server0;
  return out;
}

}  // namespace mink::bench
