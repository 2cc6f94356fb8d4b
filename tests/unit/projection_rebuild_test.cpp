// projection_runner over memory_event_store and memory_projection: rebuild into a shadow and
// swap, read-your-writes waits, inline projections, error messages (suite projection_runner).
#include "projection_runner_support.hpp"

using namespace projection_test;

BOOST_AUTO_TEST_SUITE(projection_runner)

BOOST_FIXTURE_TEST_CASE(rebuilds_into_a_shadow_then_swaps, fixture) {
  append_added(1, 5);
  auto params = fast();
  params.batch_size = 2;
  runner_type runner(ioc.get_executor(), store, params);
  BOOST_TEST(!runner.add(proj));
  running r(*this, runner);
  BOOST_TEST_REQUIRE(run_until(ioc, [&] { return seen().size() == 5; }));

  factor = 10;  // the handler changed: a rebuild re-derives everything with it
  proj.hold_shadow = true;
  BOOST_TEST(!runner.start_rebuild("tally"));
  BOOST_TEST((runner.start_rebuild("nope") == errc::unknown_projection));
  BOOST_TEST_REQUIRE(run_until(ioc, [&] { return proj.held() == 1; }));
  auto s = runner.status("tally");
  BOOST_TEST((s->state == projection_state::rebuilding));
  BOOST_TEST_REQUIRE(s->rebuild_position.has_value());
  BOOST_TEST(*s->rebuild_position == 0);
  BOOST_TEST(seen() == range(1, 5), boost::test_tools::per_element());  // queries answer from live
  BOOST_TEST(inner.shadow().has_value());

  // An event appended during the rebuild reaches the shadow before the swap.
  append_added(6, 6);
  proj.release();
  BOOST_TEST_REQUIRE(run_until(ioc, [&] { return runner.status("tally")->state == projection_state::running; }));
  BOOST_TEST(seen() == range(1, 6, 10), boost::test_tools::per_element());
  BOOST_TEST(!inner.shadow().has_value());
  s = runner.status("tally");
  BOOST_TEST(s->position == positions.back());
  BOOST_TEST(!s->rebuild_position.has_value());
  BOOST_TEST(inner.saved_checkpoint()->position.position == positions.back());
  BOOST_TEST(inner.saved_checkpoint()->status == "running");

  // The swapped-in model carries on from the shadow's checkpoint.
  append_added(7, 7);
  runner.wake();
  BOOST_TEST(run_until(ioc, [&] { return seen().size() == 7; }));
  BOOST_TEST(seen().back() == 70);
}

BOOST_FIXTURE_TEST_CASE(a_fault_in_a_rebuild_keeps_the_live_model_and_resume_finishes_it, fixture) {
  append_added(1, 3);
  runner_type runner(ioc.get_executor(), store, fast());
  BOOST_TEST(!runner.add(proj));
  running r(*this, runner);
  BOOST_TEST_REQUIRE(run_until(ioc, [&] { return seen().size() == 3; }));
  poison = 2;
  factor = 10;
  BOOST_TEST(!runner.start_rebuild("tally"));
  BOOST_TEST_REQUIRE(run_until(ioc, [&] { return runner.status("tally")->state == projection_state::faulted; }));
  const auto s = runner.status("tally");
  BOOST_TEST_REQUIRE(s->fault.has_value());
  BOOST_TEST(s->fault->in_rebuild);
  BOOST_TEST(s->fault->position == positions[1]);
  BOOST_TEST(seen() == range(1, 3), boost::test_tools::per_element());  // live untouched
  BOOST_TEST_REQUIRE(inner.shadow().has_value());
  BOOST_TEST(inner.shadow()->seen == range(1, 1, 10), boost::test_tools::per_element());  // the good prefix
  poison.reset();
  BOOST_TEST(!runner.resume("tally"));
  BOOST_TEST_REQUIRE(run_until(ioc, [&] { return !inner.shadow().has_value(); }));
  BOOST_TEST(seen() == range(1, 3, 10), boost::test_tools::per_element());
  BOOST_TEST_REQUIRE(run_until(ioc, [&] { return runner.status("tally")->state == projection_state::running; }));
}

