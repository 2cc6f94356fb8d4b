// The pool survives terminated backends and server restarts with no manual step.
#include "async_test.hpp"

#include <mink/persistence/pg_error.hpp>

#include <atomic>
#include <thread>

using namespace mink::test;
using namespace mink::persistence;
using mink::errc;

namespace {

pool_params victim_params(const std::string& name, std::size_t size) {
  pool_params p = default_pool_params(size);
  p.connection_string += " application_name=" + name;
  p.min_size = size;
  p.health_check_interval = 100ms;
  return p;
}

// Kills every backend of `name` from a separate pool.
asio::awaitable<std::int64_t> terminate_backends(connection_pool& admin, const std::string& name) {
  auto r = co_await admin_query(admin,
                                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                                "WHERE application_name = $1 AND pid <> pg_backend_pid()",
                                query_params(name));
  co_return r.get<std::int64_t>(0, 0).value();
}

// Runs `SELECT 1` until it succeeds; every failure on the way must be a connection error.
asio::awaitable<int> query_until_success(pool_fixture& f, std::chrono::steady_clock::duration limit) {
  const auto until = std::chrono::steady_clock::now() + limit;
  int failures = 0;
  while (std::chrono::steady_clock::now() < until) {
    auto [ec, r] = co_await f.pool.async_query("SELECT 1", {}, tuple_awaitable);
    if (!ec) co_return failures;
    BOOST_TEST_INFO("failure: " << ec.message() << " / " << r.diag().message);
    BOOST_TEST((ec == condition::connection_error || ec == errc::acquire_timeout));
    ++failures;
    co_await f.sleep(20ms);
  }
  BOOST_FAIL("no success before the limit");
  co_return failures;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(pool_recovery)

BOOST_AUTO_TEST_CASE(terminated_idle_backends_are_replaced) {
  pool_fixture f(victim_params("victim_idle", 4));
  pool_fixture admin(default_pool_params(1));
  f.run([&]() -> asio::awaitable<void> {
    // Warm up all four connections.
    std::vector<pooled_connection> held;
    for (int i = 0; i < 4; ++i) {
      auto [ec, c] = co_await f.pool.async_acquire(tuple_awaitable);
      BOOST_REQUIRE(!ec);
      held.push_back(std::move(c));
    }
    held.clear();
    co_return;
  });
  admin.run([&]() -> asio::awaitable<void> {
    BOOST_TEST(co_await terminate_backends(admin.pool, "victim_idle") == 4);
  });
  f.run([&]() -> asio::awaitable<void> {
    co_await query_until_success(f, 10s);
    // Then everything works: 50 queries in a row.
    for (int i = 0; i < 50; ++i) {
      auto [ec, r] = co_await f.pool.async_query("SELECT $1::int", query_params(i), tuple_awaitable);
      BOOST_REQUIRE_MESSAGE(!ec, ec.message());
    }
    BOOST_TEST(f.pool.stats().discarded >= 1u);
  });
}

BOOST_AUTO_TEST_CASE(a_query_in_flight_fails_promptly_when_its_backend_dies) {
  pool_fixture f(victim_params("victim_busy", 1));
  pool_fixture admin(default_pool_params(1));
  std::optional<error_code> result;
  std::chrono::steady_clock::time_point finished;
  f.run([&]() -> asio::awaitable<void> {
    auto [ec, c] = co_await f.pool.async_acquire(tuple_awaitable);
    BOOST_REQUIRE(!ec);
    c.async_query("SELECT pg_sleep(30)", {}, [&](error_code e, query_result) {
      result = e;
      finished = std::chrono::steady_clock::now();
    });
    c.release();  // dropping the handle mid-query is allowed
    co_return;
  });
  const auto killed_at = std::chrono::steady_clock::now();
  admin.run([&]() -> asio::awaitable<void> {
    co_await admin.sleep(100ms);
    BOOST_TEST(co_await terminate_backends(admin.pool, "victim_busy") == 1);
  });
  bool done = false;
  f.run([&]() -> asio::awaitable<void> {
    for (int i = 0; i < 500 && !result; ++i) co_await f.sleep(10ms);
    done = true;
  });
  BOOST_REQUIRE(done);
  BOOST_REQUIRE(result.has_value());
  BOOST_TEST((*result == condition::connection_error), result->message());
  BOOST_TEST((finished - killed_at < 5s));
  f.run([&]() -> asio::awaitable<void> { BOOST_TEST(co_await query_until_success(f, 10s) <= 1); });
}

BOOST_AUTO_TEST_CASE(the_pool_recovers_from_a_server_restart) {
  if (!server().embedded()) return;  // an external server cannot be restarted from here
  pool_params p = victim_params("victim_restart", 4);
  p.acquire_timeout = 20s;
  pool_fixture f(p);
  f.run([&]() -> asio::awaitable<void> { co_await query_until_success(f, 10s); });

  // A load of queries runs while the server goes down and comes back.
  int ok_before = 0, ok_after = 0, connection_failures = 0, other_failures = 0;
  std::atomic<bool> restarted{false};
  std::string other;
  auto load = [&]() -> asio::awaitable<void> {
    for (int i = 0; i < 400; ++i) {
      auto [ec, r] = co_await f.pool.async_query("SELECT 1", {}, tuple_awaitable);
      if (!ec) {
        (restarted ? ok_after : ok_before)++;
      } else if (ec == condition::connection_error) {
        ++connection_failures;
      } else {
        ++other_failures;
        other = ec.message() + " " + r.diag().message;
      }
      co_await f.sleep(5ms);
    }
  };
  std::atomic<int> loads_done{0};
  for (int i = 0; i < 4; ++i) {
    asio::co_spawn(f.ioc, load(), [&](std::exception_ptr) { ++loads_done; });
  }
  // The pool runs on its own thread while this one restarts the server: embedded_postgres is
  // blocking, and its server must be started from a thread that outlives it.
  std::thread io([&] {
    const auto until = std::chrono::steady_clock::now() + 90s;
    while (loads_done < 4 && std::chrono::steady_clock::now() < until) f.ioc.run_one_for(100ms);
  });
  std::this_thread::sleep_for(300ms);
  const auto stop_ec = server().postgres().stop();
  std::this_thread::sleep_for(500ms);
  const auto start_ec = server().postgres().start();
  restarted = true;
  io.join();
  BOOST_TEST(!stop_ec);
  BOOST_TEST(!start_ec, server().postgres().error_message());
  BOOST_REQUIRE_EQUAL(loads_done.load(), 4);
  BOOST_TEST(ok_before > 0);
  BOOST_TEST(ok_after > 0);
  BOOST_TEST(other_failures == 0, other);
  BOOST_TEST_MESSAGE("restart: " << ok_before << " ok before, " << connection_failures
                                 << " connection errors, " << ok_after << " ok after");
}

BOOST_AUTO_TEST_CASE(an_acquisition_waiting_through_an_outage_succeeds_when_the_server_returns) {
  if (!server().embedded()) return;
  pool_params p = victim_params("victim_outage", 1);
  p.min_size = 0;
  p.acquire_timeout = 30s;
  pool_fixture f(p);
  BOOST_REQUIRE(!server().postgres().stop());
  std::optional<error_code> acquired;
  int backend = 0;
  f.pool.async_acquire([&](error_code ec, pooled_connection c) {
    acquired = ec;
    backend = c.backend_pid();
  });
  f.ioc.run_for(500ms);
  BOOST_TEST(!acquired.has_value());  // still waiting, not failed
  BOOST_TEST(f.pool.stats().connect_failures >= 1u);
  BOOST_REQUIRE(!server().postgres().start());
  bool got = false;
  f.run([&]() -> asio::awaitable<void> {
    for (int i = 0; i < 2000 && !acquired; ++i) co_await f.sleep(10ms);
    got = acquired.has_value();
  });
  BOOST_REQUIRE(got);
  BOOST_TEST((*acquired == error_code{}), acquired->message());
  BOOST_TEST(backend > 0);
}

BOOST_AUTO_TEST_SUITE_END()
