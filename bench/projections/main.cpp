// mink-bench-projections: what a projection rebuild through mink costs against the same replay
// written by hand with plain libpq, and how soon a command's effect is visible in the read model.
//
// Phases, in order (see --help):
//   visibility  the e-commerce order system (order actors, standard pipeline, order-summary
//               projection woken by LISTEN/NOTIFY) under a steady load of commands: the delay from
//               a command's acknowledgement (its commit) until the read model has applied it;
//   load        N order events appended to the log with plain SQL (8 per order);
//   sql_replay  the reference: the whole log replayed into a fresh table with plain libpq
//               (prepared statements, pipeline mode, one transaction per page with its checkpoint);
//   rebuild     the order-summary projection rebuilt by a projection_runner (shadow table, swap).
// Prints each phase, the targets (rebuild_vs_sql >= 0.5, visibility p99 < 50 ms), then one JSON
// line. Exit status: 0 when every phase ran (targets met or not), 1 on a failure, 2 on a bad
// command line, 130 when interrupted.

#include "proj_phases.hpp"

#include "bench_support.hpp"
#include "pg_sync.hpp"

#include <mink/persistence/connection_pool.hpp>
#include <mink/persistence/schema.hpp>

#include <boost/asio/io_context.hpp>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>
#include <string_view>