BOOST_FIXTURE_TEST_CASE(waits_for_a_position, fixture) {
  runner_type runner(ioc.get_executor(), store, fast());
  BOOST_TEST(!runner.add(proj));
  running r(*this, runner);
  append_added(1, 1);
  BOOST_TEST(!runner.pause("tally"));
  append_added(2, 3);

  std::optional<error_code> timed_out, reached, missing, beyond, unknown, early;
  runner.async_wait_for("tally", positions[2], 30ms, [&](error_code ec) { timed_out = ec; });
  // No event at 0 (at or below the head): never will be. Beyond the head: waited for, bounded.
  runner.async_wait_for("tally", 0, 1s, [&](error_code ec) { missing = ec; });
  runner.async_wait_for("tally", positions.back() + 1000, 50ms, [&](error_code ec) { beyond = ec; });
  runner.async_wait_for("nope", positions[0], 1s, [&](error_code ec) { unknown = ec; });
  BOOST_TEST(!timed_out.has_value());  // never inline
  BOOST_TEST_REQUIRE(run_until(ioc, [&] { return timed_out && missing && beyond && unknown; }));
  BOOST_TEST((*timed_out == errc::timeout));
  BOOST_TEST((*missing == errc::position_not_found));
  BOOST_TEST((*beyond == errc::timeout));
  BOOST_TEST((*unknown == errc::unknown_projection));

  runner.async_wait_for("tally", positions[2], 5s, [&](error_code ec) { reached = ec; });
  runner.async_wait_for("tally", positions[0], 5s, [&](error_code ec) { early = ec; });
  BOOST_TEST_REQUIRE(run_until(ioc, [&] { return early.has_value(); }));
  BOOST_TEST(!*early);  // already applied
  run_until(ioc, [] { return false; }, 30ms);
  BOOST_TEST(!reached.has_value());
  BOOST_TEST(!runner.resume("tally"));
  BOOST_TEST_REQUIRE(run_until(ioc, [&] { return reached.has_value(); }));
  BOOST_TEST(!*reached);
  BOOST_TEST(seen().size() == 3u);
}

BOOST_FIXTURE_TEST_CASE(cancel_ends_pending_waits, fixture) {
  runner_type runner(ioc.get_executor(), store, fast());
  BOOST_TEST(!runner.add(proj));
  BOOST_TEST(!runner.pause("tally"));
  std::optional<error_code> waited;
  bool finished = false;
  runner.async_run([&](error_code) { finished = true; });
  append_added(1, 1);
  runner.async_wait_for("tally", positions[0], 10s, [&](error_code ec) { waited = ec; });
  run_until(ioc, [] { return false; }, 30ms);
  runner.cancel();
  BOOST_TEST_REQUIRE(run_until(ioc, [&] { return finished && waited.has_value(); }));
  BOOST_TEST((*waited == asio::error::operation_aborted));
}

BOOST_FIXTURE_TEST_CASE(inline_projections_are_reported_not_applied, fixture) {
  append_added(1, 2);
  runner_type runner(ioc.get_executor(), store, fast());
  mink::actors::projection_options options;
  options.mode = mink::actors::projection_mode::inline_;
  BOOST_TEST(!runner.add(proj, options));
  running r(*this, runner);
  BOOST_TEST_REQUIRE(run_until(ioc, [&] { return runner.status("tally")->head == positions.back(); }));
  const auto s = runner.status("tally");
  BOOST_TEST((s->state == projection_state::inline_));
  BOOST_TEST(s->position == positions.back());
  BOOST_TEST(seen().empty());  // the append writes it, not the runner
  BOOST_TEST((runner.start_rebuild("tally") == errc::projection_busy));
  std::optional<error_code> waited;
  runner.async_wait_for("tally", positions[0], 1s, [&](error_code ec) { waited = ec; });
  BOOST_TEST_REQUIRE(run_until(ioc, [&] { return waited.has_value(); }));
  BOOST_TEST(!*waited);
  BOOST_TEST(std::string(mink::actors::to_string(s->state)) == "inline");
}

BOOST_AUTO_TEST_CASE(error_messages) {
  BOOST_TEST(error_code(errc::unknown_projection).message() == "no projection of that name");
  BOOST_TEST(error_code(errc::position_not_found).message() == "no committed event at that global position");
  BOOST_TEST(static_cast<int>(errc::unknown_projection) == 120);
}

BOOST_AUTO_TEST_SUITE_END()

