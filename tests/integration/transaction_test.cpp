#include "async_test.hpp"

#include <mink/persistence/pg_error.hpp>

using namespace mink::test;
using namespace mink::persistence;

BOOST_AUTO_TEST_SUITE(transaction)

BOOST_AUTO_TEST_CASE(rollback_leaves_nothing_and_commit_keeps_everything) {
  pool_fixture f;
  f.run([&]() -> asio::awaitable<void> {
    co_await admin_query(f.pool, "CREATE TABLE IF NOT EXISTS tx_items (k text primary key)");
    co_await admin_query(f.pool, "DELETE FROM tx_items");
    auto [e0, c] = co_await f.pool.async_acquire(tuple_awaitable);
    BOOST_REQUIRE(!e0);

    BOOST_REQUIRE(!std::get<0>(co_await c.async_begin(tuple_awaitable)));
    BOOST_TEST(c.in_transaction());
    co_await c.async_query("INSERT INTO tx_items VALUES ('rolled-back-1'), ('rolled-back-2')", {}, tuple_awaitable);
    BOOST_REQUIRE(!std::get<0>(co_await c.async_rollback(tuple_awaitable)));
    BOOST_TEST(!c.in_transaction());

    BOOST_REQUIRE(!std::get<0>(co_await c.async_begin(tuple_awaitable)));
    co_await c.async_query("INSERT INTO tx_items VALUES ('kept')", {}, tuple_awaitable);
    BOOST_REQUIRE(!std::get<0>(co_await c.async_commit(tuple_awaitable)));

    auto r = co_await admin_query(f.pool, "SELECT string_agg(k, ',') FROM tx_items");
    BOOST_TEST(r.get<std::string>(0, 0).value() == "kept");
  });
}

BOOST_AUTO_TEST_CASE(a_failed_statement_aborts_the_transaction_until_rollback) {
  pool_fixture f;
  f.run([&]() -> asio::awaitable<void> {
    auto [e0, c] = co_await f.pool.async_acquire(tuple_awaitable);
    BOOST_REQUIRE(!e0);
    co_await c.async_begin(tuple_awaitable);
    auto [bad, r1] = co_await c.async_query("SELECT 1/0", {}, tuple_awaitable);
    BOOST_TEST(sqlstate_of(bad) == "22012");
    auto [blocked, r2] = co_await c.async_query("SELECT 1", {}, tuple_awaitable);
    BOOST_TEST(sqlstate_of(blocked) == "25P02");  // in_failed_sql_transaction
    BOOST_TEST(c.in_transaction());
    BOOST_REQUIRE(!std::get<0>(co_await c.async_rollback(tuple_awaitable)));
    auto [fine, r3] = co_await c.async_query("SELECT 1", {}, tuple_awaitable);
    BOOST_TEST(!fine);
  });
}

BOOST_AUTO_TEST_CASE(a_handle_dropped_mid_transaction_is_rolled_back_before_reuse) {
  pool_fixture f(default_pool_params(1));  // one connection: the next lessee gets the same one
  f.run([&]() -> asio::awaitable<void> {
    co_await admin_query(f.pool, "CREATE TABLE IF NOT EXISTS tx_dropped (k text)");
    co_await admin_query(f.pool, "DELETE FROM tx_dropped");
    int first_pid = 0;
    {
      auto [e0, c] = co_await f.pool.async_acquire(tuple_awaitable);
      BOOST_REQUIRE(!e0);
      first_pid = c.backend_pid();
      co_await c.async_begin(tuple_awaitable);
      co_await c.async_query("INSERT INTO tx_dropped VALUES ('never committed')", {}, tuple_awaitable);
      co_await c.async_query("LOCK TABLE tx_dropped IN ACCESS EXCLUSIVE MODE", {}, tuple_awaitable);
    }  // dropped here, inside the transaction
    auto [e1, c2] = co_await f.pool.async_acquire(tuple_awaitable);
    BOOST_REQUIRE(!e1);
    BOOST_TEST(c2.backend_pid() == first_pid);
    BOOST_TEST(!c2.in_transaction());
    auto [ec, r] = co_await c2.async_query("SELECT count(*) FROM tx_dropped", {}, tuple_awaitable);
    BOOST_REQUIRE(!ec);
    BOOST_TEST(r.get<std::int64_t>(0, 0).value() == 0);
  });
}

BOOST_AUTO_TEST_SUITE_END()
