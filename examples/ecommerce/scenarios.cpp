#include "scenarios.hpp"

#include <ecommerce/domain/money.hpp>

#include <mink/messaging/uuid.hpp>
#include <mink/persistence/aggregate_repository.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <iostream>
#include <string>

namespace ecommerce {

namespace {

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
std::string new_order_id() { return "ORD-" + mink::new_uuid().substr(0, 8); }

/// Dispatches one command and prints its outcome.
template <class Command>
asio::awaitable<mink::dispatch_result> send(scenario_context ctx, checks& c, Command command,
                                             mink::dispatch_options options) {
  auto [ec, r] = co_await ctx.service.bus().async_dispatch(std::move(command), std::move(options),
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
create_order open_scenario(const std::string& title) {
  create_order create;
  create.order_id = new_order_id();
  create.customer_id = "CUST-12345";
  std::cout << '\n' << title << ", order " << create.order_id << '\n';
  return create;
}

add_item item(const std::string& order_id, std::string sku, std::string name, int quantity, std::int64_t cents) {
  add_item a;
  a.order_id = order_id;
  a.sku = std::move(sku);
  a.name = std::move(name);
  a.quantity = quantity;
  a.price = money::from_cents(cents);
  return a;
}

}  // namespace

asio::awaitable<int> happy_path(scenario_context ctx) {
  checks c;
  const create_order create = open_scenario("Scenario 1: happy path");
  const std::string& id = create.order_id;
  co_await send(ctx, c, create);
  co_await send(ctx, c, item(id, "LAPTOP-001", "Gaming Laptop", 1, 129999));
  co_await send(ctx, c, item(id, "MOUSE-001", "Wireless Mouse", 2, 4999));
  co_await send(ctx, c, item(id, "KEYBOARD-001", "Mechanical Keyboard", 1, 14999));
  submit_order submit;
  submit.order_id = id;
  co_await send(ctx, c, submit);
  ship_order ship;
  ship.order_id = id;
  co_await send(ctx, c, ship);
  complete_order complete;
  complete.order_id = id;
  co_await send(ctx, c, complete);

  // The state as the event store has it, rebuilt from its events alone.
  mink::persistence::aggregate_repository<order_aggregate> repository(co_await asio::this_coro::executor, ctx.events);
  auto [ec, loaded] = co_await repository.async_load(id, asio::as_tuple(asio::use_awaitable));
  c.expect(!ec, "rebuilt from the event store" + (ec ? ": " + ec.message() : std::string()));
  const order_state& s = loaded.state();
  std::cout << "    Order " << s.order_id << " for " << s.customer_id << '\n'
            << "    Status:  " << to_string(s.status) << '\n'
            << "    Items:   " << s.items.size() << '\n';
  for (const auto& line : s.items)
    std::cout << "             " << line.quantity << " x " << line.name << " @ " << to_currency_string(line.price) << '\n';
  std::cout << "    Total:   " << to_currency_string(s.total) << '\n'
            << "    Tracking: " << s.tracking_number << '\n'
            << "    Version: " << loaded.version() << '\n';
  c.expect(s.status == order_status::completed, "status is Completed");
  c.expect(s.items.size() == 3, "3 items");
  c.expect(to_currency_string(s.total) == "$1549.96", "total is $1549.96");
  c.expect(loaded.version() == 7, "version is 7");
  co_return c.failed;
}

asio::awaitable<int> idempotent_create(scenario_context ctx) {
  checks c;
  const create_order create = open_scenario("Scenario 3: idempotency");
  const std::string& id = create.order_id;
  mink::dispatch_options options;
  options.command_id = mink::new_uuid();
  std::cout << "    sending CreateOrder twice with command id " << options.command_id << '\n';
  mink::dispatch_result first = co_await send(ctx, c, create, options);
  mink::dispatch_result second = co_await send(ctx, c, create, options);
  c.expect(!first.replayed, "the first was executed");
  c.expect(second.replayed, "the second was deduplicated (a replay of the first)");
  c.expect(second.version == first.version && second.positions == first.positions,
           "the replay answers the original result");

  auto [ec, events] = co_await ctx.events.async_read_stream(
      mink::stream_id_of<order>(id), 1, 100, mink::persistence::read_direction::forward,
      asio::as_tuple(asio::use_awaitable));
  std::size_t created = 0;
  for (const auto& e : events) created += e.type == "OrderCreated" ? 1 : 0;
  c.expect(!ec && created == 1 && events.size() == 1,
           "the store holds exactly one OrderCreated (" + std::to_string(created) + ")");
  co_return c.failed;
}

asio::awaitable<int> optimistic_concurrency(scenario_context ctx) {
  checks c;
  const create_order create = open_scenario("Scenario 4: optimistic concurrency");
  const std::string& id = create.order_id;
  co_await send(ctx, c, create);

  mink::persistence::aggregate_repository<order_aggregate> repository(co_await asio::this_coro::executor, ctx.events);
  auto [ec1, first] = co_await repository.async_load(id, asio::as_tuple(asio::use_awaitable));
  auto [ec2, second] = co_await repository.async_load(id, asio::as_tuple(asio::use_awaitable));
  c.expect(!ec1 && !ec2 && first.version() == 1 && second.version() == 1, "loaded the order twice, both at version 1");

  c.expect(!first.execute(item(id, "MOUSE-001", "Wireless Mouse", 1, 4999)), "first copy: add Wireless Mouse");
  auto [save1, saved1] = co_await repository.async_save(first, asio::as_tuple(asio::use_awaitable));
  c.expect(!save1 && saved1.version == 2, "first copy saved at version " + std::to_string(saved1.version));

  c.expect(!second.execute(item(id, "KEYBOARD-001", "Mechanical Keyboard", 1, 14999)),
           "second copy: add Mechanical Keyboard");
  auto [save2, saved2] = co_await repository.async_save(second, asio::as_tuple(asio::use_awaitable));
  std::cout << "    second copy's save: " << (save2 ? saved2.conflict_message() : std::string("saved")) << '\n';
  const std::string expected_message =
      "concurrency conflict on stream \"Order-" + id + "\": expected version 1, got 2";
  c.expect(save2 == mink::errc::wrong_expected_version && saved2.conflict_message() == expected_message,
           "the second save conflicts: expected version 1, got 2");

  auto [ec3, fresh] = co_await repository.async_load(id, asio::as_tuple(asio::use_awaitable));
  c.expect(!ec3 && fresh.version() == 2, "reloaded at version 2");
  c.expect(!fresh.execute(item(id, "KEYBOARD-001", "Mechanical Keyboard", 1, 14999)), "retry: add Mechanical Keyboard");
  auto [save3, saved3] = co_await repository.async_save(fresh, asio::as_tuple(asio::use_awaitable));
  c.expect(!save3 && saved3.version == 3, "the retry saved at version " + std::to_string(saved3.version));
  co_return c.failed;
}

}  // namespace ecommerce
