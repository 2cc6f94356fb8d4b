// The saga manager over the memory stores, with a trip-booking saga of the test's own: routing by
// correlation id, start events, redelivery, a save per step, compensation in reverse, a failed
// compensation, deadlines, retry, derived command ids.
#include "saga_test_support.hpp"

#include <mink/messaging/uuid.hpp>

#include <boost/asio/awaitable.hpp>
#include <boost/system/system_error.hpp>

#include <algorithm>
#include <set>
#include <thread>

using namespace saga_test;
using mink::actors::saga_context;
using mink::actors::saga_definition;
using mink::actors::saga_step_definition;

namespace {

/// Books one part of a trip (or undoes it: what = "undo-Flight").
struct book {
  static constexpr std::string_view type_name = "Book";
  std::string trip_id;
  std::string what;
  const std::string& aggregate_id() const { return trip_id; }
};
void tag_invoke(boost::json::value_from_tag, boost::json::value& v, const book& b) {
  v = {{"trip_id", b.trip_id}, {"what", b.what}};
}

const std::vector<std::string> booking_steps{"Flight", "Hotel", "Car"};

std::string trip_of(saga_context& ctx) { return std::string(ctx.data().at("trip_id").as_string()); }

/// Trip: TripRequested starts it and books Flight, Hotel and Car in turn, each step starting the
/// next (a refused booking fails its step); then Pay waits for Paid, with a deadline; Paid
/// completes the saga.
/// While `*outages` > 0, TripRequested of trip t1 fails with a transient error (and counts down).
saga_definition trip_saga(std::chrono::milliseconds pay_deadline,
                          mink::actors::step_failure_policy car_policy = mink::actors::step_failure_policy::compensate,
                          int* outages = nullptr) {
  saga_definition def;
  def.type = "Trip";
  def.start_events = {"TripRequested"};
  def.correlate = [](const mink::recorded_event& e) { return std::string(e.data.at("trip_id").as_string()); };
  for (std::size_t i = 0; i < booking_steps.size(); ++i) {
    const std::string name = booking_steps[i];
    const std::string next = i + 1 < booking_steps.size() ? booking_steps[i + 1] : "Pay";
    saga_step_definition step;
    step.name = name;
    step.run = [name, next](saga_context& ctx) -> asio::awaitable<void> {
      auto env = mink::make_envelope(book{trip_of(ctx), name});
      auto out = co_await ctx.dispatch(name, std::move(env));
      if (out.ec) {
        ctx.fail_step(name, "refused");
        co_return;
      }
      ctx.complete_step(name);
      co_await ctx.start_step(next);
    };
    step.compensate = [name](saga_context& ctx) -> asio::awaitable<error_code> {
      auto env = mink::make_envelope(book{trip_of(ctx), "undo-" + name});
      auto out = co_await ctx.dispatch("undo-" + name, std::move(env));
      co_return out.ec;
    };
    if (name == "Car") step.on_failure = car_policy;
    def.steps.push_back(std::move(step));
  }
  saga_step_definition pay;
  pay.name = "Pay";
  pay.run = [pay_deadline](saga_context& ctx) -> asio::awaitable<void> {
    boost::json::object payload;
    payload["step"] = "Pay";
    auto ec = co_await ctx.schedule_deadline(pay_deadline, std::move(payload));
    BOOST_TEST(!ec);
  };
  def.steps.push_back(std::move(pay));

  def.on_event["TripRequested"] = [outages](saga_context& ctx) -> asio::awaitable<void> {
    if (outages && *outages > 0 && ctx.correlation_id() == "t1") {
      --*outages;
      throw boost::system::system_error(make_error_code(mink::errc::timeout));
    }
    ctx.data()["trip_id"] = ctx.correlation_id();
    co_await ctx.start_step("Flight");  // each booking starts the next: Hotel, Car, then Pay
  };
  def.on_event["Paid"] = [](saga_context& ctx) -> asio::awaitable<void> {
    if (!ctx.is_running("Pay")) co_return;
    auto ec = co_await ctx.cancel_deadlines();
    BOOST_TEST(!ec);
    ctx.complete_step("Pay");
    ctx.complete();
  };
  def.on_deadline = [](saga_context& ctx) -> asio::awaitable<void> {
    ctx.fail_step("Pay", "payment timed out");
    co_return;
  };
  return def;
}

struct trip_fixture : saga_fixture {
  mink::command_bus bus{ioc.get_executor()};
  std::vector<std::pair<std::string, std::string>> booked;  // (command id, what), in order
  std::set<std::string> refused;                            // what the booking service refuses
  int outages = 0;                                          // TripRequested handlings to fail

