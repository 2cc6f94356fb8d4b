#include <ecommerce/fulfilment/fulfilment_service.hpp>

#include <ecommerce/app/order_service.hpp>

#include <stdexcept>

namespace ecommerce {

fulfilment_service::fulfilment_service(boost::asio::any_io_executor ex, mink::persistence::event_store& events,
                                       mink::persistence::saga_store& sagas,
                                       mink::persistence::deadline_store& deadlines,
                                       mink::persistence::checkpoint_store& checkpoints, order_service& orders,
                                       fulfilment_params params)
    : payments_(ex, events, params.payment),
      inventory_(events),
      manager_(ex, events, sagas, deadlines, checkpoints, orders.bus(), params.manager) {
  fulfilment_saga_services services;
  services.events = &events;
  services.payments = &payments_;
  services.inventory = &inventory_;
  services.payment_deadline = params.payment_deadline;
  // Fails only on a programming error (the saga added twice).
  if (auto ec = manager_.add(make_fulfilment_saga(services)))
    throw std::logic_error("adding the fulfilment saga: " + ec.message());
}

fulfilment_service::~fulfilment_service() = default;

void fulfilment_service::cancel() {
  payments_.cancel();
  manager_.cancel();
}

}  // namespace ecommerce
