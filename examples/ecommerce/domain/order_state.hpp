#pragma once
// An order as its events leave it: what the decider decides against, what snapshots hold and what
// the order view shows.

#include <ecommerce/domain/money.hpp>
#include <ecommerce/domain/timestamp.hpp>

#include <boost/json/value.hpp>
#include <boost/json/value_from.hpp>
#include <boost/json/value_to.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ecommerce {

/// Where an order is in its life. `none` until OrderCreated.
enum class order_status { none, created, submitted, shipped, completed, cancelled };

/// "Created", "Submitted", "Shipped", "Completed", "Cancelled"; "None" before creation.
std::string_view to_string(order_status s) noexcept;
/// The inverse of to_string.
std::optional<order_status> parse_order_status(std::string_view text) noexcept;

/// One ItemAdded: each addition is its own line, even for a SKU already in the order.
struct line_item {
  std::string sku;
  std::string name;
  int quantity = 0;
  money price{};  ///< Unit price.

  money subtotal() const noexcept { return price * quantity; }
  friend bool operator==(const line_item&, const line_item&) = default;
};

struct order_state {
  std::string order_id;
  std::string customer_id;
  order_status status = order_status::none;
  std::vector<line_item> items;
  /// The sum of the lines' subtotals while Created; from OrderSubmitted on, its total_amount.
  money total{};
  std::string tracking_number;
  std::string cancel_reason;
  timestamp created_at{};
  timestamp submitted_at{};
  timestamp shipped_at{};
  timestamp completed_at{};
  timestamp cancelled_at{};

  bool exists() const noexcept { return status != order_status::none; }
  /// Sum of quantity x unit price over every line, in exact cents.
  money items_total() const noexcept;

  friend bool operator==(const order_state&, const order_state&) = default;
};

/// Every member, for snapshots: {"order_id", "customer_id", "status", "items": [...], "total",
/// "tracking_number", "cancel_reason", "created_at", ...}; unset times are null.
void tag_invoke(boost::json::value_from_tag, boost::json::value& v, const order_state& s);
/// The inverse; throws std::invalid_argument naming every missing or malformed field.
order_state tag_invoke(boost::json::value_to_tag<order_state>, const boost::json::value& v);

/// What a reader of an order sees: {"order_id", "customer_id", "status", "items": [{"sku", "name",
/// "quantity", "price"}], "total", "tracking_number", "version"}, `version` being the stream version
/// the state was read at. tracking_number is null until shipped.
boost::json::value order_view(const order_state& s, std::uint64_t version);

}  // namespace ecommerce
