// Every error status of the order API, each an RFC 9457 problem (application/problem+json with
// type, title, status, detail), and bodies that try to break the JSON reader: none may be a 500.
#include "e2e_support.hpp"

#include <boost/json/serialize.hpp>
#include <boost/test/unit_test.hpp>

#include <set>
#include <string>

namespace utf = boost::unit_test;
namespace json = boost::json;
using namespace mink::e2e;

namespace {

// The field names of a problem's "errors": [{field, message}].
std::set<std::string> error_fields(const json::object& problem) {
  std::set<std::string> fields;
  const auto* errors = problem.if_contains("errors");
  BOOST_TEST_REQUIRE((errors && errors->is_array()), json::serialize(problem));
  for (const auto& e : errors->get_array()) {
    BOOST_REQUIRE(e.is_object());
    BOOST_TEST(!str(e.get_object(), "message").empty());
    fields.insert(str(e.get_object(), "field"));
  }
  return fields;
}

// An order that exists, with nothing in it.
std::string new_order(connection& c) {
  const std::string id = unique_id("err");
  check_ack(c.request(post("/orders", create_body(id, "customer-errors"))), 201, id);
  return id;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(api_errors, *utf::fixture<manual_minkd>())

BOOST_AUTO_TEST_CASE(malformed_json_is_400) {
  connection c(server());
  const std::string id = new_order(c);
  const std::string bodies[] = {"{", "{\"sku\":", "[1,2", "{\"sku\":\"A\",}", "not json", "{} {}"};
  for (const auto& body : bodies) {
    BOOST_TEST_CONTEXT("body " << body) { check_problem(c.request(post("/orders/" + id + "/items", body)), 400, ""); }
  }
  BOOST_TEST_CONTEXT("create") { check_problem(c.request(post("/orders", "{\"order_id\":")), 400, ""); }
}

BOOST_AUTO_TEST_CASE(wrong_json_types_are_400) {
  connection c(server());
  const std::string id = new_order(c);
  const std::string bodies[] = {R"({"sku":5,"name":"x","quantity":1,"price":1.00})",
                                R"({"sku":"A","name":"x","quantity":"two","price":1.00})",
                                R"({"sku":"A","name":"x","quantity":1,"price":"cheap"})",
                                R"({"sku":"A","name":"x","quantity":1.5,"price":1.00})",
                                R"([{"sku":"A","name":"x","quantity":1,"price":1.00}])",
                                R"("just a string")"};
  for (const auto& body : bodies) {
    BOOST_TEST_CONTEXT("body " << body) { check_problem(c.request(post("/orders/" + id + "/items", body)), 400, ""); }
  }
  BOOST_TEST_CONTEXT("create") {
    check_problem(c.request(post("/orders", R"({"order_id":["a"],"customer_id":{"x":1}})")), 400, "");
  }
}

BOOST_AUTO_TEST_CASE(invalid_utf8_is_400) {
  connection c(server());
  const std::string id = new_order(c);
  check_problem(c.request(post("/orders/" + id + "/items", "{\"sku\":\"A\xff\xfe\",\"name\":\"x\",\"quantity\":1,\"price\":1}")),
                400, "");
  check_problem(c.request(post("/orders", "{\"order_id\":\"\xc3\x28\",\"customer_id\":\"c\"}")), 400, "");
}

BOOST_AUTO_TEST_CASE(validation_failures_list_every_field) {
  connection c(server());
  const std::string id = new_order(c);
  const auto item = check_problem(
      c.request(post("/orders/" + id + "/items", R"({"sku":"","name":"x","quantity":0,"price":-1.00})")), 400, "");
  const auto item_fields = error_fields(item);
  BOOST_TEST(item_fields.count("sku") == 1u, json::serialize(item));
  BOOST_TEST(item_fields.count("quantity") == 1u, json::serialize(item));
  BOOST_TEST(item_fields.count("price") == 1u, json::serialize(item));

  const auto create = check_problem(
      c.request(post("/orders", create_body(std::string(101, 'o'), ""))), 400, "");
  const auto create_fields = error_fields(create);
  BOOST_TEST(create_fields.count("order_id") == 1u, json::serialize(create));
  BOOST_TEST(create_fields.count("customer_id") == 1u, json::serialize(create));
  // Nothing was created.
  BOOST_TEST(c.request(get("/orders/" + std::string(101, 'o') + "/state")).status != 200u);
}

BOOST_AUTO_TEST_CASE(bad_header_values_are_400) {
  connection c(server());
  const std::string id = new_order(c);
  const std::string item = item_body("A-1", "x", 1, "1.00");
  BOOST_TEST_CONTEXT("Idempotency-Key too long") {
    check_problem(c.request(post("/orders/" + id + "/items", item, {{"Idempotency-Key", std::string(1000, 'k')}})), 400, "");
  }
  BOOST_TEST_CONTEXT("Idempotency-Key not printable") {
    check_problem(c.request(post("/orders/" + id + "/items", item, {{"Idempotency-Key", "key\x80\xff"}})), 400, "");
  }
  BOOST_TEST_CONTEXT("If-Match garbage") {
    check_problem(c.request(post("/orders/" + id + "/items", item, {{"If-Match", "not a version"}})), 400, "");
  }
  BOOST_TEST_CONTEXT("If-Match unterminated") {
    check_problem(c.request(post("/orders/" + id + "/items", item, {{"If-Match", "\"1"}})), 400, "");
  }
  // None of them ran: the order is still empty, at version 1.
  const auto state = c.request(get("/orders/" + id + "/state"));
  BOOST_TEST_REQUIRE(state.status == 200u);
  BOOST_TEST(list_in(state.json(), "items").empty(), state.body);
}

BOOST_AUTO_TEST_CASE(unknown_orders_and_routes_are_404) {
  connection c(server());
  const std::string missing = unique_id("missing");
  check_problem(c.request(get("/orders/" + missing)), 404, "");
  check_problem(c.request(get("/orders/" + missing + "/state")), 404, "");
  check_problem(c.request(post("/orders/" + missing + "/items", item_body("A", "x", 1, "1.00"))), 404, "");
  check_problem(c.request(post("/orders/" + missing + "/submit", "{}")), 404, "");
  check_problem(c.request(get("/no/such/route")), 404, "not-found");
  check_problem(c.request(get("/orders/" + missing + "/no-such-thing")), 404, "not-found");
}

BOOST_AUTO_TEST_CASE(a_wrong_method_is_405_with_allow) {
  connection c(server());
  const std::string id = new_order(c);
  http_request del = get("/orders");
  del.method = "DELETE";
  auto res = c.request(del);
  check_problem(res, 405, "method-not-allowed");
  BOOST_TEST(res.header("Allow").find("POST") != std::string::npos, res.header("Allow"));
  BOOST_TEST(res.header("Allow").find("GET") != std::string::npos, res.header("Allow"));

  res = c.request(get("/orders/" + id + "/submit"));
  check_problem(res, 405, "method-not-allowed");
  BOOST_TEST(res.header("Allow") == "POST");

  http_request put = post("/orders/" + id, "{}");
  put.method = "PUT";
  res = c.request(put);
  check_problem(res, 405, "method-not-allowed");
  BOOST_TEST(res.header("Allow").find("GET") != std::string::npos, res.header("Allow"));
}

BOOST_AUTO_TEST_CASE(a_stale_if_match_is_409_concurrency_conflict) {
  connection c(server());
  const std::string id = unique_id("conflict");
  const auto created = check_ack(c.request(post("/orders", create_body(id, "customer-conflict"))), 201, id);
  const auto added = check_ack(
      c.request(post("/orders/" + id + "/items", item_body("A-1", "x", 1, "1.00"), {{"If-Match", created.etag}})), 200, id);
  BOOST_TEST(added.version == 2);
  // Someone else's view: the ETag of version 1, now stale.
  const auto stale =
      c.request(post("/orders/" + id + "/items", item_body("B-1", "y", 1, "2.00"), {{"If-Match", created.etag}}));
  const auto problem = check_problem(stale, 409, "concurrency-conflict");
  BOOST_TEST_REQUIRE(problem.contains("expected_version"));
  BOOST_TEST_REQUIRE(problem.contains("actual_version"));
  BOOST_TEST(as_int(problem.at("expected_version")) == 1);
  BOOST_TEST(as_int(problem.at("actual_version")) == 2);
  // The current ETag works.
  check_ack(c.request(post("/orders/" + id + "/items", item_body("B-1", "y", 1, "2.00"), {{"If-Match", added.etag}})), 200, id);
}

BOOST_AUTO_TEST_CASE(creating_an_existing_order_is_409_already_exists) {
  connection c(server());
  const std::string id = unique_id("twice");
  check_ack(c.request(post("/orders", create_body(id, "customer-twice"))), 201, id);
  check_problem(c.request(post("/orders", create_body(id, "customer-twice"))), 409, "already-exists");
}

BOOST_AUTO_TEST_CASE(a_body_over_64_kib_is_413) {
  connection c(server());
  const std::string big = "{\"order_id\":\"big\",\"customer_id\":\"" + std::string(70 * 1024, 'x') + "\"}";
  check_problem(c.request(post("/orders", big)), 413, "");
  // A body just under the limit is read (and rejected for its content, not its size).
  connection d(server());
  const std::string under = "{\"order_id\":\"under\",\"customer_id\":\"" + std::string(60 * 1024, 'x') + "\"}";
  BOOST_TEST(d.request(post("/orders", under)).status != 413u);
}

BOOST_AUTO_TEST_CASE(a_body_that_is_not_json_is_415) {
  connection c(server());
  http_request req = post("/orders", create_body(unique_id("plain"), "c"));
  req.content_type = "text/plain";
  check_problem(c.request(req), 415, "");
}

BOOST_AUTO_TEST_CASE(rule_violations_are_422) {
  connection c(server());
  const std::string id = new_order(c);
  const auto empty = check_problem(c.request(post("/orders/" + id + "/submit", "{}")), 422, "rule-violation");
  BOOST_TEST(str(empty, "detail").find("cannot submit empty order") != std::string::npos, str(empty, "detail"));
  const auto early = check_problem(c.request(post("/orders/" + id + "/complete", "{}")), 422, "rule-violation");
  BOOST_TEST(str(early, "detail").find("can only complete shipped orders") != std::string::npos, str(early, "detail"));
}

BOOST_AUTO_TEST_CASE(deep_nesting_is_400) {
  connection c(server());
  const std::string id = new_order(c);
  const std::string deep = std::string(10000, '[') + std::string(10000, ']');
  check_problem(c.request(post("/orders/" + id + "/items", deep)), 400, "");
  const std::string deep_objects = [] {
    std::string s;
    for (int i = 0; i < 5000; ++i) s += "{\"a\":";
    s += "1";
    for (int i = 0; i < 5000; ++i) s += "}";
    return s;
  }();
  check_problem(c.request(post("/orders", deep_objects)), 400, "");
}

BOOST_AUTO_TEST_CASE(huge_numbers_are_400_not_500) {
  connection c(server());
  const std::string id = new_order(c);
  const std::string quantities[] = {"1e400", std::string(400, '9'), "-1e400", "1e10", "4294967297"};
  for (const auto& q : quantities) {
    BOOST_TEST_CONTEXT("quantity " << q.substr(0, 20)) {
      const std::string body = R"({"sku":"A-1","name":"x","quantity":)" + q + R"(,"price":1.00})";
      check_problem(c.request(post("/orders/" + id + "/items", body)), 400, "");
    }
  }
  BOOST_TEST_CONTEXT("price 1e400") {
    check_problem(c.request(post("/orders/" + id + "/items", R"({"sku":"A-1","name":"x","quantity":1,"price":1e400})")),
                  400, "");
  }
  // Nothing was added.
  const auto state = c.request(get("/orders/" + id + "/state"));
  BOOST_TEST_REQUIRE(state.status == 200u);
  BOOST_TEST(list_in(state.json(), "items").empty(), state.body);
}

BOOST_AUTO_TEST_CASE(duplicate_keys_are_400) {
  connection c(server());
  const std::string id = new_order(c);
  check_problem(
      c.request(post("/orders/" + id + "/items", R"({"sku":"A-1","name":"x","quantity":1,"quantity":1000,"price":1.00})")),
      400, "");
  check_problem(c.request(post("/orders", R"({"order_id":"dup","order_id":"dup2","customer_id":"c"})")), 400, "");
}

BOOST_AUTO_TEST_CASE(minkd_stops_cleanly_on_sigterm) { minkd_fixture::current().check_clean_stop(); }

BOOST_AUTO_TEST_SUITE_END()
