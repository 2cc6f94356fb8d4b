// mink-bench-pool: what mink's connection pool costs per round trip compared with plain libpq, what
// concurrency through it buys, and what pipelining buys for small durable INSERTs.
//
// Phases, in order, each warmed up and then timed for --seconds (see --help):
//   pool_1, sync, pool_16x4, insert_plain, insert_pipeline.
// The figures go to stdout, one line per phase, then one final JSON line for scripts. Diagnostics go
// to stderr. Exit status: 0 when every phase ran, 1 on any failure, 2 on a bad command line,
// 130 when interrupted.

#include "bench_support.hpp"
#include "libpq_baseline.hpp"
#include "pool_phases.hpp"

#include <cstdio>
#include <exception>
#include <iostream>
#include <ostream>
#include <string>

namespace {

using namespace mink::bench;

void print_usage(std::ostream& out, const char* argv0) {
  out << "usage: " << argv0 << " [--seconds N] [--database-url URL] [--help]\n"
      << "\n"
      << "Measures mink's connection pool against plain libpq, in one run:\n"
      << "  pool_1           prepared SELECT $1::int4 round trips/s, one requester, pool max_size 4\n"
      << "  sync             the same statement through blocking libpq on one connection (baseline)\n"
      << "  pool_16x4        16 concurrent requesters over a pool of 4 connections (total/s)\n"
      << "  insert_plain     single-row INSERTs/s into bench_rows, one transaction per row\n"
      << "  insert_pipeline  the same INSERTs in pipelines of 100 (one round trip and commit each)\n"
      << "Each phase warms up for " << warmup_time.count() << " ms, then runs for N seconds. The last\n"
      << "line of output is one JSON object with every figure and the ratios.\n"
      << "\n"
      << "options:\n"
      << "  --seconds N          measured seconds per phase (default 3; fractions allowed)\n"
      << "  --database-url URL   libpq URL or key=value string of an existing server (default:\n"
      << "                       $MINK_DATABASE_URL; if neither is set, an embedded PostgreSQL 15\n"
      << "                       is started in a fresh /tmp/mink-bench-pool-XXXXXX, removed at exit).\n"
      << "                       The table bench_rows is created there if missing and is kept.\n"
      << "  -h, --help           this text\n";
}

// Inserts are only counted as they complete, so committed rows must match the count exactly.
void check_rows(const std::string& conninfo, const char* phase, std::int64_t before, std::uint64_t written) {
  const std::int64_t after = count_rows(conninfo);
  if (after - before != static_cast<std::int64_t>(written))
    throw std::runtime_error(std::string(phase) + ": " + std::to_string(written) + " rows reported, " +
                             std::to_string(after - before) + " committed");
}

insert_outcome checked_insert_phase(const std::string& conninfo, const char* phase,
                                    insert_outcome (*run)(const std::string&, clock::duration),
                                    clock::duration measure) {
  const std::int64_t before = count_rows(conninfo);
  auto outcome = run(conninfo, measure);
  if (!stop_requested()) check_rows(conninfo, phase, before, outcome.rows_written);
  return outcome;
}

void print_target(const char* name, double value, double target) {
  std::printf("target %-18s %6.3f (>= %.2f) %s\n", name, value, target, value >= target ? "met" : "NOT MET");
}

int run(const options& opts) {
  const auto measure = to_duration(opts.seconds);
  bench_server server(opts.database_url, "mink-bench-pool");
  if (server.embedded()) {
    std::cout << "server: embedded PostgreSQL, data directory " << server.data_directory().string() << std::endl;
  } else {
    // Not echoed: a URL may carry a password.
    std::cout << "server: external (--database-url / MINK_DATABASE_URL)" << std::endl;
  }
  std::printf("phases: %.3g s each after %lld ms warm-up\n", opts.seconds,
              static_cast<long long>(warmup_time.count()));
  const std::string& conninfo = server.connection_string();

  // Each phase runs alone, so that none competes with another for the two processes' CPUs.
  const phase_result pool_1 = run_pool_1(conninfo, measure);
  print_phase(std::cout, pool_1);
  if (stop_requested()) return 130;
  const phase_result sync = run_sync_phase(conninfo, measure);
  print_phase(std::cout, sync);
  if (stop_requested()) return 130;
  const phase_result pool_16x4 = run_pool_16x4(conninfo, measure);
  print_phase(std::cout, pool_16x4);
  if (stop_requested()) return 130;

  prepare_schema(conninfo);
  const auto plain = checked_insert_phase(conninfo, "insert_plain", run_insert_plain, measure);
  print_phase(std::cout, plain.measured);
  if (stop_requested()) return 130;
  const auto piped = checked_insert_phase(conninfo, "insert_pipeline", run_insert_pipeline, measure);
  print_phase(std::cout, piped.measured);
  if (stop_requested()) return 130;

  const double pool_1_vs_sync = ratio(pool_1.per_second(), sync.per_second());
  const double pool_16x4_vs_sync = ratio(pool_16x4.per_second(), sync.per_second());
  const double pipeline_vs_plain = ratio(piped.measured.per_second(), plain.measured.per_second());
  print_target("pool_1_vs_sync", pool_1_vs_sync, 0.85);
  print_target("pool_16x4_vs_sync", pool_16x4_vs_sync, 2.0);
  std::printf("info   %-18s %6.3f\n", "pipeline_vs_plain", pipeline_vs_plain);

  // The final line: one JSON object (numbers only, so no escaping is needed).
  std::printf(
      "{\"bench\":\"pool\",\"seconds\":%g,\"pool_1_qps\":%.1f,\"sync_qps\":%.1f,\"pool_16x4_qps\":%.1f,"
      "\"insert_plain_rps\":%.1f,\"insert_pipeline_rps\":%.1f,\"pool_1_vs_sync\":%.3f,"
      "\"pool_16x4_vs_sync\":%.3f,\"pipeline_vs_plain\":%.3f}\n",
      opts.seconds, pool_1.per_second(), sync.per_second(), pool_16x4.per_second(), plain.measured.per_second(),
      piped.measured.per_second(), pool_1_vs_sync, pool_16x4_vs_sync, pipeline_vs_plain);
  std::fflush(stdout);
  return 0;
}

}  // namespace

int main(int argc, char** argv) { return mink::bench::bench_main(argc, argv, 3.0, print_usage, run); }
