#include <ecommerce/fulfilment/services.hpp>

#include <ecommerce/domain/order.hpp>

#include <mink/persistence/event_store.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include <algorithm>
#include <iostream>
#include <list>
#include <mutex>

namespace ecommerce {

namespace asio = boost::asio;
using boost::system::error_code;

std::string payment_stream(std::string_view order_id) { return "Payment-" + std::string(order_id); }
std::string inventory_stream(std::string_view order_id) { return "Inventory-" + std::string(order_id); }

namespace {

/// Appends one event, idempotently by its id (a second append with the id is a replay).
asio::awaitable<error_code> record(mink::persistence::event_store& events, std::string stream, std::string_view type,
                                   boost::json::object data, std::string event_id, std::string order_id) {
  mink::event_data e;
  e.event_id = std::move(event_id);
  e.type = std::string(type);
  e.data = std::move(data);
  e.metadata.correlation_id = std::move(order_id);
  std::vector<mink::event_data> batch;
  batch.push_back(std::move(e));
  const auto any = mink::expected_version::any();
  auto [ec, result] =
      co_await events.async_append(std::move(stream), any, std::move(batch), asio::as_tuple(asio::use_awaitable));
  (void)result;
  co_return ec;
}

boost::json::object payment_data(const std::string& order_id, money amount) {
  boost::json::object o;
  o["order_id"] = order_id;
  o["amount_cents"] = amount.cents;
  return o;
}

}  // namespace

struct payment_service::core : std::enable_shared_from_this<core> {
  core(asio::any_io_executor ex, mink::persistence::event_store& ev, payment_params p)
      : strand(asio::make_strand(ex)), events(ev), params(p) {}

  asio::awaitable<void> answer(std::string order_id, money amount, std::string event_id,
                               std::list<asio::steady_timer>::iterator timer) {
    auto [wait_ec] = co_await timer->async_wait(asio::as_tuple(asio::use_awaitable));
    timers.erase(timer);
    if (wait_ec || stopped) co_return;  // dropped: as if the service had crashed
    const bool declined = amount > params.limit;
    auto data = payment_data(order_id, amount);
    if (declined) data["reason"] = "amount above limit";
    const std::string_view type = declined ? payment_declined : payment_processed;
    auto ec = co_await record(events, payment_stream(order_id), type, std::move(data), std::move(event_id), order_id);
    if (ec) std::cerr << "payment service: answer for order " << order_id << " not recorded: " << ec.message() << '\n';
  }

  asio::strand<asio::any_io_executor> strand;
  mink::persistence::event_store& events;
  payment_params params;
  std::list<asio::steady_timer> timers;  // on the strand
  bool stopped = false;                  // on the strand
  mutable std::mutex mtx;
  std::size_t pending = 0;
};

payment_service::payment_service(asio::any_io_executor ex, mink::persistence::event_store& events,
                                 payment_params params)
    : core_(std::make_shared<core>(std::move(ex), events, params)) {}

payment_service::~payment_service() { cancel(); }

void payment_service::request(std::string order_id, money amount, std::string event_id) {
  {
    std::lock_guard lock(core_->mtx);
    ++core_->pending;
  }
  asio::post(core_->strand, [c = core_, order_id = std::move(order_id), amount, event_id = std::move(event_id)]() mutable {
    if (c->stopped) {
      std::lock_guard lock(c->mtx);
      --c->pending;
      return;
    }
    c->timers.emplace_front(c->strand, c->params.latency);
    auto answer = c->answer(std::move(order_id), amount, std::move(event_id), c->timers.begin());
    asio::co_spawn(c->strand, std::move(answer), [c](std::exception_ptr ep) {
      {
        std::lock_guard lock(c->mtx);
        --c->pending;
      }
      if (ep) std::cerr << "payment service: unexpected exception\n";
    });
  });
}

asio::awaitable<error_code> payment_service::refund(std::string order_id, money amount, std::string event_id) {
  auto data = payment_data(order_id, amount);
  co_return co_await record(core_->events, payment_stream(order_id), payment_refunded, std::move(data),
                            std::move(event_id), order_id);
}

void payment_service::cancel() {
  asio::post(core_->strand, [c = core_] {
    c->stopped = true;
    for (auto& t : c->timers) t.cancel();
  });
}

std::size_t payment_service::pending() const {
  std::lock_guard lock(core_->mtx);
  return core_->pending;
}

asio::awaitable<error_code> inventory_service::reserve(std::string order_id, std::vector<std::string> skus,
                                                       std::string event_id) {
  boost::json::array missing;
  for (const auto& sku : skus)
    if (sku.starts_with("OOS-")) missing.emplace_back(sku);
  boost::json::object data;
  data["order_id"] = order_id;
  const bool failed = !missing.empty();
  if (failed) {
    data["skus"] = std::move(missing);
  } else {
    boost::json::array all;
    for (const auto& sku : skus) all.emplace_back(sku);
    data["skus"] = std::move(all);
  }
  const std::string_view type = failed ? inventory_reservation_failed : inventory_reserved;
  co_return co_await record(events_, inventory_stream(order_id), type, std::move(data), std::move(event_id), order_id);
}

asio::awaitable<error_code> inventory_service::release(std::string order_id, std::string event_id) {
  boost::json::object data;
  data["order_id"] = order_id;
  co_return co_await record(events_, inventory_stream(order_id), inventory_released, std::move(data),
                            std::move(event_id), order_id);
}

std::string tracking_number_from_carrier(std::string_view order_id) { return tracking_number_for(order_id); }

}  // namespace ecommerce
