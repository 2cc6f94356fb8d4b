#include <ecommerce/fulfilment/fulfilment_service.hpp>

#include <ecommerce/app/order_service.hpp>

#include <mink/messaging/errc.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <exception>
#include <stdexcept>
#include <tuple>

namespace ecommerce {

namespace asio = boost::asio;
using boost::system::error_code;

fulfilment_service::fulfilment_service(boost::asio::any_io_executor ex, mink::persistence::event_store& events,
                                       mink::persistence::saga_store& sagas,
                                       mink::persistence::deadline_store& deadlines,
                                       mink::persistence::checkpoint_store& checkpoints, order_service& orders,
                                       fulfilment_params params)
    : ex_(ex),
      payments_(ex, events, checkpoints, params.payment),
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

void fulfilment_service::wake() {
  manager_.wake();
  payments_.wake();
}

void fulfilment_service::run(boost::asio::any_completion_handler<void(error_code)> handler) {
  auto handler_ex = asio::get_associated_executor(handler, ex_);
  auto both = [this]() -> asio::awaitable<error_code> {
    using namespace asio::experimental::awaitable_operators;
    auto gateway = [this]() -> asio::awaitable<error_code> {
      auto [ec] = co_await payments_.async_run(asio::as_tuple(asio::use_awaitable));
      co_return ec;
    };
    auto sagas = [this]() -> asio::awaitable<error_code> {
      auto [ec] = co_await manager_.async_run(asio::as_tuple(asio::use_awaitable));
      co_return ec;
    };
    auto [gateway_ec, sagas_ec] = co_await (gateway() && sagas());
    co_return gateway_ec ? gateway_ec : sagas_ec;
  };
  asio::co_spawn(ex_, std::move(both),
                 asio::bind_executor(handler_ex, [h = std::move(handler)](std::exception_ptr ep, error_code ec) mutable {
                   std::move(h)(ep ? error_code(mink::errc::internal_error) : ec);
                 }));
}

}  // namespace ecommerce
