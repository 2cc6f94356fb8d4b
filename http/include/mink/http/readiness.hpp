#pragma once
// GET /readyz: whether the process can serve its reads and writes now.

#include <mink/http/router.hpp>

#include <chrono>

namespace mink::persistence {
class connection_pool;
}
namespace mink::actors {
class projection_runner;
}

namespace mink::http {

struct readiness_params {
  /// Checked with `SELECT 1` through the pool. Null: the database check is skipped.
  persistence::connection_pool* pool = nullptr;
  /// Every projection must be running, rebuilding (queries still read the live model) or inline;
  /// paused or faulted is not ready. Null: the check is skipped.
  const actors::projection_runner* projections = nullptr;
  /// The database must answer within this time (acquiring a connection included).
  std::chrono::milliseconds database_timeout{2000};
  /// Retry-After of a 503.
  std::chrono::seconds retry_after{5};
};

/// Registers `GET /readyz`:
/// - 200 `{"status":"ready","checks":{"database":{"status":"pass"},"projections":{"status":"pass"}}}`
///   (a skipped check is absent);
/// - 503 problem `/problems/not-ready` with `Retry-After` and the same `checks` member, a failing
///   check being `{"status":"fail","reason":...}` (database: "unavailable" or "timeout", never
///   the driver's text; projections: "not_running" with `"projections":[{"name","state"}]`).
///
/// The pool and runner must outlive the router. The handler waits on the pool's executor
/// completions, never blocking a thread. Throws as router::add does.
void add_readiness_route(router& r, readiness_params params);

}  // namespace mink::http
