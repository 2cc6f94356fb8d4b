#pragma once
// Operator routes: projections (status, rebuild, pause, resume) and sagas (find, count, retry).

#include <mink/http/router.hpp>

#include <boost/system/error_code.hpp>

namespace mink::persistence {
class saga_store;
}
namespace mink::actors {
class projection_runner;
class saga_manager;
}  // namespace mink::actors

namespace mink::http {

/// Registers:
/// - `GET /projections` -> 200 `{"projections":[status...]}`, in registration order;
/// - `GET /projections/{name}` -> 200 status; 404 `/problems/unknown-projection`;
/// - `POST /projections/{name}/rebuild` -> 202 status (a rebuild already running is a no-op);
///   404 unknown-projection; 409 `/problems/projection-busy` (an inline projection);
/// - `POST /projections/{name}/pause`, `POST /projections/{name}/resume` -> 200 status; 404.
/// A status is `{"name","state","position","head","lag"}` plus `"rebuild_position"` while
/// rebuilding and `"fault":{"position","event_id","type","error","message","attempts","in_rebuild"}`
/// when stopped on an event.
/// The runner must outlive the router. Throws as router::add does.
void add_projection_routes(router& r, actors::projection_runner& runner);

/// Registers:
/// - `GET /sagas?correlation_id=X` -> 200 `{"items":[saga...]}` oldest first; 400
///   `/problems/missing-parameter` when correlation_id is absent or empty;
/// - `GET /sagas/stats` -> 200 `{"total":n,"by_status":{"started":n,...}}` (every status);
/// - `GET /sagas/{saga_id}` -> 200 saga; 404 `/problems/saga-not-found`;
/// - `POST /sagas/{saga_id}/retry` (only when `manager` is not null; without one the path is not
///   routed: 404 `/problems/not-found`) -> 200 the saga after the retry; 404 saga-not-found; 409
///   `/problems/saga-not-retryable` (not failed nor stuck compensating) or
///   `/problems/unknown-saga-type`; 503 `/problems/service-unavailable` when the manager is stopping.
/// A saga is `{"saga_id","saga_type","correlation_id","status","current_step","version","data",
/// "steps":[{"name","status","started_at"?,"finished_at"?,"error"?}],"processed_events",
/// "created_at","updated_at"}`, times in RFC 3339 (UTC, milliseconds).
/// The store and manager must outlive the router. Throws as router::add does.
void add_saga_routes(router& r, persistence::saga_store& store, actors::saga_manager* manager);

/// Whether `ec` means the database cannot be reached now (pool acquire or connect timeout, pool
/// exhausted or not running, a lost connection, or persistence::is_transient): answered 503.
bool is_database_unavailable(const boost::system::error_code& ec) noexcept;

/// The response of an admin route for a store or runner failure `ec`: 503
/// `/problems/service-unavailable` with `Retry-After: 1` for is_database_unavailable(ec);
/// otherwise throws boost::system::system_error, which the router turns into a 500 without the
/// text (logged through router_params::log_error). Never leaks internal text in the response.
response failure_response(const boost::system::error_code& ec, unsigned version);

}  // namespace mink::http
