// mink-ecommerce: the order-fulfilment example. Runs its scenarios against a PostgreSQL (a private
// embedded one by default), printing what it does, and exits non-zero when any check fails.
//
//   mink-ecommerce [--database-url URL] [--data-dir DIR]

#include "scenarios.hpp"

#include <example/database.hpp>

#include <mink/persistence/connection_pool.hpp>
#include <mink/persistence/pg_event_store.hpp>
#include <mink/persistence/pg_idempotency_store.hpp>
#include <mink/persistence/pg_snapshot_store.hpp>
#include <mink/persistence/schema.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <iostream>

namespace asio = boost::asio;
namespace mp = mink::persistence;

namespace {

asio::awaitable<int> run_scenarios(mp::connection_pool& pool) {
  auto [migrate_ec, schema_version] = co_await mp::async_migrate(pool, asio::as_tuple(asio::use_awaitable));
  if (migrate_ec) {
    std::cerr << "migrating the schema: " << migrate_ec.message() << '\n';
    pool.cancel();
    co_return 1;
  }
  std::cout << "schema at version " << schema_version << '\n';
  auto ex = co_await asio::this_coro::executor;
  mp::pg_event_store events(pool);
  mp::pg_snapshot_store snapshots(pool);
  mp::pg_idempotency_store idempotency(pool);
  int failed = 0;
  {
    ecommerce::order_service service(ex, events, &snapshots, idempotency);
    ecommerce::scenario_context ctx{service, events};
    failed += co_await ecommerce::happy_path(ctx);
    failed += co_await ecommerce::idempotent_create(ctx);
    failed += co_await ecommerce::optimistic_concurrency(ctx);
    auto [ignored] = co_await service.async_shutdown(asio::as_tuple(asio::use_awaitable));
    (void)ignored;
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
