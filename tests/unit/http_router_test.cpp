#include <mink/http/json_body.hpp>
#include <mink/http/problem.hpp>
#include <mink/http/router.hpp>
#include <mink/messaging/uuid.hpp>

#include "run_until.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/json/parse.hpp>
#include <boost/test/unit_test.hpp>

#include <optional>
#include <stdexcept>
#include <string>

namespace asio = boost::asio;
namespace http = mink::http;

namespace {

http::request make_request(http::verb method, std::string target) {
  http::request req{method, target, 11};
  return req;
}

http::response dispatch(const http::router& r, http::request req) {
  asio::io_context ioc;
  std::optional<http::response> out;
  bool failed = false;
  asio::co_spawn(ioc, r.handle(std::move(req)), [&](std::exception_ptr ep, http::response res) {
    failed = static_cast<bool>(ep);
    out = std::move(res);
  });
  BOOST_REQUIRE(mink::test::run_until(ioc, [&] { return out.has_value(); }));
  BOOST_REQUIRE(!failed);
  return std::move(*out);
}

boost::json::object body_of(const http::response& res) { return boost::json::parse(res.body()).as_object(); }

// A handler answering with what it saw: {"route", "params": {...}, "query": {...}}.
http::route_handler echo(std::string name) {
  return [name](http::request_context& ctx) -> asio::awaitable<http::response> {
    boost::json::object params;
    for (const auto& [k, v] : ctx.path_params) params[k] = v;
    boost::json::object query;
    for (const auto& [k, v] : ctx.query_params) query[k] = v;
    boost::json::object body;
    body["route"] = name;
    body["params"] = params;
    body["query"] = query;
    body["correlation_id"] = ctx.correlation_id;
    co_return http::make_json_response(http::status::ok, body);
  };
}

struct routes {
  http::router r;
  std::string logged;
  routes()
      : r(http::router_params{[this](std::string_view id, std::string_view what) {
          logged = std::string(id) + ": " + std::string(what);
        }}) {
    r.get("/orders", echo("list"));
    r.post("/orders", echo("create"));
    r.get("/orders/{id}", echo("get"));
    r.post("/orders/{id}/items", echo("add_item"));
    r.get("/orders/stats", echo("stats"));
    r.get("/boom", [](http::request_context&) -> asio::awaitable<http::response> {
      throw std::runtime_error("secret database password in the text");
      co_return http::response{};
    });
    http::add_health_routes(r);
  }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(http_router)

BOOST_AUTO_TEST_CASE(matches_patterns_and_extracts_parameters) {
  routes t;
  auto res = dispatch(t.r, make_request(http::verb::post, "/orders/o%2F1/items"));
  BOOST_TEST(res.result_int() == 200u);
  auto body = body_of(res);
  BOOST_TEST(body["route"].as_string() == "add_item");
  BOOST_TEST(body["params"].as_object()["id"].as_string() == "o/1");

  BOOST_TEST(body_of(dispatch(t.r, make_request(http::verb::get, "/orders")))["route"].as_string() == "list");
  BOOST_TEST(body_of(dispatch(t.r, make_request(http::verb::post, "/orders")))["route"].as_string() == "create");
  BOOST_TEST(body_of(dispatch(t.r, make_request(http::verb::get, "/orders/42")))["route"].as_string() == "get");
  // A literal segment beats a parameter, whatever the registration order.
  BOOST_TEST(body_of(dispatch(t.r, make_request(http::verb::get, "/orders/stats")))["route"].as_string() == "stats");
}

BOOST_AUTO_TEST_CASE(decodes_query_parameters) {
  routes t;
  auto res = dispatch(t.r, make_request(http::verb::get, "/orders?status=Sub+mitted&customer_id=c%26d&flag&limit="));
  BOOST_TEST(res.result_int() == 200u);
  auto query = body_of(res)["query"].as_object();
  BOOST_TEST(query["status"].as_string() == "Sub mitted");
  BOOST_TEST(query["customer_id"].as_string() == "c&d");
  BOOST_TEST(query["flag"].as_string() == "");
  BOOST_TEST(query["limit"].as_string() == "");

  for (const char* bad : {"/orders?x=%zz", "/orders?x=%4", "/orders?x=%"}) {
    auto r = dispatch(t.r, make_request(http::verb::get, bad));
    BOOST_TEST(r.result_int() == 400u, bad);
    BOOST_TEST(r[boost::beast::http::field::content_type] == "application/problem+json");
    BOOST_TEST(body_of(r)["type"].as_string() == "/problems/invalid-query");
  }
  BOOST_TEST(dispatch(t.r, make_request(http::verb::get, "/orders/%G1")).result_int() == 400u);
}

BOOST_AUTO_TEST_CASE(unknown_paths_are_404_problems) {
  routes t;
  for (const char* path : {"/nothing", "/orders/1/items/2", "/orders/", "/"}) {
    auto res = dispatch(t.r, make_request(http::verb::get, path));
    BOOST_TEST(res.result_int() == 404u, path);
    auto body = body_of(res);
    BOOST_TEST(body["type"].as_string() == "/problems/not-found");
    BOOST_TEST(body["status"].as_int64() == 404);
    BOOST_TEST(body.contains("title"));
    BOOST_TEST(body.contains("detail"));
    BOOST_TEST(!res["X-Correlation-ID"].empty());
  }
}

BOOST_AUTO_TEST_CASE(wrong_method_is_405_with_allow) {
  routes t;
  auto res = dispatch(t.r, make_request(http::verb::delete_, "/orders"));
  BOOST_TEST(res.result_int() == 405u);
  BOOST_TEST(res[boost::beast::http::field::allow] == "GET, POST");
  BOOST_TEST(body_of(res)["type"].as_string() == "/problems/method-not-allowed");
  auto items = dispatch(t.r, make_request(http::verb::get, "/orders/1/items"));
  BOOST_TEST(items.result_int() == 405u);
  BOOST_TEST(items[boost::beast::http::field::allow] == "POST");
}

BOOST_AUTO_TEST_CASE(correlation_ids_given_generated_or_rejected) {
  routes t;
  auto given = make_request(http::verb::get, "/orders");
  given.set("X-Correlation-ID", "abc-123 xyz");
  auto res = dispatch(t.r, given);
  BOOST_TEST(res.result_int() == 200u);
  BOOST_TEST(res["X-Correlation-ID"] == "abc-123 xyz");
  BOOST_TEST(body_of(res)["correlation_id"].as_string() == "abc-123 xyz");

  auto generated = dispatch(t.r, make_request(http::verb::get, "/orders"));
  BOOST_TEST(mink::is_uuid(std::string(generated["X-Correlation-ID"])));

  for (const std::string& bad : {std::string(256, 'a'), std::string("caf\xc3\xa9"), std::string("tab\there")}) {
    auto req = make_request(http::verb::get, "/orders");
    req.set("X-Correlation-ID", bad);
    auto r = dispatch(t.r, req);
    BOOST_TEST(r.result_int() == 400u);
    BOOST_TEST(body_of(r)["type"].as_string() == "/problems/invalid-header");
    BOOST_TEST(mink::is_uuid(std::string(r["X-Correlation-ID"])));
  }
  auto longest = make_request(http::verb::get, "/orders");
  longest.set("X-Correlation-ID", std::string(255, 'z'));
  BOOST_TEST(dispatch(t.r, longest).result_int() == 200u);
}

BOOST_AUTO_TEST_CASE(a_throwing_handler_is_a_500_without_its_text) {
  routes t;
  auto req = make_request(http::verb::get, "/boom");
  req.set("X-Correlation-ID", "corr-1");
  auto res = dispatch(t.r, req);
  BOOST_TEST(res.result_int() == 500u);
  BOOST_TEST(res["X-Correlation-ID"] == "corr-1");
  BOOST_TEST(res.body().find("secret") == std::string::npos);
  auto body = body_of(res);
  BOOST_TEST(body["type"].as_string() == "/problems/internal-error");
  BOOST_TEST(body["correlation_id"].as_string() == "corr-1");
  BOOST_TEST(t.logged == "corr-1: secret database password in the text");
}

BOOST_AUTO_TEST_CASE(context_accessors_find_parameters_by_name) {
  http::router r;
  r.get("/a/{x}/b/{y}", [](http::request_context& ctx) -> asio::awaitable<http::response> {
    boost::json::object body;
    body["x"] = ctx.param("x");
    body["y"] = ctx.param("y");
    body["none"] = ctx.param("z");
    body["first_k"] = std::string(ctx.query("k").value_or("absent"));
    body["missing"] = std::string(ctx.query("q").value_or("absent"));
    body["path"] = ctx.path;
    co_return http::make_json_response(http::status::ok, body);
  });
  auto body = body_of(dispatch(r, make_request(http::verb::get, "/a/1/b/two%20words?k=first&k=second")));
  BOOST_TEST(body["x"].as_string() == "1");
  BOOST_TEST(body["y"].as_string() == "two words");
  BOOST_TEST(body["none"].as_string() == "");
  BOOST_TEST(body["first_k"].as_string() == "first");
  BOOST_TEST(body["missing"].as_string() == "absent");
  BOOST_TEST(body["path"].as_string() == "/a/1/b/two words");
}

BOOST_AUTO_TEST_CASE(health_route_answers_ok) {
  routes t;
  auto res = dispatch(t.r, make_request(http::verb::get, "/healthz"));
  BOOST_TEST(res.result_int() == 200u);
  BOOST_TEST(res.body() == R"({"status":"ok"})");
  BOOST_TEST(res[boost::beast::http::field::content_type] == "application/json");
}

BOOST_AUTO_TEST_CASE(invalid_patterns_and_duplicates_are_rejected) {
  http::router r;
  BOOST_CHECK_THROW(r.get("orders", echo("x")), std::invalid_argument);
  BOOST_CHECK_THROW(r.get("/orders/{}", echo("x")), std::invalid_argument);
  BOOST_CHECK_THROW(r.get("/orders/{id", echo("x")), std::invalid_argument);
  BOOST_CHECK_THROW(r.get("/a/{id}/b/{id}", echo("x")), std::invalid_argument);
  r.get("/orders/{id}", echo("x"));
  BOOST_CHECK_THROW(r.get("/orders/{other}", echo("x")), std::invalid_argument);
  BOOST_CHECK_NO_THROW(r.post("/orders/{other}", echo("x")));
}

BOOST_AUTO_TEST_CASE(problem_bodies_carry_extensions) {
  http::problem p;
  p.status = http::status::conflict;
  p.slug = "concurrency-conflict";
  p.title = "Concurrency conflict";
  p.detail = "expected 1, got 2";
  p.extensions["expected_version"] = 1;
  p.extensions["actual_version"] = 2;
  p.extensions["status"] = "ignored";
  auto res = http::make_problem_response(p);
  BOOST_TEST(res.result_int() == 409u);
  BOOST_TEST(res[boost::beast::http::field::content_type] == "application/problem+json");
  auto body = body_of(res);
  BOOST_TEST(body["type"].as_string() == "/problems/concurrency-conflict");
  BOOST_TEST(body["status"].as_int64() == 409);
  BOOST_TEST(body["expected_version"].as_int64() == 1);
  BOOST_TEST(body["actual_version"].as_int64() == 2);
  BOOST_TEST(body.size() == 6u);
}

BOOST_AUTO_TEST_SUITE_END()
