#pragma once
// What the scenarios share: printed checks, sending a command, waiting for the asynchronous parts.

#include "scenarios.hpp"

#include <ecommerce/domain/money.hpp>

#include <mink/messaging/uuid.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <chrono>
#include <functional>
#include <iostream>
#include <string>

namespace ecommerce::scenario {

namespace asio = boost::asio;
using boost::system::error_code;
using order_aggregate = mink::decider_aggregate<order>;

/// Prints one check and counts it when it fails.
struct checks {
  int failed = 0;
  void expect(bool ok, const std::string& what) {
    std::cout << (ok ? "    [ok]   " : "    [FAIL] ") << what << '\n';
    if (!ok) ++failed;
  }
};

/// A fresh order id, so that runs against a kept database do not meet earlier orders.
inline std::string new_order_id() { return "ORD-" + mink::new_uuid().substr(0, 8); }

/// Dispatches one command and prints its outcome.
template <class Command>
asio::awaitable<mink::dispatch_result> send(scenario_context ctx, checks& c, Command command,
                                             mink::dispatch_options options) {
  auto [ec, r] = co_await ctx.system.bus().async_dispatch(std::move(command), std::move(options),
                                                           asio::as_tuple(asio::use_awaitable));
  std::string line = std::string(Command::type_name) + " -> ";
  if (ec) {
    line += "error: " + r.error_message;
  } else {
    line += "version " + std::to_string(r.version);
    if (!r.positions.empty()) line += ", position " + std::to_string(r.positions.back());
    if (r.replayed) line += " (replayed)";
  }
  c.expect(!ec, line);
  co_return r;
}

/// send with no options. (No `= {}` default: GCC 12 mishandles brace-initialised temporaries in
/// a co_await expression.)
template <class Command>
asio::awaitable<mink::dispatch_result> send(scenario_context ctx, checks& c, Command command) {
  mink::dispatch_options none;
  mink::dispatch_result r = co_await send(ctx, c, std::move(command), std::move(none));
  co_return r;
}

/// A scenario's opening: a fresh order id, announced, and the CreateOrder for it.
inline create_order open_scenario(const std::string& title) {
  create_order create;
  create.order_id = new_order_id();
  create.customer_id = "CUST-12345";
  std::cout << '\n' << title << ", order " << create.order_id << '\n';
  return create;
}

inline add_item item(const std::string& order_id, std::string sku, std::string name, int quantity, std::int64_t cents) {
  add_item a;
  a.order_id = order_id;
  a.sku = std::move(sku);
  a.name = std::move(name);
  a.quantity = quantity;
  a.price = money::from_cents(cents);
  return a;
}

/// Polls `condition` every 20 ms until it holds or `timeout` passes; whether it held. The
/// fulfilment saga works asynchronously (its payment service answers after a delay), so a
/// scenario waits for its effects in bounded steps.
inline asio::awaitable<bool> eventually(std::function<asio::awaitable<bool>()> condition,
                                        std::chrono::milliseconds timeout) {
  asio::steady_timer timer(co_await asio::this_coro::executor);
  const auto until = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (co_await condition()) co_return true;
    if (std::chrono::steady_clock::now() >= until) co_return false;
    timer.expires_after(std::chrono::milliseconds(20));
    co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
  }
}

}  // namespace ecommerce::scenario
