#include "async_test.hpp"

#include <mink/persistence/pg_error.hpp>

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>

using namespace mink::test;
using namespace mink::persistence;
using mink::errc;

BOOST_AUTO_TEST_SUITE(pool_limits)

BOOST_AUTO_TEST_CASE(acquire_times_out_when_every_connection_is_leased) {
  pool_params p = default_pool_params(2);
  p.acquire_timeout = 300ms;
  pool_fixture f(p);
  f.run([&]() -> asio::awaitable<void> {
    auto [e1, c1] = co_await f.pool.async_acquire(tuple_awaitable);
    auto [e2, c2] = co_await f.pool.async_acquire(tuple_awaitable);
    BOOST_REQUIRE(!e1 && !e2);
    const auto started = std::chrono::steady_clock::now();
    auto [e3, c3] = co_await f.pool.async_acquire(tuple_awaitable);
    const auto waited = std::chrono::steady_clock::now() - started;
    BOOST_TEST(e3 == error_code(errc::acquire_timeout));
    BOOST_TEST(e3.message() == "timed out waiting for a pooled connection");
    BOOST_TEST(!c3.valid());
    BOOST_TEST((waited >= 250ms));
    BOOST_TEST((waited < 5s));
    BOOST_TEST(f.pool.stats().acquire_timeouts == 1u);

    // Returning one lets the next acquisition through.
    c1.release();
    auto [e4, c4] = co_await f.pool.async_acquire(tuple_awaitable);
    BOOST_TEST(!e4);
    BOOST_TEST(c4.valid());
  });
}

BOOST_AUTO_TEST_CASE(beyond_max_pending_fails_immediately) {
  pool_params p = default_pool_params(1);
  p.max_pending = 2;
  p.acquire_timeout = 2s;
  pool_fixture f(p);
  f.run([&]() -> asio::awaitable<void> {
    auto [e1, held] = co_await f.pool.async_acquire(tuple_awaitable);
    BOOST_REQUIRE(!e1);
    int waiting_done = 0;
    std::vector<error_code> waiting_results;
    for (int i = 0; i < 2; ++i) {
      f.pool.async_acquire([&](error_code ec, pooled_connection c) {
        waiting_results.push_back(ec);
        ++waiting_done;
        c.release();
      });
    }
    co_await f.sleep(50ms);  // both are queued now
    BOOST_TEST(f.pool.stats().waiting == 2u);
    const auto started = std::chrono::steady_clock::now();
    auto [e3, c3] = co_await f.pool.async_acquire(tuple_awaitable);
    BOOST_TEST(e3 == error_code(errc::pool_exhausted));
    BOOST_TEST((std::chrono::steady_clock::now() - started < 100ms));
    held.release();  // the queued ones get it in turn
    for (int i = 0; i < 100 && waiting_done < 2; ++i) co_await f.sleep(10ms);
    BOOST_TEST(waiting_done == 2);
    BOOST_TEST((waiting_results == std::vector<error_code>{error_code{}, error_code{}}));
  });
}

BOOST_AUTO_TEST_CASE(an_acquisition_can_be_cancelled) {
  pool_fixture f(default_pool_params(1));
  f.run([&]() -> asio::awaitable<void> {
    auto [e1, held] = co_await f.pool.async_acquire(tuple_awaitable);
    BOOST_REQUIRE(!e1);
    asio::cancellation_signal signal;
    std::optional<error_code> result;
    f.pool.async_acquire(asio::bind_cancellation_slot(signal.slot(), [&](error_code ec, pooled_connection) { result = ec; }));
    co_await f.sleep(20ms);
    BOOST_TEST(!result.has_value());
    signal.emit(asio::cancellation_type::terminal);
    for (int i = 0; i < 100 && !result; ++i) co_await f.sleep(5ms);
    BOOST_REQUIRE(result.has_value());
    BOOST_TEST(*result == error_code(asio::error::operation_aborted));
    BOOST_TEST(f.pool.stats().waiting == 0u);
  });
}

