// One actor's mailbox: one message in flight, send order, the overflow policies, user exceptions,
// and how completions are delivered.
#include "actor_test_support.hpp"

#include <boost/asio/bind_executor.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/test/unit_test.hpp>

#include <stdexcept>
#include <vector>

using namespace actor_test;
using mink::actors::overflow_policy;
using mink::actors::registry_params;

namespace {

registry_params small_mailbox(std::size_t capacity, overflow_policy policy) {
  registry_params p;
  p.actor.mailbox_capacity = capacity;
  p.actor.overflow = policy;
  return p;
}

/// Records the order in which messages start and end, and whether two ever overlapped.
struct trace {
  std::vector<std::string> events;
  int in_flight = 0;
  bool overlapped = false;
  std::vector<int> completed;  // message numbers, in completion order
  std::vector<error_code> errors;
};

/// A message that waits on `g` (when given) before it finishes.
void send_gated(registry_fixture& f, trace& t, int n, gate* g) {
  f.registry->async_ask<int>(
      "a",
      [&t, n, g](counter& c) -> asio::awaitable<int> {
        t.events.push_back("start " + std::to_string(n));
        if (++t.in_flight > 1) t.overlapped = true;
        if (g) co_await g->wait();
        --t.in_flight;
        t.events.push_back("end " + std::to_string(n));
        co_return ++c.handled;
      },
      [&t, n](error_code ec, int) {
        t.completed.push_back(n);
        t.errors.push_back(ec);
      });
}

}  // namespace

BOOST_AUTO_TEST_SUITE(actor_mailbox)

BOOST_AUTO_TEST_CASE(timed_messages_never_overlap_and_run_in_send_order) {
  registry_fixture f;
  trace t;
  // The first waits longer: were the two to overlap, the second would end first.
  const std::chrono::milliseconds waits[] = {30ms, 1ms};
  for (int n = 0; n < 2; ++n) {
    const auto wait = waits[n];
    f.registry->async_ask<int>(
        "a",
        [&t, n, wait](counter& c) -> asio::awaitable<int> {
          t.events.push_back("start " + std::to_string(n));
          if (++t.in_flight > 1) t.overlapped = true;
          asio::steady_timer timer(co_await asio::this_coro::executor, wait);
          co_await timer.async_wait(asio::use_awaitable);
          --t.in_flight;
          t.events.push_back("end " + std::to_string(n));
          co_return ++c.handled;
        },
        [&t, n](error_code ec, int) {
          t.completed.push_back(n);
          t.errors.push_back(ec);
        });
  }
  BOOST_REQUIRE(run_until(f.ioc, [&] { return t.completed.size() == 2; }));
  BOOST_TEST(!t.overlapped);
  const std::vector<std::string> expected = {"start 0", "end 0", "start 1", "end 1"};
  BOOST_TEST(t.events == expected, boost::test_tools::per_element());
  BOOST_TEST(t.completed == std::vector<int>({0, 1}), boost::test_tools::per_element());
  BOOST_TEST(!t.errors[0]);
  BOOST_TEST(!t.errors[1]);
}

BOOST_AUTO_TEST_CASE(reject_policy_fails_at_once_when_full) {
  registry_fixture f(small_mailbox(2, overflow_policy::reject));
  gate g(f.ioc);
  trace t;
  send_gated(f, t, 1, &g);
  poll(f.ioc);  // message 1 leaves the mailbox and waits at the gate
  send_gated(f, t, 2, nullptr);
  send_gated(f, t, 3, nullptr);
  send_gated(f, t, 4, nullptr);  // the mailbox holds 2 and 3
  poll(f.ioc);
  BOOST_REQUIRE(t.completed.size() == 1u);
  BOOST_TEST(t.completed[0] == 4);
  BOOST_TEST(t.errors[0] == error_code(mink::errc::mailbox_full));
  auto s = f.registry->stats();
  BOOST_TEST(s.rejected == 1u);
  BOOST_TEST(s.mailbox_depth == 2u);
  BOOST_TEST(s.max_mailbox_depth == 2u);

  g.open();
  BOOST_REQUIRE(run_until(f.ioc, [&] { return t.completed.size() == 4; }));
  BOOST_TEST(t.completed == std::vector<int>({4, 1, 2, 3}), boost::test_tools::per_element());
  for (std::size_t i = 1; i < t.errors.size(); ++i) BOOST_TEST(!t.errors[i]);
  BOOST_TEST(f.registry->stats().mailbox_depth == 0u);
}

