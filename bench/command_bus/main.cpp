// mink-bench-command-bus: what the whole command path of a mink application costs against the
// event store alone, and what an idle aggregate actor costs in memory.
//
// Phases, in order (see --help):
//   idle_actors  (no database) order actors activated and left idle: heap bytes per actor;
//   append       pg_event_store appends, one event each to new streams: the reference rate;
//   pipeline     orders through ecommerce::order_service on the PostgreSQL stores: commands/s,
//                latency, and pipeline_vs_append = commands/s over appends/s (each command
//                appends one event).
// idle_actors runs first, before the server starts and before the other phases have grown the
// heap, so that resident memory reflects it too. The figures go to stdout, one block per phase,
// the targets, then one final JSON line for scripts. Exit status: 0 when every phase ran (targets
// met or not), 1 on any failure (a command error included), 2 on a bad command line, 130 when
// interrupted.

#include "append_phase.hpp"
#include "bench_support.hpp"
#include "cb_phases.hpp"
#include "pg_sync.hpp"
#include "server_cpu.hpp"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>
#include <string_view>
#include <vector>

namespace {

using namespace mink::bench;

constexpr double default_seconds = 5.0;

/// The options only this program has; bench_main parses the shared ones.
struct command_bus_options {
  std::size_t callers = append_callers;
  std::size_t idle_actors = default_idle_actors;
  bool breakdown = false;
};
command_bus_options extra;

void print_usage(std::ostream& out, const char* argv0) {
  out << "usage: " << argv0
      << " [--seconds N] [--callers N] [--idle-actors N] [--breakdown] [--database-url URL] [--help]\n"
      << "\n"
      << "Measures the command path of a mink application against the event store alone, in one run:\n"
      << "  idle_actors  (no database) N order actors on a memory_event_store, each activated by one\n"
      << "               SubmitOrder to a never-created order (hydrates, answers \"order not created\",\n"
      << "               appends nothing), left idle; heap growth per actor (mallinfo2) minus the\n"
      << "               store's own growth for the same reads, and minus sizeof(order_state)\n"
      << "  append       pg_event_store::async_append of one event to a new stream, from the callers on\n"
      << "               one io_context, pool of " << store_pool_size << ": the reference rate\n"
      << "  pipeline     ecommerce::order_service (standard pipeline, order actors) on pg_event_store +\n"
      << "               pg_snapshot_store + pg_idempotency_store sharing a pool of " << pipeline_pool_size << ";\n"
      << "               each caller places orders one command at a time: CreateOrder, AddItem x3,\n"
      << "               SubmitOrder, a fresh order id each time; commands/s and latency p50/p99/max\n"
      << "The database phases warm up for " << warmup_time.count() << " ms, then run for N seconds. Targets:\n"
      << "pipeline_vs_append >= 0.7, 0 command errors, bytes_per_idle_actor < 2048. The last line of\n"
      << "output is one JSON object with every figure.\n"
      << "\n"
      << "options:\n"
      << "  --seconds N          measured seconds per database phase (default 5; fractions allowed)\n"
      << "  --callers N          concurrent callers of append and pipeline (default " << append_callers << ")\n"
      << "  --idle-actors N      actors of the idle_actors phase (default " << default_idle_actors << ")\n"
      << "  --breakdown          also run pipeline_bare: the same orders, actors and stores behind a bus\n"
      << "                       with no middleware (what the standard pipeline costs)\n"
      << "  --database-url URL   libpq URL or key=value string of an existing server (default:\n"
      << "                       $MINK_DATABASE_URL; if neither is set, an embedded PostgreSQL 15\n"
      << "                       is started in a fresh /tmp/mink-bench-command-bus-XXXXXX, durable\n"
      << "                       (fsync, synchronous_commit on), removed at exit). The mink schema is\n"
      << "                       migrated there; the streams written are kept.\n"
      << "  -h, --help           this text\n";
}

// Takes --callers, --idle-actors and --breakdown out of argv, leaving the rest to bench_main.
bool take_extra_options(int& argc, char** argv) {
  const count_option counts[] = {{"--callers", &extra.callers, 100000}, {"--idle-actors", &extra.idle_actors, 10000000}};
  const std::pair<std::string_view, bool*> flags[] = {{"--breakdown", &extra.breakdown}};
  return take_count_options(argc, argv, counts, flags);
}

void print_idle(const idle_figures& f) {
  std::printf("idle_actors %zu actors activated at %.0f/s; %zu active after, %llu passivated, %llu unexpected answers\n",
              f.actors, f.activations_per_s, f.active_after, static_cast<unsigned long long>(f.passivations),
              static_cast<unsigned long long>(f.unexpected));
  std::printf("            heap +%lld bytes (%.1f per actor), store's share for the same reads +%lld; RSS +%lld "
              "bytes (%.1f per actor)\n",
              static_cast<long long>(f.heap_growth), f.heap_per_actor(), static_cast<long long>(f.store_heap_growth),
              static_cast<long long>(f.rss_growth), f.rss_per_actor());
  std::printf("            state: sizeof(order_state) %zu bytes + 0 heap (never created); aggregate_actor<order> "
              "object %zu bytes (state included)\n",
              f.state_bytes, f.actor_object_bytes);
  std::printf("            beyond the state: %.1f bytes per idle actor; heap after shutdown %+lld bytes vs before "
              "the first actor\n",
              f.beyond_state(), static_cast<long long>(f.heap_after_shutdown));
  std::fflush(stdout);
}

void print_append(const append_figures& a) {
  std::printf("append      %10.1f appends/s  %s  (%llu in %.3f s)\n            latency p50 %.2f ms, p99 %.2f ms, "
              "max %.2f ms; %llu transactions, largest batch %llu\n",
              a.run.per_second(), cpu_text(a.run, "append").c_str(), static_cast<unsigned long long>(a.run.ops),
              std::chrono::duration<double>(a.run.elapsed).count(), a.p50_ms, a.p99_ms, a.max_ms,
              static_cast<unsigned long long>(a.transactions), static_cast<unsigned long long>(a.largest_batch));
  std::fflush(stdout);
}

void print_pipeline(const char* name, const pipeline_figures& p) {
  std::printf("%-13s %8.1f commands/s %s  (%llu in %.3f s, %llu orders)\n            latency p50 %.2f ms, "
              "p99 %.2f ms, max %.2f ms; %llu errors\n",
              name, p.run.per_second(), cpu_text(p.run, "command").c_str(), static_cast<unsigned long long>(p.run.ops),
              std::chrono::duration<double>(p.run.elapsed).count(), static_cast<unsigned long long>(p.orders),
              p.p50_ms, p.p99_ms, p.max_ms, static_cast<unsigned long long>(p.errors));
  std::printf("            mean latency by step: create %.2f ms, item %.2f / %.2f / %.2f ms, submit %.2f ms\n",
              p.mean_ms_by_step[0], p.mean_ms_by_step[1], p.mean_ms_by_step[2], p.mean_ms_by_step[3],
              p.mean_ms_by_step[4]);
  std::printf("            actors: %zu active, %llu activations, deepest mailbox %zu, %llu rejected\n", p.actor_stats.active,
              static_cast<unsigned long long>(p.actor_stats.activations), p.actor_stats.max_mailbox_depth,
              static_cast<unsigned long long>(p.actor_stats.rejected));
  if (p.errors > 0) std::printf("            first error: %s\n", p.first_error.c_str());
  std::fflush(stdout);
}

void print_target(const char* name, double value, const char* relation, double target, bool met) {
  std::printf("target %-21s %10.3f (%s %.2f) %s\n", name, value, relation, target, met ? "met" : "NOT met");
}

int run(const options& opts) {
  std::printf("phases: idle_actors (%zu actors), then append and pipeline with %zu callers, %.3g s each after "
              "%lld ms warm-up\n",
              extra.idle_actors, extra.callers, opts.seconds, static_cast<long long>(warmup_time.count()));
  std::fflush(stdout);
  const idle_figures idle = run_idle_actors(extra.idle_actors);
  print_idle(idle);
  if (stop_requested()) return 130;

  bench_server server(opts.database_url, "mink-bench-command-bus");
  if (server.embedded()) {
    std::cout << "server: embedded PostgreSQL, data directory " << server.data_directory().string() << std::endl;
  } else {
    std::cout << "server: external (--database-url / MINK_DATABASE_URL)" << std::endl;  // a URL may hold a password
  }
  connect(server.connection_string(), "server");  // a clear libpq message at once if it is unreachable
  const server_cpu probe(server.connection_string());
  const phase_env env{server.connection_string(), to_duration(opts.seconds), probe.available() ? &probe : nullptr};
  const std::string tag = run_tag();
  const std::string append_prefix = "BenchAppend-" + tag + "-";
  const std::string order_prefix = "bench-" + tag + "-";
  migrate_schema(env.conninfo);

  std::uint64_t appended = 0;
  const append_figures append = run_append(env, append_prefix, extra.callers, appended);
  if (stop_requested()) return 130;
  print_append(append);
  if (const auto stored = count_events(env.conninfo, append_prefix); stored != static_cast<std::int64_t>(appended))
    throw std::runtime_error("append: " + std::to_string(appended) + " appends reported, " + std::to_string(stored) +
                             " events stored");
  settle(env.conninfo, "mink_events, mink_streams");

  const pipeline_figures pipeline = run_pipeline(env, order_prefix, extra.callers, pipeline_kind::standard);
  if (stop_requested()) return 130;
  print_pipeline("pipeline", pipeline);
  // Every successful command appended exactly one event.
  if (const auto stored = count_events(env.conninfo, "Order-" + order_prefix);
      stored != static_cast<std::int64_t>(pipeline.succeeded_total))
    throw std::runtime_error("pipeline: " + std::to_string(pipeline.succeeded_total) + " commands succeeded, " +
                             std::to_string(stored) + " events stored");

  std::string breakdown_json;
  if (extra.breakdown) {
    settle(env.conninfo, "mink_events, mink_streams, mink_idempotency");
    const pipeline_figures bare = run_pipeline(env, "bare-" + order_prefix, extra.callers, pipeline_kind::bare);
    if (stop_requested()) return 130;
    print_pipeline("pipeline_bare", bare);
    char buf[200];
    std::snprintf(buf, sizeof buf, ",\"bare_commands_per_s\":%.1f,\"bare_command_p50_ms\":%.3f,\"bare_errors\":%llu",
                  bare.run.per_second(), bare.p50_ms, static_cast<unsigned long long>(bare.errors));
    breakdown_json = buf;
  }

  const double pipeline_vs_append = ratio(pipeline.run.per_second(), append.run.per_second());
  print_target("pipeline_vs_append", pipeline_vs_append, ">=", 0.7, pipeline_vs_append >= 0.7);
  print_target("errors", static_cast<double>(pipeline.errors), "==", 0, pipeline.errors == 0);
  print_target("bytes_per_idle_actor", idle.beyond_state(), "<", 2048, idle.beyond_state() < 2048);

  // The final line: one JSON object (numbers only, so no escaping is needed). Memory fields:
  // heap bytes per idle actor (mallinfo2, the store's share subtracted) with and without the
  // state (state_bytes = sizeof(order_state); an order never created has no heap parts).
  std::printf(
      "{\"bench\":\"command_bus\",\"seconds\":%g,\"callers\":%zu,\"appends_per_s\":%.1f,\"append_p99_ms\":%.3f,"
      "\"commands_per_s\":%.1f,\"orders_per_s\":%.1f,\"command_p50_ms\":%.3f,\"command_p99_ms\":%.3f,"
      "\"command_max_ms\":%.3f,\"errors\":%llu,\"pipeline_vs_append\":%.3f,\"idle_actors\":%zu,"
      "\"heap_bytes_per_idle_actor_incl_state\":%.1f,\"state_bytes\":%zu,\"bytes_per_idle_actor\":%.1f,"
      "\"store_heap_growth_bytes\":%lld,\"rss_bytes_per_idle_actor\":%.1f%s}\n",
      opts.seconds, extra.callers, append.run.per_second(), append.p99_ms, pipeline.run.per_second(),
      static_cast<double>(pipeline.orders) / std::chrono::duration<double>(pipeline.run.elapsed).count(),
      pipeline.p50_ms, pipeline.p99_ms, pipeline.max_ms, static_cast<unsigned long long>(pipeline.errors),
      pipeline_vs_append, idle.actors, idle.heap_per_actor(), idle.state_bytes, idle.beyond_state(),
      static_cast<long long>(idle.store_heap_growth), idle.rss_per_actor(), breakdown_json.c_str());
  std::fflush(stdout);
  return pipeline.errors == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (!take_extra_options(argc, argv)) {
    print_usage(std::cerr, argv[0]);
    return 2;
  }
  return mink::bench::bench_main(argc, argv, default_seconds, print_usage, run);
}