BOOST_AUTO_TEST_CASE(cancel_fails_waiters_and_later_acquisitions) {
  pool_fixture f(default_pool_params(1));
  f.run([&]() -> asio::awaitable<void> {
    auto [e1, held] = co_await f.pool.async_acquire(tuple_awaitable);
    BOOST_REQUIRE(!e1);
    std::optional<error_code> waiter;
    f.pool.async_acquire([&](error_code ec, pooled_connection) { waiter = ec; });
    co_await f.sleep(20ms);
    f.pool.cancel();
    for (int i = 0; i < 100 && !waiter; ++i) co_await f.sleep(5ms);
    BOOST_TEST((waiter == error_code(errc::pool_not_running)));
    auto [e2, c2] = co_await f.pool.async_acquire(tuple_awaitable);
    BOOST_TEST(e2 == error_code(errc::pool_not_running));
    held.release();  // closed, not recycled
    BOOST_TEST(f.pool.stats().idle == 0u);
  });
}

BOOST_AUTO_TEST_CASE(an_invalid_connection_string_is_reported) {
  asio::io_context ioc;
  pool_params p;
  p.connection_string = "host=/tmp bogus_key=1";
  connection_pool pool(ioc.get_executor(), p);
  std::optional<error_code> run_result, acquire_result;
  pool.async_run([&](error_code ec) { run_result = ec; });
  pool.async_acquire([&](error_code ec, pooled_connection) { acquire_result = ec; });
  ioc.run_for(5s);
  BOOST_TEST((run_result == error_code(client_errc::invalid_connection_string)));
  BOOST_TEST((acquire_result == error_code(client_errc::invalid_connection_string)));
}

BOOST_AUTO_TEST_CASE(an_unreachable_server_times_out_with_the_reason) {
  asio::io_context ioc;
  pool_params p;
  p.connection_string = "host=/nonexistent-mink-socket-dir port=1 dbname=x";
  p.acquire_timeout = 500ms;
  connection_pool pool(ioc.get_executor(), p);
  bool run_done = false;
  std::optional<error_code> acquire_result;
  pool.async_run([&](error_code) { run_done = true; });
  pool.async_acquire([&](error_code ec, pooled_connection) {
    acquire_result = ec;
    pool.cancel();
  });
  run_until(ioc, run_done, 10s);
  BOOST_TEST((acquire_result == error_code(errc::acquire_timeout)));
  const auto s = pool.stats();
  BOOST_TEST(s.connect_failures >= 1u);
  BOOST_TEST((s.last_connect_error == condition::connection_error));
  BOOST_TEST(s.last_connect_message.find("nonexistent-mink-socket-dir") != std::string::npos, s.last_connect_message);
}

BOOST_AUTO_TEST_CASE(operations_on_an_empty_handle_fail_cleanly) {
  pool_fixture f;
  f.run([&]() -> asio::awaitable<void> {
    pooled_connection empty;
    auto [ec, r] = co_await empty.async_query("SELECT 1", {}, tuple_awaitable);
    BOOST_TEST(ec == error_code(errc::not_leased));
    auto [e1, c] = co_await f.pool.async_acquire(tuple_awaitable);
    BOOST_REQUIRE(!e1);
    // Two operations at once on one handle: the second is refused, the first unaffected.
    std::optional<error_code> first;
    c.async_query("SELECT pg_sleep(0.05)", {}, [&](error_code e, query_result) { first = e; });
    auto [second, r2] = co_await c.async_query("SELECT 1", {}, tuple_awaitable);
    BOOST_TEST(second == error_code(errc::operation_in_progress));
    for (int i = 0; i < 200 && !first; ++i) co_await f.sleep(5ms);
    BOOST_TEST((first == error_code{}));
  });
}

BOOST_AUTO_TEST_SUITE_END()
