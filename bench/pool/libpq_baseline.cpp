// The plain, blocking libpq side: the `sync` baseline phase and the setup statements.

#include "libpq_baseline.hpp"
#include "pg_sync.hpp"

#include <charconv>
#include <cstdlib>
#include <stdexcept>

namespace mink::bench {

phase_result run_sync_phase(const std::string& conninfo, clock::duration measure) {
  auto conn = connect(conninfo, "sync");
  prepare_checked(conn.get(), "bench_sync", "SELECT $1::int4", 1, "sync");
  std::int32_t next = 0;
  // The same work per round trip as the pool phases: format the parameter, run, check the value.
  const auto timed_loop = [&](clock::duration d) {
    phase_counts c;
    const auto cpu_start = thread_cpu_time();
    const auto start = clock::now();
    const auto until = start + d;
    char text[16];
    const char* values[1] = {text};
    while (keep_going(until)) {
      const std::int32_t i = next;
      next = (next + 1) & 0x3fffffff;  // stays a valid int4 however long the run
      *std::to_chars(text, text + sizeof text - 1, i).ptr = '\0';
      const auto t0 = clock::now();
      result_ptr res(PQexecPrepared(conn.get(), "bench_sync", 1, values, nullptr, nullptr, 0));
      const auto t1 = clock::now();
      if (!res || PQresultStatus(res.get()) != PGRES_TUPLES_OK)
        throw std::runtime_error("sync: PQexecPrepared: " + trimmed(PQerrorMessage(conn.get())));
      if (PQntuples(res.get()) != 1 || std::atoi(PQgetvalue(res.get(), 0, 0)) != i)
        throw std::runtime_error("sync: SELECT $1::int4 did not return " + std::to_string(i));
      ++c.ops;
      ++c.round_trips;
      c.latency_sum += t1 - t0;
    }
    c.elapsed = clock::now() - start;
    c.client_cpu = thread_cpu_time() - cpu_start;
    return c;
  };
  timed_loop(warmup_time);
  return phase_result{"sync", "queries", timed_loop(measure)};
}

void prepare_schema(const std::string& conninfo) {
  auto conn = connect(conninfo, "schema");
  exec_checked(conn.get(), "CREATE TABLE IF NOT EXISTS bench_rows(id bigserial PRIMARY KEY, payload text)",
               PGRES_COMMAND_OK, "schema");
}

std::int64_t count_rows(const std::string& conninfo) {
  auto conn = connect(conninfo, "count");
  auto res = exec_checked(conn.get(), "SELECT count(*) FROM bench_rows", PGRES_TUPLES_OK, "count");
  return std::strtoll(PQgetvalue(res.get(), 0, 0), nullptr, 10);
}

}  // namespace mink::bench
