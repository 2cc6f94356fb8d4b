#include "routes.hpp"

#include "openapi.hpp"

namespace minkd {

void add_routes(mink::http::router& r, const route_targets& /*targets*/) {
  mink::http::add_health_routes(r);
  add_openapi_route(r);
}

}  // namespace minkd
