// The plain, blocking libpq side: the `sync` baseline phase and the setup statements.

#include "bench_support.hpp"

#include <libpq-fe.h>

#include <charconv>
#include <cstdlib>
#include <memory>

namespace mink::bench {
namespace {

struct conn_deleter {
  void operator()(PGconn* c) const { PQfinish(c); }
};
struct result_deleter {
  void operator()(PGresult* r) const { PQclear(r); }
};
using conn_ptr = std::unique_ptr<PGconn, conn_deleter>;
using result_ptr = std::unique_ptr<PGresult, result_deleter>;

std::string trimmed(const char* message) {
  std::string m = message ? message : "";
  while (!m.empty() && (m.back() == '\n' || m.back() == ' ')) m.pop_back();
  return m;
}

conn_ptr connect(const std::string& conninfo, const char* what) {
  conn_ptr conn(PQconnectdb(conninfo.c_str()));
  if (!conn || PQstatus(conn.get()) != CONNECTION_OK)
    throw std::runtime_error(std::string(what) + ": cannot connect: " +
                             (conn ? trimmed(PQerrorMessage(conn.get())) : "out of memory"));
  // Notices (e.g. "relation already exists, skipping") are not the benchmark's output.
  PQsetNoticeProcessor(conn.get(), [](void*, const char*) {}, nullptr);
  return conn;
}

result_ptr exec_checked(PGconn* conn, const char* sql, ExecStatusType expected, const char* what) {
  result_ptr res(PQexec(conn, sql));
  if (!res || PQresultStatus(res.get()) != expected)
    throw std::runtime_error(std::string(what) + ": " + sql + ": " + trimmed(PQerrorMessage(conn)));
  return res;
}

}  // namespace

phase_result run_sync_phase(const std::string& conninfo, clock::duration measure) {
  auto conn = connect(conninfo, "sync");
  {
    result_ptr prep(PQprepare(conn.get(), "bench_sync", "SELECT $1::int4", 1, nullptr));
    if (!prep || PQresultStatus(prep.get()) != PGRES_COMMAND_OK)
      throw std::runtime_error("sync: PQprepare: " + trimmed(PQerrorMessage(conn.get())));
  }
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
