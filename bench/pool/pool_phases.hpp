#pragma once
// The phases that go through mink's connection_pool (pool_phases.cpp).

#include "bench_support.hpp"

#include <cstdint>
#include <string>

namespace mink::bench {

/// `pool_1`: one requester awaiting pool.async_execute(SELECT $1::int4) in a loop; max_size 4.
phase_result run_pool_1(const std::string& conninfo, clock::duration measure);

/// `pool_16x4`: 16 such requesters at once over min_size = max_size = 4.
phase_result run_pool_16x4(const std::string& conninfo, clock::duration measure);

struct insert_outcome {
  phase_result measured;
  std::uint64_t rows_written = 0;  ///< Including the warm-up's, for the row-count check.
};

/// `insert_plain`: single-row INSERTs into bench_rows, each its own transaction, through a leased
/// pooled_connection's async_execute.
insert_outcome run_insert_plain(const std::string& conninfo, clock::duration measure);

/// `insert_pipeline`: the same INSERTs through pooled_connection::async_pipeline, 100 per batch.
insert_outcome run_insert_pipeline(const std::string& conninfo, clock::duration measure);

}  // namespace mink::bench
