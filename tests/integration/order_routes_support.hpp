#pragma once
// The order routes under test: an order system on the test database (manual or automatic
// fulfilment) with the routes on a router that the tests call directly (no socket), and helpers
// that build requests and read responses.
#include "pg_store_harness.hpp"

#include <ecommerce/app/order_system.hpp>
#include <ecommerce/http/order_routes.hpp>

#include <mink/http/router.hpp>
#include <mink/messaging/uuid.hpp>

#include <boost/beast/http/field.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace order_routes_test {

using namespace mink::test;
namespace http = mink::http;
namespace json = boost::json;
using ecommerce::order_system;
using boost::beast::http::field;

/// An order system running on the harness's pool, with the order routes; stopped at the end.
struct api {
  explicit api(pg_store_harness& h, ecommerce::fulfilment_mode mode = ecommerce::fulfilment_mode::manual,
               std::chrono::milliseconds read_your_writes_timeout = std::chrono::milliseconds(5000))
      : harness(h) {
    ecommerce::order_system_params params;
    params.fulfilment = mode;
    params.read_your_writes_timeout = read_your_writes_timeout;
    system = std::make_unique<order_system>(h.fixture.ioc.get_executor(), h.fixture.pool, params);
    h.run([&]() -> asio::awaitable<void> {
      auto [ec] = co_await system->async_start(tuple_awaitable);
      BOOST_REQUIRE_MESSAGE(!ec, ec.message());
    });
    system->async_run([this](error_code ec) {
      run_result = ec;
      run_done = true;
    });
    ecommerce::add_order_routes(routes, *system);
  }
  ~api() {
    system->cancel();
    run_until(harness.fixture.ioc, run_done, 30s);
  }

  pg_store_harness& harness;
  std::unique_ptr<order_system> system;
  http::router routes;
  bool run_done = false;
  error_code run_result;
};

/// A request with `body` (Content-Type: application/json unless the body is empty).
inline http::request make_request(http::verb method, std::string target, std::string body) {
  http::request req{method, target, 11};
  req.set(field::host, "test");
  if (!body.empty()) req.set(field::content_type, "application/json");
  req.body() = std::move(body);
  req.prepare_payload();
  return req;
}
inline http::request post(std::string target, std::string body) {
  return make_request(http::verb::post, std::move(target), std::move(body));
}
inline http::request get(std::string target) { return make_request(http::verb::get, std::move(target), ""); }
inline http::request with(http::request req, std::string_view name, std::string_view value) {
  req.set(name, value);
  return req;
}

inline asio::awaitable<http::response> call(const http::router& routes, http::request req) {
  http::response res = co_await routes.handle(std::move(req));
  co_return res;
}

inline int status_of(const http::response& res) { return static_cast<int>(res.result_int()); }
inline json::value body_of(const http::response& res) { return json::parse(res.body()); }
inline std::string header(const http::response& res, std::string_view name) { return std::string(res[name]); }

/// The response is the problem `status`, `slug`: its media type, type, status and a detail.
inline json::object expect_problem(const http::response& res, int status, std::string_view slug) {
  BOOST_TEST(status_of(res) == status, "status " << status_of(res) << ": " << res.body());
  BOOST_TEST(header(res, "Content-Type") == "application/problem+json");
  json::object p = body_of(res).as_object();
  BOOST_TEST(p["type"] == json::value("/problems/" + std::string(slug)), "body: " << res.body());
  BOOST_TEST(p["status"] == json::value(status));
  BOOST_TEST(p["detail"].is_string());
  return p;
}

/// The "field" of every member of a problem's "errors".
inline std::set<std::string> error_fields(const json::object& problem) {
  std::set<std::string> out;
  if (const auto* errors = problem.if_contains("errors")) {
    for (const auto& e : errors->as_array()) out.insert(std::string(e.at("field").as_string()));
  }
  return out;
}

inline std::string fresh(const std::string& tag) { return tag + "-" + mink::new_uuid().substr(0, 8); }

inline std::string create_body(const std::string& id, const std::string& customer) {
  json::object o{{"customer_id", customer}};
  if (!id.empty()) o["order_id"] = id;
  return json::serialize(o);
}

}  // namespace order_routes_test
