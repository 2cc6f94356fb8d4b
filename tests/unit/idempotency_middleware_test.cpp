// The idempotency stage in front of aggregate actors, over the memory stores: a command executes
// once per key, repeats are answered from the record, a reused key is refused, concurrent repeats
// wait for the first (or are refused when they ask not to wait), failures leave no record, commands without events are recorded too.
#include "aggregate_test_support.hpp"
#include "order_fixtures.hpp"

#include <ecommerce/domain/order.hpp>

#include <mink/persistence/idempotency_middleware.hpp>

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <array>

using namespace aggregate_test;
using namespace order_fixtures;

namespace {

/// router_fixture with the idempotency stage, recording in the event store's own records.
template <class Base>
struct with_idempotency : Base {
  std::shared_ptr<mink::persistence::idempotency_middleware> idempotency =
      std::make_shared<mink::persistence::idempotency_middleware>(this->memory.idempotency());

  with_idempotency() {
    this->stages.push_back(idempotency);
    this->make_router();
  }

  /// The live record of `key`, if any.
  std::optional<mink::persistence::idempotency_record> record(const std::string& key) {
    std::optional<std::optional<mink::persistence::idempotency_record>> out;
    this->memory.idempotency().async_find(key, [&](error_code ec, std::optional<mink::persistence::idempotency_record> r) {
      BOOST_TEST(!ec);
      out = std::move(r);
    });
    BOOST_REQUIRE(run_until(this->ioc, [&] { return out.has_value(); }));
    return *out;
  }
};

using order_fixture = with_idempotency<
    router_fixture<ecommerce::order, create_order, add_item, submit_order, ship_order, complete_order, cancel_order>>;
using counter_fixture = with_idempotency<router_fixture<counter, tick, explode, peek>>;

const std::string order_stream = "Order-o-1";

mink::dispatch_options keyed(std::string command_id, std::string key) {
  mink::dispatch_options o;
  o.command_id = std::move(command_id);
  o.idempotency_key = std::move(key);
  return o;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(idempotency_middleware)

BOOST_FIXTURE_TEST_CASE(the_same_command_id_executes_once_and_the_repeat_is_replayed, order_fixture) {
  auto first = dispatch(create_cmd(), with_command_id("cmd-1"));
  BOOST_TEST(!first.ec);
  BOOST_TEST(!first.result.replayed);
  auto repeat = dispatch(create_cmd(), with_command_id("cmd-1"));
  BOOST_TEST(!repeat.ec);  // not "order already exists": it did not run again
  BOOST_TEST(repeat.result.replayed);
  BOOST_TEST(repeat.result.version == first.result.version);
  BOOST_TEST(repeat.result.positions == first.result.positions);
  BOOST_TEST(repeat.result.stream_id == order_stream);
  BOOST_TEST(repeat.result.command_id == "cmd-1");
  BOOST_TEST(repeat.result.event_count == 1u);
  BOOST_TEST(events(order_stream).size() == 1u);
  BOOST_TEST(store.expectations.size() == 1u);
  BOOST_TEST(idempotency->in_flight() == 0u);
}

BOOST_FIXTURE_TEST_CASE(an_explicit_key_is_used_instead_of_the_command_id, order_fixture) {
  BOOST_TEST(!dispatch(create_cmd()).ec);
  auto first = dispatch(add_cmd("MOUSE-001", 1, usd(4999)), keyed("cmd-a", "add-mouse"));
  auto repeat = dispatch(add_cmd("MOUSE-001", 1, usd(4999)), keyed("cmd-b", "add-mouse"));
  BOOST_TEST(!first.ec);
  BOOST_TEST(!first.result.replayed);
  BOOST_TEST(!repeat.ec);
  BOOST_TEST(repeat.result.replayed);
  BOOST_TEST(repeat.result.version == 2u);
  BOOST_TEST(repeat.result.positions == first.result.positions);
  BOOST_TEST(repeat.result.command_id == "cmd-a");  // the original result
  BOOST_TEST(events(order_stream).size() == 2u);
  BOOST_TEST(record("add-mouse").has_value());
  BOOST_TEST(!record("cmd-a").has_value());
}

BOOST_FIXTURE_TEST_CASE(the_same_key_with_another_payload_is_refused, order_fixture) {
  BOOST_TEST(!dispatch(create_cmd(), keyed("cmd-1", "k")).ec);
  create_order other = create_cmd();
  other.order_id = "o-2";
  auto reused = dispatch(other, keyed("cmd-2", "k"));
  BOOST_TEST((reused.ec == mink::errc::idempotency_key_reused));
  BOOST_TEST(!reused.result.replayed);
  BOOST_TEST(events("Order-o-2").empty());  // refused by the append's own key check: nothing written
}

BOOST_FIXTURE_TEST_CASE(the_same_key_with_another_payload_is_refused_while_the_first_runs, order_fixture) {
  store.hold_appends = true;
  answer first, reused;
  start_dispatch(*bus, create_cmd(), keyed("cmd-1", "k"), first);
  BOOST_REQUIRE(run_until(ioc, [&] { return store.held() == 1; }));
  create_order other = create_cmd();
  other.order_id = "o-2";
  start_dispatch(*bus, other, keyed("cmd-2", "k"), reused);
  BOOST_REQUIRE(run_until(ioc, [&] { return reused.done; }));
  BOOST_TEST((reused.ec == mink::errc::idempotency_key_reused));
  store.release();
  BOOST_REQUIRE(run_until(ioc, [&] { return first.done; }));
  BOOST_TEST(!first.ec);
  BOOST_TEST(events("Order-o-2").empty());
}

BOOST_FIXTURE_TEST_CASE(fifty_concurrent_duplicates_execute_once, order_fixture) {
  std::array<answer, 50> answers;
  for (auto& a : answers) start_dispatch(*bus, create_cmd(), with_command_id("dup"), a);
  BOOST_REQUIRE(run_until(ioc, [&] { return std::all_of(answers.begin(), answers.end(), [](const answer& a) { return a.done; }); }));
  std::size_t replayed = 0;
  for (const auto& a : answers) {
    BOOST_TEST(!a.ec);
    BOOST_TEST(a.result.version == 1u);
    BOOST_TEST(a.result.stream_id == order_stream);
    if (a.result.replayed) ++replayed;
  }
  BOOST_TEST(replayed == 49u);
  BOOST_TEST(store.expectations.size() == 1u);  // one execution reached the store
  BOOST_TEST(events(order_stream).size() == 1u);
  BOOST_TEST(idempotency->in_flight() == 0u);
}

BOOST_FIXTURE_TEST_CASE(a_repeat_that_will_not_wait_is_refused_while_the_first_runs, order_fixture) {
  store.hold_appends = true;
  answer first, refused;
  start_dispatch(*bus, create_cmd(), keyed("cmd-1", "k"), first);
  BOOST_REQUIRE(run_until(ioc, [&] { return store.held() == 1; }));
  auto no_wait = keyed("cmd-2", "k");
  no_wait.wait_for_in_flight = false;
  start_dispatch(*bus, create_cmd(), no_wait, refused);
  BOOST_REQUIRE(run_until(ioc, [&] { return refused.done; }));
  BOOST_TEST((refused.ec == mink::errc::idempotency_key_in_flight));
  BOOST_TEST(!refused.result.replayed);
  BOOST_TEST(store.held() == 1u);  // the refusal reached no store
  BOOST_TEST(idempotency->in_flight() == 1u);
  store.release();
  BOOST_REQUIRE(run_until(ioc, [&] { return first.done; }));
  BOOST_TEST(!first.ec);
  BOOST_TEST(!first.result.replayed);
  BOOST_TEST(events(order_stream).size() == 1u);
  BOOST_TEST(store.expectations.size() == 1u);
  // Once the first has finished, the same request is a replay, not a refusal.
  auto later = dispatch(create_cmd(), no_wait);
  BOOST_TEST(!later.ec);
  BOOST_TEST(later.result.replayed);
  BOOST_TEST(later.result.version == 1u);
  BOOST_TEST(idempotency->in_flight() == 0u);
}

BOOST_FIXTURE_TEST_CASE(fifty_concurrent_refusing_duplicates_execute_once, order_fixture) {
  std::array<answer, 50> answers;
  auto no_wait = with_command_id("dup");
  no_wait.wait_for_in_flight = false;
  for (auto& a : answers) start_dispatch(*bus, create_cmd(), no_wait, a);
  BOOST_REQUIRE(run_until(ioc, [&] { return std::all_of(answers.begin(), answers.end(), [](const answer& a) { return a.done; }); }));
  std::size_t executed = 0, replayed = 0, refused = 0;
  for (const auto& a : answers) {
    if (a.ec == mink::errc::idempotency_key_in_flight) {
      ++refused;
    } else {
      BOOST_TEST(!a.ec);
      BOOST_TEST(a.result.version == 1u);
      if (a.result.replayed) ++replayed;
      else ++executed;
    }
  }
  BOOST_TEST(executed == 1u);
  BOOST_TEST(refused >= 1u);  // they all start before the first reaches the store
  BOOST_TEST(executed + replayed + refused == 50u);
  BOOST_TEST(store.expectations.size() == 1u);
  BOOST_TEST(events(order_stream).size() == 1u);
  BOOST_TEST(idempotency->in_flight() == 0u);
}

BOOST_FIXTURE_TEST_CASE(a_failed_command_leaves_no_record_and_its_repeat_executes, order_fixture) {
  auto refused = dispatch(add_cmd("MOUSE-001", 1, usd(4999)), with_command_id("add-1"));
  BOOST_TEST((refused.ec == order_errc::not_created));
  BOOST_TEST(!record("add-1").has_value());
  BOOST_TEST(!dispatch(create_cmd()).ec);
  auto repeat = dispatch(add_cmd("MOUSE-001", 1, usd(4999)), with_command_id("add-1"));
  BOOST_TEST(!repeat.ec);  // executed again, now against a created order
  BOOST_TEST(!repeat.result.replayed);
  BOOST_TEST(repeat.result.version == 2u);
  BOOST_TEST(record("add-1").has_value());
  BOOST_TEST(idempotency->in_flight() == 0u);
}

BOOST_FIXTURE_TEST_CASE(a_command_without_events_is_recorded_and_replayed, counter_fixture) {
  BOOST_TEST(!dispatch(tick{"c-1", 2}).ec);
  auto first = dispatch(peek{"c-1"}, with_command_id("peek-1"));
  BOOST_TEST(!first.ec);
  BOOST_TEST(!first.result.replayed);
  BOOST_TEST(first.result.event_count == 0u);
  BOOST_TEST(first.result.version == 1u);
  BOOST_TEST(record("peek-1").has_value());
  auto repeat = dispatch(peek{"c-1"}, with_command_id("peek-1"));
  BOOST_TEST(!repeat.ec);
  BOOST_TEST(repeat.result.replayed);
  BOOST_TEST(repeat.result.version == 1u);
  BOOST_TEST(repeat.result.stream_id == "Counter-c-1");
  BOOST_TEST(repeat.result.event_count == 0u);
  BOOST_TEST(events("Counter-c-1").size() == 1u);
}

BOOST_FIXTURE_TEST_CASE(in_flight_counts_keys_while_they_execute, order_fixture) {
  BOOST_TEST(idempotency->in_flight() == 0u);
  store.hold_appends = true;
  answer a, b;
  start_dispatch(*bus, create_cmd(), with_command_id("cmd-1"), a);
  create_order other = create_cmd();
  other.order_id = "o-2";
  start_dispatch(*bus, other, with_command_id("cmd-2"), b);
  BOOST_REQUIRE(run_until(ioc, [&] { return store.held() == 2; }));
  BOOST_TEST(idempotency->in_flight() == 2u);
  store.release();
  BOOST_REQUIRE(run_until(ioc, [&] { return a.done && b.done; }));
  BOOST_TEST(!a.ec);
  BOOST_TEST(!b.ec);
  BOOST_TEST(idempotency->in_flight() == 0u);
}

BOOST_AUTO_TEST_SUITE_END()
