#include "pg_sync.hpp"

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

}  // namespace mink::bench