namespace {

using namespace mink::bench;

struct projection_options {
  std::size_t events = 1'000'000;
  std::size_t batch = 500;
  std::size_t callers = 16;
  std::size_t pace_ms = 20;
};
projection_options extra;

void print_usage(std::ostream& out, const char* argv0) {
  out << "usage: " << argv0
      << " [--seconds N] [--events N] [--batch N] [--callers N] [--pace-ms N] [--database-url URL] [--help]\n"
      << "\n"
      << "Measures projections, in one run:\n"
      << "  visibility  --callers clients each send CreateOrder, AddItem, SubmitOrder, ... one command every\n"
      << "              --pace-ms through the e-commerce order system (manual fulfilment) for N seconds after a\n"
      << "              " << warmup_time.count() << " ms warm-up; for each acknowledged command, the delay until the\n"
      << "              order-summary projection has applied its event (p50/p99/max)\n"
      << "  load        --events order events (8 per order) appended to the log with plain SQL\n"
      << "  sql_replay  the whole log replayed by hand with plain libpq into a fresh table: pages of --batch\n"
      << "              events, the order-summary statements as prepared statements in pipeline mode, one\n"
      << "              transaction per page with its checkpoint\n"
      << "  rebuild     the order-summary projection rebuilt by mink's projection_runner (batches of --batch,\n"
      << "              shadow table, atomic swap), from start_rebuild until it runs live again\n"
      << "Targets: rebuild_vs_sql >= 0.5 (events/s of rebuild over sql_replay), visibility p99 < 50 ms, no\n"
      << "errors. The last line of output is one JSON object with every figure.\n"
      << "\n"
      << "options:\n"
      << "  --seconds N          measured seconds of the visibility phase (default 10)\n"
      << "  --events N           events to load (default 1000000)\n"
      << "  --batch N            events per transaction in sql_replay and rebuild (default 500)\n"
      << "  --callers N          clients of the visibility phase (default 16)\n"
      << "  --pace-ms N          each client's pause between commands (default 20)\n"
      << "  --database-url URL   libpq URL or key=value string of an existing server (default:\n"
      << "                       $MINK_DATABASE_URL; if neither is set, an embedded PostgreSQL 15 is\n"
      << "                       started in a fresh /tmp/mink-bench-projections-XXXXXX, durable, removed\n"
      << "                       at exit). Use an empty database: the whole log is replayed.\n"
      << "  -h, --help           this text\n";
}

// Takes the options only this program has out of argv, leaving the rest to bench_main.
bool take_extra_options(int& argc, char** argv) {
  const count_option counts[] = {{"--events", &extra.events, 100'000'000},
                                 {"--batch", &extra.batch, 100'000},
                                 {"--callers", &extra.callers, 10'000},
                                 {"--pace-ms", &extra.pace_ms, 60'000}};
  return take_count_options(argc, argv, counts);
}

void print_replay(const char* name, const replay_figures& f) {
  std::printf("%-11s %10.1f events/s  (%lld events in %.3f s, %lld rows)\n", name, f.events_per_s(),
              static_cast<long long>(f.events), f.seconds, static_cast<long long>(f.rows));
  std::fflush(stdout);
}

void print_target(const char* name, double value, const char* relation, double target, bool met) {
  std::printf("target %-21s %10.3f (%s %.2f) %s\n", name, value, relation, target, met ? "met" : "NOT met");
}

void migrate(const std::string& conninfo) {
  boost::asio::io_context ioc;
  mink::persistence::pool_params pp;
  pp.connection_string = conninfo;
  mink::persistence::connection_pool pool(ioc.get_executor(), pp);
  pool.async_run([](boost::system::error_code) {});
  boost::system::error_code result;
  mink::persistence::async_migrate(pool, [&](boost::system::error_code ec, int) {
    result = ec;
    pool.cancel();
  });
  ioc.run();
  if (result) throw std::runtime_error("migrating the schema: " + result.message());
}

int run(const options& opts) {
  bench_server server(opts.database_url, "mink-bench-projections");
  if (server.embedded()) {
    std::cout << "server: embedded PostgreSQL, data directory " << server.data_directory().string() << std::endl;
  } else {
    std::cout << "server: external (--database-url / MINK_DATABASE_URL)" << std::endl;
  }
  const std::string& conninfo = server.connection_string();
  connect(conninfo, "server");
  migrate(conninfo);

  const visibility_figures v = run_visibility(conninfo, opts.seconds, extra.callers, static_cast<int>(extra.pace_ms));
  if (stop_requested()) return 130;
  std::printf("visibility  %10.1f commands/s  (%llu commands, %llu delays measured, %llu errors)\n"
              "            commit to read model p50 %.2f ms, p99 %.2f ms, max %.2f ms\n",
              v.commands_per_s, static_cast<unsigned long long>(v.commands), static_cast<unsigned long long>(v.samples),
              static_cast<unsigned long long>(v.errors), v.p50_ms, v.p99_ms, v.max_ms);
  if (v.errors > 0) std::printf("            first error: %s\n", v.first_error.c_str());
  std::fflush(stdout);

  const double load_s = load_order_events(conninfo, static_cast<std::int64_t>(extra.events));
  std::printf("load        %zu events in %.3f s\n", extra.events, load_s);
  std::fflush(stdout);
  if (stop_requested()) return 130;

  const replay_figures sql = run_sql_replay(conninfo, "bench_replay_summaries", extra.batch);
  print_replay("sql_replay", sql);
  if (stop_requested()) return 130;
  const replay_figures rebuild = run_projection_rebuild(conninfo, "bench_rebuild_summaries", extra.batch);
  print_replay("rebuild", rebuild);
  if (rebuild.rows != sql.rows)
    throw std::runtime_error("rebuild wrote " + std::to_string(rebuild.rows) + " rows, the replay " +
                             std::to_string(sql.rows));

  const double rebuild_vs_sql = ratio(rebuild.events_per_s(), sql.events_per_s());
  print_target("rebuild_vs_sql", rebuild_vs_sql, ">=", 0.5, rebuild_vs_sql >= 0.5);
  print_target("visibility_p99_ms", v.p99_ms, "<", 50.0, v.p99_ms < 50.0 && v.samples > 0);
  print_target("errors", static_cast<double>(v.errors), "=", 0, v.errors == 0);
  std::printf(
      "{\"bench\":\"projections\",\"events\":%lld,\"batch\":%zu,\"sql_replay_events_per_s\":%.1f,"
      "\"rebuild_events_per_s\":%.1f,\"rebuild_s\":%.3f,\"rows\":%lld,\"rebuild_vs_sql\":%.3f,"
      "\"visibility_commands_per_s\":%.1f,\"visibility_samples\":%llu,\"visibility_p50_ms\":%.3f,"
      "\"visibility_p99_ms\":%.3f,\"visibility_max_ms\":%.3f,\"errors\":%llu}\n",
      static_cast<long long>(rebuild.events), extra.batch, sql.events_per_s(), rebuild.events_per_s(), rebuild.seconds,
      static_cast<long long>(rebuild.rows), rebuild_vs_sql, v.commands_per_s, static_cast<unsigned long long>(v.samples),
      v.p50_ms, v.p99_ms, v.max_ms, static_cast<unsigned long long>(v.errors));
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (!take_extra_options(argc, argv)) return 2;
  return bench_main(argc, argv, 10.0, print_usage, run);
}
