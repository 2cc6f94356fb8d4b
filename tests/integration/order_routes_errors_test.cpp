// The order routes' errors and idempotency over a real database: what each bad input gets (400,
// 404, 409, 415, 422 with their slugs and fields), replays of an Idempotency-Key with the original
// status and body, and concurrent requests with one key (one execution; the rest replayed or 409).
#include "order_routes_support.hpp"

#include <boost/asio/co_spawn.hpp>

#include <array>
#include <optional>

using namespace order_routes_test;

namespace {

/// Creates order `id` of a fresh customer; fails the test unless 201.
asio::awaitable<void> create(const http::router& routes, const std::string& id) {
  auto res = co_await call(routes, post("/orders", create_body(id, "CUST-ERR")));
  BOOST_REQUIRE_MESSAGE(status_of(res) == 201, res.body());
}

const std::string item = R"({"sku":"MUG","name":"Mug","quantity":1,"price":9.99})";

}  // namespace

BOOST_AUTO_TEST_SUITE(order_routes)

BOOST_AUTO_TEST_CASE(bad_bodies_are_400_naming_every_field) {
  pg_store_harness h;
  api a(h);
  h.run([&]() -> asio::awaitable<void> {
    const std::string id = fresh("BAD");
    co_await create(a.routes, id);
    const std::string items = "/orders/" + id + "/items";
    // Not JSON, invalid UTF-8, a repeated key: 400 malformed-json.
    expect_problem(co_await call(a.routes, post(items, R"({"sku": )")), 400, "malformed-json");
    expect_problem(co_await call(a.routes, post(items, "{\"sku\":\"\xff\xfe\",\"quantity\":1,\"price\":1}")), 400, "malformed-json");
    expect_problem(co_await call(a.routes, post(items, R"({"sku":"A","sku":"B","quantity":1,"price":1})")), 400,
                   "malformed-json");
    // Wrong JSON types: 400 validation-failed naming each field.
    auto types = co_await call(a.routes, post(items, R"({"sku":5,"name":"Mug","quantity":"one","price":"cheap"})"));
    BOOST_TEST((error_fields(expect_problem(types, 400, "validation-failed")) ==
                std::set<std::string>{"sku", "quantity", "price"}));
    // Validation failures: every failing field at once.
    auto invalid = co_await call(a.routes, post(items, R"({"sku":"","name":"Mug","quantity":0,"price":-1})"));
    BOOST_TEST((error_fields(expect_problem(invalid, 400, "validation-failed")) ==
                std::set<std::string>{"sku", "quantity", "price"}));
    // Three decimals is not an amount; a missing price is required.
    auto cents = co_await call(a.routes, post(items, R"({"sku":"MUG","name":"Mug","quantity":1,"price":9.999})"));
    BOOST_TEST(error_fields(expect_problem(cents, 400, "validation-failed")) == std::set<std::string>{"price"});
    auto no_price = co_await call(a.routes, post(items, R"({"sku":"MUG","name":"Mug","quantity":1})"));
    BOOST_TEST(error_fields(expect_problem(no_price, 400, "validation-failed")) == std::set<std::string>{"price"});
    // Not an object: the body itself ("" field).
    auto array = co_await call(a.routes, post(items, "[1,2]"));
    BOOST_TEST(error_fields(expect_problem(array, 400, "validation-failed")) == std::set<std::string>{""});
    // A body order_id other than the path's: 400 on order_id (with the other failures).
    auto other = co_await call(a.routes, post(items, R"({"order_id":"someone-else","sku":"MUG","name":"Mug","quantity":0,"price":1})"));
    BOOST_TEST((error_fields(expect_problem(other, 400, "validation-failed")) ==
                std::set<std::string>{"order_id", "quantity"}));
    auto not_string = co_await call(a.routes, post("/orders/" + id + "/submit", R"({"order_id":7})"));
    BOOST_TEST(error_fields(expect_problem(not_string, 400, "validation-failed")) == std::set<std::string>{"order_id"});
    // Create: a missing customer and an over-long id, together.
    auto create_bad = co_await call(a.routes, post("/orders", R"({"order_id":")" + std::string(101, 'x') + R"("})"));
    BOOST_TEST((error_fields(expect_problem(create_bad, 400, "validation-failed")) ==
                std::set<std::string>{"order_id", "customer_id"}));
    // A tracking number too long.
    auto ship = co_await call(a.routes, post("/orders/" + id + "/ship", R"({"tracking_number":")" + std::string(101, 'T') + R"("})"));
    BOOST_TEST(error_fields(expect_problem(ship, 400, "validation-failed")) == std::set<std::string>{"tracking_number"});
    // None of it reached the order.
    auto state = co_await call(a.routes, get("/orders/" + id + "/state"));
    BOOST_TEST(body_of(state).at("version") == json::value(1));
  });
}

