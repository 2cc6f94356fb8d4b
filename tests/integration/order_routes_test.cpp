// The order routes of the HTTP API over a real database, called through router::handle: an
// order's life through the commands and every query, generated ids, pages of the list, the
// read-your-writes wait (and its timeout), automatic fulfilment, and 503 while the database is
// unreachable. Errors and idempotency: order_routes_errors_test.cpp.
#include "order_routes_support.hpp"

#include <ecommerce/read_model/order_summary_projection.hpp>

#include <mink/messaging/rfc3339.hpp>

#include <boost/asio/ip/tcp.hpp>

#include <algorithm>
#include <array>

using namespace order_routes_test;

BOOST_AUTO_TEST_SUITE(order_routes)

BOOST_AUTO_TEST_CASE(an_order_lives_through_the_commands_and_every_query_shows_it) {
  pg_store_harness h;
  api a(h);
  h.run([&]() -> asio::awaitable<void> {
    const std::string id = fresh("LIFE");
    // Create: 201, Location, ETag "1", the body says where the event went.
    auto created = co_await call(a.routes, with(post("/orders", create_body(id, "CUST-LIFE")), "X-Correlation-ID", "corr-life"));
    BOOST_TEST(status_of(created) == 201, created.body());
    BOOST_TEST(header(created, "Location") == "/orders/" + id);
    BOOST_TEST(header(created, "ETag") == "\"1\"");
    BOOST_TEST(header(created, "X-Correlation-ID") == "corr-life");
    BOOST_TEST(header(created, "Content-Type") == "application/json");
    BOOST_TEST((created.find("Idempotent-Replayed") == created.end()));
    json::object c = body_of(created).as_object();
    BOOST_TEST(c["order_id"] == json::value(id));
    BOOST_TEST(c["stream_id"] == json::value("Order-" + id));
    BOOST_TEST(c["version"] == json::value(1));
    BOOST_TEST(c["position"].is_int64());

    // Items (with a causation id), then submit, ship and complete, each 200 with the new version.
    auto laptop = co_await call(
        a.routes, with(post("/orders/" + id + "/items", R"({"sku":"LAPTOP","name":"Laptop","quantity":1,"price":1499.98})"),
                       "X-Causation-ID", "cause-1"));
    BOOST_TEST(status_of(laptop) == 200, laptop.body());
    BOOST_TEST(header(laptop, "ETag") == "\"2\"");
    auto mouse = co_await call(a.routes, post("/orders/" + id + "/items",
                                              R"({"order_id":")" + id + R"(","sku":"MOUSE","name":"Mouse","quantity":2,"price":24.99})"));
    BOOST_TEST(status_of(mouse) == 200, mouse.body());
    auto submitted = co_await call(a.routes, post("/orders/" + id + "/submit", ""));  // empty body, no Content-Type
    BOOST_TEST(status_of(submitted) == 200, submitted.body());
    BOOST_TEST(header(submitted, "ETag") == "\"4\"");
    auto shipped = co_await call(a.routes, post("/orders/" + id + "/ship", R"({"tracking_number":"TRK-LIFE"})"));
    BOOST_TEST(status_of(shipped) == 200, shipped.body());
    auto completed = co_await call(a.routes, post("/orders/" + id + "/complete", "{}"));
    BOOST_TEST(status_of(completed) == 200, completed.body());
    json::object done = body_of(completed).as_object();
    BOOST_TEST(done["version"] == json::value(6));
    BOOST_TEST(header(completed, "ETag") == "\"6\"");
    const std::int64_t last = done["position"].as_int64();

    // The aggregate rebuilt from its events; the money exactly as written.
    auto state = co_await call(a.routes, get("/orders/" + id + "/state"));
    BOOST_TEST(status_of(state) == 200, state.body());
    BOOST_TEST(header(state, "ETag") == "\"6\"");
    BOOST_TEST(state.body().find("\"total\":1549.96") != std::string::npos, state.body());
    BOOST_TEST(state.body().find("\"price\":1499.98") != std::string::npos, state.body());
    json::object s = body_of(state).as_object();
    BOOST_TEST(s["order_id"] == json::value(id));
    BOOST_TEST(s["customer_id"] == json::value("CUST-LIFE"));
    BOOST_TEST(s["status"] == json::value("Completed"));
    BOOST_TEST(s["items"].as_array().size() == 2u);
    BOOST_TEST(s["tracking_number"] == json::value("TRK-LIFE"));
    BOOST_TEST(s["version"] == json::value(6));

    // The events, with their metadata and times.
    auto events = co_await call(a.routes, get("/orders/" + id + "/events"));
    BOOST_TEST(status_of(events) == 200, events.body());
    json::object e = body_of(events).as_object();
    BOOST_TEST(e["stream_id"] == json::value("Order-" + id));
    BOOST_TEST(e["version"] == json::value(6));
    const auto& list = e["events"].as_array();
    BOOST_REQUIRE(list.size() == 6u);
    const std::array<std::string_view, 6> types{"OrderCreated", "ItemAdded", "ItemAdded", "OrderSubmitted", "OrderShipped",
                                                "OrderCompleted"};
    for (std::size_t i = 0; i < list.size(); ++i) {
      const auto& ev = list[i].as_object();
      BOOST_TEST(ev.at("type") == json::value(types[i]));
      BOOST_TEST(ev.at("version") == json::value(i + 1));
      BOOST_TEST(mink::is_uuid(ev.at("event_id").as_string()));
      BOOST_TEST(ev.at("position").is_int64());
      BOOST_TEST(ev.at("data").is_object());
      BOOST_TEST(mink::parse_rfc3339(ev.at("recorded_at").as_string()).has_value());
      BOOST_TEST(ev.at("metadata").as_object().contains("correlation_id"));
      BOOST_TEST(ev.at("metadata").as_object().contains("causation_id"));
    }
    BOOST_TEST(list[0].at("metadata").at("correlation_id") == json::value("corr-life"));
    BOOST_TEST(list[1].at("metadata").at("causation_id") == json::value("cause-1"));
    BOOST_TEST(list[5].at("position") == json::value(last));
    BOOST_TEST(events.body().find("\"price\":24.99") != std::string::npos, events.body());

    // The read model, read after its own writes.
    auto summary = co_await call(a.routes, get("/orders/" + id + "?min_position=" + std::to_string(last)));
    BOOST_TEST(status_of(summary) == 200, summary.body());
    BOOST_TEST(summary.body().find("\"total\":1549.96") != std::string::npos, summary.body());
    json::object r = body_of(summary).as_object();
    BOOST_TEST(r["status"] == json::value("Completed"));
    BOOST_TEST(r["customer_id"] == json::value("CUST-LIFE"));
    BOOST_TEST(r["item_count"] == json::value(3));
    BOOST_TEST(r["line_count"] == json::value(2));
    BOOST_TEST(r["tracking_number"] == json::value("TRK-LIFE"));
    BOOST_TEST(r["version"] == json::value(6));
    BOOST_TEST(r["created_at"].is_string());
    BOOST_TEST(r["updated_at"].is_string());
  });
}

