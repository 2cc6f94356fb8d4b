#include <mink/http/http_metrics.hpp>
#include <mink/http/metrics_route.hpp>
#include <mink/http/problem.hpp>
#include <mink/http/prometheus.hpp>
#include <mink/messaging/metrics_middleware.hpp>

#include "http_test_support.hpp"
#include "projection_runner_support.hpp"

#include <boost/beast/http/field.hpp>
#include <boost/test/unit_test.hpp>

#include <stdexcept>
#include <string>
#include <vector>

namespace asio = boost::asio;
namespace http = mink::http;
using mink::test::handle_on;

namespace {

asio::awaitable<http::response> ok_handler(http::request_context& ctx) {
  co_return http::make_json_response(http::status::ok, boost::json::object{}, ctx.req.version());
}

bool contains(const std::string& text, const std::string& line) {
  return text.find(line) != std::string::npos;
}

struct observed {
  asio::io_context ioc;
  http::http_metrics metrics;
  std::vector<http::request_record> records;
  bool throw_from_observer = false;
  http::router r{http::router_params{{}, [this](const http::request_record& rec) {
                                       records.push_back(rec);
                                       metrics.record(rec);
                                       if (throw_from_observer) throw std::runtime_error("observer failed");
                                     }}};
  observed() {
    r.get("/orders/{id}", ok_handler);
    r.post("/orders", ok_handler);
  }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(http_metrics)

BOOST_FIXTURE_TEST_CASE(on_response_reports_each_request_once, observed) {
  http::request req{http::verb::get, "/orders/o%2F1?x=1", 11};
  req.set("X-Correlation-ID", "corr-1");
  auto res = handle_on(ioc, r, std::move(req));
  BOOST_TEST(res.result_int() == 200u);
  BOOST_REQUIRE(records.size() == 1u);
  BOOST_TEST(records[0].method == "GET");
  BOOST_TEST(records[0].path == "/orders/o%2F1");
  BOOST_TEST(records[0].route == "/orders/{id}");
  BOOST_TEST(records[0].status == 200u);
  BOOST_TEST(records[0].correlation_id == "corr-1");
  BOOST_TEST(records[0].duration.count() >= 0);

  BOOST_TEST(handle_on(ioc, r, http::verb::get, "/nowhere").result_int() == 404u);
  BOOST_TEST(handle_on(ioc, r, http::verb::delete_, "/orders").result_int() == 405u);
  BOOST_REQUIRE(records.size() == 3u);
  BOOST_TEST(records[1].route == "");
  BOOST_TEST(records[1].status == 404u);
  BOOST_TEST(records[2].route == "");
  BOOST_TEST(records[2].status == 405u);
  BOOST_TEST(!records[1].correlation_id.empty());  // generated
  BOOST_TEST(records[1].correlation_id != records[2].correlation_id);
}

BOOST_FIXTURE_TEST_CASE(an_observer_that_throws_does_not_change_the_answer, observed) {
  throw_from_observer = true;
  auto res = handle_on(ioc, r, http::verb::get, "/orders/1");
  BOOST_TEST(res.result_int() == 200u);
  BOOST_TEST(records.size() == 1u);
}

BOOST_FIXTURE_TEST_CASE(requests_are_counted_by_method_route_and_status, observed) {
  handle_on(ioc, r, http::verb::get, "/orders/1");
  handle_on(ioc, r, http::verb::get, "/orders/2");
  handle_on(ioc, r, http::verb::post, "/orders");
  // Scanned paths all land in one series.
  handle_on(ioc, r, http::verb::get, "/admin.php");
  handle_on(ioc, r, http::verb::get, "/.env");
  http::request odd;
  odd.method_string("BREW");
  odd.target("/orders");
  odd.version(11);
  handle_on(ioc, r, std::move(odd));

  BOOST_TEST(metrics.requests("GET", "/orders/{id}", 200) == 2u);
  BOOST_TEST(metrics.requests("POST", "/orders", 200) == 1u);
  BOOST_TEST(metrics.requests("GET", "unmatched", 404) == 2u);
  BOOST_TEST(metrics.requests("OTHER", "unmatched", 405) == 1u);

  http::prometheus_writer w;
  metrics.write(w);
  const auto& text = w.text();
  BOOST_TEST(contains(text, "# TYPE mink_http_requests_total counter\n"));
  BOOST_TEST(contains(text, "mink_http_requests_total{method=\"GET\",route=\"/orders/{id}\",status=\"200\"} 2\n"));
  BOOST_TEST(contains(text, "mink_http_requests_total{method=\"GET\",route=\"unmatched\",status=\"404\"} 2\n"));
  BOOST_TEST(contains(text, "# TYPE mink_http_request_duration_seconds histogram\n"));
  BOOST_TEST(contains(text, "mink_http_request_duration_seconds_bucket{method=\"GET\",route=\"/orders/{id}\",le=\"+Inf\"} 2\n"));
  BOOST_TEST(contains(text, "mink_http_request_duration_seconds_count{method=\"POST\",route=\"/orders\"} 1\n"));
  BOOST_TEST(!contains(text, "admin.php"));
}

BOOST_AUTO_TEST_CASE(the_metrics_route_renders_every_source) {
  projection_test::fixture f;
  projection_test::runner_type runner(f.ioc.get_executor(), f.store, projection_test::fixture::fast());
  BOOST_REQUIRE(!runner.add(f.proj));
  f.append_added(1, 3);
  projection_test::running run(f, runner);
  BOOST_REQUIRE(projection_test::run_until(f.ioc, [&] { return f.seen().size() == 3u; }));

  http::http_metrics hm;
  mink::command_metrics cm;
  cm.record("PlaceOrder", "ok", std::chrono::milliseconds(3));
  cm.record_events("PlaceOrder", 2);
  mink::actors::registry_stats rs;
  rs.active = 4;
  rs.mailbox_depth = 7;

  http::metrics_sources src;
  src.http = &hm;
  src.commands = &cm;
  src.registries.emplace_back("orders", [rs] { return rs; });
  src.projections = &runner;
  http::router r(http::router_params{{}, [&hm](const http::request_record& rec) { hm.record(rec); }});
  http::add_metrics_route(r, src);

  handle_on(f.ioc, r, http::verb::get, "/metrics");  // the second scrape sees the first
  auto res = handle_on(f.ioc, r, http::verb::get, "/metrics");
  BOOST_TEST(res.result_int() == 200u);
  BOOST_TEST(res[boost::beast::http::field::content_type] == "text/plain; version=0.0.4; charset=utf-8");
  const auto& text = res.body();
  BOOST_TEST(contains(text, "mink_http_requests_total{method=\"GET\",route=\"/metrics\",status=\"200\"} 1\n"));
  BOOST_TEST(contains(text, "mink_commands_total{command_type=\"PlaceOrder\",outcome=\"ok\"} 1\n"));
  BOOST_TEST(contains(text, "mink_command_duration_seconds_bucket{command_type=\"PlaceOrder\",outcome=\"ok\",le=\"0.005\"} 1\n"));
  BOOST_TEST(contains(text, "mink_command_duration_seconds_bucket{command_type=\"PlaceOrder\",outcome=\"ok\",le=\"0.0025\"} 0\n"));
  BOOST_TEST(contains(text, "mink_events_appended_total{command_type=\"PlaceOrder\"} 2\n"));
  BOOST_TEST(contains(text, "mink_actors_active{registry=\"orders\"} 4\n"));
  BOOST_TEST(contains(text, "mink_actor_mailbox_depth{registry=\"orders\"} 7\n"));
  BOOST_TEST(contains(text, "mink_projection_lag{projection=\"tally\"} 0\n"));
  BOOST_TEST(contains(text, "mink_projection_position{projection=\"tally\"} " + std::to_string(f.positions.back()) + "\n"));
  BOOST_TEST(contains(text, "mink_projection_state{projection=\"tally\",state=\"running\"} 1\n"));
  BOOST_TEST(contains(text, "mink_projection_state{projection=\"tally\",state=\"faulted\"} 0\n"));
  BOOST_TEST(!contains(text, "mink_pool_"));
  // Each family's HELP appears once.
  std::size_t helps = 0;
  for (auto pos = text.find("# HELP mink_projection_state "); pos != std::string::npos;
       pos = text.find("# HELP mink_projection_state ", pos + 1))
    ++helps;
  BOOST_TEST(helps == 1u);
}

BOOST_AUTO_TEST_SUITE_END()
