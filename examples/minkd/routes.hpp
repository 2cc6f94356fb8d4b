#pragma once
// Every route minkd serves, registered on one router.

#include <mink/http/router.hpp>

namespace ecommerce {
class order_system;
}
namespace mink::persistence {
class connection_pool;
}

namespace minkd {

/// What the routes read and drive. Each must outlive the router's use.
struct route_targets {
  ecommerce::order_system& system;
  mink::persistence::connection_pool& pool;
};

/// Health and the OpenAPI document.
void add_routes(mink::http::router& r, const route_targets& targets);

}  // namespace minkd
