#include <mink/http/admin_routes.hpp>
#include <mink/http/readiness.hpp>
#include <mink/messaging/rfc3339.hpp>

#include "http_test_support.hpp"
#include "projection_runner_support.hpp"
#include "saga_test_support.hpp"

#include <boost/beast/http/field.hpp>
#include <boost/test/unit_test.hpp>

#include <optional>
#include <stdexcept>
#include <string>

namespace http = mink::http;
using mink::test::handle_on;
using mink::test::json_of;
using namespace projection_test;

namespace {

/// A runner over the test projection "tally" and an inline one, "inline", with admin routes and
/// readiness (no pool) on one router.
struct admin_fixture : fixture {
  mink::persistence::memory_projection<tally> inline_inner{ioc.get_executor(), "inline"};
  runner_type runner{ioc.get_executor(), store, fast()};
  http::router r;
  admin_fixture() {
    BOOST_REQUIRE(!runner.add(proj));
    mink::actors::projection_options options;
    options.mode = mink::actors::projection_mode::inline_;
    BOOST_REQUIRE(!runner.add(inline_inner, options));
    http::add_projection_routes(r, runner);
    http::readiness_params ready;
    ready.projections = &runner;
    ready.retry_after = std::chrono::seconds(7);
    http::add_readiness_route(r, ready);
  }
  http::response get(std::string target) { return handle_on(ioc, r, http::verb::get, std::move(target)); }
  http::response post(std::string target) { return handle_on(ioc, r, http::verb::post, std::move(target)); }
  std::string state_of(const std::string& name) { return std::string(mink::actors::to_string(runner.status(name)->state)); }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(http_projection_routes)

BOOST_FIXTURE_TEST_CASE(lists_and_shows_projections, admin_fixture) {
  append_added(1, 3);
  running run(*this, runner);
  BOOST_REQUIRE(run_until(ioc, [&] { return seen().size() == 3u && runner.status("tally")->lag == 0; }));

  auto list = get("/projections");
  BOOST_TEST(list.result_int() == 200u);
  auto items = json_of(list).at("projections").as_array();
  BOOST_REQUIRE(items.size() == 2u);
  const auto& tally = items[0].as_object();
  BOOST_TEST(tally.at("name").as_string() == "tally");
  BOOST_TEST(tally.at("state").as_string() == "running");
  BOOST_TEST(tally.at("position").as_int64() == positions.back());
  BOOST_TEST(tally.at("head").as_int64() == positions.back());
  BOOST_TEST(tally.at("lag").as_int64() == 0);
  BOOST_TEST(!tally.contains("fault"));
  BOOST_TEST(!tally.contains("rebuild_position"));
  BOOST_TEST(items[1].as_object().at("state").as_string() == "inline");

  auto one = get("/projections/tally");
  BOOST_TEST(one.result_int() == 200u);
  BOOST_TEST(json_of(one).at("name").as_string() == "tally");

  auto unknown = get("/projections/nope");
  BOOST_TEST(unknown.result_int() == 404u);
  BOOST_TEST(json_of(unknown).at("type").as_string() == "/problems/unknown-projection");
  BOOST_TEST(post("/projections/nope/pause").result_int() == 404u);
  BOOST_TEST(post("/projections/nope/resume").result_int() == 404u);
  BOOST_TEST(post("/projections/nope/rebuild").result_int() == 404u);
}

BOOST_FIXTURE_TEST_CASE(pause_resume_and_readiness, admin_fixture) {
  append_added(1, 2);
  running run(*this, runner);
  BOOST_REQUIRE(run_until(ioc, [&] { return seen().size() == 2u; }));
  auto ready = get("/readyz");
  BOOST_TEST(ready.result_int() == 200u);
  auto body = json_of(ready);
  BOOST_TEST(body.at("status").as_string() == "ready");
  BOOST_TEST(body.at("checks").as_object().at("projections").as_object().at("status").as_string() == "pass");
  BOOST_TEST(!body.at("checks").as_object().contains("database"));  // no pool: skipped

  auto paused = post("/projections/tally/pause");
  BOOST_TEST(paused.result_int() == 200u);
  BOOST_TEST(json_of(paused).at("state").as_string() == "paused");
  auto not_ready = get("/readyz");
  BOOST_TEST(not_ready.result_int() == 503u);
  BOOST_TEST(not_ready[boost::beast::http::field::retry_after] == "7");
  BOOST_TEST(not_ready[boost::beast::http::field::content_type] == "application/problem+json");
  auto problem = json_of(not_ready);
  BOOST_TEST(problem.at("type").as_string() == "/problems/not-ready");
  const auto& check = problem.at("checks").as_object().at("projections").as_object();
  BOOST_TEST(check.at("status").as_string() == "fail");
  BOOST_TEST(check.at("reason").as_string() == "not_running");
  const auto& stopped = check.at("projections").as_array();
  BOOST_REQUIRE(stopped.size() == 1u);
  BOOST_TEST(stopped[0].as_object().at("name").as_string() == "tally");
  BOOST_TEST(stopped[0].as_object().at("state").as_string() == "paused");

  auto resumed = post("/projections/tally/resume");
  BOOST_TEST(resumed.result_int() == 200u);
  BOOST_TEST(json_of(resumed).at("state").as_string() == "running");
  BOOST_TEST(get("/readyz").result_int() == 200u);
}

BOOST_FIXTURE_TEST_CASE(a_faulted_projection_shows_its_fault_and_is_not_ready, admin_fixture) {
  poison = 2;
  append_added(1, 3);
  running run(*this, runner);
  BOOST_REQUIRE(run_until(ioc, [&] { return state_of("tally") == "faulted"; }));
  auto res = get("/projections/tally");
  BOOST_TEST(res.result_int() == 200u);
  auto body = json_of(res);
  BOOST_TEST(body.at("state").as_string() == "faulted");
  const auto& fault = body.at("fault").as_object();
  BOOST_TEST(fault.at("position").as_int64() == positions[1]);
  BOOST_TEST(!fault.at("event_id").as_string().empty());
  BOOST_TEST(fault.at("type").as_string() == "Added");
  BOOST_TEST(fault.at("attempts").to_number<std::int64_t>() == 3);
  BOOST_TEST(fault.at("in_rebuild").as_bool() == false);
  BOOST_TEST(!fault.at("error").as_string().empty());

  auto not_ready = get("/readyz");
  BOOST_TEST(not_ready.result_int() == 503u);
  BOOST_TEST(not_ready[boost::beast::http::field::retry_after] == "7");

  poison.reset();
  BOOST_TEST(post("/projections/tally/resume").result_int() == 200u);
  BOOST_REQUIRE(run_until(ioc, [&] { return seen().size() == 3u && state_of("tally") == "running"; }));
  BOOST_TEST(get("/readyz").result_int() == 200u);
}

BOOST_FIXTURE_TEST_CASE(rebuild_is_accepted_and_inline_is_busy, admin_fixture) {
  append_added(1, 3);
  running run(*this, runner);
  BOOST_REQUIRE(run_until(ioc, [&] { return seen().size() == 3u; }));
  proj.hold_shadow = true;
  factor = 10;
  auto accepted = post("/projections/tally/rebuild");
  BOOST_TEST(accepted.result_int() == 202u);
  BOOST_REQUIRE(run_until(ioc, [&] { return state_of("tally") == "rebuilding" && proj.held() > 0; }));
  auto during = json_of(get("/projections/tally"));
  BOOST_TEST(during.at("state").as_string() == "rebuilding");
  BOOST_TEST(during.contains("rebuild_position"));
  BOOST_TEST(get("/readyz").result_int() == 200u);  // queries still read the live model
  BOOST_TEST(post("/projections/tally/rebuild").result_int() == 202u);  // a no-op while one runs
  proj.release();
  BOOST_REQUIRE(run_until(ioc, [&] { return state_of("tally") == "running" && seen() == range(1, 3, 10); }));

  auto busy = post("/projections/inline/rebuild");
  BOOST_TEST(busy.result_int() == 409u);
  BOOST_TEST(json_of(busy).at("type").as_string() == "/problems/projection-busy");
}

BOOST_AUTO_TEST_SUITE_END()

namespace {

using saga_test::saga_fixture;
using saga_test::saga_state;
using saga_test::saga_status;

struct saga_routes_fixture : saga_fixture {
  mink::command_bus bus{ioc.get_executor()};
  http::router r;

