#pragma once
// The phases of mink-bench-event-store and what they report.

#include "append_phase.hpp"
#include "bench_support.hpp"
#include "server_cpu.hpp"

#include <cstddef>
#include <string>

namespace mink::bench {

/// Concurrency of the phases (see --help); append_callers and store_pool_size are in append_phase.hpp.
inline constexpr std::size_t ceiling_threads = 16;
inline constexpr std::size_t read_stream_events = 20;

// Plain, blocking libpq (ceiling_phase.cpp, libpq_read_phase.cpp).

/// `ceiling`: 16 threads, each its own connection, single-row autocommit INSERTs into bench_ceiling.
throughput run_ceiling(const phase_env& env);
/// `read libpq`: the store's forward read statement, prepared, on one connection; every field of
/// every row decoded as mink decodes it.
throughput run_libpq_read(const phase_env& env, const std::string& stream);

// Through mink (store_phases.cpp; the `append` phase is run_append in append_phase.hpp).

/// async_migrate, then `stream` seeded with 20 events in one append.
void prepare_store(const std::string& conninfo, const std::string& stream);
/// `read mink`: async_read_stream(stream, 1, 100, forward) in a loop from one caller.
throughput run_mink_read(const phase_env& env, const std::string& stream);

}  // namespace mink::bench
