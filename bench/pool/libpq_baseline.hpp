#pragma once
// Plain libpq, blocking (libpq_baseline.cpp): the baseline and the setup statements.

#include "bench_support.hpp"

#include <cstdint>
#include <string>

namespace mink::bench {

/// `sync`: PQprepare once, then PQexecPrepared("SELECT $1::int4") in a loop on one connection.
phase_result run_sync_phase(const std::string& conninfo, clock::duration measure);
/// Creates bench_rows unless it exists.
void prepare_schema(const std::string& conninfo);
/// SELECT count(*) FROM bench_rows, to check that every reported insert was committed.
std::int64_t count_rows(const std::string& conninfo);

}  // namespace mink::bench