BOOST_AUTO_TEST_CASE(bad_headers_are_400_invalid_header_naming_each) {
  pg_store_harness h;
  api a(h);
  h.run([&]() -> asio::awaitable<void> {
    const std::string id = fresh("HDR");
    co_await create(a.routes, id);
    const std::string submit = "/orders/" + id + "/submit";
    // Idempotency-Key longer than 255 or with a control character; empty.
    const std::array<std::string, 3> bad_keys{std::string(256, 'k'), std::string("tab\there"), std::string("")};
    for (const auto& bad : bad_keys) {
      auto res = co_await call(a.routes, with(post(submit, ""), "Idempotency-Key", bad));
      BOOST_TEST(error_fields(expect_problem(res, 400, "invalid-header")) == std::set<std::string>{"Idempotency-Key"});
    }
    // If-Match: weak tags, lists, *, signs, non-numbers.
    const std::array<std::string, 7> bad_if_match{"W/\"1\"", "\"1\", \"2\"", "*", "-1", "one", "\"\"", "99999999999999999999999"};
    for (const auto& bad : bad_if_match) {
      auto res = co_await call(a.routes, with(post(submit, ""), "If-Match", bad));
      BOOST_TEST(error_fields(expect_problem(res, 400, "invalid-header")) == std::set<std::string>{"If-Match"}, bad);
    }
    // X-Causation-ID: the correlation id's rule; X-Correlation-ID is the router's.
    auto causation = co_await call(a.routes, with(post(submit, ""), "X-Causation-ID", std::string(300, 'c')));
    BOOST_TEST(error_fields(expect_problem(causation, 400, "invalid-header")) == std::set<std::string>{"X-Causation-ID"});
    expect_problem(co_await call(a.routes, with(post(submit, ""), "X-Correlation-ID", std::string(256, 'c'))), 400,
                   "invalid-header");
    // Several at once: every one listed.
    auto all = co_await call(a.routes, with(with(post(submit, ""), "If-Match", "W/\"1\""), "Idempotency-Key", std::string(256, 'k')));
    BOOST_TEST((error_fields(expect_problem(all, 400, "invalid-header")) == std::set<std::string>{"If-Match", "Idempotency-Key"}));
    // None of it reached the order.
    auto state = co_await call(a.routes, get("/orders/" + id + "/state"));
    BOOST_TEST(body_of(state).at("status") == json::value("Created"));
  });
}

BOOST_AUTO_TEST_CASE(media_types_unknown_orders_and_routes) {
  pg_store_harness h;
  api a(h);
  h.run([&]() -> asio::awaitable<void> {
    const std::string id = fresh("MT");
    co_await create(a.routes, id);
    // A body that is not application/json: 415, also where an empty body would do.
    auto text = post("/orders", create_body(fresh("T"), "C"));
    text.set(field::content_type, "text/plain");
    expect_problem(co_await call(a.routes, std::move(text)), 415, "unsupported-media-type");
    auto untyped = post("/orders/" + id + "/submit", "{}");
    untyped.erase(field::content_type);
    expect_problem(co_await call(a.routes, std::move(untyped)), 415, "unsupported-media-type");
    // A create and an item need a body: empty is 415 (no Content-Type) or 400 (with one).
    expect_problem(co_await call(a.routes, post("/orders", "")), 415, "unsupported-media-type");
    auto empty_json = post("/orders/" + id + "/items", "");
    empty_json.set(field::content_type, "application/json");
    expect_problem(co_await call(a.routes, std::move(empty_json)), 400, "malformed-json");
    // Commands on an order nobody created: 404.
    const std::array<std::string, 5> commands{"items", "submit", "ship", "complete", "cancel"};
    for (const auto& cmd : commands) {
      const std::string body = cmd == "items" ? item : "";
      expect_problem(co_await call(a.routes, post("/orders/never-created/" + cmd, body)), 404, "not-found");
    }
    // No such route, and a route without that method.
    expect_problem(co_await call(a.routes, get("/orders/" + id + "/nothing")), 404, "not-found");
    expect_problem(co_await call(a.routes, post("/orders/" + id, "{}")), 405, "method-not-allowed");
  });
}

