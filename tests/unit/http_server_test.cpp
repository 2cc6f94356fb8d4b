#include <mink/http/json_body.hpp>
#include <mink/http/problem.hpp>
#include <mink/http/router.hpp>
#include <mink/http/server.hpp>

#include "run_until.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/json/parse.hpp>
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <exception>
#include <memory>
#include <optional>
#include <string>

namespace asio = boost::asio;
namespace bh = boost::beast::http;
namespace http = mink::http;
using asio::ip::tcp;
using boost::system::error_code;
using namespace std::chrono_literals;

namespace {

// A client connection driven by coroutines on the test's io_context.
struct client {
  tcp::socket socket;
  boost::beast::flat_buffer buffer;
  explicit client(asio::io_context& ioc) : socket(ioc) {}
};

asio::awaitable<void> send_request(client& c, http::request req) {
  req.prepare_payload();
  co_await bh::async_write(c.socket, req, asio::use_awaitable);
}

asio::awaitable<void> send_raw(client& c, std::string text) {
  co_await asio::async_write(c.socket, asio::buffer(text), asio::use_awaitable);
}

asio::awaitable<http::response> read_response(client& c) {
  http::response res;
  co_await bh::async_read(c.socket, c.buffer, res, asio::use_awaitable);
  co_return res;
}

// True when the server closed the connection (the next read ends).
asio::awaitable<bool> closed_by_server(client& c) {
  error_code ec;
  char byte = 0;
  co_await c.socket.async_read_some(asio::buffer(&byte, 1), asio::redirect_error(asio::use_awaitable, ec));
  co_return static_cast<bool>(ec);
}

http::request get(std::string target) {
  http::request req{http::verb::get, target, 11};
  req.set(bh::field::host, "127.0.0.1");
  return req;
}

http::request post_json(std::string target, std::string body, std::string content_type = "application/json") {
  http::request req{http::verb::post, target, 11};
  req.set(bh::field::host, "127.0.0.1");
  if (!content_type.empty()) req.set(bh::field::content_type, content_type);
  req.body() = std::move(body);
  return req;
}

std::string problem_type(const http::response& res) {
  return std::string(boost::json::parse(res.body()).as_object().at("type").as_string());
}

struct fixture {
  asio::io_context ioc;
  http::router routes;
  std::unique_ptr<http::server> server;
  bool run_done = false;
  error_code run_ec;
  int slow_started = 0;
  int hits = 0;

  fixture() {
    routes.get("/hit", [this](http::request_context& ctx) -> asio::awaitable<http::response> {
      boost::json::object body;
      body["hits"] = ++hits;
      co_return http::make_json_response(http::status::ok, body, ctx.req.version());
    });
    routes.get("/slow", [this](http::request_context& ctx) -> asio::awaitable<http::response> {
      ++slow_started;
      auto ex = co_await asio::this_coro::executor;
      asio::steady_timer timer(ex, 300ms);
      co_await timer.async_wait(asio::use_awaitable);
      boost::json::object body;
      body["slow"] = true;
      co_return http::make_json_response(http::status::ok, body, ctx.req.version());
    });
    routes.post("/json", [](http::request_context& ctx) -> asio::awaitable<http::response> {
      auto parsed = http::parse_json_body(ctx);
      if (!parsed) co_return http::make_problem_response(*parsed.error, ctx.req.version());
      co_return http::make_json_response(http::status::ok, parsed.value, ctx.req.version());
    });
    http::add_health_routes(routes);
  }

  ~fixture() {
    if (server) {
      server->cancel();
      mink::test::run_until(ioc, [&] { return run_done; }, 15000ms);
    }
  }

  void start(http::server_params params = http::server_params{}) {
    server = std::make_unique<http::server>(ioc.get_executor(), params, routes);
    BOOST_REQUIRE(!server->open(tcp::endpoint(asio::ip::address_v4::loopback(), 0)));
    BOOST_REQUIRE(server->local_endpoint().port() != 0);
    server->async_run([this](error_code ec) {
      run_done = true;
      run_ec = ec;
    });
  }

  std::unique_ptr<client> connect() {
    auto c = std::make_unique<client>(ioc);
    bool done = false;
    error_code ec;
    c->socket.async_connect(server->local_endpoint(), [&](error_code e) {
      ec = e;
      done = true;
    });
    BOOST_REQUIRE(mink::test::run_until(ioc, [&] { return done; }));
    BOOST_REQUIRE(!ec);
    return c;
  }

