#pragma once
// Every route minkd serves, registered on one router.

#include <mink/http/router.hpp>

namespace ecommerce {
class order_system;
}
namespace mink {
class command_metrics;
}
namespace mink::persistence {
class connection_pool;
}
namespace mink::http {
class http_metrics;
}

namespace minkd {

/// What the routes read and drive. Each must outlive the router's use.
struct route_targets {
  ecommerce::order_system& system;
  mink::persistence::connection_pool& pool;
  const mink::http::http_metrics& http;
  const mink::command_metrics& commands;
};

/// The order API, sagas, projections, /healthz, /readyz, /metrics and /openapi.json
/// (docs/http-api.md).
void add_routes(mink::http::router& r, const route_targets& targets);

}  // namespace minkd
