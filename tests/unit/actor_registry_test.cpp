// The registry: activation, passivation (idle timeout, max_active), shutdown and concurrent senders.
#include "actor_test_support.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/test/unit_test.hpp>

#include <atomic>
#include <future>
#include <map>
#include <stdexcept>
#include <thread>
#include <vector>

using namespace actor_test;
using mink::actors::overflow_policy;
using mink::actors::registry_params;

namespace {

registry_params never_idle() {
  registry_params p;
  p.idle_timeout = std::chrono::steady_clock::duration::zero();
  return p;
}

/// Sends one counting message to `key` and runs until it completes; returns the actor's count.
int count_now(registry_fixture& f, const std::string& key) {
  std::optional<int> result;
  error_code ec;
  f.count(key, result, ec);
  BOOST_REQUIRE(run_until(f.ioc, [&] { return result.has_value(); }));
  BOOST_TEST(!ec);
  return *result;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(actor_registry)

BOOST_AUTO_TEST_CASE(activates_one_actor_per_key_on_its_first_message) {
  registry_fixture f(never_idle());
  BOOST_TEST(f.registry->stats().active == 0u);
  BOOST_TEST(count_now(f, "a") == 1);
  BOOST_TEST(count_now(f, "a") == 2);
  BOOST_TEST(count_now(f, "b") == 1);
  auto s = f.registry->stats();
  BOOST_TEST(s.active == 2u);
  BOOST_TEST(s.activations == 2u);
  BOOST_TEST(s.passivations == 0u);
  BOOST_TEST(f.made.load() == 2);
  // With no idle timeout there is no sweeper: the io_context runs out of work.
  f.ioc.restart();
  f.ioc.run_for(5s);
  BOOST_TEST(f.ioc.stopped());
  BOOST_TEST(f.registry->stats().active == 2u);
}

BOOST_AUTO_TEST_CASE(passivates_after_the_idle_timeout_and_reactivates_fresh) {
  registry_params p;
  p.idle_timeout = 20ms;
  registry_fixture f(p);
  BOOST_TEST(count_now(f, "a") == 1);
  BOOST_TEST(count_now(f, "a") == 2);
  BOOST_TEST(f.destroyed.load() == 0);
  BOOST_REQUIRE(run_until(f.ioc, [&] { return f.registry->stats().passivations == 1; }));
  BOOST_TEST(f.destroyed.load() == 1);
  BOOST_TEST(f.registry->stats().active == 0u);
  // Nothing idle is left, so the sweeper stops and the io_context runs out of work.
  f.ioc.restart();
  f.ioc.run_for(5s);
  BOOST_TEST(f.ioc.stopped());

  BOOST_TEST(count_now(f, "a") == 1);  // a fresh Actor from the factory
  auto s = f.registry->stats();
  BOOST_TEST(s.activations == 2u);
  BOOST_TEST(s.active == 1u);
  BOOST_TEST(f.made.load() == 2);
}

BOOST_AUTO_TEST_CASE(the_sweeper_passivates_expired_actors_and_spares_recent_ones) {
  registry_params p;
  p.idle_timeout = 200ms;
  registry_fixture f(p);
  for (int i = 0; i < 50; ++i) count_now(f, "old-" + std::to_string(i));
  // "recent" is used again at about half the timeout, so it expires about 100 ms later than the others.
  run_until(f.ioc, [] { return false; }, 100ms);
  count_now(f, "recent");
  BOOST_REQUIRE(run_until(f.ioc, [&] { return f.registry->stats().passivations == 50; }));
  BOOST_TEST(f.registry->stats().active == 1u);
  BOOST_REQUIRE(run_until(f.ioc, [&] { return f.registry->stats().passivations == 51; }));
  BOOST_TEST(f.destroyed.load() == 51);
}

BOOST_AUTO_TEST_CASE(beyond_max_active_the_least_recently_used_idle_actor_goes) {
  registry_params p = never_idle();
  p.max_active = 2;
  registry_fixture f(p);
  count_now(f, "a");
  count_now(f, "b");
  count_now(f, "a");  // b is now the least recently used
  count_now(f, "c");
  auto s = f.registry->stats();
  BOOST_TEST(s.active == 2u);
  BOOST_TEST(s.passivations == 1u);
  BOOST_TEST(count_now(f, "a") == 3);  // a survived
  BOOST_TEST(count_now(f, "b") == 1);  // b was passivated: a fresh one, and c goes instead
  BOOST_TEST(count_now(f, "c") == 1);
}

BOOST_AUTO_TEST_CASE(busy_actors_and_actors_with_mail_are_never_passivated) {
  registry_params p = never_idle();
  p.max_active = 1;
  registry_fixture f(p);
  gate g(f.ioc);
  std::vector<int> done;
  auto gated = [&](const std::string& key, int n) {
    f.registry->async_ask<int>(
        key,
        [&g](counter& c) -> asio::awaitable<int> {
          co_await g.wait();
          co_return ++c.handled;
        },
        [&done, n](error_code ec, int) {
          BOOST_TEST(!ec);
          done.push_back(n);
        });
  };
  gated("a", 1);
  gated("a", 2);  // queued behind the first
  gated("b", 3);
  poll(f.ioc);
  BOOST_TEST(f.registry->stats().active == 2u);  // both busy: over max_active, none passivated
  BOOST_TEST(f.registry->stats().passivations == 0u);
  g.open();
  BOOST_REQUIRE(run_until(f.ioc, [&] { return done.size() == 3; }));
  // Whichever went idle first was passivated once the other was still active.
  auto s = f.registry->stats();
  BOOST_TEST(s.active == 1u);
  BOOST_TEST(s.passivations == 1u);
}

BOOST_AUTO_TEST_CASE(a_throwing_factory_fails_the_message_and_is_tried_again) {
  asio::io_context ioc;
  int attempts = 0;
  std::atomic<int> destroyed = 0;
  mink::actors::actor_registry<counter> registry(ioc.get_executor(), never_idle(), [&](const std::string& key) {
    if (++attempts == 1) throw std::runtime_error("cannot load");
    return std::make_unique<counter>(key, destroyed);
  });
  std::vector<error_code> errors;
  std::vector<int> results;
  for (int i = 0; i < 2; ++i) {
    registry.async_ask<int>(
        "a", [](counter& c) -> asio::awaitable<int> { co_return ++c.handled; },
        [&](error_code ec, int n) {
          errors.push_back(ec);
          results.push_back(n);
        });
  }
  BOOST_REQUIRE(run_until(ioc, [&] { return errors.size() == 2; }));
  BOOST_TEST(errors[0] == error_code(mink::errc::unhandled_exception));
  BOOST_TEST(!errors[1]);
  BOOST_TEST(results[1] == 1);
  BOOST_TEST(attempts == 2);
}

BOOST_AUTO_TEST_CASE(shutdown_drains_accepted_messages_then_completes) {
  registry_params p;
  p.actor.mailbox_capacity = 1;
  p.actor.overflow = overflow_policy::wait;
  registry_fixture f(p);
  count_now(f, "idle");
  gate g(f.ioc);
  std::vector<std::string> order;
  for (int n = 1; n <= 3; ++n) {  // 1 in flight, 2 queued, 3 waiting for room
    f.registry->async_ask<int>(
        "a",
        [&g](counter& c) -> asio::awaitable<int> {
          co_await g.wait();
          co_return ++c.handled;
        },
        [&order, n](error_code ec, int) { order.push_back((ec ? "failed " : "done ") + std::to_string(n)); });
    poll(f.ioc);
  }
  bool shut_down = false;
  f.registry->async_shutdown([&](error_code ec) {
    BOOST_TEST(!ec);
    shut_down = true;
    order.push_back("shut down");
  });
  std::optional<int> late;
  error_code late_ec;
  f.count("a", late, late_ec);
  poll(f.ioc);
  BOOST_TEST(late_ec == error_code(mink::errc::shutting_down));
  BOOST_TEST(!shut_down);
  BOOST_TEST(f.destroyed.load() == 1);  // the idle actor went at once
  BOOST_TEST(f.registry->stats().active == 1u);

  g.open();
  BOOST_REQUIRE(run_until(f.ioc, [&] { return shut_down; }));
  const std::vector<std::string> expected = {"done 1", "done 2", "done 3", "shut down"};
  BOOST_TEST(order == expected, boost::test_tools::per_element());
  auto s = f.registry->stats();
  BOOST_TEST(s.active == 0u);
  BOOST_TEST(s.passivations == 2u);
  BOOST_TEST(f.destroyed.load() == 2);

  // A second shutdown completes too; then the registry goes, and the io_context has nothing left.
  bool again = false;
  f.registry->async_shutdown([&](error_code) { again = true; });
  BOOST_TEST(!again);
  poll(f.ioc);
  BOOST_TEST(again);
  f.registry.reset();
  f.ioc.restart();
  f.ioc.run_for(5s);
  BOOST_TEST(f.ioc.stopped());
}

BOOST_AUTO_TEST_CASE(destroying_the_registry_early_still_completes_accepted_messages) {
  registry_fixture f;
  std::optional<int> first;
  std::optional<int> second;
  error_code ec1;
  error_code ec2;
  f.count("a", first, ec1);
  f.count("a", second, ec2);
  f.registry.reset();
  BOOST_REQUIRE(run_until(f.ioc, [&] { return second.has_value(); }));
  BOOST_TEST(!ec1);
  BOOST_TEST(!ec2);
  BOOST_TEST(*second == 2);
  BOOST_TEST(f.destroyed.load() == 1);
}

BOOST_AUTO_TEST_CASE(concurrent_senders_on_a_multithreaded_context) {
  constexpr int threads = 4;
  constexpr int per_thread = 500;
  constexpr int keys = 8;
  registry_params p;
  p.actor.mailbox_capacity = 4;
  p.actor.overflow = overflow_policy::wait;
  p.max_active = 4;  // passivation races activation
  registry_fixture f(p);
  auto guard = asio::make_work_guard(f.ioc);
  std::vector<std::thread> runners;
  for (int i = 0; i < threads; ++i) runners.emplace_back([&] { f.ioc.run(); });

  std::atomic<int> completed = 0;
  std::atomic<int> failures = 0;
  std::atomic<int> overlaps = 0;
  std::promise<void> all_done;
  std::vector<std::thread> senders;
  for (int t = 0; t < threads; ++t) {
    senders.emplace_back([&, t] {
      for (int i = 0; i < per_thread; ++i) {
        f.registry->async_ask<int>(
            "k" + std::to_string((t + i) % keys),
            [&overlaps](counter& c) -> asio::awaitable<int> {
              const int before = ++c.handled;
              auto ex = co_await asio::this_coro::executor;
              co_await asio::post(ex, asio::use_awaitable);  // another handler may run meanwhile
              if (c.handled != before) ++overlaps;
              co_return before;
            },
            [&](error_code ec, int) {
              if (ec) ++failures;
              if (++completed == threads * per_thread) all_done.set_value();
            });
      }
    });
  }
  for (auto& s : senders) s.join();
  const bool finished = all_done.get_future().wait_for(60s) == std::future_status::ready;
  std::promise<void> stopped;
  f.registry->async_shutdown([&](error_code) { stopped.set_value(); });
  const bool shut_down = stopped.get_future().wait_for(60s) == std::future_status::ready;
  guard.reset();
  if (!finished || !shut_down) f.ioc.stop();
  for (auto& r : runners) r.join();
  BOOST_REQUIRE(finished);
  BOOST_TEST(shut_down);
  BOOST_TEST(failures == 0);
  BOOST_TEST(overlaps == 0);
  auto s = f.registry->stats();
  BOOST_TEST(s.active == 0u);
  BOOST_TEST(s.activations == s.passivations);
  BOOST_TEST(f.made.load() == f.destroyed.load());
  BOOST_TEST(s.mailbox_depth == 0u);
}

BOOST_AUTO_TEST_SUITE_END()
