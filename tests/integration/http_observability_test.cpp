#include "async_test.hpp"

#include <mink/http/metrics_route.hpp>
#include <mink/http/readiness.hpp>
#include <mink/http/router.hpp>

#include <boost/beast/http/field.hpp>
#include <boost/json/parse.hpp>

#include <string>

using namespace mink::test;
namespace http = mink::http;

namespace {

asio::awaitable<http::response> get(const http::router& r, std::string target) {
  http::request req{http::verb::get, target, 11};
  auto res = co_await r.handle(std::move(req));
  co_return res;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(http_observability)

BOOST_AUTO_TEST_CASE(readyz_and_metrics_with_a_real_pool) {
  pool_fixture f;
  http::router r;
  http::readiness_params ready;
  ready.pool = &f.pool;
  http::add_readiness_route(r, ready);
  http::metrics_sources sources;
  sources.pool = &f.pool;
  http::add_metrics_route(r, sources);

  f.run([&]() -> asio::awaitable<void> {
    auto res = co_await get(r, "/readyz");
    BOOST_TEST(res.result_int() == 200u);
    auto body = boost::json::parse(res.body()).as_object();
    BOOST_TEST(body.at("status").as_string() == "ready");
    BOOST_TEST(body.at("checks").as_object().at("database").as_object().at("status").as_string() == "pass");
    BOOST_TEST(!body.at("checks").as_object().contains("projections"));

    auto metrics = co_await get(r, "/metrics");
    BOOST_TEST(metrics.result_int() == 200u);
    BOOST_TEST(metrics[boost::beast::http::field::content_type] == "text/plain; version=0.0.4; charset=utf-8");
    const auto& text = metrics.body();
    // in_use may still count the connection the check returned (it is rolled back after return).
    BOOST_TEST(text.find("# TYPE mink_pool_connections_in_use gauge\nmink_pool_connections_in_use ") !=
               std::string::npos);
    BOOST_TEST(text.find("# TYPE mink_pool_connections_idle gauge\n") != std::string::npos);
    BOOST_TEST(text.find("\nmink_pool_waiting 0\n") != std::string::npos);
    BOOST_TEST(text.find("\nmink_pool_acquire_timeouts_total 0\n") != std::string::npos);
    // The readiness check connected at least once.
    BOOST_TEST(text.find("\nmink_pool_connects_total 0\n") == std::string::npos);
    BOOST_TEST(text.find("\nmink_pool_connects_total ") != std::string::npos);
  });
}

BOOST_AUTO_TEST_CASE(readyz_is_503_within_its_bound_when_the_database_is_unreachable) {
  auto params = default_pool_params(1);
  params.connection_string = "host=127.0.0.1 port=1 dbname=nothing user=nobody connect_timeout=1";
  params.min_size = 0;
  pool_fixture f(params);
  http::router r;
  http::readiness_params ready;
  ready.pool = &f.pool;
  ready.database_timeout = std::chrono::milliseconds(300);
  http::add_readiness_route(r, ready);

  f.run([&]() -> asio::awaitable<void> {
    const auto start = std::chrono::steady_clock::now();
    auto res = co_await get(r, "/readyz");
    const auto took = std::chrono::steady_clock::now() - start;
    BOOST_TEST(res.result_int() == 503u);
    BOOST_TEST(!res[boost::beast::http::field::retry_after].empty());
    auto body = boost::json::parse(res.body()).as_object();
    BOOST_TEST(body.at("type").as_string() == "/problems/not-ready");
    const auto& db = body.at("checks").as_object().at("database").as_object();
    BOOST_TEST(db.at("status").as_string() == "fail");
    const auto reason = std::string(db.at("reason").as_string());
    BOOST_TEST((reason == "timeout" || reason == "unavailable"), reason);
    BOOST_TEST(res.body().find("127.0.0.1") == std::string::npos);  // no driver text
    BOOST_TEST((took < std::chrono::seconds(2)));
  });
}

BOOST_AUTO_TEST_SUITE_END()
