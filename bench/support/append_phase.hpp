#pragma once
// The `append` phase (pg_event_store appends of one event each to new streams from many callers),
// its payloads and the figures it reports. Shared by mink-bench-event-store, where it is measured
// against the INSERT ceiling, and mink-bench-command-bus, where it is the reference rate of the
// command pipeline.

#include "bench_support.hpp"
#include "server_cpu.hpp"
#include "store_session.hpp"

#include <mink/messaging/event.hpp>
#include <mink/persistence/append.hpp>
#include <mink/persistence/connection_pool.hpp>

#include <boost/json/value.hpp>
#include <boost/system/error_code.hpp>

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace mink::bench {

/// Default concurrency of the append phase, and the pool it runs on.
inline constexpr std::size_t append_callers = 256;
inline constexpr std::size_t store_pool_size = 8;

/// What every phase gets.
struct phase_env {
  std::string conninfo;
  clock::duration measure{};
  const server_cpu* server = nullptr;
};

/// What one measured run counted.
struct throughput {
  std::uint64_t ops = 0;
  clock::duration elapsed{};          ///< Measured window (timed loops: first start to last completion).
  std::chrono::nanoseconds client_cpu{};  ///< CPU time of this process during the window.
  double server_cpu_s = -1;           ///< CPU seconds of the server's processes; < 0 when unknown.

  double per_second() const;
  double client_cpu_us_per_op() const;
  double server_cpu_us_per_op() const;  ///< < 0 when unknown.
};

/// "client CPU 12.3 us/op, server CPU 45.6 us/op (0.91 cores)"; the server part only when known.
std::string cpu_text(const throughput& t, const char* op);

struct append_figures {
  throughput run;
  double p50_ms = 0, p99_ms = 0, max_ms = 0;
  std::uint64_t transactions = 0;  ///< Distinct transaction ids: the batches that committed.
  std::uint64_t largest_batch = 0;
  /// Batches by size 1, 2-3, 4-7, ... 128-255, 256+ (a power-of-two bucket each), and the
  /// appends they carried.
  std::vector<std::uint64_t> batches_by_size, appends_by_size;
};

// Payloads (payload.cpp): an order-like event's data, ~110 bytes of JSON.
boost::json::value event_payload(std::uint64_t n);
std::string event_payload_text(std::uint64_t n);
/// One "BenchEvent" carrying event_payload(n).
std::vector<event_data> bench_events(std::uint64_t n, std::size_t count);
/// A random tag that keeps this run's stream ids apart from earlier runs' (on an external server).
std::string run_tag();

/// CPU time this process has used so far (every thread).
std::chrono::nanoseconds process_cpu_time() noexcept;

// Helpers of the phases that run through mink (append_phase.cpp). Ordinary functions, not
// coroutines: what the coroutines need built or thrown.

/// Throws std::runtime_error "<what> failed: <ec's message>[: detail]". Overloads rather than a
/// defaulted argument: a default `{}` would be a braced temporary inside the calling coroutine.
[[noreturn]] void fail(const char* what, boost::system::error_code ec, const std::string& detail);
[[noreturn]] void fail(const char* what, boost::system::error_code ec);
/// Throws unless `r` is the result of a first append of `version` events to a new stream.
void check_appended(const char* what, const persistence::append_result& r, std::uint64_t version);
/// "last connect failure: ..." from the pool's stats, or empty.
std::string last_connect_failure(const persistence::connection_pool& pool);
/// Nearest-rank percentile of sorted samples (nanoseconds), in milliseconds.
double percentile_ms(const std::vector<std::int64_t>& sorted_ns, double p);
/// The throughput of a timed run.
throughput figures(const timed_outcome& o);

/// `append`: `callers` coroutines on one io_context, each appending one event to a new stream (ids
/// `prefix` + caller + sequence) per call; pool of store_pool_size. Warms up for warmup_time, then
/// measures for env.measure. `appended`: every append, warm-up included. The schema must exist.
append_figures run_append(const phase_env& env, const std::string& prefix, std::size_t callers,
                          std::uint64_t& appended);

}  // namespace mink::bench
