// projection_runner over memory_event_store and memory_projection: catch-up, batches, wake and
// poll, pause/resume, faults without skipping, rebuild into a shadow, read-your-writes waits.
#include "run_until.hpp"

#include <mink/actors/projection_runner.hpp>
#include <mink/messaging/errc.hpp>
#include <mink/persistence/memory_event_store.hpp>
#include <mink/persistence/memory_projection.hpp>

#include <boost/asio/error.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/json/value.hpp>
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using boost::system::error_code;
using mink::errc;
using runner_type = mink::actors::projection_runner;
using mink::actors::projection_runner_params;
using mink::actors::projection_state;
using mink::persistence::apply_result;
using mink::persistence::checkpoint;
using mink::persistence::projection_target;
using mink::test::run_until;

struct tally {
  std::vector<std::int64_t> seen;  ///< data.n of each applied event, in order
};

/// A projection in front of a memory_projection: counts batches, fails chosen ones as a lost
/// connection would (no failing index), and can hold the shadow's batches back.
class test_projection final : public mink::persistence::projection {
 public:
  explicit test_projection(mink::persistence::memory_projection<tally>& inner) : inner_(inner) {}

  std::vector<std::size_t> live_batches;  ///< Sizes of the live batches that were committed.
  int fail_next = 0;                      ///< Fail this many batches (any target) without an index,
  error_code fail_with = errc::invalid_value;  ///< with this error.
  bool hold_shadow = false;
  std::size_t held() const noexcept { return held_.size(); }
  void release() {
    hold_shadow = false;
    auto held = std::move(held_);
    held_.clear();
    for (auto& h : held) std::move(h)();
  }

  const std::string& name() const noexcept override { return inner_.name(); }
  mink::persistence::read_all_filter filter() const override { return inner_.filter(); }

 protected:
  void do_prepare(done_handler h) override { inner_.async_prepare(std::move(h)); }
  void do_load_checkpoint(load_handler h) override { inner_.async_load_checkpoint(std::move(h)); }
  void do_apply(projection_target t, std::vector<mink::recorded_event> events, checkpoint cp,
                apply_handler h) override {
    if (fail_next > 0 && !events.empty()) {
      --fail_next;
      std::vector<mink::recorded_event> none;
      // Completes through the inner projection's executor with a connection-like failure.
      inner_.async_apply(projection_target::shadow, std::move(none), cp,
                         [h = std::move(h), ec = fail_with](error_code, apply_result) mutable {
                           std::move(h)(ec, apply_result{});
                         });
      return;
    }
    if (t == projection_target::shadow && hold_shadow) {
      held_.emplace_back([this, t, e = std::move(events), c = std::move(cp), h = std::move(h)]() mutable {
        inner_.async_apply(t, std::move(e), std::move(c), std::move(h));
      });
      return;
    }
    const auto n = events.size();
    inner_.async_apply(t, std::move(events), std::move(cp),
                       [this, t, n, h = std::move(h)](error_code ec, apply_result r) mutable {
                         if (!ec && t == projection_target::live && n > 0) live_batches.push_back(n);
                         std::move(h)(ec, std::move(r));
                       });
  }
  void do_begin_rebuild(done_handler h) override { inner_.async_begin_rebuild(std::move(h)); }
  void do_finish_rebuild(checkpoint cp, done_handler h) override {
    inner_.async_finish_rebuild(std::move(cp), std::move(h));
  }

 private:
  mink::persistence::memory_projection<tally>& inner_;
  std::vector<asio::any_completion_handler<void()>> held_;
};

struct fixture {
  asio::io_context ioc;
  mink::persistence::memory_event_store store{ioc.get_executor()};
  mink::persistence::memory_projection<tally> inner{ioc.get_executor(), "tally"};
  test_projection proj{inner};
  std::int64_t factor = 1;                  ///< Multiplies data.n (a handler "fix" for rebuilds).
  std::optional<std::int64_t> poison;       ///< The handler fails on this n.
  std::vector<std::int64_t> positions;      ///< Global position of each appended "Added".
  std::vector<std::string> event_ids;

  fixture() {
    inner.on("Added", [this](const mink::recorded_event& e, tally& t) -> error_code {
      const auto n = e.data.as_object().at("n").as_int64();
      if (poison && *poison == n) return errc::invalid_event_data;
      t.seen.push_back(n * factor);
      return {};
    });
  }

  static projection_runner_params fast() {
    projection_runner_params p;
    p.poll_interval = 20ms;
    p.retry_initial = 1ms;
    p.retry_max = 4ms;
    p.max_attempts = 3;
    return p;
  }

  void append(const std::string& type, std::int64_t n) {
    std::vector<mink::event_data> events(1);
    events[0].type = type;
    events[0].data = boost::json::value{{"n", n}};
    bool done = false;
    store.async_append("Tally-1", mink::expected_version::any(), std::move(events),
                       [&](error_code ec, mink::persistence::append_result r) {
                         BOOST_TEST(!ec);
                         if (type == "Added") positions.push_back(r.positions.at(0));
                         done = true;
                       });
    BOOST_TEST_REQUIRE(run_until(ioc, [&] { return done; }));
  }
  void append_added(std::int64_t from, std::int64_t to) {
    for (auto n = from; n <= to; ++n) append("Added", n);
  }
  std::vector<std::int64_t> seen() const { return inner.state().seen; }
  static std::vector<std::int64_t> range(std::int64_t from, std::int64_t to, std::int64_t f = 1) {
    std::vector<std::int64_t> out;
    for (auto n = from; n <= to; ++n) out.push_back(n * f);
    return out;
  }
};

/// Starts `runner` and, at the end of the scope, cancels it and checks that it finishes.
struct running {
  fixture& f;
  runner_type& runner;
  bool finished = false;
  error_code result;
  running(fixture& fx, runner_type& r) : f(fx), runner(r) {
    runner.async_run([this](error_code ec) {
      result = ec;
      finished = true;
    });
  }
  ~running() {
    runner.cancel();
    BOOST_TEST(run_until(f.ioc, [this] { return finished; }));
    BOOST_TEST(!result);
  }
};

}  // namespace

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

  std::optional<error_code> timed_out, reached, missing, unknown, early;
  runner.async_wait_for("tally", positions[2], 30ms, [&](error_code ec) { timed_out = ec; });
  runner.async_wait_for("tally", positions.back() + 1000, 1s, [&](error_code ec) { missing = ec; });
  runner.async_wait_for("nope", positions[0], 1s, [&](error_code ec) { unknown = ec; });
  BOOST_TEST(!timed_out.has_value());  // never inline
  BOOST_TEST_REQUIRE(run_until(ioc, [&] { return timed_out && missing && unknown; }));
  BOOST_TEST((*timed_out == errc::timeout));
  BOOST_TEST((*missing == errc::position_not_found));
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
