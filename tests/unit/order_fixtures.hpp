#pragma once
// The example basket and commands shared by the order domain tests.

#include <ecommerce/domain/commands.hpp>
#include <ecommerce/domain/events.hpp>
#include <ecommerce/domain/money.hpp>
#include <ecommerce/domain/order_errc.hpp>
#include <ecommerce/domain/timestamp.hpp>

#include <mink/messaging/command.hpp>

#include <boost/json.hpp>

#include <initializer_list>
#include <string>
#include <utility>
#include <vector>

namespace order_fixtures {

using namespace ecommerce;
namespace json = boost::json;

inline timestamp at(std::string_view rfc3339) { return parse_rfc3339(rfc3339).value(); }

inline const timestamp t0 = at("2024-03-01T09:00:00.000Z");
inline const timestamp t1 = at("2024-03-01T09:05:00.250Z");
inline const timestamp t2 = at("2024-03-02T14:00:00.000Z");

inline money usd(std::int64_t cents) { return money::from_cents(cents); }

// The example basket.
inline const order_created created{.order_id = "o-1", .customer_id = "CUST-12345", .created_at = t0};
inline const item_added laptop{.order_id = "o-1", .sku = "LAPTOP-001", .name = "Gaming Laptop", .quantity = 1, .price = usd(129999)};
inline const item_added mice{.order_id = "o-1", .sku = "MOUSE-001", .name = "Wireless Mouse", .quantity = 2, .price = usd(4999)};
inline const item_added keyboard{.order_id = "o-1", .sku = "KB-001", .name = "Mechanical Keyboard", .quantity = 1, .price = usd(14999)};
inline const order_submitted submitted{.order_id = "o-1", .total_amount = usd(154996), .submitted_at = t1};
inline const order_shipped shipped{.order_id = "o-1", .tracking_number = "1Z999", .shipped_at = t2};
inline const order_completed completed{.order_id = "o-1", .completed_at = t2};
inline const order_cancelled cancelled{.order_id = "o-1", .reason = "changed my mind", .cancelled_at = t1};

inline create_order create_cmd(timestamp when = t0) { return {.order_id = "o-1", .customer_id = "CUST-12345", .requested_at = when}; }
inline add_item add_cmd(std::string sku, int quantity, money price) {
  return {.order_id = "o-1", .sku = std::move(sku), .name = "Thing", .quantity = quantity, .price = price, .requested_at = t0};
}
inline submit_order submit_cmd() { return {.order_id = "o-1", .requested_at = t1}; }
inline ship_order ship_cmd(std::string tracking = "1Z999") { return {.order_id = "o-1", .tracking_number = std::move(tracking), .requested_at = t2}; }
inline complete_order complete_cmd() { return {.order_id = "o-1", .requested_at = t2}; }
inline cancel_order cancel_cmd() { return {.order_id = "o-1", .reason = "changed my mind", .requested_at = t1}; }

inline std::string message(order_errc e) { return make_error_code(e).message(); }

inline std::vector<mink::field_error> errors(std::initializer_list<std::pair<const char*, const char*>> list) {
  std::vector<mink::field_error> out;
  for (const auto& [field, text] : list) out.push_back({field, text});
  return out;
}

template <class T>
inline T round_trip(const T& value) {
  return json::value_to<T>(json::parse(json::serialize(json::value_from(value))));
}

}  // namespace order_fixtures
