// mink-bench-event-store: what mink's PostgreSQL event store achieves against plain libpq on the
// same server: appends against the durable single-row INSERT ceiling, and stream reads against the
// same query in a blocking libpq loop.
//
// Phases, in order, each warmed up and then timed for --seconds (see --help):
//   ceiling, append, read_mink, read_libpq.
// The figures go to stdout, one line per phase, the targets, then one final JSON line for scripts.
// Diagnostics go to stderr. Exit status: 0 when every phase ran (targets met or not), 1 on any
// failure, 2 on a bad command line, 130 when interrupted.

#include "bench_support.hpp"
#include "es_phases.hpp"
#include "pg_sync.hpp"
#include "server_cpu.hpp"

#include <cstdio>
#include <exception>
#include <iostream>
#include <string>

namespace {

using namespace mink::bench;

constexpr double default_seconds = 5.0;

void print_usage(std::ostream& out, const char* argv0) {
  out << "usage: " << argv0 << " [--seconds N] [--database-url URL] [--help]\n"
      << "\n"
      << "Measures mink's PostgreSQL event store against plain libpq, in one run:\n"
      << "  ceiling     single-row INSERTs/s into bench_ceiling, one transaction each, through\n"
      << "              blocking libpq from " << ceiling_threads << " threads (each its own connection)\n"
      << "  append      pg_event_store::async_append of one event to a new stream (no_stream), from\n"
      << "              " << append_callers << " concurrent callers on one io_context, pool of " << store_pool_size
      << "; appends/s and latency p50/p99/max\n"
      << "  read_mink   async_read_stream(stream, 1, 100, forward) of a " << read_stream_events
      << "-event stream, one caller\n"
      << "  read_libpq  the store's read query, prepared, in a blocking libpq loop; every field decoded\n"
      << "              (data and metadata parsed as JSON) as the store does\n"
      << "Each phase warms up for " << warmup_time.count() << " ms, then runs for N seconds; the tables a\n"
      << "phase wrote are vacuumed and analyzed before the next, so autovacuum stays out of it. Targets:\n"
      << "append_vs_ceiling >= 2.0, read_vs_libpq >= 0.8, append p99 < 20 ms. The last line of output\n"
      << "is one JSON object with every figure and the ratios. Client and server CPU per operation are\n"
      << "shown where /proc allows (a local server).\n"
      << "\n"
      << "options:\n"
      << "  --seconds N          measured seconds per phase (default 5; fractions allowed)\n"
      << "  --database-url URL   libpq URL or key=value string of an existing server (default:\n"
      << "                       $MINK_DATABASE_URL; if neither is set, an embedded PostgreSQL 15\n"
      << "                       is started in a fresh /tmp/mink-bench-event-store-XXXXXX, durable\n"
      << "                       (fsync, synchronous_commit on), removed at exit). The mink schema is\n"
      << "                       migrated there; bench_ceiling and the BenchAppend-* / BenchRead-*\n"
      << "                       streams written are kept.\n"
      << "  -h, --help           this text\n";
}

void print_rate(const char* name, const throughput& t, const char* unit, const char* op, const std::string& extra) {
  std::printf("%-11s %10.1f %-10s %s  (%llu in %.3f s)%s\n", name, t.per_second(), unit, cpu_text(t, op).c_str(),
              static_cast<unsigned long long>(t.ops), std::chrono::duration<double>(t.elapsed).count(),
              extra.c_str());
  std::fflush(stdout);
}

// "batch sizes (batches/appends): 1: 3202/3202 128-255: 15/3780": how the store coalesced.
void print_batch_sizes(const append_figures& a) {
  std::printf("            batch sizes (batches/appends):");
  for (std::size_t b = 0; b < a.batches_by_size.size(); ++b) {
    if (a.batches_by_size[b] == 0) continue;
    const unsigned lo = 1u << b;
    const std::string range = b == 0                              ? std::string("1")
                              : b + 1 == a.batches_by_size.size() ? std::to_string(lo) + "+"
                                                                  : std::to_string(lo) + "-" + std::to_string(2 * lo - 1);
    std::printf(" %s: %llu/%llu", range.c_str(), static_cast<unsigned long long>(a.batches_by_size[b]),
                static_cast<unsigned long long>(a.appends_by_size[b]));
  }
  std::printf("\n");
}

void print_target(const char* name, double value, const char* relation, double target, bool met) {
  std::printf("target %-18s %8.3f (%s %.2f) %s\n", name, value, relation, target, met ? "met" : "NOT met");
}

// The append line, its latency and batching, and what the phase did to mink_events.
void print_append(const append_figures& append, const table_stats& before, const table_stats& after) {
  char extra[200];
  const double batch = append.transactions > 0
                           ? static_cast<double>(append.run.ops) / static_cast<double>(append.transactions) : 0.0;
  std::snprintf(extra, sizeof extra, "\n            latency p50 %.2f ms, p99 %.2f ms, max %.2f ms; %llu transactions, "
                "mean batch %.1f, largest %llu", append.p50_ms, append.p99_ms, append.max_ms,
                static_cast<unsigned long long>(append.transactions), batch,
                static_cast<unsigned long long>(append.largest_batch));
  print_rate("append", append.run, "appends/s", "append", extra);
  print_batch_sizes(append);
  std::printf("            mink_events during append (warm-up included): %lld sequential scans, %lld index scans, "
              "%lld analyzes\n", static_cast<long long>(after.seq_scans - before.seq_scans),
              static_cast<long long>(after.index_scans - before.index_scans),
              static_cast<long long>(after.analyzes - before.analyzes));
}

int run(const options& opts) {
  bench_server server(opts.database_url, "mink-bench-event-store");
  if (server.embedded()) {
    std::cout << "server: embedded PostgreSQL, data directory " << server.data_directory().string() << std::endl;
  } else {
    std::cout << "server: external (--database-url / MINK_DATABASE_URL)" << std::endl;  // a URL may hold a password
  }
  std::printf("phases: %.3g s each after %lld ms warm-up\n", opts.seconds, static_cast<long long>(warmup_time.count()));
  connect(server.connection_string(), "server");  // a clear libpq message at once if it is unreachable
  const server_cpu probe(server.connection_string());
  const phase_env env{server.connection_string(), to_duration(opts.seconds), probe.available() ? &probe : nullptr};
  const std::string tag = run_tag();
  const std::string append_prefix = "BenchAppend-" + tag + "-";
  const std::string read_stream = "BenchRead-" + tag;
  prepare_store(env.conninfo, read_stream);  // async_migrate, and the 20-event stream

  // Each phase runs alone, so that none competes with another for the two processes' CPUs.
  const throughput ceiling = run_ceiling(env);
  print_rate("ceiling", ceiling, "inserts/s", "insert", "");
  if (stop_requested()) return 130;
  settle(env.conninfo, "bench_ceiling");

  std::uint64_t appended = 0;
  const table_stats events_before = read_table_stats(env.conninfo, "mink_events");
  const append_figures append = run_append(env, append_prefix, append_callers, appended);
  if (stop_requested()) return 130;
  // Read once the append phase's connections have closed (a backend reports its counters at exit).
  print_append(append, events_before, read_table_stats(env.conninfo, "mink_events"));
  // Appends are counted only as they complete successfully, so the stored events must match.
  if (const auto stored = count_events(env.conninfo, append_prefix); stored != static_cast<std::int64_t>(appended))
    throw std::runtime_error("append: " + std::to_string(appended) + " appends reported, " + std::to_string(stored) +
                             " events stored");
  settle(env.conninfo, "mink_events, mink_streams");

  const throughput mink_read = run_mink_read(env, read_stream);
  print_rate("read_mink", mink_read, "reads/s", "read", "");
  if (stop_requested()) return 130;
  const throughput libpq_read = run_libpq_read(env, read_stream);
  print_rate("read_libpq", libpq_read, "reads/s", "read", "");
  if (stop_requested()) return 130;

  const double append_vs_ceiling = ratio(append.run.per_second(), ceiling.per_second());
  const double read_vs_libpq = ratio(mink_read.per_second(), libpq_read.per_second());
  print_target("append_vs_ceiling", append_vs_ceiling, ">=", 2.0, append_vs_ceiling >= 2.0);
  print_target("read_vs_libpq", read_vs_libpq, ">=", 0.8, read_vs_libpq >= 0.8);
  print_target("append_p99_ms", append.p99_ms, "<", 20.0, append.p99_ms < 20.0);

  // The final line: one JSON object (numbers only, so no escaping is needed).
  std::printf(
      "{\"bench\":\"event_store\",\"seconds\":%g,\"ceiling_inserts_per_s\":%.1f,\"appends_per_s\":%.1f,"
      "\"append_p50_ms\":%.3f,\"append_p99_ms\":%.3f,\"append_max_ms\":%.3f,\"mink_reads_per_s\":%.1f,"
      "\"libpq_reads_per_s\":%.1f,\"append_vs_ceiling\":%.3f,\"read_vs_libpq\":%.3f}\n",
      opts.seconds, ceiling.per_second(), append.run.per_second(), append.p50_ms, append.p99_ms, append.max_ms,
      mink_read.per_second(), libpq_read.per_second(), append_vs_ceiling, read_vs_libpq);
  std::fflush(stdout);
  return 0;
}

}  // namespace

int main(int argc, char** argv) { return mink::bench::bench_main(argc, argv, default_seconds, print_usage, run); }