BOOST_AUTO_TEST_CASE(wait_policy_holds_senders_in_order_until_there_is_room) {
  registry_fixture f(small_mailbox(1, overflow_policy::wait));
  gate g(f.ioc);
  trace t;
  send_gated(f, t, 1, &g);
  poll(f.ioc);
  for (int n = 2; n <= 5; ++n) send_gated(f, t, n, nullptr);  // 2 queued; 3, 4, 5 wait for room
  poll(f.ioc);
  BOOST_TEST(t.completed.empty());
  auto s = f.registry->stats();
  BOOST_TEST(s.mailbox_depth == 1u);
  BOOST_TEST(s.rejected == 0u);

  g.open();
  BOOST_REQUIRE(run_until(f.ioc, [&] { return t.completed.size() == 5; }));
  BOOST_TEST(t.completed == std::vector<int>({1, 2, 3, 4, 5}), boost::test_tools::per_element());
  for (const auto& ec : t.errors) BOOST_TEST(!ec);
  BOOST_TEST(!t.overlapped);
  BOOST_TEST(f.registry->stats().max_mailbox_depth == 1u);
}

BOOST_AUTO_TEST_CASE(a_throwing_message_fails_alone_and_the_actor_lives_on) {
  registry_fixture f;
  std::vector<error_code> errors;
  std::vector<int> results;
  auto record = [&](error_code ec, int n) {
    errors.push_back(ec);
    results.push_back(n);
  };
  f.registry->async_ask<int>(
      "a", [](counter& c) -> asio::awaitable<int> { co_return ++c.handled; }, record);
  f.registry->async_ask<int>(
      "a",
      [](counter& c) -> asio::awaitable<int> {
        ++c.handled;
        throw std::runtime_error("before any co_await");
        co_return 0;
      },
      record);
  f.registry->async_ask<int>(
      "a",
      [](counter& c) -> asio::awaitable<int> {
        ++c.handled;
        auto ex = co_await asio::this_coro::executor;
        co_await asio::post(ex, asio::use_awaitable);
        throw std::runtime_error("after a co_await");
      },
      record);
  f.registry->async_ask<int>(
      "a", [](counter& c) -> asio::awaitable<int> { co_return ++c.handled; }, record);
  BOOST_REQUIRE(run_until(f.ioc, [&] { return errors.size() == 4; }));
  BOOST_TEST(!errors[0]);
  BOOST_TEST(errors[1] == error_code(mink::errc::unhandled_exception));
  BOOST_TEST(errors[2] == error_code(mink::errc::unhandled_exception));
  BOOST_TEST(!errors[3]);
  BOOST_TEST(results[1] == 0);  // a failed message carries a default-constructed result
  BOOST_TEST(results[3] == 4);  // the same actor, with the state the failed messages left
  BOOST_TEST(f.made.load() == 1);
}

BOOST_AUTO_TEST_CASE(completes_on_the_handlers_executor_never_inline) {
  registry_fixture f(small_mailbox(1, overflow_policy::reject));
  gate g(f.ioc);
  trace t;
  send_gated(f, t, 1, &g);
  poll(f.ioc);
  auto strand = asio::make_strand(f.ioc);
  int completed = 0;
  int on_strand = 0;
  bool inline_completion = false;
  auto check = [&](error_code, int) {
    ++completed;
    if (strand.running_in_this_thread()) ++on_strand;
  };
  asio::post(f.ioc, [&] {
    f.registry->async_ask<int>(
        "b", [](counter& c) -> asio::awaitable<int> { co_return ++c.handled; }, asio::bind_executor(strand, check));
    f.registry->async_ask<int>(
        "a", [](counter& c) -> asio::awaitable<int> { co_return ++c.handled; }, asio::bind_executor(strand, check));
    f.registry->async_ask<int>(  // mailbox_full, decided at once
        "a", [](counter& c) -> asio::awaitable<int> { co_return ++c.handled; }, asio::bind_executor(strand, check));
    inline_completion = completed != 0;
  });
  poll(f.ioc);
  BOOST_TEST(!inline_completion);
  g.open();
  BOOST_REQUIRE(run_until(f.ioc, [&] { return completed == 3; }));
  BOOST_TEST(on_strand == 3);
}

BOOST_AUTO_TEST_CASE(works_with_awaitable_tokens) {
  registry_fixture f;
  int value = 0;
  error_code failure;
  asio::co_spawn(
      f.ioc,
      [&]() -> asio::awaitable<void> {
        value = co_await f.registry->async_ask<int>(
            "a", [](counter& c) -> asio::awaitable<int> { co_return ++c.handled + 40; }, asio::use_awaitable);
        auto [ec, ignored] = co_await f.registry->async_ask<int>(
            "a",
            [](counter&) -> asio::awaitable<int> {
              throw std::logic_error("no");
              co_return 1;
            },
            asio::as_tuple(asio::use_awaitable));
        failure = ec;
        value += ignored;
      },
      [](std::exception_ptr ep) {
        if (ep) std::rethrow_exception(ep);
      });
  BOOST_REQUIRE(run_until(f.ioc, [&] { return failure.failed(); }));
  BOOST_TEST(value == 41);
  BOOST_TEST(failure == error_code(mink::errc::unhandled_exception));
}

BOOST_AUTO_TEST_SUITE_END()
