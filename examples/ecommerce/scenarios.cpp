#include "scenario_support.hpp"

#include <ecommerce/domain/money.hpp>

#include <mink/messaging/uuid.hpp>
#include <mink/persistence/aggregate_repository.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <iostream>
#include <string>

namespace ecommerce {

using namespace scenario;

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

  // The fulfilment saga pays, reserves the stock and ships: wait for the shipment.
  std::cout << "    waiting for the fulfilment saga to ship the order ...\n";
  mink::persistence::aggregate_repository<order_aggregate> repository(co_await asio::this_coro::executor, ctx.events);
  auto shipped = [&]() -> asio::awaitable<bool> {
    auto [ec, loaded] = co_await repository.async_load(id, asio::as_tuple(asio::use_awaitable));
    co_return !ec && loaded.state().status == order_status::shipped;
  };
  const bool was_shipped = co_await eventually(shipped, std::chrono::seconds(10));
  c.expect(was_shipped, "the saga shipped the order");
  complete_order complete;
  complete.order_id = id;
  const mink::dispatch_result completed = co_await send(ctx, c, complete);

  // The state as the event store has it, rebuilt from its events alone.
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

  // The read model, read with the position of the last command: it waits until the projection
  // has applied it (read your writes).
  std::optional<std::int64_t> last_position;
  if (!completed.positions.empty()) last_position = completed.positions.back();
  auto [read_ec, summary] =
      co_await ctx.system.async_find_summary(id, last_position, asio::as_tuple(asio::use_awaitable));
  c.expect(!read_ec && summary.has_value(),
           "the read model has the order" + (read_ec ? ": " + read_ec.message() : std::string()));
  if (summary) {
    const std::string line = "Items: " + std::to_string(summary->item_count) +
                             " | Total: " + to_currency_string(summary->total) + " | Status: " + summary->status;
    std::cout << "    Read model: " << line << '\n';
    c.expect(line == "Items: 4 | Total: $1549.96 | Status: Completed", "the read model agrees");
  }

  // The saga saw the completion and ended.
  auto saga_completed = [&]() -> asio::awaitable<bool> {
    auto [saga_ec, saga] = co_await ctx.system.sagas().async_find(fulfilment_saga_id(id),
                                                                  asio::as_tuple(asio::use_awaitable));
    co_return !saga_ec && saga && saga->status == mink::persistence::saga_status::completed;
  };
  c.expect(co_await eventually(saga_completed, std::chrono::seconds(10)), "the fulfilment saga completed");
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
