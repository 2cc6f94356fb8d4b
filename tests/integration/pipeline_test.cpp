#include "async_test.hpp"

#include <mink/persistence/pg_error.hpp>

using namespace mink::test;
using namespace mink::persistence;

BOOST_AUTO_TEST_SUITE(pipeline)

BOOST_AUTO_TEST_CASE(many_statements_in_one_round_trip) {
  pool_fixture f;
  f.run([&]() -> asio::awaitable<void> {
    co_await admin_query(f.pool, "CREATE TABLE IF NOT EXISTS pipe_rows (n int primary key)");
    co_await admin_query(f.pool, "DELETE FROM pipe_rows");
    auto [e0, c] = co_await f.pool.async_acquire(tuple_awaitable);
    BOOST_REQUIRE(!e0);
    const statement insert("INSERT INTO pipe_rows (n) VALUES ($1) RETURNING n");
    mink::persistence::pipeline batch;
    for (int i = 0; i < 500; ++i) batch.add(insert, query_params(i));
    batch.add("SELECT count(*) FROM pipe_rows");
    auto [ec, results] = co_await c.async_pipeline(std::move(batch), tuple_awaitable);
    BOOST_REQUIRE(!ec);
    BOOST_REQUIRE_EQUAL(results.size(), 501u);
    BOOST_TEST(results[499].get<std::int32_t>(0, 0).value() == 499);
    BOOST_TEST(results[500].get<std::int64_t>(0, 0).value() == 500);
    // The connection is back in normal mode afterwards.
    auto [e2, r] = co_await c.async_query("SELECT 2", {}, tuple_awaitable);
    BOOST_TEST(!e2);
  });
}

BOOST_AUTO_TEST_CASE(a_failure_aborts_the_rest_and_commits_nothing) {
  pool_fixture f;
  f.run([&]() -> asio::awaitable<void> {
    co_await admin_query(f.pool, "CREATE TABLE IF NOT EXISTS pipe_fail (n int primary key)");
    co_await admin_query(f.pool, "DELETE FROM pipe_fail");
    auto [e0, c] = co_await f.pool.async_acquire(tuple_awaitable);
    BOOST_REQUIRE(!e0);
    mink::persistence::pipeline batch;
    batch.add("INSERT INTO pipe_fail VALUES (1)");
    batch.add("INSERT INTO pipe_fail VALUES (1)");  // duplicate key
    batch.add("INSERT INTO pipe_fail VALUES (2)");
    auto [ec, results] = co_await c.async_pipeline(std::move(batch), tuple_awaitable);
    BOOST_TEST((ec == condition::unique_violation));
    BOOST_REQUIRE_EQUAL(results.size(), 3u);
    BOOST_TEST(results[1].diag().sqlstate == "23505");
    auto count = co_await admin_query(f.pool, "SELECT count(*) FROM pipe_fail");
    BOOST_TEST(count.get<std::int64_t>(0, 0).value() == 0);  // one implicit transaction
    auto [e2, r] = co_await c.async_query("SELECT 1", {}, tuple_awaitable);
    BOOST_TEST(!e2);
  });
}

BOOST_AUTO_TEST_SUITE_END()
