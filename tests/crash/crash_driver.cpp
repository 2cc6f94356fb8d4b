// mink-crash-driver: drives a batch of orders through the whole e-commerce system (order actors,
// order-summary projection, fulfilment saga) until every order has reached its end, so that the
// crash tests can kill it at a fail point (MINK_FAIL_POINT) and run it again.
//
//   mink-crash-driver --database-url URL --prefix P --orders N
//
// Every command carries an idempotency key derived from (order, step), so a second run re-sends
// exactly what the first may have sent, and the idempotency stage answers what was already done.
// Orders cycle through three kinds: i % 3 == 0 is fulfilled and completed, 1 is declined by the
// payment service (total above 10,000.00), 2 is out of stock (an "OOS-" SKU). Exit 0 when every
// saga has ended and the projection has caught up with the log; 1 on a failure or time out.

#include <ecommerce/app/order_system.hpp>
#include <ecommerce/domain/order_errc.hpp>
#include <ecommerce/fulfilment/fulfilment_saga.hpp>

#include <mink/persistence/connection_pool.hpp>
#include <mink/persistence/event_store.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <charconv>
#include <chrono>
#include <cstring>
#include <iostream>
#include <string>

namespace asio = boost::asio;
namespace mp = mink::persistence;
using namespace std::chrono_literals;
using boost::system::error_code;

namespace {

struct driver_options {
  std::string database_url;
  std::string prefix = "CRASH";
  int orders = 9;
};

constexpr auto tuple_awaitable = asio::as_tuple(asio::use_awaitable);

asio::awaitable<void> pause_for(std::chrono::milliseconds d) {
  asio::steady_timer t(co_await asio::this_coro::executor, d);
  co_await t.async_wait(tuple_awaitable);
}

// Sends `c` with idempotency key `key`, retrying a transient failure; errors that are answers
// (a rule the order refuses because the command already happened another way) are fine.
template <class Command>
asio::awaitable<bool> send(ecommerce::order_system& system, Command c, std::string key) {
  for (int attempt = 0; attempt < 50; ++attempt) {
    mink::dispatch_options options;
    options.idempotency_key = key;
    auto [ec, r] = co_await system.bus().async_dispatch(c, std::move(options), tuple_awaitable);
    // Done, or the order's own answer (a rule); anything else (the database, a timeout) is retried.
    if (!ec || ec.category() == ecommerce::order_category()) co_return true;
    std::cerr << "crash-driver: " << key << ": " << ec.message() << " (retrying)\n";
    co_await pause_for(100ms);
  }
  co_return false;
}

asio::awaitable<bool> place_order(ecommerce::order_system& system, const std::string& id, int kind) {
  const std::string key = id + "/";
  ecommerce::create_order create;
  create.order_id = id;
  create.customer_id = "CUST-CRASH";
  bool ok = co_await send(system, create, key + "create");
  ecommerce::add_item item;
  item.order_id = id;
  item.sku = kind == 2 ? "OOS-CABLE" : "LAPTOP-001";
  item.name = "Item";
  item.quantity = kind == 1 ? 9 : 1;
  item.price = ecommerce::money::from_cents(129999);  // x9 = 11,699.91: declined
  ok = ok && co_await send(system, item, key + "item");
  ecommerce::submit_order submit;
  submit.order_id = id;
  ok = ok && co_await send(system, submit, key + "submit");
  co_return ok;
}

// The saga of `id` has ended; completes shipped orders on the way.
asio::awaitable<bool> settled(ecommerce::order_system& system, const std::string& id, bool& ok) {
  auto [ec, saga] = co_await system.sagas().async_find(ecommerce::fulfilment_saga_id(id), tuple_awaitable);
  if (ec || !saga) co_return false;
  if (saga->status == mp::saga_status::completed || saga->status == mp::saga_status::compensated) co_return true;
  if (saga->status == mp::saga_status::failed) {
    std::cerr << "crash-driver: saga of " << id << " failed\n";
    ok = false;
    co_return true;
  }
  for (const auto& step : saga->steps) {
    if (step.name == ecommerce::ship_order_step && step.status == mp::step_status::completed) {
      ecommerce::complete_order complete;
      complete.order_id = id;
      ok = co_await send(system, complete, id + "/complete") && ok;
    }
  }
  co_return false;
}

asio::awaitable<int> drive(mp::connection_pool& pool, driver_options opts) {
  auto ex = co_await asio::this_coro::executor;
  ecommerce::order_system_params params;
  params.fulfilment_settings.payment.latency = 5ms;
  params.fulfilment_settings.manager.poll_interval = 200ms;
  params.projections.poll_interval = 200ms;
  ecommerce::order_system system(ex, pool, params);
  auto [start_ec] = co_await system.async_start(tuple_awaitable);
  if (start_ec) {
    std::cerr << "crash-driver: start: " << start_ec.message() << '\n';
    co_return 1;
  }
  bool run_done = false;
  system.async_run([&](error_code) { run_done = true; });

  bool ok = true;
  for (int i = 0; i < opts.orders; ++i) {
    ok = co_await place_order(system, opts.prefix + "-" + std::to_string(i), i % 3) && ok;
  }
  // Until every saga has ended (bounded: 60 s).
  int open = opts.orders;
  for (int round = 0; round < 600 && open > 0; ++round) {
    open = 0;
    for (int i = 0; i < opts.orders; ++i) {
      if (!co_await settled(system, opts.prefix + "-" + std::to_string(i), ok)) ++open;
    }
    if (open > 0) co_await pause_for(100ms);
  }
  // Then until the projection has applied everything up to the log's head.
  bool caught_up = false;
  for (int round = 0; round < 300 && !caught_up && open == 0; ++round) {
    auto status = system.projections().status(ecommerce::order_summary_projection_name);
    caught_up = status && status->lag == 0 && status->head > 0 && !status->fault;
    if (!caught_up) co_await pause_for(100ms);
  }
  if (open > 0) std::cerr << "crash-driver: " << open << " saga(s) did not end\n";
  if (open == 0 && !caught_up) std::cerr << "crash-driver: the projection did not catch up\n";

  system.cancel();
  for (int i = 0; i < 1000 && !run_done; ++i) co_await pause_for(20ms);
  co_return ok && open == 0 && caught_up && run_done ? 0 : 1;
}

bool parse(int argc, char** argv, driver_options& o) {
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string name = argv[i];
    const char* value = argv[i + 1];
    if (name == "--database-url") {
      o.database_url = value;
    } else if (name == "--prefix") {
      o.prefix = value;
    } else if (name == "--orders") {
      auto [end, ec] = std::from_chars(value, value + std::strlen(value), o.orders);
      if (ec != std::errc{} || o.orders < 1) return false;
    } else {
      return false;
    }
  }
  return argc % 2 == 1 && !o.database_url.empty();
}

}  // namespace

int main(int argc, char** argv) {
  driver_options opts;
  if (!parse(argc, argv, opts)) {
    std::cerr << "usage: mink-crash-driver --database-url URL [--prefix P] [--orders N]\n";
    return 2;
  }
  asio::io_context ioc;
  mp::pool_params pp;
  pp.connection_string = opts.database_url;
  pp.max_size = 8;
  mp::connection_pool pool(ioc.get_executor(), pp);
  pool.async_run([](error_code) {});
  int result = 1;
  asio::co_spawn(ioc, drive(pool, opts), [&](std::exception_ptr e, int r) {
    result = e ? 1 : r;
    pool.cancel();
  });
  ioc.run();
  return result;
}