  trip_fixture() {
    bus.register_handler<book>([this](const mink::command_envelope& env) -> asio::awaitable<mink::dispatch_outcome> {
      const auto* b = env.command->as<book>();
      booked.emplace_back(env.options.command_id, b->what);
      if (refused.contains(b->what))
        co_return mink::dispatch_failure(make_error_code(boost::system::errc::permission_denied), "refused");
      co_return mink::dispatch_outcome{};
    });
  }
  ~trip_fixture() { stop(); }

  void start(std::chrono::milliseconds pay_deadline = 60s,
             mink::actors::step_failure_policy car_policy = mink::actors::step_failure_policy::compensate) {
    std::vector<saga_definition> defs;
    defs.push_back(trip_saga(pay_deadline, car_policy, &outages));
    saga_fixture::start(bus, std::move(defs));
  }

  void request(const std::string& trip) { append("Trip-" + trip, "TripRequested", {{"trip_id", trip}}); }
  void paid(const std::string& trip) { append("Trip-" + trip, "Paid", {{"trip_id", trip}}); }

  std::vector<std::string> what_was_booked() const {
    std::vector<std::string> out;
    for (const auto& [id, what] : booked) out.push_back(what);
    return out;
  }

  std::vector<saga_state> saves_of(const std::string& saga_id) const {
    std::vector<saga_state> out;
    for (const auto& s : sagas.saves)
      if (s.saga_id == saga_id) out.push_back(s);
    return out;
  }
};

step_status status_of(const saga_state& s, const std::string& step) {
  auto it = std::find_if(s.steps.begin(), s.steps.end(), [&](const auto& x) { return x.name == step; });
  BOOST_REQUIRE(it != s.steps.end());
  return it->status;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(saga_manager)

BOOST_FIXTURE_TEST_CASE(events_are_routed_by_correlation_id_and_only_start_events_create, trip_fixture) {
  start();
  paid("t0");  // no saga for t0, and Paid does not start one
  request("t1");
  request("t2");
  BOOST_REQUIRE(wait_for_status("Trip-t1", saga_status::running));
  BOOST_REQUIRE(wait_for_status("Trip-t2", saga_status::running));
  paid("t1");
  BOOST_REQUIRE(wait_for_status("Trip-t1", saga_status::completed));
  settle(50ms);
  BOOST_TEST(!find("Trip-t0"));
  auto t2 = find("Trip-t2");
  BOOST_TEST((t2->status == saga_status::running));
  BOOST_TEST(t2->correlation_id == "t2");
  BOOST_TEST((status_of(*t2, "Pay") == step_status::running));
  auto t1 = find("Trip-t1");
  BOOST_TEST(t1->processed.size() == 2u);  // its TripRequested and its Paid, nothing of t0 or t2
  BOOST_TEST((status_of(*t1, "Pay") == step_status::completed));
  BOOST_TEST(booked.size() == 6u);  // three bookings per trip
}

BOOST_FIXTURE_TEST_CASE(a_transient_failure_holds_the_checkpoint_and_that_sagas_later_events, trip_fixture) {
  outages = 1000000;
  start();
  request("t1");
  request("t2");
  paid("t1");
  settle(100ms);
  BOOST_TEST(outages < 1000000 - 2);  // delivered again and again
  BOOST_TEST(manager->stats().delivery_errors >= 2u);
  BOOST_TEST(!find("Trip-t1"));  // nothing saved, and its Paid not handled before its start
  BOOST_REQUIRE(find("Trip-t2"));  // another saga does not wait
  BOOST_TEST(find("Trip-t2")->version == 1u);  // and is not handled twice for the redeliveries
  std::optional<std::optional<mink::persistence::checkpoint>> cp;
  checkpoints.async_load("saga:Trip", [&](error_code ec, std::optional<mink::persistence::checkpoint> c) {
    BOOST_TEST(!ec);
    cp = std::move(c);
  });
  BOOST_REQUIRE(run_until(ioc, [&] { return cp.has_value(); }));
  BOOST_TEST(!cp->has_value());  // never moved past the failing event

  outages = 0;
  BOOST_REQUIRE(wait_for_status("Trip-t1", saga_status::completed));  // TripRequested, then Paid
  BOOST_TEST(find("Trip-t2")->version == 1u);
  BOOST_TEST(booked.size() == 6u);
}

BOOST_FIXTURE_TEST_CASE(state_is_saved_after_every_step_with_increasing_versions, trip_fixture) {
  start();
  request("t1");
  BOOST_REQUIRE(wait_for_status("Trip-t1", saga_status::running));
  paid("t1");
  BOOST_REQUIRE(wait_for_status("Trip-t1", saga_status::completed));
  const auto saves = saves_of("Trip-t1");
  BOOST_REQUIRE(saves.size() == 2u);  // one per handled event: the steps it ran, and the end
  BOOST_TEST(saves[0].version == 1u);
  BOOST_TEST(saves[1].version == 2u);
  BOOST_TEST((saves[0].status == saga_status::running));
  BOOST_TEST(saves[0].current_step == "Pay");
  for (const auto& name : booking_steps) {
    BOOST_TEST((status_of(saves[0], name) == step_status::completed));
    auto it = std::find_if(saves[0].steps.begin(), saves[0].steps.end(), [&](const auto& s) { return s.name == name; });
    BOOST_TEST(it->started_at.has_value());
    BOOST_TEST(it->finished_at.has_value());
  }
  BOOST_TEST((saves[1].status == saga_status::completed));
}

BOOST_FIXTURE_TEST_CASE(a_redelivered_event_is_ignored_after_a_restart, trip_fixture) {
  start();
  request("t1");
  BOOST_REQUIRE(wait_for_status("Trip-t1", saga_status::running));
  stop();
  // The checkpoint is lost (a crash before it was saved): everything is delivered again.
  bool reset = false;
  checkpoints.async_save(mink::persistence::checkpoint{.projection = "saga:Trip", .position = {}, .status = "running", .updated_at = {}},
                         [&](error_code ec) {
                           BOOST_TEST(!ec);
                           reset = true;
                         });
  BOOST_REQUIRE(run_until(ioc, [&] { return reset; }));
  const auto saves_before = sagas.saves.size();
  start();
  settle(100ms);
  BOOST_TEST(manager->stats().events_delivered >= 1u);
  BOOST_TEST(sagas.saves.size() == saves_before);  // nothing handled twice, nothing saved
  BOOST_TEST(booked.size() == 3u);
  BOOST_TEST(find("Trip-t1")->version == 1u);
}

BOOST_FIXTURE_TEST_CASE(a_failed_step_compensates_the_completed_ones_in_reverse, trip_fixture) {
  refused.insert("Car");
  start();
  request("t1");
  BOOST_REQUIRE(wait_for_status("Trip-t1", saga_status::compensated));
  BOOST_TEST((what_was_booked() == std::vector<std::string>{"Flight", "Hotel", "Car", "undo-Hotel", "undo-Flight"}));
  auto s = find("Trip-t1");
  BOOST_TEST((status_of(*s, "Car") == step_status::failed));
  BOOST_TEST((status_of(*s, "Hotel") == step_status::compensated));
  BOOST_TEST((status_of(*s, "Flight") == step_status::compensated));
  BOOST_TEST((status_of(*s, "Pay") == step_status::pending));
  // Saved: the failure (compensating), each compensation, the end.
  const auto saves = saves_of("Trip-t1");
  BOOST_REQUIRE(saves.size() == 4u);
  BOOST_TEST((saves[0].status == saga_status::compensating));
  BOOST_TEST((status_of(saves[1], "Hotel") == step_status::compensated));
  BOOST_TEST((status_of(saves[1], "Flight") == step_status::completed));
  BOOST_TEST((saves[3].status == saga_status::compensated));
  for (std::size_t i = 0; i < saves.size(); ++i) BOOST_TEST(saves[i].version == i + 1);
}

BOOST_FIXTURE_TEST_CASE(a_failed_compensation_fails_the_saga_and_retry_resumes_it, trip_fixture) {
  refused.insert("Car");
  refused.insert("undo-Hotel");
  start();
  request("t1");
  BOOST_REQUIRE(wait_for_status("Trip-t1", saga_status::failed));
  settle(50ms);
  auto s = find("Trip-t1");
  BOOST_TEST((status_of(*s, "Hotel") == step_status::compensating));
  BOOST_TEST((status_of(*s, "Flight") == step_status::completed));  // not reached
  BOOST_TEST(s->current_step == "Hotel");
  BOOST_TEST((what_was_booked() == std::vector<std::string>{"Flight", "Hotel", "Car", "undo-Hotel"}));

  refused.erase("undo-Hotel");
  std::optional<error_code> retried;
  manager->async_retry("Trip-t1", [&](error_code ec) { retried = ec; });
  BOOST_REQUIRE(run_until(ioc, [&] { return retried.has_value(); }));
  BOOST_TEST(!*retried);
  s = find("Trip-t1");
  BOOST_TEST((s->status == saga_status::compensated));
  BOOST_TEST((status_of(*s, "Hotel") == step_status::compensated));
  BOOST_TEST((status_of(*s, "Flight") == step_status::compensated));
  BOOST_TEST((what_was_booked() ==
              std::vector<std::string>{"Flight", "Hotel", "Car", "undo-Hotel", "undo-Hotel", "undo-Flight"}));
  // The re-sent undo carries the same command id: an idempotency stage answers it as a replay.
  BOOST_TEST(booked[3].first == booked[4].first);
  BOOST_TEST(manager->stats().retries == 1u);

  std::optional<error_code> again;
  manager->async_retry("Trip-t1", [&](error_code ec) { again = ec; });
  BOOST_REQUIRE(run_until(ioc, [&] { return again.has_value(); }));
  BOOST_TEST((*again == mink::errc::saga_not_retryable));
  std::optional<error_code> missing;
  manager->async_retry("Trip-nope", [&](error_code ec) { missing = ec; });
  BOOST_REQUIRE(run_until(ioc, [&] { return missing.has_value(); }));
  BOOST_TEST((*missing == mink::errc::saga_not_found));
}

BOOST_FIXTURE_TEST_CASE(a_step_that_fails_the_saga_is_run_again_by_retry, trip_fixture) {
  refused.insert("Car");
  start(60s, mink::actors::step_failure_policy::fail_saga);
  request("t1");
  BOOST_REQUIRE(wait_for_status("Trip-t1", saga_status::failed));
  settle(30ms);
  auto s = find("Trip-t1");
  BOOST_TEST((status_of(*s, "Car") == step_status::failed));
  BOOST_TEST((status_of(*s, "Hotel") == step_status::completed));  // not compensated
  BOOST_TEST((what_was_booked() == std::vector<std::string>{"Flight", "Hotel", "Car"}));

  refused.clear();
  std::optional<error_code> retried;
  manager->async_retry("Trip-t1", [&](error_code ec) { retried = ec; });
  BOOST_TEST(!retried.has_value());  // never inline
  BOOST_REQUIRE(run_until(ioc, [&] { return retried.has_value(); }));
  BOOST_TEST(!*retried);
  s = find("Trip-t1");
  BOOST_TEST((s->status == saga_status::running));
  BOOST_TEST((status_of(*s, "Car") == step_status::completed));
  BOOST_TEST((status_of(*s, "Pay") == step_status::running));  // and on from there
  BOOST_TEST((what_was_booked() == std::vector<std::string>{"Flight", "Hotel", "Car", "Car"}));
  BOOST_TEST(booked[2].first == booked[3].first);  // the same command id: a replay to an idempotency stage
  paid("t1");
  BOOST_REQUIRE(wait_for_status("Trip-t1", saga_status::completed));
}

BOOST_FIXTURE_TEST_CASE(a_deadline_fires_once_and_fails_its_step, trip_fixture) {
  start(30ms);
  request("t1");
  BOOST_REQUIRE(wait_for_status("Trip-t1", saga_status::compensated));
  auto s = find("Trip-t1");
  BOOST_TEST((status_of(*s, "Pay") == step_status::failed));
  auto pay = std::find_if(s->steps.begin(), s->steps.end(), [](const auto& x) { return x.name == "Pay"; });
  BOOST_TEST(pay->error == "payment timed out");
  BOOST_TEST((what_was_booked() ==
              std::vector<std::string>{"Flight", "Hotel", "Car", "undo-Car", "undo-Hotel", "undo-Flight"}));
  const auto version = s->version;
  settle(150ms);
  BOOST_TEST(manager->stats().deadlines_fired == 1u);
  BOOST_TEST(find("Trip-t1")->version == version);
  // A late Paid changes nothing: the step is no longer running.
  paid("t1");
  settle(50ms);
  BOOST_TEST(find("Trip-t1")->version == version + 1);  // only its processed marker
  BOOST_TEST((find("Trip-t1")->status == saga_status::compensated));
}

BOOST_FIXTURE_TEST_CASE(a_deadline_cancelled_by_the_answer_never_fires, trip_fixture) {
  start(80ms);
  request("t1");
  BOOST_REQUIRE(wait_for_status("Trip-t1", saga_status::running));
  paid("t1");
  BOOST_REQUIRE(wait_for_status("Trip-t1", saga_status::completed));
  settle(200ms);
  BOOST_TEST(manager->stats().deadlines_fired == 0u);
  BOOST_TEST((find("Trip-t1")->status == saga_status::completed));
}

BOOST_FIXTURE_TEST_CASE(commands_carry_ids_derived_from_saga_and_step, trip_fixture) {
  start();
  request("t1");
  BOOST_REQUIRE(wait_for_status("Trip-t1", saga_status::running));
  BOOST_REQUIRE(booked.size() == 3u);
  BOOST_TEST(booked[0].first == mink::actors::saga_command_id("Trip-t1", "Flight"));
  BOOST_TEST(booked[1].first == mink::actors::saga_command_id("Trip-t1", "Hotel"));
  // A name-based (SHA-1, version 5) UUID: the same in every process, computed elsewhere too.
  BOOST_TEST(booked[0].first == "3e05cb6f-05f6-5d62-b80c-de341c0a3a20");
  BOOST_TEST(mink::is_uuid(booked[0].first));
  BOOST_TEST(mink::actors::saga_command_id("Trip-t1", "Flight") != mink::actors::saga_command_id("Trip-t2", "Flight"));
}

BOOST_FIXTURE_TEST_CASE(queries_and_counts_go_through_the_store, trip_fixture) {
  refused.insert("Flight");
  start();
  request("t1");
  request("t2");
  BOOST_REQUIRE(wait_for_status("Trip-t2", saga_status::compensated));
  BOOST_REQUIRE(wait_for_status("Trip-t1", saga_status::compensated));
  std::optional<mink::persistence::saga_status_counts> counts;
  manager->async_count_by_status("Trip", [&](error_code ec, mink::persistence::saga_status_counts c) {
    BOOST_TEST(!ec);
    counts = std::move(c);
  });
  BOOST_REQUIRE(run_until(ioc, [&] { return counts.has_value(); }));
  BOOST_TEST(counts->total == 2u);
  BOOST_TEST(counts->by_status[saga_status::compensated] == 2u);
  std::optional<std::vector<saga_state>> by_correlation;
  manager->async_find_by_correlation("t2", [&](error_code ec, std::vector<saga_state> v) {
    BOOST_TEST(!ec);
    by_correlation = std::move(v);
  });
  BOOST_REQUIRE(run_until(ioc, [&] { return by_correlation.has_value(); }));
  BOOST_REQUIRE(by_correlation->size() == 1u);
  BOOST_TEST((*by_correlation)[0].saga_id == "Trip-t2");
}

BOOST_FIXTURE_TEST_CASE(wake_reads_at_once_instead_of_at_the_next_poll_and_coalesces, trip_fixture) {
  manager_params.poll_interval = 10s;
  start();
  settle(30ms);  // the log was read (empty); the next poll is 10 s away
  request("t1");
  settle(100ms);
  BOOST_TEST(!find("Trip-t1"));
  std::thread other([this] {
    for (int i = 0; i < 100; ++i) manager->wake();
  });
  other.join();
  BOOST_REQUIRE(wait_for_status("Trip-t1", saga_status::running, 1000ms));
  BOOST_TEST(manager->stats().wakes == 1u);  // a hundred wakes before the manager ran: one read
}

BOOST_AUTO_TEST_CASE(definitions_are_checked_when_added) {
  saga_fixture f;
  mink::command_bus bus(f.ioc.get_executor());
  mink::actors::saga_manager m(f.ioc.get_executor(), f.events, f.sagas, f.deadlines, f.checkpoints, bus);
  saga_definition nameless = trip_saga(1s);
  nameless.type.clear();
  BOOST_TEST((m.add(nameless) == mink::errc::empty_saga_type));
  saga_definition uncorrelated = trip_saga(1s);
  uncorrelated.correlate = nullptr;
  BOOST_TEST((m.add(uncorrelated) == mink::errc::empty_name));
  BOOST_TEST(!m.add(trip_saga(1s)));
  BOOST_TEST((m.add(trip_saga(1s)) == mink::errc::duplicate_registration));
}

BOOST_AUTO_TEST_SUITE_END()
