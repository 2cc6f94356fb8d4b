#pragma once
// GET /metrics: the process's metrics in the Prometheus text format.

#include <mink/actors/registry_params.hpp>
#include <mink/http/router.hpp>

#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace mink {
class command_metrics;
}
namespace mink::persistence {
class connection_pool;
}
namespace mink::actors {
class projection_runner;
class saga_manager;
}  // namespace mink::actors

namespace mink::http {

class http_metrics;

/// Where the metrics come from; every member is optional (null or empty: its metrics are left out).
/// The pointed-to objects must outlive the router the route is added to.
struct metrics_sources {
  const http_metrics* http = nullptr;            ///< mink_http_*
  const mink::command_metrics* commands = nullptr;  ///< mink_commands_total, mink_command_duration_seconds, mink_events_appended_total
  const persistence::connection_pool* pool = nullptr;  ///< mink_pool_*
  /// Actor registries by name (the `registry` label), e.g. {"orders", [&] { return reg.stats(); }}:
  /// mink_actors_active, mink_actor_mailbox_depth, ... Called on each scrape, from the handler's
  /// thread: must be thread-safe.
  std::vector<std::pair<std::string, std::function<actors::registry_stats()>>> registries;
  const actors::projection_runner* projections = nullptr;  ///< mink_projection_*
  const actors::saga_manager* sagas = nullptr;             ///< mink_saga_*
};

/// The exposition text of every metric `sources` has (see docs/http-server.md for the names and
/// labels). Thread-safe as far as the sources are (all of mink's are).
std::string render_metrics(const metrics_sources& sources);

/// Registers `GET /metrics`: 200 with render_metrics' text and
/// `Content-Type: text/plain; version=0.0.4; charset=utf-8`. Throws as router::add does.
void add_metrics_route(router& r, metrics_sources sources);

}  // namespace mink::http
