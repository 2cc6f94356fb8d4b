#pragma once
// Requests to change an order: mink commands with field validation and JSON forms.
//
// Every command carries `requested_at`: when it was asked for. The events it causes are stamped
// with it, which keeps order::decide deterministic; the epoch (the default) means "now" (decide
// then reads the system clock). It is not validated and appears in JSON only when set.

#include <ecommerce/domain/money.hpp>
#include <ecommerce/domain/timestamp.hpp>

#include <mink/messaging/command.hpp>

#include <boost/json/value.hpp>
#include <boost/json/value_from.hpp>
#include <boost/json/value_to.hpp>

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace ecommerce {

/// The longest order id, customer id or SKU, in characters (bytes).
inline constexpr std::size_t max_id_length = 100;

struct create_order {
  static constexpr std::string_view type_name = "CreateOrder";
  std::string order_id;
  std::string customer_id;
  timestamp requested_at{};

  const std::string& aggregate_id() const noexcept { return order_id; }
  /// order_id and customer_id: required, at most max_id_length.
  std::vector<mink::field_error> validate() const;
  friend bool operator==(const create_order&, const create_order&) = default;
};

struct add_item {
  static constexpr std::string_view type_name = "AddItem";
  std::string order_id;
  std::string sku;
  std::string name;
  int quantity = 0;
  money price{};
  timestamp requested_at{};

  const std::string& aggregate_id() const noexcept { return order_id; }
  /// order_id and sku: required, at most max_id_length; quantity > 0; price >= 0 (at most two
  /// decimals is the money type's own rule, checked when converting from JSON).
  std::vector<mink::field_error> validate() const;
  friend bool operator==(const add_item&, const add_item&) = default;
};

struct submit_order {
  static constexpr std::string_view type_name = "SubmitOrder";
  std::string order_id;
  timestamp requested_at{};

  const std::string& aggregate_id() const noexcept { return order_id; }
  std::vector<mink::field_error> validate() const;
  friend bool operator==(const submit_order&, const submit_order&) = default;
};

struct ship_order {
  static constexpr std::string_view type_name = "ShipOrder";
  std::string order_id;
  std::string tracking_number;  ///< Optional: empty means the decider generates one.
  timestamp requested_at{};

  const std::string& aggregate_id() const noexcept { return order_id; }
  std::vector<mink::field_error> validate() const;
  friend bool operator==(const ship_order&, const ship_order&) = default;
};

struct complete_order {
  static constexpr std::string_view type_name = "CompleteOrder";
  std::string order_id;
  timestamp requested_at{};

  const std::string& aggregate_id() const noexcept { return order_id; }
  std::vector<mink::field_error> validate() const;
  friend bool operator==(const complete_order&, const complete_order&) = default;
};

struct cancel_order {
  static constexpr std::string_view type_name = "CancelOrder";
  std::string order_id;
  std::string reason;  ///< Optional.
  timestamp requested_at{};

  const std::string& aggregate_id() const noexcept { return order_id; }
  std::vector<mink::field_error> validate() const;
  friend bool operator==(const cancel_order&, const cancel_order&) = default;
};

// JSON, with the snake_case member names as keys. value_to is lenient about missing or null
// strings and quantities (they take their empty value, and validate() reports them) but throws
// std::invalid_argument, naming the fields, for a wrong JSON type, an amount with more than two
// decimals, a missing price or a malformed requested_at.
void tag_invoke(boost::json::value_from_tag, boost::json::value& v, const create_order& c);
void tag_invoke(boost::json::value_from_tag, boost::json::value& v, const add_item& c);
void tag_invoke(boost::json::value_from_tag, boost::json::value& v, const submit_order& c);
void tag_invoke(boost::json::value_from_tag, boost::json::value& v, const ship_order& c);
void tag_invoke(boost::json::value_from_tag, boost::json::value& v, const complete_order& c);
void tag_invoke(boost::json::value_from_tag, boost::json::value& v, const cancel_order& c);
create_order tag_invoke(boost::json::value_to_tag<create_order>, const boost::json::value& v);
add_item tag_invoke(boost::json::value_to_tag<add_item>, const boost::json::value& v);
submit_order tag_invoke(boost::json::value_to_tag<submit_order>, const boost::json::value& v);
ship_order tag_invoke(boost::json::value_to_tag<ship_order>, const boost::json::value& v);
complete_order tag_invoke(boost::json::value_to_tag<complete_order>, const boost::json::value& v);
cancel_order tag_invoke(boost::json::value_to_tag<cancel_order>, const boost::json::value& v);

/// Converts `v` into `out` and validates it, in one pass: every failing field, of the conversion
/// and of validate() alike (a field that failed to convert is not reported twice). Empty means
/// `out` holds a valid command. What an HTTP layer answers a bad request body with.
std::vector<mink::field_error> read_command(const boost::json::value& v, create_order& out);
std::vector<mink::field_error> read_command(const boost::json::value& v, add_item& out);
std::vector<mink::field_error> read_command(const boost::json::value& v, submit_order& out);
std::vector<mink::field_error> read_command(const boost::json::value& v, ship_order& out);
std::vector<mink::field_error> read_command(const boost::json::value& v, complete_order& out);
std::vector<mink::field_error> read_command(const boost::json::value& v, cancel_order& out);

}  // namespace ecommerce
