#include "routes.hpp"

#include "openapi.hpp"

#include <ecommerce/app/order_system.hpp>
#include <ecommerce/http/order_routes.hpp>

#include <mink/http/admin_routes.hpp>
#include <mink/http/metrics_route.hpp>
#include <mink/http/readiness.hpp>

namespace minkd {

void add_routes(mink::http::router& r, const route_targets& t) {
  ecommerce::add_order_routes(r, t.system);

  // Sagas are queried from their store in both modes; retry needs the running manager.
  auto* fulfilment = t.system.fulfilment();
  mink::http::add_saga_routes(r, t.system.sagas(), fulfilment != nullptr ? &fulfilment->manager() : nullptr);
  mink::http::add_projection_routes(r, t.system.projections());

  mink::http::add_health_routes(r);
  mink::http::readiness_params ready;
  ready.pool = &t.pool;
  ready.projections = &t.system.projections();
  mink::http::add_readiness_route(r, ready);

  mink::http::metrics_sources sources;
  sources.http = &t.http;
  sources.commands = &t.commands;
  sources.pool = &t.pool;
  auto& orders = t.system.orders().orders().registry();
  sources.registries.emplace_back("orders", [&orders] { return orders.stats(); });
  sources.projections = &t.system.projections();
  sources.sagas = fulfilment != nullptr ? &fulfilment->manager() : nullptr;
  mink::http::add_metrics_route(r, std::move(sources));

  add_openapi_route(r);
}

}  // namespace minkd
