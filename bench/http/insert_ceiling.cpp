// mink-bench-insert-ceiling: the durable write ceiling of this machine, alone. Single-row INSERTs,
// each its own transaction (autocommit), through plain blocking libpq from 16 connections (one
// thread each): the event store benchmark's `ceiling` phase, run on its own so that bench/http/run.sh
// can measure it in the same run as minkd's commands.
//
// Prints one human-readable line, then one JSON line. Exit status: 0 when it ran, 1 on a failure,
// 2 on a bad command line, 130 when interrupted.

#include "bench_support.hpp"
#include "es_phases.hpp"
#include "pg_sync.hpp"
#include "server_cpu.hpp"

#include <cstdio>
#include <iostream>

namespace {

using namespace mink::bench;

constexpr double default_seconds = 5.0;

void print_usage(std::ostream& out, const char* argv0) {
  out << "usage: " << argv0 << " [--seconds N] [--database-url URL] [--help]\n"
      << "\n"
      << "Single-row INSERTs/s into bench_ceiling, one transaction each (autocommit), through blocking\n"
      << "libpq from " << ceiling_threads << " threads, each its own connection; warmed up for "
      << warmup_time.count() << " ms, then timed.\n"
      << "The last line of output is one JSON object: {\"bench\":\"insert_ceiling\",...,\"inserts_per_s\":N}.\n"
      << "\n"
      << "options:\n"
      << "  --seconds N          measured seconds (default 5; fractions allowed)\n"
      << "  --database-url URL   libpq URL or key=value string of an existing server (default:\n"
      << "                       $MINK_DATABASE_URL; if neither is set, an embedded PostgreSQL 15\n"
      << "                       is started in a fresh /tmp/mink-bench-insert-ceiling-XXXXXX, durable\n"
      << "                       (fsync, synchronous_commit on), removed at exit). The rows written to\n"
      << "                       bench_ceiling are kept.\n"
      << "  -h, --help           this text\n";
}

int run(const options& opts) {
  bench_server server(opts.database_url, "mink-bench-insert-ceiling");
  connect(server.connection_string(), "server");  // a clear libpq message at once if it is unreachable
  const server_cpu probe(server.connection_string());
  const phase_env env{server.connection_string(), to_duration(opts.seconds), probe.available() ? &probe : nullptr};
  const throughput ceiling = run_ceiling(env);
  if (stop_requested()) return 130;
  std::printf("insert ceiling %10.1f inserts/s  %s  (%llu in %.3f s, %zu connections)\n", ceiling.per_second(),
              cpu_text(ceiling, "insert").c_str(), static_cast<unsigned long long>(ceiling.ops),
              std::chrono::duration<double>(ceiling.elapsed).count(), ceiling_threads);
  std::printf("{\"bench\":\"insert_ceiling\",\"seconds\":%g,\"connections\":%zu,\"embedded\":%s,\"inserts_per_s\":%.1f}\n",
              opts.seconds, ceiling_threads, server.embedded() ? "true" : "false", ceiling.per_second());
  std::fflush(stdout);
  return 0;
}

}  // namespace

int main(int argc, char** argv) { return mink::bench::bench_main(argc, argv, default_seconds, print_usage, run); }
