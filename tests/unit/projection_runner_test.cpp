// projection_runner over memory_event_store and memory_projection: catch-up, batches, wake and
// poll, pause/resume, faults without skipping. Rebuilds, waits and inline projections are in
// projection_rebuild_test.cpp (the same suite).
#include "projection_runner_support.hpp"

using namespace projection_test;

BOOST_AUTO_TEST_SUITE(projection_runner)

BOOST_FIXTURE_TEST_CASE(catches_up_in_batches_and_skips_other_types, fixture) {
  append_added(1, 4);
  append("Ignored", 100);
  append_added(5, 7);
  auto params = fast();
  params.batch_size = 3;
  runner_type runner(ioc.get_executor(), store, params);
  BOOST_TEST(!runner.add(proj));
  BOOST_TEST((runner.add(proj) == errc::duplicate_registration));
  running r(*this, runner);
  BOOST_TEST_REQUIRE(run_until(ioc, [&] { return seen().size() == 7; }));
  BOOST_TEST(seen() == range(1, 7), boost::test_tools::per_element());
  BOOST_TEST_REQUIRE(run_until(ioc, [&] { return proj.live_batches.size() == 3; }));  // completions follow the state
  BOOST_TEST(proj.live_batches == (std::vector<std::size_t>{3, 3, 1}), boost::test_tools::per_element());
  BOOST_TEST_REQUIRE(run_until(ioc, [&] { return runner.status("tally")->head == positions.back(); }));
  const auto s = runner.status("tally");
  BOOST_TEST((s->state == projection_state::running));
  BOOST_TEST(s->position == positions.back());
  BOOST_TEST(s->lag == 0);
  BOOST_TEST(inner.saved_checkpoint()->position.position == positions.back());
  BOOST_TEST(!runner.status("nope").has_value());
}

BOOST_FIXTURE_TEST_CASE(restarts_from_its_checkpoint, fixture) {
  append_added(1, 3);
  {
    runner_type runner(ioc.get_executor(), store, fast());
    BOOST_TEST(!runner.add(proj));
    running r(*this, runner);
    BOOST_TEST_REQUIRE(run_until(ioc, [&] { return seen().size() == 3; }));
  }
  append_added(4, 5);
  runner_type runner(ioc.get_executor(), store, fast());
  BOOST_TEST(!runner.add(proj));
  running r(*this, runner);
  BOOST_TEST_REQUIRE(run_until(ioc, [&] { return seen().size() >= 5; }));
  BOOST_TEST(seen() == range(1, 5), boost::test_tools::per_element());  // nothing applied twice
}

BOOST_FIXTURE_TEST_CASE(wake_starts_a_catch_up_and_the_poll_covers_a_lost_one, fixture) {
  auto params = fast();
  params.poll_interval = 1h;
  runner_type runner(ioc.get_executor(), store, params);
  BOOST_TEST(!runner.add(proj));
  running r(*this, runner);
  append_added(1, 1);
  // The first look happens at start; afterwards only a wake makes it look again.
  BOOST_TEST_REQUIRE(run_until(ioc, [&] { return seen().size() == 1; }));
  append_added(2, 2);
  run_until(ioc, [] { return false; }, 60ms);
  BOOST_TEST(seen().size() == 1u);
  runner.wake();
  runner.wake();  // coalesced
  BOOST_TEST(run_until(ioc, [&] { return seen().size() == 2; }, 2000ms));

  // Another runner with a short poll finds events without any wake.
  mink::persistence::memory_projection<tally> other_inner(ioc.get_executor(), "polled");
  other_inner.on("Added", [](const mink::recorded_event& e, tally& t) -> error_code {
    t.seen.push_back(e.data.as_object().at("n").as_int64());
    return {};
  });
  runner_type polled(ioc.get_executor(), store, fast());
  BOOST_TEST(!polled.add(other_inner));
  running r2(*this, polled);
  BOOST_TEST_REQUIRE(run_until(ioc, [&] { return other_inner.state().seen.size() == 2; }));
  append_added(3, 3);
  BOOST_TEST(run_until(ioc, [&] { return other_inner.state().seen.size() == 3; }, 2000ms));
}

BOOST_FIXTURE_TEST_CASE(pause_and_resume, fixture) {
  runner_type runner(ioc.get_executor(), store, fast());
  BOOST_TEST(!runner.add(proj));
  running r(*this, runner);
  append_added(1, 2);
  BOOST_TEST_REQUIRE(run_until(ioc, [&] { return seen().size() == 2; }));
  BOOST_TEST(!runner.pause("tally"));
  BOOST_TEST((runner.pause("nope") == errc::unknown_projection));
  BOOST_TEST((runner.status("tally")->state == projection_state::paused));
  BOOST_TEST_REQUIRE(run_until(ioc, [&] { return inner.saved_checkpoint()->status == "paused"; }));
  append_added(3, 4);
  run_until(ioc, [] { return false; }, 80ms);  // several polls
  BOOST_TEST(seen().size() == 2u);
  BOOST_TEST_REQUIRE(run_until(ioc, [&] { return runner.status("tally")->lag > 0; }));
  BOOST_TEST(!runner.resume("tally"));
  BOOST_TEST(run_until(ioc, [&] { return seen().size() == 4; }));
  BOOST_TEST(seen() == range(1, 4), boost::test_tools::per_element());
  BOOST_TEST((runner.status("tally")->state == projection_state::running));
}

