// The `pipeline` phase: orders placed through ecommerce::order_service, the whole command path of
// a mink application (bus, standard middleware, idempotency records, order actors, the PostgreSQL
// event and snapshot stores), from many concurrent callers.
#include "cb_phases.hpp"
#include "store_session.hpp"

#include <ecommerce/app/order_service.hpp>
#include <ecommerce/domain/commands.hpp>
#include <ecommerce/domain/money.hpp>

#include <mink/actors/aggregate_router.hpp>
#include <mink/messaging/command_bus.hpp>
#include <mink/persistence/pg_idempotency_store.hpp>
#include <mink/persistence/pg_snapshot_store.hpp>
#include <mink/persistence/schema.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <memory>
#include <string_view>
#include <utility>

namespace mink::bench {
namespace {

namespace asio = boost::asio;
using boost::system::error_code;

constexpr auto tuple_awaitable = asio::as_tuple(asio::use_awaitable);

/// What the callers of one timed run count besides run_state's ops (successful commands) and
/// latencies (every command, failed ones too).
struct pipeline_counters {
  std::uint64_t orders = 0;
  std::uint64_t errors = 0;
  std::string first_error;
  std::array<std::int64_t, commands_per_order> latency_sum_ns{};
  std::array<std::uint64_t, commands_per_order> count_by_step{};
};

/// The stores and the order side on one pool: ecommerce::order_service (the standard pipeline),
/// or, for the breakdown, a bus with no middleware in front of the same order actors. Members are
/// destroyed in reverse: the order side before the stores it uses, the session (pool, event
/// store) last.
struct pipeline_rig {
  pipeline_rig(const std::string& conninfo, pipeline_kind kind)
      : session(conninfo, pipeline_pool_size), snapshots(session.pool()), idempotency(session.pool()) {
    auto ex = session.pool().get_executor();
    if (kind == pipeline_kind::standard) {
      service = std::make_unique<ecommerce::order_service>(ex, session.store(), &snapshots, idempotency);
      return;
    }
    actors::aggregate_services services;
    services.events = &session.store();
    services.snapshots = &snapshots;
    bare_bus = std::make_unique<command_bus>(ex);
    const actors::registry_params registry;  // as order_service has them
    bare_orders = std::make_unique<actors::aggregate_router<ecommerce::order>>(
        ex, services, registry, ecommerce::order_service_params::default_aggregate());
    if (const auto ec = bare_orders->route<ecommerce::create_order, ecommerce::add_item, ecommerce::submit_order>(*bare_bus))
      fail("routing the order commands", ec);
  }
  // Callers abandoned after a failure may still be inside the order side: let them finish first.
  ~pipeline_rig() { session.drain(); }

  command_bus& bus() { return service ? service->bus() : *bare_bus; }
  actors::aggregate_router<ecommerce::order>& orders() { return service ? service->orders() : *bare_orders; }

