// Commit to read-model visibility under a steady load of commands.
#include "proj_phases.hpp"

#include "append_phase.hpp"
#include "bench_support.hpp"
#include "pool_run.hpp"

#include <ecommerce/app/order_system.hpp>

#include <mink/persistence/connection_pool.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <memory>
#include <stdexcept>
#include <vector>

#include <unistd.h>

namespace mink::bench {

namespace {

namespace asio = boost::asio;
namespace mp = mink::persistence;
using boost::system::error_code;
constexpr auto tuple_awaitable = asio::as_tuple(asio::use_awaitable);

struct shared_counts {
  clock::time_point measure_from, until;
  std::uint64_t commands = 0, errors = 0;
  std::string first_error;
  std::vector<std::int64_t> delays_ns;
};

// Waits for the read model to reach `position` and records how long that took after the ack.
asio::awaitable<void> measure_visibility(ecommerce::order_system& system, std::int64_t position,
                                         clock::time_point acked, std::shared_ptr<shared_counts> counts) {
  auto [ec] = co_await system.async_wait_for_read_model(position, tuple_awaitable);
  if (ec == asio::error::operation_aborted) co_return;  // the system stopped at the end of the run
  if (ec) {
    if (counts->first_error.empty()) counts->first_error = "visibility: " + ec.message();
    ++counts->errors;
    co_return;
  }
  if (acked >= counts->measure_from) counts->delays_ns.push_back((clock::now() - acked).count());
}

template <class Command>
asio::awaitable<void> command(ecommerce::order_system& system, Command c, std::shared_ptr<shared_counts> counts) {
  mink::dispatch_options none;
  auto [ec, r] = co_await system.bus().async_dispatch(std::move(c), std::move(none), tuple_awaitable);
  const auto acked = clock::now();
  if (ec || r.positions.empty()) {
    if (counts->first_error.empty()) counts->first_error = ec ? ec.message() : "no position";
    ++counts->errors;
    co_return;
  }
  if (acked >= counts->measure_from) ++counts->commands;
  // Measured alongside, so the caller keeps its pace.
  asio::co_spawn(co_await asio::this_coro::executor, measure_visibility(system, r.positions.back(), acked, counts),
                 asio::detached);
}

asio::awaitable<void> caller(ecommerce::order_system& system, std::size_t index, int pace_ms,
                             std::shared_ptr<shared_counts> counts) {
  asio::steady_timer pace(co_await asio::this_coro::executor);
  auto step = [&]() -> asio::awaitable<void> {
    pace.expires_after(std::chrono::milliseconds(pace_ms));
    co_await pace.async_wait(tuple_awaitable);
  };
  for (std::uint64_t n = 0; clock::now() < counts->until && !stop_requested(); ++n) {
    const std::string id = "V" + std::to_string(index) + "-" + std::to_string(n) + "-" + std::to_string(::getpid());
    ecommerce::create_order create;
    create.order_id = id;
    create.customer_id = "CUST-V";
    co_await command(system, create, counts);
    co_await step();
    ecommerce::add_item item;
    item.order_id = id;
    item.sku = "SKU-1";
    item.name = "Item";
    item.quantity = 2;
    item.price = ecommerce::money::from_cents(1999);
    co_await command(system, item, counts);
    co_await step();
    ecommerce::submit_order submit;
    submit.order_id = id;
    co_await command(system, submit, counts);
    co_await step();
  }
}

}  // namespace

visibility_figures run_visibility(const std::string& conninfo, double seconds, std::size_t callers, int pace_ms) {
  auto counts = std::make_shared<shared_counts>();
  run_with_pool(conninfo, 16, "visibility", [&](mp::connection_pool& pool) -> asio::awaitable<std::string> {
    auto ex = co_await asio::this_coro::executor;
    ecommerce::order_system_params params;
    params.fulfilment = ecommerce::fulfilment_mode::manual;
    ecommerce::order_system system(ex, pool, params);
    auto [start_ec] = co_await system.async_start(tuple_awaitable);
    if (start_ec) co_return "start: " + start_ec.message();
    bool run_done = false;
    system.async_run([&](error_code) { run_done = true; });
    counts->measure_from = clock::now() + warmup_time;
    counts->until = counts->measure_from + to_duration(seconds);
    std::size_t finished = 0;
    for (std::size_t i = 0; i < callers; ++i) {
      asio::co_spawn(ex, caller(system, i, pace_ms, counts), [&](std::exception_ptr) { ++finished; });
    }
    co_await poll_until([&] { return finished == callers; }, std::chrono::hours(24));
    // Let the last visibility waits end (each is bounded by the read-your-writes timeout).
    co_await poll_until([] { return false; }, std::chrono::milliseconds(500));
    system.cancel();
    co_await poll_until([&] { return run_done; }, std::chrono::minutes(1));
    co_return std::string();
  });

  visibility_figures f;
  std::sort(counts->delays_ns.begin(), counts->delays_ns.end());
  f.commands = counts->commands;
  f.samples = counts->delays_ns.size();
  f.errors = counts->errors;
  f.first_error = counts->first_error;
  f.commands_per_s = seconds > 0 ? static_cast<double>(f.commands) / seconds : 0;
  f.p50_ms = percentile_ms(counts->delays_ns, 50);
  f.p99_ms = percentile_ms(counts->delays_ns, 99);
  f.max_ms = counts->delays_ns.empty() ? 0 : static_cast<double>(counts->delays_ns.back()) / 1e6;
  return f;
}

}  // namespace mink::bench
