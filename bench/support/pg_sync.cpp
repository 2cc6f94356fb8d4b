#include "pg_sync.hpp"

#include <cstdio>
#include <cstdlib>
#include <stdexcept>

namespace mink::bench {

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

void prepare_checked(PGconn* conn, const char* name, const char* sql, int n_params, const char* what) {
  result_ptr prep(PQprepare(conn, name, sql, n_params, nullptr));
  if (!prep || PQresultStatus(prep.get()) != PGRES_COMMAND_OK)
    throw std::runtime_error(std::string(what) + ": PQprepare: " + trimmed(PQerrorMessage(conn)));
}

void settle(const std::string& conninfo, const char* tables) {
  auto conn = connect(conninfo, "settle");
  const std::string sql = std::string("VACUUM (ANALYZE) ") + tables;
  result_ptr res(PQexec(conn.get(), sql.c_str()));
  if (!res || PQresultStatus(res.get()) != PGRES_COMMAND_OK)
    std::fprintf(stderr, "note: %s: %s (continuing)\n", sql.c_str(), trimmed(PQerrorMessage(conn.get())).c_str());
}

table_stats read_table_stats(const std::string& conninfo, const char* table) {
  auto conn = connect(conninfo, "table stats");
  const char* values[1] = {table};
  result_ptr res(PQexecParams(conn.get(),
                              "SELECT coalesce(seq_scan, 0), coalesce(idx_scan, 0), analyze_count + autoanalyze_count "
                              "FROM pg_stat_user_tables WHERE relname = $1",
                              1, nullptr, values, nullptr, nullptr, 0));
  table_stats out;
  if (!res || PQresultStatus(res.get()) != PGRES_TUPLES_OK || PQntuples(res.get()) != 1) return out;
  out.seq_scans = std::strtoll(PQgetvalue(res.get(), 0, 0), nullptr, 10);
  out.index_scans = std::strtoll(PQgetvalue(res.get(), 0, 1), nullptr, 10);
  out.analyzes = std::strtoll(PQgetvalue(res.get(), 0, 2), nullptr, 10);
  return out;
}

std::int64_t count_events(const std::string& conninfo, const std::string& prefix) {
  auto conn = connect(conninfo, "count");
  const std::string pattern = prefix + "%";
  const char* values[1] = {pattern.c_str()};
  result_ptr res(PQexecParams(conn.get(), "SELECT count(*) FROM mink_events WHERE stream_id LIKE $1", 1, nullptr,
                              values, nullptr, nullptr, 0));
  if (!res || PQresultStatus(res.get()) != PGRES_TUPLES_OK)
    throw std::runtime_error("count: " + trimmed(PQerrorMessage(conn.get())));
  return std::strtoll(PQgetvalue(res.get(), 0, 0), nullptr, 10);
}

}  // namespace mink::bench
