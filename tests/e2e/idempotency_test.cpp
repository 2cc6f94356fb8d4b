// Idempotency-Key over HTTP: a repeated request is answered from the record (Idempotent-Replayed:
// true, the original status and body), a key reused for another payload is refused, and a key sent
// by many connections at once executes once.
#include "e2e_support.hpp"

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <atomic>
#include <barrier>
#include <string>
#include <thread>
#include <vector>

namespace utf = boost::unit_test;
using namespace mink::e2e;

BOOST_AUTO_TEST_SUITE(idempotency, *utf::fixture<manual_minkd>())

BOOST_AUTO_TEST_CASE(the_same_key_and_body_is_replayed) {
  connection c(server());
  const std::string id = unique_id("idem");
  const std::string key = unique_id("key-create");
  const std::string body = create_body(id, "customer-idem");
  const auto first = c.request(post("/orders", body, {{"Idempotency-Key", key}}));
  check_ack(first, 201, id);
  BOOST_TEST(first.header("Idempotent-Replayed") != "true");

  const auto again = c.request(post("/orders", body, {{"Idempotency-Key", key}}));
  BOOST_TEST(again.status == first.status);
  BOOST_TEST(again.body == first.body);
  BOOST_TEST(again.header("Idempotent-Replayed") == "true");

  // The same for a command on the order, on another connection.
  const std::string item_key = unique_id("key-item");
  const std::string item = item_body("A-1", "x", 2, "3.50");
  const auto added = c.request(post("/orders/" + id + "/items", item, {{"Idempotency-Key", item_key}}));
  check_ack(added, 200, id);
  connection d(server());
  const auto replayed = d.request(post("/orders/" + id + "/items", item, {{"Idempotency-Key", item_key}}));
  BOOST_TEST(replayed.status == 200u);
  BOOST_TEST(replayed.body == added.body);
  BOOST_TEST(replayed.header("Idempotent-Replayed") == "true");

  const auto types = event_types(server(), id);
  BOOST_TEST(std::count(types.begin(), types.end(), "OrderCreated") == 1);
  BOOST_TEST(std::count(types.begin(), types.end(), "ItemAdded") == 1);
}

BOOST_AUTO_TEST_CASE(a_key_reused_with_another_payload_is_422) {
  connection c(server());
  const std::string id = unique_id("reuse");
  const std::string key = unique_id("key-reuse");
  check_ack(c.request(post("/orders", create_body(id, "customer-reuse"), {{"Idempotency-Key", key}})), 201, id);
  check_problem(c.request(post("/orders", create_body(unique_id("other"), "customer-reuse"), {{"Idempotency-Key", key}})),
                422, "idempotency-key-reuse");
}

BOOST_AUTO_TEST_CASE(fifty_concurrent_requests_with_one_key_execute_once) {
  constexpr int clients = 50;
  const std::string id = unique_id("storm");
  const std::string key = unique_id("key-storm");
  const std::string body = create_body(id, "customer-storm");

  std::vector<std::unique_ptr<connection>> connections;
  for (int i = 0; i < clients; ++i) connections.push_back(std::make_unique<connection>(server()));
  std::vector<std::optional<http_response>> answers(clients);
  std::vector<std::string> failures(clients);
  std::barrier start(clients);
  std::vector<std::thread> threads;
  for (int i = 0; i < clients; ++i) {
    threads.emplace_back([&, i] {
      start.arrive_and_wait();
      try {
        answers[i] = connections[i]->request(post("/orders", body, {{"Idempotency-Key", key}}), std::chrono::seconds(30));
      } catch (const std::exception& e) {
        failures[i] = e.what();
      }
    });
  }
  for (auto& t : threads) t.join();

  int executed = 0, replayed = 0, in_flight = 0;
  std::string first_body;
  for (int i = 0; i < clients; ++i) {
    BOOST_TEST_CONTEXT("client " << i) {
      BOOST_TEST_REQUIRE(answers[i].has_value(), failures[i]);
      const auto& res = *answers[i];
      if (res.status == 201 && res.header("Idempotent-Replayed") != "true") {
        ++executed;
        first_body = res.body;
      } else if (res.status == 201 && res.header("Idempotent-Replayed") == "true") {
        ++replayed;
      } else {
        check_problem(res, 409, "idempotency-key-in-flight");
        ++in_flight;
      }
    }
  }
  BOOST_TEST(executed == 1);
  BOOST_TEST(executed + replayed + in_flight == clients);
  for (const auto& res : answers)
    if (res && res->status == 201) BOOST_TEST(res->body == first_body);

  const auto types = event_types(server(), id);
  BOOST_TEST(std::count(types.begin(), types.end(), "OrderCreated") == 1);
  BOOST_TEST(types.size() == 1u);
}

BOOST_AUTO_TEST_CASE(minkd_stops_cleanly_on_sigterm) { minkd_fixture::current().check_clean_stop(); }

BOOST_AUTO_TEST_SUITE_END()
