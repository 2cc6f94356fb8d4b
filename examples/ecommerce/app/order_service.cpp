#include <ecommerce/app/order_service.hpp>

#include <mink/persistence/event_store.hpp>
#include <mink/persistence/idempotency_store.hpp>
#include <mink/persistence/snapshot_store.hpp>

#include <stdexcept>

namespace ecommerce {

mink::actors::aggregate_params order_service_params::default_aggregate() {
  mink::actors::aggregate_params p;
  p.snapshot_every = 50;
  p.conflict_retries = 3;
  return p;
}

order_service::order_service(boost::asio::any_io_executor ex, mink::persistence::event_store& events,
                             mink::persistence::snapshot_store* snapshots,
                             mink::persistence::idempotency_store& idempotency, order_service_params params)
    : bus_(ex) {
  mink::actors::use_standard_pipeline(bus_, idempotency, std::move(params.pipeline));
  mink::actors::aggregate_services services;
  services.events = &events;
  services.snapshots = snapshots;
  orders_ = std::make_unique<mink::actors::aggregate_router<order>>(std::move(ex), services, params.actors,
                                                                     params.aggregate);
  // Registration fails only on a programming error (a type routed twice).
  if (auto ec = orders_->route<create_order, add_item, submit_order, ship_order, complete_order, cancel_order>(bus_))
    throw std::logic_error("routing order commands: " + ec.message());
}

order_service::~order_service() = default;

}  // namespace ecommerce