BOOST_AUTO_TEST_CASE(if_match_conflicts_are_409_with_both_versions) {
  pg_store_harness h;
  api a(h);
  h.run([&]() -> asio::awaitable<void> {
    const std::string id = fresh("IFM");
    co_await create(a.routes, id);
    const std::string items = "/orders/" + id + "/items";
    auto first = co_await call(a.routes, with(post(items, item), "If-Match", "\"1\""));
    BOOST_TEST(status_of(first) == 200, first.body());
    BOOST_TEST(header(first, "ETag") == "\"2\"");
    // The same expectation again: the order is at 2 now.
    auto stale = co_await call(a.routes, with(post(items, item), "If-Match", "\"1\""));
    json::object p = expect_problem(stale, 409, "concurrency-conflict");
    BOOST_TEST(p["expected_version"] == json::value(1));
    BOOST_TEST(p["actual_version"] == json::value(2));
    // A bare version is accepted too.
    auto bare = co_await call(a.routes, with(post(items, item), "If-Match", "2"));
    BOOST_TEST(status_of(bare) == 200, bare.body());
    auto state = co_await call(a.routes, get("/orders/" + id + "/state"));
    BOOST_TEST(body_of(state).at("items").as_array().size() == 2u);
  });
}

BOOST_AUTO_TEST_CASE(business_rules_are_409_already_exists_or_422_rule_violation) {
  pg_store_harness h;
  api a(h);
  h.run([&]() -> asio::awaitable<void> {
    const std::string id = fresh("RULE");
    co_await create(a.routes, id);
    auto again = co_await call(a.routes, post("/orders", create_body(id, "CUST-ERR")));
    expect_problem(again, 409, "already-exists");
    // Submitting an empty order; completing an order not shipped.
    auto empty = co_await call(a.routes, post("/orders/" + id + "/submit", ""));
    BOOST_TEST(expect_problem(empty, 422, "rule-violation")["detail"] == json::value("cannot submit empty order"));
    auto complete = co_await call(a.routes, post("/orders/" + id + "/complete", ""));
    BOOST_TEST(expect_problem(complete, 422, "rule-violation")["detail"] == json::value("can only complete shipped orders"));
    BOOST_REQUIRE(status_of(co_await call(a.routes, post("/orders/" + id + "/cancel", ""))) == 200);
    auto twice = co_await call(a.routes, post("/orders/" + id + "/cancel", R"({"reason":"again"})"));
    BOOST_TEST(expect_problem(twice, 422, "rule-violation")["detail"] == json::value("order already cancelled"));
  });
}

BOOST_AUTO_TEST_CASE(an_idempotency_key_replays_the_original_status_and_body) {
  pg_store_harness h;
  api a(h);
  h.run([&]() -> asio::awaitable<void> {
    const std::string id = fresh("IDEM");
    const std::string key = fresh("key-create");
    auto first = co_await call(a.routes, with(post("/orders", create_body(id, "CUST-IDEM")), "Idempotency-Key", key));
    BOOST_TEST(status_of(first) == 201, first.body());
    BOOST_TEST((first.find("Idempotent-Replayed") == first.end()));
    // The same request again: the original 201, Location and body, marked replayed.
    auto replay = co_await call(a.routes, with(post("/orders", create_body(id, "CUST-IDEM")), "Idempotency-Key", key));
    BOOST_TEST(status_of(replay) == 201, replay.body());
    BOOST_TEST(header(replay, "Idempotent-Replayed") == "true");
    BOOST_TEST(header(replay, "Location") == "/orders/" + id);
    BOOST_TEST(header(replay, "ETag") == "\"1\"");
    BOOST_TEST(body_of(replay) == body_of(first));
    // The same key with another payload: 422 idempotency-key-reuse.
    auto reuse = co_await call(a.routes, with(post("/orders", create_body(id, "CUST-OTHER")), "Idempotency-Key", key));
    expect_problem(reuse, 422, "idempotency-key-reuse");

    // An item: 200, then the same 200 and body replayed (one item in the order).
    const std::string item_key = fresh("key-item");
    auto added = co_await call(a.routes, with(post("/orders/" + id + "/items", item), "Idempotency-Key", item_key));
    BOOST_TEST(status_of(added) == 200, added.body());
    auto added_again = co_await call(a.routes, with(post("/orders/" + id + "/items", item), "Idempotency-Key", item_key));
    BOOST_TEST(status_of(added_again) == 200, added_again.body());
    BOOST_TEST(header(added_again, "Idempotent-Replayed") == "true");
    BOOST_TEST(body_of(added_again) == body_of(added));
    auto state = co_await call(a.routes, get("/orders/" + id + "/state"));
    BOOST_TEST(body_of(state).at("items").as_array().size() == 1u);

    // A create without an order id: the retry with the key is the same order, replayed.
    const std::string gen_key = fresh("key-gen");
    auto gen = co_await call(a.routes, with(post("/orders", R"({"customer_id":"CUST-GEN"})"), "Idempotency-Key", gen_key));
    BOOST_TEST(status_of(gen) == 201, gen.body());
    auto gen_again = co_await call(a.routes, with(post("/orders", R"({"customer_id":"CUST-GEN"})"), "Idempotency-Key", gen_key));
    BOOST_TEST(status_of(gen_again) == 201, gen_again.body());
    BOOST_TEST(header(gen_again, "Idempotent-Replayed") == "true");
    BOOST_TEST(body_of(gen_again) == body_of(gen));
    BOOST_TEST(mink::is_uuid(body_of(gen).at("order_id").as_string()));
  });
}

