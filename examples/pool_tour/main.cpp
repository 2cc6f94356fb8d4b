// mink-pool-tour: the connection pool through each completion style, a transaction, a pipeline and
// a notification. The snippets in docs/library-guide.md are taken from this file.
//
//   mink-pool-tour CONNECTION_STRING
//
// scripts/run-main.sh prints a connection string for its embedded server; any PostgreSQL 15 works.

#include <mink/persistence/connection_pool.hpp>
#include <mink/persistence/notification_listener.hpp>
#include <mink/persistence/pg_error.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>

#include <iostream>
#include <thread>

namespace asio = boost::asio;
using namespace mink::persistence;
using boost::system::error_code;

// [callback]
void with_a_callback(connection_pool& pool) {
  pool.async_query("SELECT $1::int + 1", query_params(41), [](error_code ec, query_result r) {
    if (ec) {
      std::cerr << "failed: " << ec.message() << ": " << r.diag().message << '\n';
      return;
    }
    std::cout << "callback: " << r.get<std::int32_t>(0, 0).value() << '\n';
  });
}
// [callback]

// [awaitable]
asio::awaitable<void> with_coroutines(connection_pool& pool) {
  // as_tuple: errors come back as values instead of exceptions.
  auto [ec, conn] = co_await pool.async_acquire(asio::as_tuple(asio::use_awaitable));
  if (ec) co_return;
  co_await conn.async_query("CREATE TABLE IF NOT EXISTS tour (k text PRIMARY KEY)", {}, asio::use_awaitable);

  // A transaction on the leased connection.
  co_await conn.async_begin(asio::use_awaitable);
  co_await conn.async_query("INSERT INTO tour VALUES ($1) ON CONFLICT DO NOTHING", query_params("a"),
                            asio::use_awaitable);
  co_await conn.async_commit(asio::use_awaitable);

  // A prepared statement: prepared once per connection, then executed by name.
  const statement insert("INSERT INTO tour VALUES ($1)");
  auto [dup, r] = co_await conn.async_execute(insert, query_params("a"), asio::as_tuple(asio::use_awaitable));
  if (dup == condition::unique_violation) std::cout << "awaitable: duplicate rejected by " << r.diag().constraint << '\n';

  // A pipeline: many statements, one round trip, one implicit transaction.
  pipeline batch;
  for (int i = 0; i < 10; ++i) batch.add("INSERT INTO tour VALUES ($1) ON CONFLICT DO NOTHING", query_params("p" + std::to_string(i)));
  auto results = co_await conn.async_pipeline(std::move(batch), asio::use_awaitable);
  std::cout << "awaitable: pipeline ran " << results.size() << " statements\n";
}  // conn returns to the pool here
// [awaitable]

// [future]
void with_a_future(connection_pool& pool) {
  // The io_context runs on another thread: use_future blocks this one, never an io_context thread.
  std::future<query_result> f = pool.async_query("SELECT count(*) FROM tour", {}, asio::use_future);
  std::cout << "future: " << f.get().get<std::int64_t>(0, 0).value() << " rows\n";
}
// [future]

// [listener]
asio::awaitable<void> listen_once(notification_listener& listener, connection_pool& pool) {
  auto first = co_await listener.async_receive(asio::use_awaitable);  // kind::resync: catch up now
  std::cout << "listener: " << (first.what == notification::kind::resync ? "resync" : "message") << '\n';
  co_await pool.async_query("SELECT pg_notify('tour', 'hello')", {}, asio::use_awaitable);
  auto n = co_await listener.async_receive(asio::use_awaitable);
  std::cout << "listener: " << n.channel << " says " << n.payload << '\n';
}
// [listener]

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: mink-pool-tour CONNECTION_STRING\n";
    return 2;
  }
  // [setup]
  asio::io_context ioc;
  pool_params params;
  params.connection_string = argv[1];
  params.max_size = 4;
  connection_pool pool(ioc.get_executor(), params);
  pool.async_run([](error_code ec) {
    if (ec) std::cerr << "pool: " << ec.message() << '\n';
  });
  // [setup]

  // The io_context runs on its own thread; this thread waits on futures.
  auto guard = asio::make_work_guard(ioc);
  std::thread runner([&] { ioc.run(); });

  with_a_callback(pool);
  bool failed = false;
  try {
    asio::co_spawn(ioc, with_coroutines(pool), asio::use_future).get();
  } catch (const std::exception& e) {
    std::cerr << "failed: " << e.what() << '\n';
    failed = true;
  }
  with_a_future(pool);

  listener_params lp;
  lp.connection_string = argv[1];
  lp.channels = {"tour"};
  notification_listener listener(ioc.get_executor(), lp);
  listener.async_run([](error_code) {});
  std::future<void> heard = asio::co_spawn(ioc, listen_once(listener, pool), asio::use_future);
  try {
    heard.get();
  } catch (const std::exception& e) {
    std::cerr << "listener failed: " << e.what() << '\n';
    failed = true;
  }
  listener.cancel();
  pool.cancel();
  guard.reset();
  runner.join();
  return failed ? 1 : 0;
}