  // Runs `op` to completion (within `limit`), rethrowing its exception.
  template <class T>
  T await(asio::awaitable<T> op, std::chrono::milliseconds limit = 5000ms) {
    std::optional<T> out;
    std::exception_ptr error;
    bool done = false;
    asio::co_spawn(ioc, std::move(op), [&](std::exception_ptr ep, T value) {
      error = ep;
      if (!ep) out = std::move(value);
      done = true;
    });
    BOOST_REQUIRE(mink::test::run_until(ioc, [&] { return done; }, limit));
    if (error) std::rethrow_exception(error);
    return std::move(*out);
  }

  void await(asio::awaitable<void> op, std::chrono::milliseconds limit = 5000ms) {
    std::exception_ptr error;
    bool done = false;
    asio::co_spawn(ioc, std::move(op), [&](std::exception_ptr ep) {
      error = ep;
      done = true;
    });
    BOOST_REQUIRE(mink::test::run_until(ioc, [&] { return done; }, limit));
    if (error) std::rethrow_exception(error);
  }

  http::response roundtrip(client& c, http::request req) {
    await(send_request(c, std::move(req)));
    return await(read_response(c));
  }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(http_server)

BOOST_FIXTURE_TEST_CASE(keep_alive_serves_several_requests_on_one_connection, fixture) {
  start();
  auto c = connect();
  for (int i = 1; i <= 3; ++i) {
    auto res = roundtrip(*c, get("/hit"));
    BOOST_TEST(res.result_int() == 200u);
    BOOST_TEST(res.keep_alive());
    BOOST_TEST(!res["X-Correlation-ID"].empty());
    BOOST_TEST(res.body() == "{\"hits\":" + std::to_string(i) + "}");
  }
  // Pipelined: both requests in one write, answered in order.
  await(send_raw(*c, "GET /hit HTTP/1.1\r\nHost: x\r\n\r\nGET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"));
  BOOST_TEST(await(read_response(*c)).body() == "{\"hits\":4}");
  BOOST_TEST(await(read_response(*c)).body() == R"({"status":"ok"})");
  BOOST_TEST(server->connection_count() == 1u);
  // Connection: close is honoured.
  auto last = get("/hit");
  last.keep_alive(false);
  BOOST_TEST(roundtrip(*c, last).result_int() == 200u);
  BOOST_TEST(await(closed_by_server(*c)));
}

BOOST_FIXTURE_TEST_CASE(a_body_over_max_body_is_413, fixture) {
  http::server_params p;
  p.max_body = 1024;
  start(p);
  auto c = connect();
  auto res = roundtrip(*c, post_json("/json", std::string(4096, ' ')));
  BOOST_TEST(res.result_int() == 413u);
  BOOST_TEST(problem_type(res) == "/problems/body-too-large");
  BOOST_TEST(!res.keep_alive());
  BOOST_TEST(await(closed_by_server(*c)));
  // The default limit is 64 KiB.
  BOOST_TEST(http::server_params{}.max_body == 65536u);
}

BOOST_FIXTURE_TEST_CASE(a_header_block_over_max_header_is_431, fixture) {
  start();
  auto c = connect();
  auto req = get("/hit");
  req.set("X-Big", std::string(9000, 'b'));
  auto res = roundtrip(*c, req);
  BOOST_TEST(res.result_int() == 431u);
  BOOST_TEST(problem_type(res) == "/problems/header-too-large");
  BOOST_TEST(await(closed_by_server(*c)));
  BOOST_TEST(hits == 0);
}

BOOST_FIXTURE_TEST_CASE(slow_headers_time_out_with_408, fixture) {
  http::server_params p;
  p.header_timeout = 200ms;
  p.idle_timeout = 300ms;
  start(p);
  auto c = connect();
  const auto started = std::chrono::steady_clock::now();
  await(send_raw(*c, "GET /hit HTTP/1.1\r\nHost: x\r\n"));  // never finished
  auto res = await(read_response(*c), 3000ms);
  BOOST_TEST(res.result_int() == 408u);
  BOOST_TEST(problem_type(res) == "/problems/request-timeout");
  BOOST_TEST(await(closed_by_server(*c)));
  BOOST_TEST((std::chrono::steady_clock::now() - started >= 150ms));

  // A connection that never sends anything gets the same.
  auto silent = connect();
  BOOST_TEST(await(read_response(*silent), 3000ms).result_int() == 408u);

  // An idle keep-alive connection is closed after idle_timeout.
  auto idle = connect();
  BOOST_TEST(roundtrip(*idle, get("/hit")).result_int() == 200u);
  BOOST_TEST(await(closed_by_server(*idle), 3000ms));
  BOOST_TEST(hits == 1);
}

BOOST_FIXTURE_TEST_CASE(beyond_max_connections_new_ones_get_503, fixture) {
  http::server_params p;
  p.max_connections = 1;
  p.retry_after = std::chrono::seconds(7);
  start(p);
  auto first = connect();
  BOOST_TEST(roundtrip(*first, get("/hit")).result_int() == 200u);
  auto extra = connect();
  auto refused = roundtrip(*extra, get("/hit"));
  BOOST_TEST(refused.result_int() == 503u);
  BOOST_TEST(refused[bh::field::retry_after] == "7");
  BOOST_TEST(problem_type(refused) == "/problems/too-many-connections");
  BOOST_TEST(await(closed_by_server(*extra)));
  // The first connection is still served.
  BOOST_TEST(roundtrip(*first, get("/hit")).result_int() == 200u);
  BOOST_TEST(hits == 2);
}

BOOST_FIXTURE_TEST_CASE(cancel_finishes_requests_in_flight_then_completes, fixture) {
  start();
  auto busy = connect();
  auto idle = connect();
  BOOST_TEST(roundtrip(*idle, get("/hit")).result_int() == 200u);
  await(send_request(*busy, get("/slow")));
  BOOST_REQUIRE(mink::test::run_until(ioc, [&] { return slow_started == 1; }));
  server->cancel();
  auto res = await(read_response(*busy));
  BOOST_TEST(res.result_int() == 200u);
  BOOST_TEST(res.body() == R"({"slow":true})");
  BOOST_TEST(!res.keep_alive());
  BOOST_TEST(await(closed_by_server(*idle)));
  BOOST_TEST(mink::test::run_until(ioc, [&] { return run_done; }));
  BOOST_TEST(!run_ec);
  BOOST_TEST(server->connection_count() == 0u);
  // No longer accepting.
  tcp::socket late(ioc);
  error_code ec;
  late.connect(server->local_endpoint(), ec);
  BOOST_TEST(static_cast<bool>(ec));
}

BOOST_FIXTURE_TEST_CASE(shutdown_timeout_bounds_a_handler_that_does_not_finish, fixture) {
  routes.get("/forever", [](http::request_context&) -> asio::awaitable<http::response> {
    auto ex = co_await asio::this_coro::executor;
    asio::steady_timer timer(ex, std::chrono::hours(1));
    co_await timer.async_wait(asio::use_awaitable);
    co_return http::response{};
  });
  http::server_params p;
  p.shutdown_timeout = 200ms;
  start(p);
  auto c = connect();
  await(send_request(*c, get("/forever")));
  mink::test::run_until(ioc, [] { return false; }, 50ms);
  server->cancel();
  BOOST_TEST(mink::test::run_until(ioc, [&] { return run_done; }, 3000ms));
  BOOST_TEST(!run_ec);
}

BOOST_FIXTURE_TEST_CASE(parse_json_body_answers_415_and_400, fixture) {
  start();
  auto c = connect();
  auto ok = roundtrip(*c, post_json("/json", R"({"a":[1,2],"b":"x"})", "Application/JSON; charset=utf-8"));
  BOOST_TEST(ok.result_int() == 200u);
  BOOST_TEST(ok.body() == R"({"a":[1,2],"b":"x"})");

  auto no_type = roundtrip(*c, post_json("/json", "{}", ""));
  BOOST_TEST(no_type.result_int() == 415u);
  BOOST_TEST(problem_type(no_type) == "/problems/unsupported-media-type");
  BOOST_TEST(roundtrip(*c, post_json("/json", "{}", "text/plain")).result_int() == 415u);

  const std::string cases[] = {"{", "", "{\"a\":1,}", "\"\xff\xfe\"", std::string(100, '[') + std::string(100, ']'),
                              R"({"a":1,"a":2})", R"([{"k":{"x":1,"y":2,"x":3}}])"};
  for (const auto& body : cases) {
    auto res = roundtrip(*c, post_json("/json", body));
    BOOST_TEST(res.result_int() == 400u, body.size());
    BOOST_TEST(problem_type(res) == "/problems/malformed-json");
  }
  // The same key in different objects is fine.
  BOOST_TEST(roundtrip(*c, post_json("/json", R"({"a":{"a":1},"b":[{"a":1},{"a":2}]})")).result_int() == 200u);
  // Shallower than the limit is fine.
  BOOST_TEST(roundtrip(*c, post_json("/json", std::string(20, '[') + std::string(20, ']'))).result_int() == 200u);
}

BOOST_FIXTURE_TEST_CASE(malformed_http_is_400, fixture) {
  start();
  auto c = connect();
  await(send_raw(*c, "NOT-HTTP\r\n\r\n"));
  auto res = await(read_response(*c));
  BOOST_TEST(res.result_int() == 400u);
  BOOST_TEST(!res["X-Correlation-ID"].empty());
}

BOOST_AUTO_TEST_SUITE_END()
