#pragma once
// One row of the order-summary read model, and its JSON form.

#include <ecommerce/domain/money.hpp>
#include <ecommerce/domain/timestamp.hpp>

#include <boost/json/fwd.hpp>

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ecommerce {

/// What a list or a dashboard shows about an order, kept up to date by the order-summary
/// projection (order_summary_projection.hpp).
struct order_summary {
  std::string order_id;
  std::string customer_id;
  std::string status;  ///< Created, Submitted, Shipped, Completed, Cancelled.
  std::int64_t item_count = 0;  ///< Sum of the lines' quantities.
  std::int64_t line_count = 0;  ///< Number of ItemAdded events.
  money total{};                ///< Sum of the lines, then the submitted total.
  std::optional<std::string> tracking_number;
  std::uint64_t version = 0;    ///< The order stream's version this row reflects.
  timestamp created_at{};
  timestamp updated_at{};

  friend bool operator==(const order_summary&, const order_summary&) = default;
};

/// The statuses an order summary can have, in the order of an order's life.
inline constexpr std::array<std::string_view, 5> order_statuses{"Created", "Submitted", "Shipped", "Completed",
                                                                "Cancelled"};

/// {"order_id", "customer_id", "status", "item_count", "line_count", "total" (a number with at most
/// two decimals), "tracking_number" (null when none), "version", "created_at", "updated_at"}.
void tag_invoke(boost::json::value_from_tag, boost::json::value& v, const order_summary& s);

/// What async_list asks for: optional filters, a page size and where the previous page ended.
struct order_list_query {
  std::optional<std::string> status;
  std::optional<std::string> customer_id;
  std::size_t limit = 50;  ///< 1 to 500.
  std::optional<std::string> after;  ///< The previous page's `next`; absent for the first page.
};

struct order_page {
  std::vector<order_summary> items;
  std::optional<std::string> next;  ///< Pass as `after` for the following page; none on the last.
};

/// Orders per status: every status of order_statuses is present (0 when none), and the total.
struct order_status_counts {
  std::map<std::string, std::uint64_t> by_status;
  std::uint64_t total = 0;
};

}  // namespace ecommerce