BOOST_FIXTURE_TEST_CASE(a_pause_survives_a_restart, fixture) {
  {
    runner_type runner(ioc.get_executor(), store, fast());
    BOOST_TEST(!runner.add(proj));
    running r(*this, runner);
    BOOST_TEST(!runner.pause("tally"));
    BOOST_TEST_REQUIRE(run_until(ioc, [&] {
      const auto cp = inner.saved_checkpoint();
      return cp && cp->status == "paused";
    }));
  }
  append_added(1, 2);
  runner_type runner(ioc.get_executor(), store, fast());
  BOOST_TEST(!runner.add(proj));
  running r(*this, runner);
  run_until(ioc, [] { return false; }, 60ms);
  BOOST_TEST((runner.status("tally")->state == projection_state::paused));
  BOOST_TEST(seen().empty());
  BOOST_TEST(!runner.resume("tally"));
  BOOST_TEST(run_until(ioc, [&] { return seen().size() == 2; }));
  BOOST_TEST_REQUIRE(run_until(ioc, [&] { return inner.saved_checkpoint()->status == "running"; }));
}

BOOST_FIXTURE_TEST_CASE(faults_on_the_failing_event_without_skipping_it, fixture) {
  poison = 3;
  append_added(1, 5);
  runner_type runner(ioc.get_executor(), store, fast());  // max_attempts 3, batch 500
  BOOST_TEST(!runner.add(proj));
  running r(*this, runner);
  BOOST_TEST_REQUIRE(run_until(ioc, [&] { return runner.status("tally")->state == projection_state::faulted; }));
  // The good prefix of the batch is committed; nothing after the failing event is.
  BOOST_TEST(seen() == range(1, 2), boost::test_tools::per_element());
  const auto s = runner.status("tally");
  BOOST_TEST_REQUIRE(s->fault.has_value());
  BOOST_TEST(s->fault->position == positions[2]);
  BOOST_TEST(s->fault->type == "Added");
  BOOST_TEST(!s->fault->event_id.empty());
  BOOST_TEST((s->fault->error == errc::invalid_event_data));
  BOOST_TEST(!s->fault->message.empty());
  BOOST_TEST(s->fault->attempts == 3u);
  BOOST_TEST(s->position == positions[1]);
  BOOST_TEST_REQUIRE(run_until(ioc, [&] { return inner.saved_checkpoint()->status == "faulted"; }));

  // Stays faulted (no skip) across polls; resume retries the same event.
  run_until(ioc, [] { return false; }, 60ms);
  BOOST_TEST(seen().size() == 2u);
  poison.reset();
  BOOST_TEST(!runner.resume("tally"));
  BOOST_TEST(run_until(ioc, [&] { return seen().size() == 5; }));
  BOOST_TEST(seen() == range(1, 5), boost::test_tools::per_element());
  BOOST_TEST(!runner.status("tally")->fault.has_value());
}

BOOST_FIXTURE_TEST_CASE(a_batch_failing_as_a_whole_is_rerun_event_by_event, fixture) {
  append_added(1, 4);
  proj.fail_next = 1;  // the first batch fails without naming an event (e.g. its COMMIT)
  runner_type runner(ioc.get_executor(), store, fast());
  BOOST_TEST(!runner.add(proj));
  running r(*this, runner);
  BOOST_TEST_REQUIRE(run_until(ioc, [&] { return seen().size() == 4; }));
  BOOST_TEST(seen() == range(1, 4), boost::test_tools::per_element());
  BOOST_TEST_REQUIRE(run_until(ioc, [&] { return proj.live_batches.size() == 4; }));
  BOOST_TEST(proj.live_batches == (std::vector<std::size_t>{1, 1, 1, 1}), boost::test_tools::per_element());
  BOOST_TEST(!runner.status("tally")->fault.has_value());
}

BOOST_FIXTURE_TEST_CASE(transient_failures_are_retried_without_faulting, fixture) {
  append_added(1, 4);
  proj.fail_next = 5;  // more than max_attempts (3), all transient
  proj.fail_with = errc::acquire_timeout;
  runner_type runner(ioc.get_executor(), store, fast());
  BOOST_TEST(!runner.add(proj));
  running r(*this, runner);
  BOOST_TEST_REQUIRE(run_until(ioc, [&] { return seen().size() == 4; }));
  BOOST_TEST(proj.fail_next == 0);
  BOOST_TEST_REQUIRE(run_until(ioc, [&] { return !proj.live_batches.empty(); }));
  BOOST_TEST(proj.live_batches == (std::vector<std::size_t>{4}), boost::test_tools::per_element());  // still one batch
  BOOST_TEST(!runner.status("tally")->fault.has_value());
}

BOOST_AUTO_TEST_SUITE_END()
