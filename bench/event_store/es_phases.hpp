#pragma once
// The phases of mink-bench-event-store and what they report.

#include "bench_support.hpp"
#include "server_cpu.hpp"

#include <mink/messaging/event.hpp>

#include <boost/json/value.hpp>

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace mink::bench {

/// Concurrency of the phases (see --help).
inline constexpr std::size_t ceiling_threads = 16;
inline constexpr std::size_t append_callers = 256;
inline constexpr std::size_t store_pool_size = 8;
inline constexpr std::size_t read_stream_events = 20;

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

// Plain, blocking libpq (ceiling_phase.cpp, libpq_read_phase.cpp).

/// `ceiling`: 16 threads, each its own connection, single-row autocommit INSERTs into bench_ceiling.
throughput run_ceiling(const phase_env& env);
/// `read libpq`: the store's forward read statement, prepared, on one connection; every field of
/// every row decoded as mink decodes it.
throughput run_libpq_read(const phase_env& env, const std::string& stream);
/// VACUUM (ANALYZE) of the tables a phase wrote, so that autovacuum does not run during the next
/// phase (it would on its own, a minute or so later). Best effort: a failure is only noted.
void settle(const std::string& conninfo, const char* tables);
/// pg_stat_user_tables counters of one table, for the diagnostics (zero when unreadable).
struct table_stats {
  std::int64_t seq_scans = 0, index_scans = 0, analyzes = 0;  ///< analyzes: manual + autovacuum's
};
table_stats read_table_stats(const std::string& conninfo, const char* table);
/// Events in mink_events whose stream id starts with `prefix` (no LIKE wildcards in it).
std::int64_t count_events(const std::string& conninfo, const std::string& prefix);

// Through mink (store_phases.cpp).

/// async_migrate, then `stream` seeded with 20 events in one append.
void prepare_store(const std::string& conninfo, const std::string& stream);
/// `append`: 256 callers on one io_context, each appending one event to a new stream (ids
/// `prefix` + caller + sequence) per call; pool of 8. `appended`: every append, warm-up included.
append_figures run_append(const phase_env& env, const std::string& prefix, std::uint64_t& appended);
/// `read mink`: async_read_stream(stream, 1, 100, forward) in a loop from one caller.
throughput run_mink_read(const phase_env& env, const std::string& stream);

}  // namespace mink::bench