BOOST_AUTO_TEST_CASE(a_create_without_an_id_gets_a_uuid_and_cancel_takes_a_reason) {
  pg_store_harness h;
  api a(h);
  h.run([&]() -> asio::awaitable<void> {
    auto created = co_await call(a.routes, post("/orders", R"({"customer_id":"CUST-GEN"})"));
    BOOST_TEST(status_of(created) == 201, created.body());
    const std::string id(body_of(created).at("order_id").as_string());
    BOOST_TEST(mink::is_uuid(id));
    BOOST_TEST(header(created, "Location") == "/orders/" + id);
    auto cancelled = co_await call(a.routes, post("/orders/" + id + "/cancel", R"({"reason":"changed my mind"})"));
    BOOST_TEST(status_of(cancelled) == 200, cancelled.body());
    auto state = co_await call(a.routes, get("/orders/" + id + "/state"));
    BOOST_TEST(body_of(state).at("status") == json::value("Cancelled"));
    // An id that needs escaping in the Location.
    auto odd = co_await call(a.routes, post("/orders", create_body("a b/" + fresh("x"), "CUST-GEN")));
    BOOST_TEST(status_of(odd) == 201, odd.body());
    BOOST_TEST(header(odd, "Location").rfind("/orders/a%20b%2F", 0) == 0u, header(odd, "Location"));
  });
}

