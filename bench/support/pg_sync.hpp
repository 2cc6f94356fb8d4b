#pragma once
// Blocking libpq helpers shared by the benchmarks: the plain-libpq baselines and setup statements.

#include "libpq_handles.hpp"  // persistence/src: the library's own owning handles

#include <libpq-fe.h>

#include <cstdint>
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

/// VACUUM (ANALYZE) of the tables a phase wrote, so that autovacuum does not run during the next
/// phase (it would on its own, a minute or so later). Best effort: a failure is only noted.
void settle(const std::string& conninfo, const char* tables);
/// pg_stat_user_tables counters of one table, for the diagnostics (zero when unreadable).
struct table_stats {
  std::int64_t seq_scans = 0, index_scans = 0, analyzes = 0;  ///< analyzes: manual + autovacuum's
};
table_stats read_table_stats(const std::string& conninfo, const char* table);
/// Events in mink_events whose stream id starts with `prefix` (no LIKE wildcards in it).
std::int64_t count_events(const std::string& conninfo, const std::string& prefix);

}  // namespace mink::bench