  void save(saga_state s) {
    bool done = false;
    sagas.async_save(std::move(s), 0, [&](saga_test::error_code ec, std::uint64_t) {
      BOOST_TEST(!ec);
      done = true;
    });
    BOOST_REQUIRE(run_until(ioc, [&] { return done; }));
  }
  static saga_state make(std::string id, std::string correlation, saga_status status) {
    saga_state s;
    s.saga_id = std::move(id);
    s.saga_type = "Trip";
    s.correlation_id = std::move(correlation);
    s.status = status;
    s.current_step = "Hotel";
    mink::persistence::saga_step step;
    step.name = "Hotel";
    step.status = mink::persistence::step_status::failed;
    step.started_at = std::chrono::system_clock::time_point(std::chrono::milliseconds(1700000000123));
    step.error = "no rooms";
    s.steps.push_back(step);
    s.data = boost::json::value{{"nights", 2}};
    s.processed = {"e1", "e2"};
    return s;
  }
  http::response get(std::string target) { return handle_on(ioc, r, http::verb::get, std::move(target)); }
  http::response post(std::string target) { return handle_on(ioc, r, http::verb::post, std::move(target)); }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(http_saga_routes)

BOOST_FIXTURE_TEST_CASE(finds_sagas_by_id_and_correlation_and_counts_them, saga_routes_fixture) {
  http::add_saga_routes(r, sagas, nullptr);
  save(make("Trip-1", "c-1", saga_status::failed));
  save(make("Trip-2", "c-1", saga_status::completed));
  save(make("Trip-3", "c-2", saga_status::running));

  auto one = get("/sagas/Trip-1");
  BOOST_TEST(one.result_int() == 200u);
  auto saga = json_of(one);
  BOOST_TEST(saga.at("saga_id").as_string() == "Trip-1");
  BOOST_TEST(saga.at("saga_type").as_string() == "Trip");
  BOOST_TEST(saga.at("correlation_id").as_string() == "c-1");
  BOOST_TEST(saga.at("status").as_string() == "failed");
  BOOST_TEST(saga.at("current_step").as_string() == "Hotel");
  BOOST_TEST(saga.at("version").to_number<std::int64_t>() == 1);
  BOOST_TEST(saga.at("data").as_object().at("nights").as_int64() == 2);
  BOOST_TEST(saga.at("processed_events").to_number<std::int64_t>() == 2);
  const auto& step = saga.at("steps").as_array().at(0).as_object();
  BOOST_TEST(step.at("name").as_string() == "Hotel");
  BOOST_TEST(step.at("status").as_string() == "failed");
  BOOST_TEST(step.at("started_at").as_string() == "2023-11-14T22:13:20.123Z");
  BOOST_TEST(!step.contains("finished_at"));
  BOOST_TEST(step.at("error").as_string() == "no rooms");
  BOOST_TEST(mink::parse_rfc3339(std::string(saga.at("created_at").as_string())).has_value());
  BOOST_TEST(mink::parse_rfc3339(std::string(saga.at("updated_at").as_string())).has_value());

  auto missing = get("/sagas/Trip-9");
  BOOST_TEST(missing.result_int() == 404u);
  BOOST_TEST(json_of(missing).at("type").as_string() == "/problems/saga-not-found");

  auto by_correlation = json_of(get("/sagas?correlation_id=c-1")).at("items").as_array();
  BOOST_REQUIRE(by_correlation.size() == 2u);
  BOOST_TEST(by_correlation[0].as_object().at("saga_id").as_string() == "Trip-1");
  BOOST_TEST(by_correlation[1].as_object().at("saga_id").as_string() == "Trip-2");
  BOOST_TEST(json_of(get("/sagas?correlation_id=none")).at("items").as_array().empty());
  for (const char* bad : {"/sagas", "/sagas?correlation_id=", "/sagas?other=1"}) {
    auto res = get(bad);
    BOOST_TEST(res.result_int() == 400u, bad);
    BOOST_TEST(json_of(res).at("type").as_string() == "/problems/missing-parameter");
  }

  auto stats = get("/sagas/stats");  // the literal beats /sagas/{saga_id}
  BOOST_TEST(stats.result_int() == 200u);
  auto counts = json_of(stats);
  BOOST_TEST(counts.at("total").to_number<std::int64_t>() == 3);
  const auto& by_status = counts.at("by_status").as_object();
  BOOST_TEST(by_status.size() == 6u);
  BOOST_TEST(by_status.at("failed").to_number<std::int64_t>() == 1);
  BOOST_TEST(by_status.at("completed").to_number<std::int64_t>() == 1);
  BOOST_TEST(by_status.at("running").to_number<std::int64_t>() == 1);
  BOOST_TEST(by_status.at("compensated").to_number<std::int64_t>() == 0);

  // No manager: retry is not routed.
  auto retry = post("/sagas/Trip-1/retry");
  BOOST_TEST(retry.result_int() == 404u);
  BOOST_TEST(json_of(retry).at("type").as_string() == "/problems/not-found");
}

BOOST_FIXTURE_TEST_CASE(retry_maps_the_managers_errors, saga_routes_fixture) {
  mink::actors::saga_definition trip;
  trip.type = "Trip";
  trip.correlate = [](const mink::recorded_event&) { return std::string(); };  // reads nothing
  std::vector<mink::actors::saga_definition> defs;
  defs.push_back(std::move(trip));
  start(bus, std::move(defs));
  http::add_saga_routes(r, sagas, manager.get());
  auto cruise = make("Cruise-1", "c-1", saga_status::failed);
  cruise.saga_type = "Cruise";
  save(std::move(cruise));
  save(make("Trip-2", "c-1", saga_status::completed));

  auto missing = post("/sagas/Trip-9/retry");
  BOOST_TEST(missing.result_int() == 404u);
  BOOST_TEST(json_of(missing).at("type").as_string() == "/problems/saga-not-found");
  auto done = post("/sagas/Trip-2/retry");
  BOOST_TEST(done.result_int() == 409u);
  BOOST_TEST(json_of(done).at("type").as_string() == "/problems/saga-not-retryable");
  auto unknown_type = post("/sagas/Cruise-1/retry");  // no definition runs "Cruise" here
  BOOST_TEST(unknown_type.result_int() == 409u);
  BOOST_TEST(json_of(unknown_type).at("type").as_string() == "/problems/unknown-saga-type");

  stop();
}

BOOST_AUTO_TEST_CASE(database_failures_are_503_and_others_500_without_text) {
  using mink::errc;
  for (const auto e : {errc::acquire_timeout, errc::connect_timeout, errc::pool_not_running, errc::pool_exhausted}) {
    BOOST_TEST(http::is_database_unavailable(e));
    auto res = http::failure_response(e, 11);
    BOOST_TEST(res.result_int() == 503u);
    BOOST_TEST(res[boost::beast::http::field::retry_after] == "1");
    BOOST_TEST(json_of(res).at("type").as_string() == "/problems/service-unavailable");
  }
  BOOST_TEST(!http::is_database_unavailable(errc::invalid_value));
  BOOST_CHECK_THROW(http::failure_response(errc::invalid_value, 11), std::exception);

  // Through a route: the router answers 500 and logs the text.
  boost::asio::io_context ioc;
  std::string logged;
  http::router r(http::router_params{[&](std::string_view, std::string_view what) { logged = what; }, {}});
  r.get("/fails", [](http::request_context& ctx) -> boost::asio::awaitable<http::response> {
    co_return http::failure_response(errc::invalid_value, ctx.req.version());
  });
  auto res = handle_on(ioc, r, http::verb::get, "/fails");
  BOOST_TEST(res.result_int() == 500u);
  BOOST_TEST(res.body().find(saga_test::error_code(errc::invalid_value).message()) == std::string::npos);
  BOOST_TEST(!logged.empty());
}

BOOST_AUTO_TEST_SUITE_END()