BOOST_AUTO_TEST_CASE(lists_come_in_pages_that_follow_next) {
  pg_store_harness h;
  api a(h);
  h.run([&]() -> asio::awaitable<void> {
    const std::string customer = fresh("CUST-PAGE");
    std::set<std::string> ids;
    std::int64_t last = 0;
    for (int i = 0; i < 5; ++i) {
      const std::string id = fresh("P" + std::to_string(i));
      ids.insert(id);
      auto r = co_await call(a.routes, post("/orders", create_body(id, customer)));
      BOOST_REQUIRE(status_of(r) == 201);
      last = body_of(r).at("position").as_int64();
    }
    auto wait = co_await call(a.routes, get("/orders/" + *ids.begin() + "?min_position=" + std::to_string(last)));
    BOOST_REQUIRE(status_of(wait) == 200);

    std::vector<std::string> seen;
    std::string target = "/orders?customer_id=" + customer + "&limit=2&status=Created";
    for (int page = 0; page < 10; ++page) {
      auto res = co_await call(a.routes, get(target));
      BOOST_REQUIRE(status_of(res) == 200);
      json::object body = body_of(res).as_object();
      const auto& items = body["items"].as_array();
      BOOST_TEST(items.size() <= 2u);
      for (const auto& item : items) {
        BOOST_TEST(item.at("customer_id") == json::value(customer));
        BOOST_TEST(item.at("status") == json::value("Created"));
        BOOST_TEST(item.at("total") == json::value(0));
        seen.emplace_back(item.at("order_id").as_string());
      }
      if (body["next"].is_null()) break;
      target = "/orders?customer_id=" + customer + "&limit=2&status=Created&after=" + std::string(body["next"].as_string());
    }
    BOOST_TEST(seen.size() == 5u);  // pages of 2, 2, 1
    BOOST_TEST(std::is_sorted(seen.begin(), seen.end()));
    BOOST_TEST((std::set<std::string>(seen.begin(), seen.end()) == ids));

    // Without limit: the default (50) holds all five, and there is no next.
    auto all = co_await call(a.routes, get("/orders?customer_id=" + customer));
    BOOST_TEST(body_of(all).at("items").as_array().size() == 5u);
    BOOST_TEST(body_of(all).at("next").is_null());
    // A status nobody of this customer has: an empty page.
    auto none = co_await call(a.routes, get("/orders?customer_id=" + customer + "&status=Shipped"));
    BOOST_TEST(body_of(none).at("items").as_array().empty());
  });
}

