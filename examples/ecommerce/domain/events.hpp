#pragma once
// What happens to an order: the events of the Order stream, with their JSON forms (snake_case keys,
// amounts as exact JSON numbers, times as RFC 3339 UTC strings).

#include <ecommerce/domain/money.hpp>
#include <ecommerce/domain/timestamp.hpp>

#include <mink/messaging/event_registry.hpp>

#include <boost/json/value.hpp>
#include <boost/json/value_from.hpp>
#include <boost/json/value_to.hpp>
#include <boost/system/error_code.hpp>

#include <string>
#include <string_view>
#include <variant>

namespace ecommerce {

struct order_created {
  static constexpr std::string_view type_name = "OrderCreated";
  std::string order_id;
  std::string customer_id;
  timestamp created_at{};
  friend bool operator==(const order_created&, const order_created&) = default;
};

struct item_added {
  static constexpr std::string_view type_name = "ItemAdded";
  std::string order_id;
  std::string sku;
  std::string name;
  int quantity = 0;
  money price{};
  friend bool operator==(const item_added&, const item_added&) = default;
};

struct order_submitted {
  static constexpr std::string_view type_name = "OrderSubmitted";
  std::string order_id;
  money total_amount{};
  timestamp submitted_at{};
  friend bool operator==(const order_submitted&, const order_submitted&) = default;
};

struct order_shipped {
  static constexpr std::string_view type_name = "OrderShipped";
  std::string order_id;
  std::string tracking_number;
  timestamp shipped_at{};
  friend bool operator==(const order_shipped&, const order_shipped&) = default;
};

struct order_completed {
  static constexpr std::string_view type_name = "OrderCompleted";
  std::string order_id;
  timestamp completed_at{};
  friend bool operator==(const order_completed&, const order_completed&) = default;
};

struct order_cancelled {
  static constexpr std::string_view type_name = "OrderCancelled";
  std::string order_id;
  std::string reason;
  timestamp cancelled_at{};
  friend bool operator==(const order_cancelled&, const order_cancelled&) = default;
};

/// Every event of an Order stream.
using order_event =
    std::variant<order_created, item_added, order_submitted, order_shipped, order_completed, order_cancelled>;

// JSON. value_to throws std::invalid_argument naming every missing or malformed field (so
// try_value_to, and mink::event_codec, report an error instead).
void tag_invoke(boost::json::value_from_tag, boost::json::value& v, const order_created& e);
void tag_invoke(boost::json::value_from_tag, boost::json::value& v, const item_added& e);
void tag_invoke(boost::json::value_from_tag, boost::json::value& v, const order_submitted& e);
void tag_invoke(boost::json::value_from_tag, boost::json::value& v, const order_shipped& e);
void tag_invoke(boost::json::value_from_tag, boost::json::value& v, const order_completed& e);
void tag_invoke(boost::json::value_from_tag, boost::json::value& v, const order_cancelled& e);
order_created tag_invoke(boost::json::value_to_tag<order_created>, const boost::json::value& v);
item_added tag_invoke(boost::json::value_to_tag<item_added>, const boost::json::value& v);
order_submitted tag_invoke(boost::json::value_to_tag<order_submitted>, const boost::json::value& v);
order_shipped tag_invoke(boost::json::value_to_tag<order_shipped>, const boost::json::value& v);
order_completed tag_invoke(boost::json::value_to_tag<order_completed>, const boost::json::value& v);
order_cancelled tag_invoke(boost::json::value_to_tag<order_cancelled>, const boost::json::value& v);

/// Registers every order event under its type_name. The first failing registration's error
/// (mink::errc::duplicate_registration when one is already there); earlier ones stay registered.
boost::system::error_code register_order_events(mink::event_registry& registry);

}  // namespace ecommerce
