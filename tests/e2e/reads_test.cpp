// Reads: read-your-writes with min_position (and a bounded wait for a position that never comes),
// and keyset pagination of the order list.
#include "e2e_support.hpp"

#include <boost/json/serialize.hpp>
#include <boost/test/unit_test.hpp>

#include <map>
#include <string>

namespace utf = boost::unit_test;
namespace json = boost::json;
using namespace mink::e2e;

BOOST_AUTO_TEST_SUITE(reads, *utf::fixture<manual_minkd>())

BOOST_AUTO_TEST_CASE(min_position_reads_your_writes) {
  connection c(server());
  // Many rounds: a read model that lags shows up as a stale answer in one of them.
  for (int round = 0; round < 20; ++round) {
    const std::string id = unique_id("ryw");
    check_ack(c.request(post("/orders", create_body(id, "customer-ryw"))), 201, id);
    const auto added = check_ack(c.request(post("/orders/" + id + "/items", item_body("A-1", "x", 3, "2.25"))), 200, id);
    const auto res = c.request(get("/orders/" + id + "?min_position=" + std::to_string(added.position)));
    BOOST_TEST_REQUIRE(res.status == 200u, res.body);
    const auto summary = res.json().as_object();
    BOOST_TEST(as_int(summary.at("version")) == added.version);
    BOOST_TEST(as_int(summary.at("item_count")) == 3);
    BOOST_TEST(raw_member(res.body, "total") == "6.75");
  }
}

BOOST_AUTO_TEST_CASE(min_position_beyond_the_head_is_504_within_the_bound) {
  connection c(server());
  const std::string id = unique_id("future");
  const auto created = check_ack(c.request(post("/orders", create_body(id, "customer-future"))), 201, id);
  const auto started = std::chrono::steady_clock::now();
  const auto res =
      c.request(get("/orders/" + id + "?min_position=" + std::to_string(created.position + 1'000'000'000)), std::chrono::seconds(20));
  const auto took = std::chrono::steady_clock::now() - started;
  check_problem(res, 504, "");
  BOOST_TEST((took < std::chrono::seconds(7)), "waited " << std::chrono::duration_cast<std::chrono::milliseconds>(took).count() << " ms");
  // A bad min_position is the client's error.
  check_problem(c.request(get("/orders/" + id + "?min_position=abc")), 400, "");
}

BOOST_AUTO_TEST_CASE(pagination_sees_every_order_once) {
  connection c(server());
  const std::string customer = unique_id("customer-pages");
  std::map<std::string, int> seen;
  command_ack last;
  for (int i = 0; i < 7; ++i) {
    const std::string id = unique_id("page");
    last = check_ack(c.request(post("/orders", create_body(id, customer))), 201, id);
    seen[id] = 0;
  }
  // Wait until the read model has the last one (and so every one before it).
  BOOST_TEST_REQUIRE(c.request(get("/orders/" + last.order_id + "?min_position=" + std::to_string(last.position))).status ==
                     200u);

  std::string target = "/orders?customer_id=" + customer + "&limit=2";
  int pages = 0;
  for (;;) {
    BOOST_TEST_REQUIRE(++pages <= 10, "too many pages");
    const auto res = c.request(get(target));
    BOOST_TEST_REQUIRE(res.status == 200u, res.body);
    const auto body = res.json();
    BOOST_REQUIRE(body.is_object());
    const auto& items = list_in(body, "items");
    BOOST_TEST(items.size() <= 2u);
    for (const auto& item : items) {
      const std::string id = str(item.as_object(), "order_id");
      BOOST_TEST(str(item.as_object(), "customer_id") == customer);
      BOOST_TEST_REQUIRE(seen.count(id) == 1u, "an order of another customer: " << id);
      ++seen[id];
    }
    const auto* next = body.get_object().if_contains("next");
    BOOST_TEST_REQUIRE(next != nullptr, "no next member: " << res.body);
    if (next->is_null()) break;
    BOOST_TEST_REQUIRE(next->is_string());
    target = "/orders?customer_id=" + customer + "&limit=2&after=" + url_encode(next->get_string());
  }
  BOOST_TEST(pages >= 4);
  for (const auto& [id, count] : seen) BOOST_TEST(count == 1, id << " seen " << count << " times");
}

BOOST_AUTO_TEST_CASE(limits_out_of_range_are_400) {
  connection c(server());
  check_problem(c.request(get("/orders?limit=0")), 400, "");
  check_problem(c.request(get("/orders?limit=501")), 400, "");
  check_problem(c.request(get("/orders?limit=ten")), 400, "");
  BOOST_TEST(c.request(get("/orders?limit=500")).status == 200u);
  BOOST_TEST(c.request(get("/orders?limit=1")).status == 200u);
}

BOOST_AUTO_TEST_CASE(minkd_stops_cleanly_on_sigterm) { minkd_fixture::current().check_clean_stop(); }

BOOST_AUTO_TEST_SUITE_END()
