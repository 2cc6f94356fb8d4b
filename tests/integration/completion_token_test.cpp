// The same operations through a callback, use_awaitable and use_future.
#include "async_test.hpp"

#include <boost/asio/bind_executor.hpp>
#include <boost/asio/use_future.hpp>

#include <thread>

using namespace mink::test;
using namespace mink::persistence;

BOOST_AUTO_TEST_SUITE(completion_token)

BOOST_AUTO_TEST_CASE(callback) {
  pool_fixture f;
  std::optional<std::int32_t> value;
  bool done = false;
  f.pool.async_query("SELECT 41 + 1", {}, [&](error_code ec, query_result r) {
    BOOST_TEST(!ec);
    value = r.get<std::int32_t>(0, 0).value();
    done = true;
  });
  run_until(f.ioc, done, 30s);
  BOOST_TEST((value == 42));
}

BOOST_AUTO_TEST_CASE(never_completes_inside_the_initiating_call) {
  pool_fixture f;
  f.run([&]() -> asio::awaitable<void> { co_await admin_query(f.pool, "SELECT 1"); });  // an idle connection exists
  bool acquired = false;
  f.pool.async_acquire([&](error_code, pooled_connection) { acquired = true; });
  BOOST_TEST(!acquired);
  bool empty_done = false;
  pooled_connection empty;
  // An empty handle has no pool executor: it completes on the handler's own.
  empty.async_query("SELECT 1", {}, asio::bind_executor(f.ioc, [&](error_code, query_result) { empty_done = true; }));
  BOOST_TEST(!empty_done);
  run_until(f.ioc, acquired, 10s);
  run_until(f.ioc, empty_done, 10s);
}

BOOST_AUTO_TEST_CASE(use_awaitable) {
  pool_fixture f;
  f.run([&]() -> asio::awaitable<void> {
    // Without as_tuple an error arrives as an exception (system_error), as usual with use_awaitable.
    query_result r = co_await f.pool.async_query("SELECT 'awaited'", {}, asio::use_awaitable);
    BOOST_TEST(r.get<std::string>(0, 0).value() == "awaited");
    pooled_connection c = co_await f.pool.async_acquire(asio::use_awaitable);
    co_await c.async_begin(asio::use_awaitable);
    co_await c.async_commit(asio::use_awaitable);
    BOOST_CHECK_THROW(co_await f.pool.async_query("SELEKT", {}, asio::use_awaitable), boost::system::system_error);
  });
}

BOOST_AUTO_TEST_CASE(use_future_from_another_thread) {
  pool_fixture f;
  auto guard = asio::make_work_guard(f.ioc);
  std::thread runner([&] { f.ioc.run(); });
  std::future<query_result> fut = f.pool.async_query("SELECT $1::text", query_params("future"), asio::use_future);
  const bool ready = fut.wait_for(30s) == std::future_status::ready;
  std::future<pooled_connection> conn = f.pool.async_acquire(asio::use_future);
  const bool conn_ready = conn.wait_for(30s) == std::future_status::ready;
  std::string text;
  if (ready) text = fut.get().get<std::string>(0, 0).value();
  if (conn_ready) conn.get().release();
  std::future<query_result> failing = f.pool.async_query("SELEKT", {}, asio::use_future);
  const bool failing_ready = failing.wait_for(30s) == std::future_status::ready;
  guard.reset();
  f.ioc.stop();
  runner.join();
  f.ioc.restart();
  BOOST_REQUIRE(ready);
  BOOST_REQUIRE(conn_ready);
  BOOST_REQUIRE(failing_ready);
  BOOST_TEST(text == "future");
  BOOST_CHECK_THROW(failing.get(), boost::system::system_error);
}

BOOST_AUTO_TEST_CASE(a_pool_shared_by_several_threads) {
  pool_fixture f(default_pool_params(4));
  std::atomic<int> ok{0}, done{0};
  for (int i = 0; i < 400; ++i) {
    f.pool.async_query("SELECT $1::int", query_params(i), [&, i](error_code ec, query_result r) {
      if (!ec && r.get<std::int32_t>(0, 0).value() == i) ++ok;
      ++done;
    });
  }
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      const auto until = std::chrono::steady_clock::now() + 60s;
      while (done < 400 && std::chrono::steady_clock::now() < until) f.ioc.run_one_for(50ms);
    });
  }
  for (auto& t : threads) t.join();
  BOOST_TEST(ok.load() == 400);
}

BOOST_AUTO_TEST_SUITE_END()
