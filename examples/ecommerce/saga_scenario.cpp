// Scenario 2: a fulfilment saga's durable state, followed live and reloaded from PostgreSQL.
#include "scenario_support.hpp"

#include <ecommerce/fulfilment/fulfilment_saga.hpp>

#include <mink/persistence/pg_saga_store.hpp>

#include <optional>

namespace ecommerce {

using namespace scenario;
namespace mp = mink::persistence;

namespace {

std::string time_text(const std::optional<std::chrono::system_clock::time_point>& t) {
  return t ? format_rfc3339(*t) : std::string("-");
}

void print_saga(const mp::saga_state& s) {
  std::cout << "    Saga id:        " << s.saga_id << '\n'
            << "    Type:           " << s.saga_type << '\n'
            << "    Correlation id: " << s.correlation_id << '\n'
            << "    Status:         " << mp::to_string(s.status) << '\n'
            << "    Current step:   " << s.current_step << '\n'
            << "    Version:        " << s.version << '\n'
            << "    Steps:\n";
  for (const auto& step : s.steps) {
    std::cout << "      " << step.name << ": " << mp::to_string(step.status) << " (started "
              << time_text(step.started_at) << ", finished " << time_text(step.finished_at) << ")"
              << (step.error.empty() ? std::string() : ", error: " + step.error) << '\n';
  }
}

const mp::saga_step* find_step(const mp::saga_state& s, std::string_view name) {
  for (const auto& step : s.steps)
    if (step.name == name) return &step;
  return nullptr;
}

bool step_completed(const mp::saga_state& s, std::string_view name) {
  const mp::saga_step* step = find_step(s, name);
  return step != nullptr && step->status == mp::step_status::completed;
}

}  // namespace

asio::awaitable<int> saga_persistence(scenario_context ctx, mp::connection_pool& pool) {
  checks c;
  const create_order create = open_scenario("Scenario 2: saga persistence");
  const std::string& id = create.order_id;
  co_await send(ctx, c, create);
  co_await send(ctx, c, item(id, "MONITOR-001", "4K Monitor", 1, 39999));
  submit_order submit;
  submit.order_id = id;
  co_await send(ctx, c, submit);

  // Follow the saga as it moves: each saved version that changes its step or status is printed.
  const std::string saga_id = fulfilment_saga_id(id);
  std::cout << "    following saga " << saga_id << '\n';
  std::string last_seen;
  auto shipped = [&]() -> asio::awaitable<bool> {
    auto [ec, s] = co_await ctx.system.sagas().async_find(saga_id, asio::as_tuple(asio::use_awaitable));
    if (ec || !s) co_return false;
    const std::string now = s->current_step + " / " + std::string(mp::to_string(s->status));
    if (now != last_seen) {
      std::cout << "      v" << s->version << ": " << now << '\n';
      last_seen = now;
    }
    co_return step_completed(*s, ship_order_step);
  };
  c.expect(co_await eventually(shipped, std::chrono::seconds(10)),
           "the saga went through payment, inventory and shipping");

  // A fresh store on the same database: what survives a restart.
  mp::pg_saga_store fresh(pool);
  auto [ec, reloaded] = co_await fresh.async_find(saga_id, asio::as_tuple(asio::use_awaitable));
  c.expect(!ec && reloaded.has_value(), "reloaded from PostgreSQL through a fresh saga store");
  if (reloaded) {
    print_saga(*reloaded);
    c.expect(reloaded->saga_type == fulfilment_saga_type, "its type is OrderFulfillment");
    c.expect(reloaded->correlation_id == id, "it is correlated by the order id");
    c.expect(step_completed(*reloaded, process_payment_step) && step_completed(*reloaded, reserve_inventory_step) &&
                 step_completed(*reloaded, ship_order_step),
             "payment, inventory and shipping are completed");
    c.expect(reloaded->version >= 3, "saved once per step it moved through (version " + std::to_string(reloaded->version) + ")");
  }

  auto [by_corr_ec, correlated] = co_await fresh.async_find_by_correlation(id, asio::as_tuple(asio::use_awaitable));
  c.expect(!by_corr_ec && correlated.size() == 1 && correlated.front().saga_id == saga_id,
           "found by correlation id " + id);

  auto [count_ec, counts] = co_await fresh.async_count_by_status(std::string(fulfilment_saga_type),
                                                                 asio::as_tuple(asio::use_awaitable));
  c.expect(!count_ec, "counted sagas per status");
  std::cout << "    Sagas by status (" << counts.total << " in all):";
  for (const auto& [status, n] : counts.by_status) std::cout << ' ' << mp::to_string(status) << '=' << n;
  std::cout << '\n';
  c.expect(counts.total >= 1, "the count includes this saga");

  // Let the saga finish: the customer receives the order.
  complete_order complete;
  complete.order_id = id;
  co_await send(ctx, c, complete);
  co_return c.failed;
}

}  // namespace ecommerce
