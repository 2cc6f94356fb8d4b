#include "async_test.hpp"

#include <mink/persistence/notification_listener.hpp>
#include <mink/persistence/wakeup_forwarder.hpp>

using namespace mink::test;
using namespace mink::persistence;

namespace {

asio::awaitable<notification> receive(notification_listener& l) {
  auto [ec, n] = co_await l.async_receive(tuple_awaitable);
  BOOST_REQUIRE_MESSAGE(!ec, ec.message());
  co_return n;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(listener)

BOOST_AUTO_TEST_CASE(delivers_notifications_and_resyncs_after_a_lost_connection) {
  pool_fixture f;
  listener_params lp;
  lp.connection_string = server().connection_string() + " application_name=mink_listener";
  lp.channels = {"mink_events", "Other Channel"};
  notification_listener listener(f.ioc.get_executor(), lp);
  bool run_done = false;
  listener.async_run([&](error_code) { run_done = true; });

  f.run([&]() -> asio::awaitable<void> {
    auto first = co_await receive(listener);
    BOOST_TEST((first.what == notification::kind::resync));  // first LISTEN: catch up from checkpoint
    BOOST_TEST(listener.listen_count() == 1u);

    co_await admin_query(f.pool, "SELECT pg_notify('mink_events', '42')");
    co_await admin_query(f.pool, "SELECT pg_notify('Other Channel', 'x')");
    co_await admin_query(f.pool, "SELECT pg_notify('not_listened', 'y')");
    auto a = co_await receive(listener);
    auto b = co_await receive(listener);
    BOOST_TEST((a.what == notification::kind::message));
    BOOST_TEST(a.channel == "mink_events");
    BOOST_TEST(a.payload == "42");
    BOOST_TEST(a.backend_pid > 0);
    BOOST_TEST(b.channel == "Other Channel");

    // Kill the listener's backend: it reconnects, LISTENs again and says it may have missed some.
    const int old_pid = listener.backend_pid();
    BOOST_REQUIRE(old_pid > 0);
    co_await admin_query(f.pool, "SELECT pg_terminate_backend($1)", query_params(old_pid));
    auto again = co_await receive(listener);
    BOOST_TEST((again.what == notification::kind::resync));
    BOOST_TEST(listener.listen_count() == 2u);
    BOOST_TEST(listener.backend_pid() != old_pid);

    co_await admin_query(f.pool, "SELECT pg_notify('mink_events', 'after')");
    auto after = co_await receive(listener);
    BOOST_TEST(after.payload == "after");
  });
  listener.cancel();
  run_until(f.ioc, run_done, 10s);
}

BOOST_AUTO_TEST_CASE(cancel_fails_a_pending_receive) {
  pool_fixture f;
  listener_params lp;
  lp.connection_string = server().connection_string();
  lp.channels = {"quiet"};
  notification_listener listener(f.ioc.get_executor(), lp);
  bool run_done = false;
  listener.async_run([&](error_code) { run_done = true; });
  f.run([&]() -> asio::awaitable<void> {
    auto first = co_await receive(listener);
    BOOST_TEST((first.what == notification::kind::resync));
    co_return;
  });
  std::optional<error_code> pending;
  listener.async_receive([&](error_code ec, notification) { pending = ec; });
  f.ioc.run_for(50ms);
  BOOST_TEST(!pending.has_value());
  listener.cancel();
  run_until(f.ioc, run_done, 10s);
  f.ioc.run_for(20ms);
  BOOST_TEST((pending == error_code(asio::error::operation_aborted)));
}

// A cancel() may land at any point of a connection's set-up (resolving, connecting, LISTEN, the
// first wait), also between an operation's completion and the next one: run always ends.
BOOST_AUTO_TEST_CASE(cancel_during_set_up_always_ends_the_run) {
  pool_fixture f;
  listener_params lp;
  lp.connection_string = server().connection_string();
  lp.channels = {"first", "second"};
  for (int step = 0; step < 40; ++step) {
    notification_listener listener(f.ioc.get_executor(), lp);
    bool run_done = false;
    listener.async_run([&](error_code) { run_done = true; });
    f.ioc.restart();
    for (int i = 0; i < step; ++i) f.ioc.poll_one();  // lands the cancel a little later each time
    listener.cancel();
    run_until(f.ioc, run_done, 5s);
    BOOST_TEST_REQUIRE(run_done, "step " << step);
  }
}

BOOST_AUTO_TEST_CASE(forwarded_wakeups_reach_every_reader_until_cancel) {
  pool_fixture f;
  listener_params lp;
  lp.connection_string = server().connection_string();
  lp.channels = {"wakeups"};
  notification_listener listener(f.ioc.get_executor(), lp);
  bool run_done = false;
  listener.async_run([&](error_code) { run_done = true; });
  int first_reader = 0;
  int second_reader = 0;
  std::optional<error_code> forward_done;
  std::vector<std::function<void()>> wakes{[&] { ++first_reader; }, [&] { ++second_reader; }};
  async_forward_wakeups(listener, std::move(wakes), [&](error_code ec) { forward_done = ec; });

  // The first LISTEN is a resync: both readers are woken to catch up.
  run_until(f.ioc, [&] { return first_reader == 1; }, 10s);
  BOOST_TEST(second_reader == 1);
  f.run([&]() -> asio::awaitable<void> {
    co_await admin_query(f.pool, "SELECT pg_notify('wakeups', '1')");
    co_await admin_query(f.pool, "SELECT pg_notify('wakeups', '2')");
  });
  run_until(f.ioc, [&] { return first_reader == 3; }, 10s);
  BOOST_TEST(second_reader == 3);

  listener.cancel();
  run_until(f.ioc, run_done, 10s);
  run_until(f.ioc, [&] { return forward_done.has_value(); }, 10s);
  BOOST_TEST(!*forward_done);  // a cancelled listener ends the forwarding cleanly
}

BOOST_AUTO_TEST_SUITE_END()
