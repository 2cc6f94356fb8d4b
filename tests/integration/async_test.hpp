#pragma once
// Running coroutine tests against a real server, each with a deadline.

#include "test_server.hpp"

#include <mink/persistence/connection_pool.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <exception>
#include <functional>
#include <optional>
#include <string>
#include <type_traits>

namespace mink::test {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using boost::system::error_code;
inline constexpr auto tuple_awaitable = asio::as_tuple(asio::use_awaitable);

/// Drives `ioc` until `done` or the deadline; a test that overruns fails instead of hanging.
inline void run_until(asio::io_context& ioc, const bool& done, std::chrono::steady_clock::duration deadline) {
  const auto until = std::chrono::steady_clock::now() + deadline;
  while (!done && std::chrono::steady_clock::now() < until) {
    if (ioc.stopped()) ioc.restart();
    ioc.run_one_for(until - std::chrono::steady_clock::now());
  }
  BOOST_REQUIRE_MESSAGE(done, "the test did not finish before its deadline");
}

/// Drives `ioc` until `condition()` holds or the deadline passes (then the test fails).
template <class Condition>
  requires std::is_invocable_r_v<bool, Condition&>
void run_until(asio::io_context& ioc, Condition condition, std::chrono::steady_clock::duration deadline) {
  const auto until = std::chrono::steady_clock::now() + deadline;
  while (!condition() && std::chrono::steady_clock::now() < until) {
    if (ioc.stopped()) ioc.restart();
    ioc.run_one_for(std::chrono::milliseconds(10));
  }
  BOOST_REQUIRE_MESSAGE(condition(), "the condition did not hold before the test's deadline");
}

/// Runs the coroutine made by `make_test` to completion (rethrowing its exception) within `deadline`.
template <class MakeTest>
void run_test(asio::io_context& ioc, MakeTest make_test, std::chrono::steady_clock::duration deadline = 60s) {
  bool done = false;
  std::exception_ptr failure;
  asio::co_spawn(ioc, make_test(), [&](std::exception_ptr e) {
    failure = e;
    done = true;
  });
  run_until(ioc, done, deadline);
  if (failure) std::rethrow_exception(failure);
}

inline persistence::pool_params default_pool_params(std::size_t max_size = 4) {
  persistence::pool_params p;
  p.connection_string = server().connection_string();
  p.min_size = 1;
  p.max_size = max_size;
  return p;
}

/// An io_context with a running pool; the destructor cancels the pool and lets it wind down.
struct pool_fixture {
  explicit pool_fixture(persistence::pool_params params = default_pool_params())
      : pool(ioc.get_executor(), std::move(params)) {
    pool.async_run([this](error_code ec) {
      run_result = ec;
      run_done = true;
    });
  }
  ~pool_fixture() {
    pool.cancel();
    run_until(ioc, run_done, 30s);
    ioc.run_for(50ms);  // let returned connections close
  }

  template <class MakeTest>
  void run(MakeTest make_test, std::chrono::steady_clock::duration deadline = 60s) {
    run_test(ioc, std::move(make_test), deadline);
  }

  /// A coroutine-friendly sleep on the fixture's context.
  asio::awaitable<void> sleep(std::chrono::steady_clock::duration d) {
    asio::steady_timer t(ioc, d);
    co_await t.async_wait(tuple_awaitable);
  }

  asio::io_context ioc;
  persistence::connection_pool pool;
  bool run_done = false;
  error_code run_result;
};

/// Runs one statement on a separate short-lived connection (for setup and for killing backends).
inline asio::awaitable<persistence::query_result> admin_query(persistence::connection_pool& pool, std::string sql,
                                                                persistence::query_params params = {}) {
  auto [ec, r] = co_await pool.async_query(sql, std::move(params), tuple_awaitable);
  BOOST_REQUIRE_MESSAGE(!ec, sql << ": " << ec.message() << " " << r.diag().message);
  co_return r;
}

}  // namespace mink::test
