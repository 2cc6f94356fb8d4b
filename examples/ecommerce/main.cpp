// mink-ecommerce: the order-fulfilment example. Runs its scenarios against a PostgreSQL (a private
// embedded one by default), printing what it does, and exits non-zero when any check fails.
//
//   mink-ecommerce [--database-url URL] [--data-dir DIR]

#include "scenarios.hpp"

#include <example/database.hpp>

#include <mink/persistence/connection_pool.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <iostream>

namespace asio = boost::asio;
namespace mp = mink::persistence;

namespace {

asio::awaitable<int> run_scenarios(mp::connection_pool& pool) {
  auto ex = co_await asio::this_coro::executor;
  ecommerce::order_system system(ex, pool);
  auto [start_ec] = co_await system.async_start(asio::as_tuple(asio::use_awaitable));
  if (start_ec) {
    std::cerr << "starting the system: " << start_ec.message() << '\n';
    pool.cancel();
    co_return 1;
  }
  bool run_done = false;
  boost::system::error_code run_ec;
  system.async_run([&](boost::system::error_code ec) {
    run_ec = ec;
    run_done = true;
  });

  ecommerce::scenario_context ctx{system, system.events()};
  int failed = 0;
  failed += co_await ecommerce::happy_path(ctx);
  failed += co_await ecommerce::saga_persistence(ctx, pool);
  failed += co_await ecommerce::idempotent_create(ctx);
  failed += co_await ecommerce::optimistic_concurrency(ctx);

  system.cancel();
  asio::steady_timer wait(ex);
  for (int i = 0; i < 1000 && !run_done; ++i) {  // bounded: 20 s
    wait.expires_after(std::chrono::milliseconds(20));
    co_await wait.async_wait(asio::as_tuple(asio::use_awaitable));
  }
  if (!run_done || run_ec) {
    std::cerr << "stopping the system: " << (run_done ? run_ec.message() : std::string("timed out")) << '\n';
    ++failed;
  }
  pool.cancel();
  co_return failed;
}

}  // namespace

int main(int argc, char** argv) {
  example::database_options opts;
  if (!example::take_database_options(argc, argv, opts) || argc > 1) {
    std::cerr << "usage: mink-ecommerce [--database-url URL] [--data-dir DIR]\n";
    return 2;
  }
  example::database db;
  if (!db.open(opts)) return 1;

  const int failed = example::run_with_pool(db.url(), "scenarios", run_scenarios);
  if (failed == 0) std::cout << "\nall scenarios passed\n";
  else std::cout << "\nFAILED: " << (failed < 0 ? std::string("error") : std::to_string(failed) + " check(s)") << '\n';
  return failed == 0 ? 0 : 1;
}