BOOST_AUTO_TEST_CASE(a_read_waits_for_its_position_and_gives_up_with_504) {
  pg_store_harness h;
  api a(h, ecommerce::fulfilment_mode::manual, std::chrono::milliseconds(300));
  h.run([&]() -> asio::awaitable<void> {
    const std::string id = fresh("WAIT");
    BOOST_REQUIRE(!a.system->projections().pause(ecommerce::order_summary_projection_name));
    auto created = co_await call(a.routes, post("/orders", create_body(id, "CUST-WAIT")));
    BOOST_REQUIRE(status_of(created) == 201);
    const std::string position = std::to_string(body_of(created).at("position").as_int64());
    // The projection is paused: the position exists but the read model does not get there in time.
    auto late = co_await call(a.routes, get("/orders/" + id + "?min_position=" + position));
    expect_problem(late, 504, "read-model-timeout");
    BOOST_REQUIRE(!a.system->projections().resume(ecommerce::order_summary_projection_name));
    // Resumed, it gets there; wait generously first (the route's own wait is only 300 ms here,
    // and a loaded machine may need longer to catch up).
    auto [caught_up] = co_await a.system->projections().async_wait_for(
        ecommerce::order_summary_projection_name, body_of(created).at("position").as_int64(),
        std::chrono::milliseconds(10'000), tuple_awaitable);
    BOOST_REQUIRE(!caught_up);
    auto fine = co_await call(a.routes, get("/orders/" + id + "?min_position=" + position));
    BOOST_TEST(status_of(fine) == 200, fine.body());
    // Position 0 is before every event: no wait.
    auto zero = co_await call(a.routes, get("/orders/" + id + "?min_position=0"));
    BOOST_TEST(status_of(zero) == 200, zero.body());
  });
}

BOOST_AUTO_TEST_CASE(bad_or_unknown_positions_and_unknown_orders_are_client_errors) {
  pg_store_harness h;
  api a(h, ecommerce::fulfilment_mode::manual, std::chrono::milliseconds(300));
  h.run([&]() -> asio::awaitable<void> {
    // Not a non-negative integer: 400 invalid-query naming min_position.
    const std::array<std::string, 5> bad_positions{"-1", "abc", "1.5", "", "99999999999999999999"};
    for (const auto& bad : bad_positions) {
      auto res = co_await call(a.routes, get("/orders/any?min_position=" + bad));
      auto p = expect_problem(res, 400, "invalid-query");
      BOOST_TEST(error_fields(p) == std::set<std::string>{"min_position"});
    }
    // A position far beyond the head is waited for (bounded), in case its append is still
    // committing: 504 read-model-timeout once the wait is over.
    auto beyond = co_await call(a.routes, get("/orders/any?min_position=1152921504606846976"));
    expect_problem(beyond, 504, "read-model-timeout");
    // An order nobody created: 404 on each read.
    expect_problem(co_await call(a.routes, get("/orders/no-such-order")), 404, "not-found");
    expect_problem(co_await call(a.routes, get("/orders/no-such-order/events")), 404, "not-found");
    expect_problem(co_await call(a.routes, get("/orders/no-such-order/state")), 404, "not-found");
  });
}

BOOST_AUTO_TEST_CASE(list_queries_outside_their_ranges_are_400_listing_every_field) {
  pg_store_harness h;
  api a(h);
  h.run([&]() -> asio::awaitable<void> {
    // limit 0, 501 or not a number; an unknown status; an empty customer or cursor.
    const std::array<std::string, 8> bad_queries{"limit=0",     "limit=501",    "limit=ten",    "limit=-5",
                                                 "status=Lost", "status=created", "customer_id=", "after="};
    for (const auto& bad : bad_queries) {
      auto res = co_await call(a.routes, get("/orders?" + bad));
      auto p = expect_problem(res, 400, "invalid-query");
      BOOST_TEST(error_fields(p) == std::set<std::string>{bad.substr(0, bad.find('='))}, bad);
    }
    auto both = co_await call(a.routes, get("/orders?limit=0&status=Lost"));
    BOOST_TEST((error_fields(expect_problem(both, 400, "invalid-query")) == std::set<std::string>{"limit", "status"}));
    auto edge = co_await call(a.routes, get("/orders?limit=500"));
    BOOST_TEST(status_of(edge) == 200);
  });
}

BOOST_AUTO_TEST_CASE(automatic_fulfilment_moves_a_submitted_order_on) {
  pg_store_harness h;
  api a(h, ecommerce::fulfilment_mode::automatic);
  h.run([&]() -> asio::awaitable<void> {
    const std::string id = fresh("AUTO");
    BOOST_REQUIRE(status_of(co_await call(a.routes, post("/orders", create_body(id, "CUST-AUTO")))) == 201);
    auto item = co_await call(a.routes, post("/orders/" + id + "/items", R"({"sku":"BOOK","name":"Book","quantity":1,"price":12.5})"));
    BOOST_REQUIRE(status_of(item) == 200);
    BOOST_REQUIRE(status_of(co_await call(a.routes, post("/orders/" + id + "/submit", ""))) == 200);
    std::string status;
    for (int i = 0; i < 300 && (status.empty() || status == "Submitted"); ++i) {
      auto state = co_await call(a.routes, get("/orders/" + id + "/state"));
      BOOST_REQUIRE(status_of(state) == 200);
      status = std::string(body_of(state).at("status").as_string());
      if (status == "Submitted") co_await h.fixture.sleep(100ms);
    }
    BOOST_TEST((status == "Shipped" || status == "Completed"), status);
    auto events = co_await call(a.routes, get("/orders/" + id + "/events"));
    BOOST_TEST(body_of(events).at("events").as_array().size() >= 4u);
  });
}

BOOST_AUTO_TEST_CASE(an_unreachable_database_is_503_with_retry_after) {
  // A pool on a port nobody listens on, with short timeouts.
  std::uint16_t port = 0;
  {
    asio::io_context probe;
    asio::ip::tcp::acceptor acceptor(probe, {asio::ip::make_address("127.0.0.1"), 0});
    port = acceptor.local_endpoint().port();
  }
  mink::persistence::pool_params params;
  params.connection_string = "host=127.0.0.1 port=" + std::to_string(port) + " dbname=mink user=mink connect_timeout=1";
  params.min_size = 0;
  params.max_size = 2;
  params.connect_timeout = std::chrono::milliseconds(300);
  params.acquire_timeout = std::chrono::milliseconds(300);
  pool_fixture f(params);
  {
    ecommerce::order_system_params sp;
    sp.fulfilment = ecommerce::fulfilment_mode::manual;
    order_system system(f.ioc.get_executor(), f.pool, sp);
    http::router routes;
    ecommerce::add_order_routes(routes, system);
    f.run([&]() -> asio::awaitable<void> {
      // A command, a read-model read and a stream read: each 503 with Retry-After, never 500.
      auto created = co_await call(routes, post("/orders", create_body("DOWN-1", "CUST-DOWN")));
      expect_problem(created, 503, "service-unavailable");
      BOOST_TEST(header(created, "Retry-After") == "1");
      auto summary = co_await call(routes, get("/orders/DOWN-1"));
      expect_problem(summary, 503, "service-unavailable");
      BOOST_TEST(header(summary, "Retry-After") == "1");
      auto events = co_await call(routes, get("/orders/DOWN-1/events"));
      expect_problem(events, 503, "service-unavailable");
      auto list = co_await call(routes, get("/orders"));
      expect_problem(list, 503, "service-unavailable");
      auto [ec] = co_await system.orders().async_shutdown(tuple_awaitable);
      BOOST_TEST(!ec);
    });
  }
}

BOOST_AUTO_TEST_SUITE_END()
