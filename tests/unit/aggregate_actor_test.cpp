// Aggregates as actors, behind a command bus, over the memory stores: decide, append with the
// expected version, evolve; domain errors; loading once; conflicts; snapshots; a throwing decide;
// the actor-less handler; a full mailbox; shutdown.
#include "aggregate_test_support.hpp"
#include "order_fixtures.hpp"

#include <ecommerce/domain/order.hpp>

#include <boost/json/value_to.hpp>
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <array>
#include <set>

using namespace aggregate_test;
using namespace order_fixtures;
using mink::expected_version;

namespace {

using order_fixture =
    router_fixture<ecommerce::order, create_order, add_item, submit_order, ship_order, complete_order, cancel_order>;
using counter_fixture = router_fixture<counter, tick, explode, peek>;
using order_codec = mink::event_codec<order_event>;

const std::string order_stream = "Order-o-1";

mink::dispatch_options traced(std::string command_id, std::string causation_id) {
  mink::dispatch_options o;
  o.command_id = std::move(command_id);
  o.correlation_id = "corr-1";
  o.causation_id = std::move(causation_id);
  return o;
}

/// Appends `e` to Order-o-1 straight into the store: another process writing.
void write_behind_the_actors_back(order_fixture& f, const order_event& e, expected_version expected) {
  bool done = false;
  std::vector<mink::event_data> events{order_codec::encode(e)};
  f.memory.async_append(order_stream, expected, std::move(events), [&](error_code ec, append_result) {
    BOOST_TEST(!ec);
    done = true;
  });
  BOOST_REQUIRE(run_until(f.ioc, [&] { return done; }));
}

std::optional<mink::persistence::snapshot> latest_snapshot(order_fixture& f) {
  std::optional<std::optional<mink::persistence::snapshot>> out;
  f.snapshots.async_load(order_stream, [&](error_code ec, std::optional<mink::persistence::snapshot> s) {
    BOOST_TEST(!ec);
    out = std::move(s);
  });
  BOOST_REQUIRE(run_until(f.ioc, [&] { return out.has_value(); }));
  return *out;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(aggregate_actor)

BOOST_FIXTURE_TEST_CASE(a_command_decides_appends_with_the_expected_version_and_evolves, order_fixture) {
  const std::array<answer, 3> answers{dispatch(create_cmd(), traced("cmd-1", "cause-1")),
                                     dispatch(add_cmd("LAPTOP-001", 1, usd(129999)), traced("cmd-2", "cause-2")),
                                     dispatch(add_cmd("MOUSE-001", 2, usd(4999)), traced("cmd-3", "cause-3"))};
  for (std::size_t i = 0; i < answers.size(); ++i) {
    const auto& a = answers[i];
    BOOST_TEST(!a.ec);
    BOOST_TEST(a.result.version == i + 1);
    BOOST_TEST(a.result.stream_id == order_stream);
    BOOST_TEST(a.result.event_count == 1u);
    BOOST_TEST(a.result.positions.size() == 1u);
    BOOST_TEST(a.result.command_id == "cmd-" + std::to_string(i + 1));
    BOOST_TEST(a.result.correlation_id == "corr-1");
    BOOST_TEST(!a.result.replayed);
  }
  BOOST_TEST((store.expectations ==
              std::vector<expected_version>{expected_version::no_stream(), expected_version::exact(1),
                                            expected_version::exact(2)}));

  const auto stored = events(order_stream);
  BOOST_REQUIRE(stored.size() == 3u);
  const std::array<std::string, 3> types{"OrderCreated", "ItemAdded", "ItemAdded"};
  for (std::size_t i = 0; i < stored.size(); ++i) {
    BOOST_TEST(stored[i].version == i + 1);
    BOOST_TEST(stored[i].type == types[i]);
    BOOST_TEST(stored[i].metadata.correlation_id == "corr-1");
    BOOST_TEST(stored[i].metadata.causation_id == "cause-" + std::to_string(i + 1));
  }
  BOOST_TEST(stored[1].position == answers[1].result.positions[0]);

  const auto held = view(order_stream);
  BOOST_TEST(held.version == 3u);
  BOOST_TEST((held.state.status == order_status::created));
  BOOST_TEST(held.state.items.size() == 2u);
  BOOST_TEST((held.state.total == usd(129999 + 2 * 4999)));
}

BOOST_FIXTURE_TEST_CASE(a_domain_error_answers_its_code_and_message_and_appends_nothing, order_fixture) {
  auto early = dispatch(submit_cmd());
  BOOST_TEST((early.ec == order_errc::not_created));
  BOOST_TEST(early.result.error_message == "order not created");
  BOOST_TEST(!dispatch(create_cmd()).ec);
  auto again = dispatch(create_cmd());
  BOOST_TEST((again.ec == order_errc::already_exists));
  BOOST_TEST(again.result.error_message == "order already exists");
  auto empty = dispatch(submit_cmd());
  BOOST_TEST((empty.ec == order_errc::empty_order));
  BOOST_TEST(empty.result.error_message == "cannot submit empty order");

  BOOST_TEST(store.expectations.size() == 1u);  // only CreateOrder reached the store
  BOOST_TEST(events(order_stream).size() == 1u);
  BOOST_TEST(view(order_stream).version == 1u);
}

BOOST_FIXTURE_TEST_CASE(the_state_is_loaded_once_and_kept, order_fixture) {
  write_behind_the_actors_back(*this, created, expected_version::no_stream());
  BOOST_TEST(dispatch(add_cmd("LAPTOP-001", 1, usd(129999))).result.version == 2u);
  BOOST_TEST(dispatch(add_cmd("MOUSE-001", 2, usd(4999))).result.version == 3u);
  auto submitted_answer = dispatch(submit_cmd());
  BOOST_TEST(!submitted_answer.ec);
  BOOST_TEST(submitted_answer.result.version == 4u);

  BOOST_TEST(store.stream_reads == 1);
  BOOST_TEST(store.read_from == std::vector<std::uint64_t>{1});
  const auto held = view(order_stream);
  BOOST_TEST((held.state.status == order_status::submitted));
  BOOST_TEST(held.state.customer_id == "CUST-12345");  // from the event it loaded
  BOOST_TEST(router->registry().stats().activations == 1u);
}

BOOST_FIXTURE_TEST_CASE(a_foreign_write_makes_the_next_command_reload_and_succeed, order_fixture) {
  BOOST_TEST(!dispatch(create_cmd()).ec);
  write_behind_the_actors_back(*this, keyboard, expected_version::exact(1));
  auto added = dispatch(add_cmd("MOUSE-001", 2, usd(4999)));
  BOOST_TEST(!added.ec);
  BOOST_TEST(added.result.version == 3u);
  BOOST_TEST((store.expectations == std::vector<expected_version>{expected_version::no_stream(), expected_version::exact(1),
                                                                  expected_version::exact(2)}));
  BOOST_TEST(store.stream_reads == 2);  // the first load and the reload after the conflict
  const auto held = view(order_stream);
  BOOST_REQUIRE(held.state.items.size() == 2u);
  BOOST_TEST(held.state.items[0].sku == "KB-001");
  BOOST_TEST(held.state.items[1].sku == "MOUSE-001");
}

BOOST_FIXTURE_TEST_CASE(a_fixed_expected_version_fails_on_a_conflict_with_both_versions, order_fixture) {
  BOOST_TEST(!dispatch(create_cmd()).ec);
  write_behind_the_actors_back(*this, keyboard, expected_version::exact(1));
  mink::dispatch_options if_match;
  if_match.expected = expected_version::exact(1);
  auto refused = dispatch(add_cmd("MOUSE-001", 2, usd(4999)), if_match);
  BOOST_TEST((refused.ec == mink::errc::wrong_expected_version));
  BOOST_TEST(refused.result.error_message == "concurrency conflict on stream \"Order-o-1\": expected version 1, got 2");
  BOOST_TEST((refused.result.expected == expected_version::exact(1)));
  BOOST_TEST((refused.result.actual_version == std::optional<std::uint64_t>(2)));
  BOOST_TEST(refused.result.stream_id == order_stream);
  BOOST_TEST(events(order_stream).size() == 2u);

  auto retried = dispatch(add_cmd("MOUSE-001", 2, usd(4999)));
  BOOST_TEST(!retried.ec);
  BOOST_TEST(retried.result.version == 3u);
}

BOOST_FIXTURE_TEST_CASE(a_fixed_expected_version_ahead_of_the_actor_decides_on_the_stored_state, order_fixture) {
  BOOST_TEST(!dispatch(create_cmd()).ec);
  BOOST_TEST(!dispatch(add_cmd("LAPTOP-001", 1, usd(129999))).ec);
  write_behind_the_actors_back(*this, keyboard, expected_version::exact(2));
  mink::dispatch_options if_match;  // the caller has seen version 3; the actor holds version 2
  if_match.expected = expected_version::exact(3);
  auto submitted_answer = dispatch(submit_cmd(), if_match);
  BOOST_TEST(!submitted_answer.ec);
  BOOST_TEST(submitted_answer.result.version == 4u);
  const auto stored = events(order_stream);
  BOOST_REQUIRE(stored.size() == 4u);
  const auto total = boost::json::value_to<order_submitted>(stored[3].data).total_amount;
  BOOST_TEST((total == usd(129999 + 14999)));  // the keyboard counts
  const auto held = view(order_stream);
  BOOST_TEST(held.version == 4u);
  BOOST_TEST(held.state.items.size() == 2u);
}

BOOST_FIXTURE_TEST_CASE(an_append_expecting_any_version_leaves_no_stale_state_behind, order_fixture) {
  BOOST_TEST(!dispatch(create_cmd()).ec);
  write_behind_the_actors_back(*this, keyboard, expected_version::exact(1));
  mink::dispatch_options any;
  any.expected = expected_version::any();
  auto added = dispatch(add_cmd("MOUSE-001", 2, usd(4999)), any);
  BOOST_TEST(!added.ec);
  BOOST_TEST(added.result.version == 3u);
  const auto held = view(order_stream);
  BOOST_TEST(held.version == 3u);
  BOOST_TEST(held.state.items.size() == 2u);  // the foreign keyboard too
  BOOST_TEST((held.state.total == usd(14999 + 2 * 4999)));
}

BOOST_FIXTURE_TEST_CASE(conflicts_are_retried_a_bounded_number_of_times, order_fixture) {
  mink::actors::aggregate_params params;
  params.conflict_retries = 2;
  make_router(never_idle(), params);
  BOOST_TEST(!dispatch(create_cmd()).ec);
  store.expectations.clear();
  store.interloper = order_codec::encode(keyboard);
  store.interlopes = 100;  // another process wins every race
  auto lost = dispatch(add_cmd("MOUSE-001", 2, usd(4999)));
  BOOST_TEST((lost.ec == mink::errc::wrong_expected_version));
  BOOST_TEST(store.expectations.size() == 3u);  // the first attempt and two retries
  BOOST_TEST(lost.result.error_message == "concurrency conflict on stream \"Order-o-1\": expected version 3, got 4");
  BOOST_TEST(events(order_stream).size() == 4u);  // created + three foreign items, none of ours

  store.interlopes = 0;
  auto won = dispatch(add_cmd("MOUSE-001", 2, usd(4999)));
  BOOST_TEST(!won.ec);
  BOOST_TEST(won.result.version == 5u);
}

BOOST_FIXTURE_TEST_CASE(snapshots_are_saved_every_n_events_and_used_on_reactivation, order_fixture) {
  mink::actors::aggregate_params params;
  params.snapshot_every = 2;
  make_router(never_idle(), params);
  BOOST_TEST(!dispatch(create_cmd()).ec);
  BOOST_TEST(!latest_snapshot(*this).has_value());
  BOOST_TEST(!dispatch(add_cmd("LAPTOP-001", 1, usd(129999))).ec);
  auto first = latest_snapshot(*this);
  BOOST_REQUIRE(first.has_value());
  BOOST_TEST(first->version == 2u);
  BOOST_TEST(!dispatch(add_cmd("MOUSE-001", 2, usd(4999))).ec);
  BOOST_TEST(!dispatch(add_cmd("KB-001", 1, usd(14999))).ec);
  BOOST_TEST(dispatch(add_cmd("CABLE-001", 3, usd(999))).result.version == 5u);
  auto latest = latest_snapshot(*this);
  BOOST_REQUIRE(latest.has_value());
  BOOST_TEST(latest->version == 4u);
  BOOST_TEST(boost::json::value_to<order_state>(latest->data).items.size() == 3u);
  const auto before = view(order_stream);

  make_router(never_idle(), params);  // the actor is gone; a new one loads from the stores
  store.read_from.clear();
  const auto after = view(order_stream);
  BOOST_TEST(after.version == 5u);
  BOOST_TEST((after.state == before.state));
  // The head (to learn the stream is at least one snapshot interval long), then only the events
  // after the snapshot: versions 3 and 4 are never read.
  BOOST_TEST(store.read_from == (std::vector<std::uint64_t>{1, 5}), boost::test_tools::per_element());
  auto submitted_answer = dispatch(submit_cmd());
  BOOST_TEST(!submitted_answer.ec);
  BOOST_TEST(submitted_answer.result.version == 6u);
  BOOST_TEST((view(order_stream).state.total == usd(129999 + 2 * 4999 + 14999 + 3 * 999)));
}

BOOST_FIXTURE_TEST_CASE(an_exception_from_decide_fails_only_that_command, counter_fixture) {
  BOOST_TEST(!dispatch(tick{"c-1", 2}).ec);
  auto blown = dispatch(explode{"c-1"});
  BOOST_TEST((blown.ec == mink::errc::unhandled_exception));
  auto next = dispatch(tick{"c-1", 3});
  BOOST_TEST(!next.ec);
  BOOST_TEST(next.result.version == 2u);
  BOOST_TEST(view("Counter-c-1").state.total == 5);
  BOOST_TEST(events("Counter-c-1").size() == 2u);
  BOOST_TEST(store.stream_reads == 2);  // the state was reloaded after the exception
  BOOST_TEST(router->registry().stats().activations == 1u);  // by the same actor
}

BOOST_FIXTURE_TEST_CASE(load_execute_save_handler_works_without_actors, order_fixture) {
  mink::command_bus plain(ioc.get_executor());
  const mink::actors::aggregate_services services{&store, nullptr};
  BOOST_REQUIRE(!plain.register_handler<create_order>(mink::actors::load_execute_save_handler<ecommerce::order, create_order>(services)));
  BOOST_REQUIRE(!plain.register_handler<add_item>(mink::actors::load_execute_save_handler<ecommerce::order, add_item>(services)));

  BOOST_TEST(aggregate_test::dispatch(ioc, plain, create_cmd()).result.version == 1u);
  BOOST_TEST(aggregate_test::dispatch(ioc, plain, add_cmd("LAPTOP-001", 1, usd(129999))).result.version == 2u);
  auto again = aggregate_test::dispatch(ioc, plain, create_cmd());
  BOOST_TEST((again.ec == order_errc::already_exists));
  BOOST_TEST(again.result.error_message == "order already exists");
  BOOST_TEST(store.stream_reads == 3);  // every command loads afresh

  store.interloper = order_codec::encode(keyboard);
  store.interlopes = 1;  // one lost race, then the retry wins
  auto added = aggregate_test::dispatch(ioc, plain, add_cmd("MOUSE-001", 2, usd(4999)));
  BOOST_TEST(!added.ec);
  BOOST_TEST(added.result.version == 4u);
  const auto stored = events(order_stream);
  BOOST_REQUIRE(stored.size() == 4u);
  BOOST_TEST(stored[3].type == "ItemAdded");
  BOOST_TEST(router->registry().stats().activations == 0u);  // no actor was involved
}

BOOST_AUTO_TEST_CASE(a_full_mailbox_rejects_under_the_reject_policy) {
  order_fixture f;
  mink::actors::registry_params small = never_idle();
  small.actor.mailbox_capacity = 1;
  small.actor.overflow = mink::actors::overflow_policy::reject;
  f.make_router(small);
  BOOST_TEST(!f.dispatch(create_cmd()).ec);

  std::array<answer, 10> answers;
  for (auto& a : answers) start_dispatch(*f.bus, add_cmd("MOUSE-001", 1, usd(4999)), {}, a);
  BOOST_REQUIRE(run_until(f.ioc, [&] { return std::all_of(answers.begin(), answers.end(), [](const answer& a) { return a.done; }); }));
  std::size_t ok = 0, full = 0;
  std::set<std::uint64_t> versions;
  for (const auto& a : answers) {
    if (!a.ec) {
      ++ok;
      versions.insert(a.result.version);
    } else {
      BOOST_TEST((a.ec == mink::errc::mailbox_full));
      ++full;
    }
  }
  BOOST_TEST(full >= 1u);
  BOOST_TEST(ok >= 1u);
  BOOST_TEST(f.router->registry().stats().rejected == full);
  BOOST_TEST(versions.size() == ok);
  BOOST_TEST(f.events(order_stream).size() == 1 + ok);
}

BOOST_FIXTURE_TEST_CASE(shutdown_drains_queued_commands_and_refuses_later_ones, order_fixture) {
  BOOST_TEST(!dispatch(create_cmd()).ec);
  store.hold_appends = true;
  std::array<answer, 5> queued;
  for (auto& a : queued) start_dispatch(*bus, add_cmd("MOUSE-001", 1, usd(4999)), {}, a);
  BOOST_REQUIRE(run_until(ioc, [&] { return store.held() == 1 && router->registry().stats().mailbox_depth == 4; }));

  bool stopped = false;
  router->async_shutdown([&](error_code ec) {
    BOOST_TEST(!ec);
    stopped = true;
  });
  answer late;
  start_dispatch(*bus, add_cmd("MOUSE-001", 1, usd(4999)), {}, late);
  BOOST_REQUIRE(run_until(ioc, [&] { return late.done; }));
  BOOST_TEST((late.ec == mink::errc::shutting_down));
  BOOST_TEST(!stopped);  // four commands are still queued and one is in flight

  store.release();
  BOOST_REQUIRE(run_until(ioc, [&] {
    return stopped && std::all_of(queued.begin(), queued.end(), [](const answer& a) { return a.done; });
  }));
  std::set<std::uint64_t> versions;
  for (const auto& a : queued) {
    BOOST_TEST(!a.ec);
    versions.insert(a.result.version);
  }
  BOOST_TEST((versions == std::set<std::uint64_t>{2, 3, 4, 5, 6}));
  BOOST_TEST(events(order_stream).size() == 6u);
  BOOST_TEST(router->registry().stats().active == 0u);
}

BOOST_AUTO_TEST_SUITE_END()
