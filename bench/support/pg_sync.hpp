#pragma once
// Blocking libpq helpers shared by the benchmarks: the plain-libpq baselines and setup statements.

#include "libpq_handles.hpp"  // persistence/src: the library's own owning handles

#include <libpq-fe.h>

#include <string>

namespace mink::bench {

using persistence::detail::conn_ptr;
using persistence::detail::result_ptr;

/// libpq's message without its trailing newline.
std::string trimmed(const char* message);

/// Connects (throws std::runtime_error naming `what` on failure) and silences notices.
conn_ptr connect(const std::string& conninfo, const char* what);

/// PQexec that throws unless the result has the `expected` status.
result_ptr exec_checked(PGconn* conn, const char* sql, ExecStatusType expected, const char* what);

/// PQprepare that throws on failure.
void prepare_checked(PGconn* conn, const char* name, const char* sql, int n_params, const char* what);

}  // namespace mink::bench