  store_session session;
  persistence::pg_snapshot_store snapshots;
  persistence::pg_idempotency_store idempotency;
  std::unique_ptr<ecommerce::order_service> service;
  std::unique_ptr<command_bus> bare_bus;
  std::unique_ptr<actors::aggregate_router<ecommerce::order>> bare_orders;
};

// Ordinary functions: commands built outside the coroutines.
ecommerce::create_order make_create(const std::string& id) {
  ecommerce::create_order c;
  c.order_id = id;
  c.customer_id = "customer-" + std::to_string(id.size() * 31 % 997);
  return c;
}

ecommerce::add_item make_item(const std::string& id, std::size_t n) {
  ecommerce::add_item a;
  a.order_id = id;
  a.sku = "SKU-" + std::to_string(1000 + n);
  a.name = "Bench item " + std::to_string(n);
  a.quantity = static_cast<int>(n) + 1;
  a.price = ecommerce::money::from_cents(1999 + static_cast<std::int64_t>(n) * 100);
  return a;
}

ecommerce::submit_order make_submit(const std::string& id) {
  ecommerce::submit_order s;
  s.order_id = id;
  return s;
}

void record(run_state& st, pipeline_counters& c, std::size_t step, std::string_view type, clock::duration latency,
            error_code ec, const dispatch_result& r) {
  const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(latency).count();
  st.latencies_ns.push_back(ns);
  c.latency_sum_ns[step] += ns;
  ++c.count_by_step[step];
  if (!ec) {
    ++st.ops;
    return;
  }
  if (c.errors++ == 0)
    c.first_error = std::string(type) + ": " + ec.message() + (r.error_message.empty() ? "" : " (" + r.error_message + ")");
}

/// Dispatches one command, times it and counts its outcome; true when it succeeded.
template <class Command>
asio::awaitable<bool> send(command_bus& bus, run_state& st, pipeline_counters& c, std::size_t step,
                           Command command) {
  dispatch_options options;  // a fresh command id (the idempotency key) per command
  const auto t0 = clock::now();
  auto [ec, r] = co_await bus.async_dispatch(std::move(command), std::move(options), tuple_awaitable);
  const auto t1 = clock::now();
  record(st, c, step, Command::type_name, t1 - t0, ec, r);
  co_return !ec;
}

// One caller: orders one after another, each a fresh id, one command at a time. An order whose
// command fails is abandoned (its later commands would fail for the same reason).
asio::awaitable<void> order_caller(command_bus& bus, state_ptr st,
                                   std::shared_ptr<pipeline_counters> c, std::string prefix,
                                   std::shared_ptr<std::uint64_t> seq) {
  while (st->more()) {
    const std::string id = prefix + std::to_string((*seq)++);
    bool ok = co_await send(bus, *st, *c, 0, make_create(id));
    for (std::size_t i = 1; ok && i <= 3; ++i) ok = co_await send(bus, *st, *c, i, make_item(id, i));
    if (ok) ok = co_await send(bus, *st, *c, 4, make_submit(id));
    if (ok) ++c->orders;
  }
}

asio::awaitable<void> migrate(store_session& s) {
  auto [ec, version] = co_await persistence::async_migrate(s.pool(), tuple_awaitable);
  if (ec) fail("async_migrate", ec, last_connect_failure(s.pool()));
}

asio::awaitable<void> shut_down(actors::aggregate_router<ecommerce::order>& orders) {
  auto [ignored] = co_await orders.async_shutdown(tuple_awaitable);  // always succeeds
  (void)ignored;
}

struct one_run {
  timed_outcome outcome;
  std::shared_ptr<pipeline_counters> counters;
};

one_run run_once(pipeline_rig& rig, std::size_t callers, clock::duration d, const std::string& prefix,
                 const std::shared_ptr<std::uint64_t>& seq, const server_cpu* server) {
  one_run out;
  out.counters = std::make_shared<pipeline_counters>();
  auto make = [&rig, &prefix, &seq, c = out.counters](state_ptr st, std::size_t) {
    return order_caller(rig.bus(), std::move(st), c, prefix, seq);
  };
  out.outcome = rig.session.timed_run("pipeline", callers, d, make, server);
  return out;
}

}  // namespace

void migrate_schema(const std::string& conninfo) {
  store_session session(conninfo, 2);
  auto make = [&session](state_ptr, std::size_t) { return migrate(session); };
  session.timed_run("migrate", 1, clock::duration::zero(), make);
}

pipeline_figures run_pipeline(const phase_env& env, const std::string& prefix, std::size_t callers,
                              pipeline_kind kind) {
  auto seq = std::make_shared<std::uint64_t>(0);  // shared by the callers: order ids never repeat
  pipeline_rig rig(env.conninfo, kind);
  const one_run warm = run_once(rig, callers, warmup_time, prefix, seq, nullptr);
  const one_run measured = run_once(rig, callers, env.measure, prefix, seq, env.server);

  pipeline_figures out;
  out.actor_stats = rig.orders().registry().stats();
  auto shutdown = [&rig](state_ptr, std::size_t) { return shut_down(rig.orders()); };
  rig.session.timed_run("pipeline shutdown", 1, clock::duration::zero(), shutdown);

  const auto& c = *measured.counters;
  out.run = figures(measured.outcome);
  out.orders = c.orders;
  out.errors = warm.counters->errors + c.errors;
  out.first_error = warm.counters->errors > 0 ? warm.counters->first_error : c.first_error;
  out.succeeded_total = warm.outcome.state->ops + measured.outcome.state->ops;
  auto& lat = measured.outcome.state->latencies_ns;
  std::sort(lat.begin(), lat.end());
  out.p50_ms = percentile_ms(lat, 50);
  out.p99_ms = percentile_ms(lat, 99);
  out.max_ms = lat.empty() ? 0.0 : static_cast<double>(lat.back()) / 1e6;
  for (std::size_t i = 0; i < commands_per_order; ++i)
    out.mean_ms_by_step[i] =
        c.count_by_step[i] > 0 ? static_cast<double>(c.latency_sum_ns[i]) / 1e6 / static_cast<double>(c.count_by_step[i])
                               : 0.0;
  return out;
}

}  // namespace mink::bench
