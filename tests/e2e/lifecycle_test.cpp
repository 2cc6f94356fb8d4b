// An order's whole life over HTTP, against the real minkd: by hand (manual fulfilment: every
// command sent by the client) and by the fulfilment saga (auto: the client only creates, fills and
// submits), with the saga's outcomes for a declined payment and a SKU out of stock.
#include "e2e_support.hpp"

#include <boost/json/serialize.hpp>
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

namespace utf = boost::unit_test;
namespace json = boost::json;
using namespace mink::e2e;

namespace {

// The fulfilment saga of order `order_id` (its correlation id is the order id) from
// GET /sagas?correlation_id=..., polled until its status is `status` (at most 15 s: the order has
// reached its final status already). The last saga object seen (empty when none).
json::object wait_for_saga(const std::string& order_id, std::string_view status) {
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(15);
  json::object last;
  for (;;) {
    const auto res = request(server(), get("/sagas?correlation_id=" + url_encode(order_id)));
    BOOST_TEST_REQUIRE(res.status == 200u, res.body);
    const auto body = res.json();
    const auto& sagas = list_in(body, "items");
    if (!sagas.empty() && sagas.at(0).is_object()) {
      last = sagas.at(0).get_object();
      if (str(last, "status") == status) return last;
    }
    if (std::chrono::steady_clock::now() >= until) return last;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

// The reason recorded by the order's OrderCancelled event (GET /orders/{id}/events); empty when none.
std::string cancel_reason(const std::string& order_id) {
  const auto res = request(server(), get("/orders/" + order_id + "/events"));
  BOOST_TEST_REQUIRE(res.status == 200u, res.body);
  const auto body = res.json();
  for (const auto& e : list_in(body, "events")) {
    const auto& o = e.as_object();
    if (str(o, "type") == "OrderCancelled" && o.contains("data") && o.at("data").is_object())
      return str(o.at("data").as_object(), "reason");
  }
  return {};
}

}  // namespace

BOOST_AUTO_TEST_SUITE(manual_lifecycle, *utf::fixture<manual_minkd>())

BOOST_AUTO_TEST_CASE(an_order_goes_from_created_to_completed_by_hand) {
  connection c(server());
  const std::string id = unique_id("manual");
  const std::string orders = "/orders/" + id;

  const std::string correlation = unique_id("corr-manual");
  const auto created_res =
      c.request(post("/orders", create_body(id, "customer-manual"), {{"X-Correlation-ID", correlation}}));
  BOOST_TEST(created_res.header("X-Correlation-ID") == correlation);
  const auto created = check_ack(created_res, 201, id);
  BOOST_TEST(created.version == 1);
  BOOST_TEST(created_res.header("Location").ends_with(orders), created_res.header("Location"));

  std::vector<command_ack> acks{created};
  acks.push_back(check_ack(c.request(post(orders + "/items", item_body("LAPTOP-001", "Gaming Laptop", 1, "1299.99"))), 200, id));
  acks.push_back(check_ack(c.request(post(orders + "/items", item_body("MOUSE-001", "Wireless Mouse", 2, "49.99"))), 200, id));
  acks.push_back(check_ack(c.request(post(orders + "/items", item_body("KB-001", "Mechanical Keyboard", 1, "149.99"))), 200, id));
  acks.push_back(check_ack(c.request(post(orders + "/submit", "{}")), 200, id));
  acks.push_back(check_ack(c.request(post(orders + "/ship", R"({"tracking_number":"TRACK-E2E-1"})")), 200, id));
  const auto completed_res = c.request(post(orders + "/complete", "{}"));
  acks.push_back(check_ack(completed_res, 200, id));

  // Each command is one more event: versions 1..7, positions rising, ETags changing.
  for (std::size_t i = 0; i < acks.size(); ++i) {
    BOOST_TEST(acks[i].version == static_cast<std::int64_t>(i + 1));
    BOOST_TEST(acks[i].stream_id == created.stream_id);
    if (i > 0) {
      BOOST_TEST(acks[i].position > acks[i - 1].position);
      BOOST_TEST(acks[i].etag != acks[i - 1].etag);
    }
  }

  // Read your writes: the summary reflects at least the last command's position.
  const auto last = acks.back();
  const auto summary_res = c.request(get(orders + "?min_position=" + std::to_string(last.position)));
  BOOST_TEST_REQUIRE(summary_res.status == 200u, summary_res.body);
  const auto summary = summary_res.json().as_object();
  BOOST_TEST(str(summary, "order_id") == id);
  BOOST_TEST(str(summary, "customer_id") == "customer-manual");
  BOOST_TEST(str(summary, "status") == "Completed");
  BOOST_TEST(as_int(summary.at("item_count")) == 4);
  BOOST_TEST(as_int(summary.at("line_count")) == 3);
  BOOST_TEST(raw_member(summary_res.body, "total") == "1549.96");
  BOOST_TEST(as_int(summary.at("version")) == last.version);
  BOOST_TEST(str(summary, "tracking_number") == "TRACK-E2E-1");

  // The aggregate's own state, rebuilt from its events.
  const auto state_res = c.request(get(orders + "/state"));
  BOOST_TEST_REQUIRE(state_res.status == 200u, state_res.body);
  const auto state = state_res.json().as_object();
  BOOST_TEST(str(state, "order_id") == id);
  BOOST_TEST(str(state, "status") == "Completed");
  BOOST_TEST(raw_member(state_res.body, "total") == "1549.96");
  BOOST_TEST(str(state, "tracking_number") == "TRACK-E2E-1");
  BOOST_TEST(list_in(state_res.json(), "items").size() == 3u);
  BOOST_TEST(as_int(state.at("version")) == last.version);

  // The events, with the request's correlation id in the first one's metadata.
  const auto events_res = c.request(get(orders + "/events"));
  BOOST_TEST_REQUIRE(events_res.status == 200u, events_res.body);
  const auto events_body = events_res.json();
  const auto& events = list_in(events_body, "events");
  BOOST_TEST_REQUIRE(events.size() == acks.size());
  const auto& first_event = events.at(0).as_object();
  BOOST_TEST_REQUIRE(first_event.contains("metadata"));
  BOOST_TEST(str(first_event.at("metadata").as_object(), "correlation_id") == correlation, events_res.body.substr(0, 600));
  BOOST_TEST(as_int(events.at(events.size() - 1).as_object().at("position")) == last.position);

  const std::vector<std::string> expected{"OrderCreated",   "ItemAdded",    "ItemAdded",     "ItemAdded",
                                          "OrderSubmitted", "OrderShipped", "OrderCompleted"};
  const auto types = event_types(server(), id);
  BOOST_TEST(types == expected, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(shipping_without_a_tracking_number_gets_one) {
  connection c(server());
  const std::string id = unique_id("ship");
  create_with_items(c, id, "customer-ship");
  check_ack(c.request(post("/orders/" + id + "/submit", "{}")), 200, id);
  const auto shipped = check_ack(c.request(post("/orders/" + id + "/ship", "{}")), 200, id);
  const auto res = c.request(get("/orders/" + id + "?min_position=" + std::to_string(shipped.position)));
  BOOST_TEST_REQUIRE(res.status == 200u, res.body);
  const auto summary = res.json().as_object();
  BOOST_TEST(str(summary, "status") == "Shipped");
  BOOST_TEST(!str(summary, "tracking_number").empty(), res.body);
}

BOOST_AUTO_TEST_CASE(minkd_stops_cleanly_on_sigterm) { minkd_fixture::current().check_clean_stop(); }

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(auto_lifecycle, *utf::fixture<auto_minkd>())

BOOST_AUTO_TEST_CASE(the_saga_completes_a_submitted_order) {
  const std::string id = unique_id("auto");
  const std::string correlation = unique_id("corr-auto");
  const header_list headers{{"X-Correlation-ID", correlation}};
  connection c(server());
  create_with_items(c, id, "customer-auto", headers);
  const auto submit_res = c.request(post("/orders/" + id + "/submit", "{}", headers));
  check_ack(submit_res, 200, id);
  BOOST_TEST(submit_res.header("X-Correlation-ID") == correlation);

  // The saga pays, reserves and ships; the client then confirms delivery.
  const auto shipped = wait_for_status(server(), id, "Shipped");
  BOOST_TEST_REQUIRE(str(shipped, "status") == "Shipped", "the order is " << str(shipped, "status"));
  BOOST_TEST(!str(shipped, "tracking_number").empty());
  check_ack(c.request(post("/orders/" + id + "/complete", "{}", headers)), 200, id);

  const auto summary = wait_for_status(server(), id, "Completed");
  BOOST_TEST(str(summary, "status") == "Completed", "the order is " << str(summary, "status"));
  BOOST_TEST(as_int(summary.at("item_count")) == 4);

  const auto types = event_types(server(), id);
  BOOST_TEST(std::count(types.begin(), types.end(), "OrderShipped") == 1);
  BOOST_TEST(std::count(types.begin(), types.end(), "OrderCompleted") == 1);

  const auto saga = wait_for_saga(id, "completed");
  BOOST_TEST(str(saga, "status") == "completed", "saga of order " << id << ": " << json::serialize(saga));
  BOOST_TEST(str(saga, "saga_id") == "OrderFulfillment-" + id);
}

BOOST_AUTO_TEST_CASE(a_declined_payment_cancels_the_order_and_compensates_the_saga) {
  const std::string id = unique_id("declined");
  const std::string correlation = unique_id("corr-declined");
  const header_list headers{{"X-Correlation-ID", correlation}};
  connection c(server());
  check_ack(c.request(post("/orders", create_body(id, "customer-rich"), headers)), 201, id);
  // 10,000.01: above the gateway's limit of 10,000.00.
  check_ack(c.request(post("/orders/" + id + "/items", item_body("GOLD-001", "Gold Bar", 1, "10000.01"), headers)), 200, id);
  check_ack(c.request(post("/orders/" + id + "/submit", "{}", headers)), 200, id);

  const auto summary = wait_for_status(server(), id, "Cancelled");
  BOOST_TEST(str(summary, "status") == "Cancelled", "the order is " << str(summary, "status"));
  BOOST_TEST(cancel_reason(id) == "payment declined");
  const auto types = event_types(server(), id);
  BOOST_TEST(std::count(types.begin(), types.end(), "OrderShipped") == 0);

  const auto saga = wait_for_saga(id, "compensated");
  BOOST_TEST(str(saga, "status") == "compensated", "saga of order " << id << ": " << json::serialize(saga));
}

BOOST_AUTO_TEST_CASE(an_out_of_stock_sku_cancels_the_order_and_compensates_the_saga) {
  const std::string id = unique_id("oos");
  const std::string correlation = unique_id("corr-oos");
  const header_list headers{{"X-Correlation-ID", correlation}};
  connection c(server());
  check_ack(c.request(post("/orders", create_body(id, "customer-oos"), headers)), 201, id);
  check_ack(c.request(post("/orders/" + id + "/items", item_body("KB-001", "Keyboard", 1, "149.99"), headers)), 200, id);
  check_ack(c.request(post("/orders/" + id + "/items", item_body("OOS-RARE-1", "Rare Thing", 1, "10.00"), headers)), 200, id);
  check_ack(c.request(post("/orders/" + id + "/submit", "{}", headers)), 200, id);

  const auto summary = wait_for_status(server(), id, "Cancelled");
  BOOST_TEST(str(summary, "status") == "Cancelled", "the order is " << str(summary, "status"));
  BOOST_TEST(cancel_reason(id) == "out of stock");

  const auto saga = wait_for_saga(id, "compensated");
  BOOST_TEST(str(saga, "status") == "compensated", "saga of order " << id << ": " << json::serialize(saga));
}

BOOST_AUTO_TEST_CASE(minkd_stops_cleanly_on_sigterm) { minkd_fixture::current().check_clean_stop(); }

BOOST_AUTO_TEST_SUITE_END()