BOOST_AUTO_TEST_CASE(a_key_still_in_flight_is_409_with_retry_after) {
  pg_store_harness h;
  api a(h);
  const std::string id = fresh("FLY");
  const std::string key = fresh("key-fly");
  // Both start before the context runs: the second arrives while the first waits on the database.
  std::array<std::optional<http::response>, 2> answers;
  for (auto& slot : answers) {
    auto req = with(post("/orders", create_body(id, "CUST-FLY")), "Idempotency-Key", key);
    asio::co_spawn(h.fixture.ioc, a.routes.handle(std::move(req)), [&slot](std::exception_ptr e, http::response res) {
      BOOST_TEST(!e);
      slot = std::move(res);
    });
  }
  run_until(h.fixture.ioc, [&] { return answers[0] && answers[1]; }, 30s);
  // One executed (201, not replayed), the other was refused while it ran.
  const bool first_won = status_of(*answers[0]) == 201;
  const http::response& won = first_won ? *answers[0] : *answers[1];
  const http::response& refused = first_won ? *answers[1] : *answers[0];
  BOOST_TEST(status_of(won) == 201, won.body());
  BOOST_TEST((won.find("Idempotent-Replayed") == won.end()));
  expect_problem(refused, 409, "idempotency-key-in-flight");
  BOOST_TEST(header(refused, "Retry-After") == "1");
  // Once the first has finished, the retry is a replay.
  h.run([&]() -> asio::awaitable<void> {
    auto retry = co_await call(a.routes, with(post("/orders", create_body(id, "CUST-FLY")), "Idempotency-Key", key));
    BOOST_TEST(status_of(retry) == 201, retry.body());
    BOOST_TEST(header(retry, "Idempotent-Replayed") == "true");
  });
}

BOOST_AUTO_TEST_CASE(fifty_concurrent_requests_with_one_key_execute_once) {
  pg_store_harness h;
  api a(h);
  const std::string id = fresh("FIFTY");
  const std::string key = fresh("key-fifty");
  std::array<std::optional<http::response>, 50> answers;
  for (auto& slot : answers) {
    auto req = with(post("/orders", create_body(id, "CUST-50")), "Idempotency-Key", key);
    asio::co_spawn(h.fixture.ioc, a.routes.handle(std::move(req)), [&slot](std::exception_ptr e, http::response res) {
      BOOST_TEST(!e);
      slot = std::move(res);
    });
  }
  run_until(h.fixture.ioc, [&] { return std::all_of(answers.begin(), answers.end(), [](const auto& s) { return s.has_value(); }); },
            60s);
  int executed = 0, replayed = 0, in_flight = 0;
  for (const auto& res : answers) {
    if (status_of(*res) == 409) {
      expect_problem(*res, 409, "idempotency-key-in-flight");
      ++in_flight;
    } else {
      BOOST_TEST(status_of(*res) == 201, res->body());
      BOOST_TEST(header(*res, "Location") == "/orders/" + id);
      if (res->find("Idempotent-Replayed") != res->end()) ++replayed;
      else ++executed;
    }
  }
  BOOST_TEST(executed == 1);
  BOOST_TEST(executed + replayed + in_flight == 50);
  h.run([&]() -> asio::awaitable<void> {
    auto events = co_await call(a.routes, get("/orders/" + id + "/events"));
    BOOST_TEST(body_of(events).at("events").as_array().size() == 1u);
  });
}

BOOST_AUTO_TEST_SUITE_END()
