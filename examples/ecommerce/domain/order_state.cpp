#include <ecommerce/domain/json_fields.hpp>
#include <ecommerce/domain/order_state.hpp>

#include <array>
#include <stdexcept>
#include <utility>

namespace ecommerce {

namespace json = boost::json;

namespace {

constexpr std::array<std::pair<order_status, std::string_view>, 6> status_names{{
    {order_status::none, "None"},
    {order_status::created, "Created"},
    {order_status::submitted, "Submitted"},
    {order_status::shipped, "Shipped"},
    {order_status::completed, "Completed"},
    {order_status::cancelled, "Cancelled"},
}};

json::value time_or_null(timestamp t) {
  if (t == timestamp{}) return nullptr;
  return json::value(format_rfc3339(t));
}

json::array items_json(const std::vector<line_item>& items) {
  json::array a;
  a.reserve(items.size());
  for (const auto& i : items) {
    a.push_back(json::object{{"sku", i.sku}, {"name", i.name}, {"quantity", i.quantity}, {"price", json::value_from(i.price)}});
  }
  return a;
}

}  // namespace

std::string_view to_string(order_status s) noexcept {
  for (const auto& [status, name] : status_names) {
    if (status == s) return name;
  }
  return "Unknown";
}

std::optional<order_status> parse_order_status(std::string_view text) noexcept {
  for (const auto& [status, name] : status_names) {
    if (name == text) return status;
  }
  return std::nullopt;
}

money order_state::items_total() const noexcept {
  money sum{};
  for (const auto& i : items) sum += i.subtotal();
  return sum;
}

void tag_invoke(json::value_from_tag, json::value& v, const order_state& s) {
  v = {{"order_id", s.order_id},
       {"customer_id", s.customer_id},
       {"status", to_string(s.status)},
       {"items", items_json(s.items)},
       {"total", json::value_from(s.total)},
       {"tracking_number", s.tracking_number},
       {"cancel_reason", s.cancel_reason},
       {"created_at", time_or_null(s.created_at)},
       {"submitted_at", time_or_null(s.submitted_at)},
       {"shipped_at", time_or_null(s.shipped_at)},
       {"completed_at", time_or_null(s.completed_at)},
       {"cancelled_at", time_or_null(s.cancelled_at)}};
}

order_state tag_invoke(json::value_to_tag<order_state>, const json::value& v) {
  constexpr auto required = presence::required;
  constexpr auto optional = presence::optional;
  json_fields f(v);
  order_state s{.order_id = f.string("order_id", required),
                .customer_id = f.string("customer_id", required),
                .status = order_status::none,
                .items = {},
                .total = f.amount("total", required),
                .tracking_number = f.string("tracking_number", optional),
                .cancel_reason = f.string("cancel_reason", optional),
                .created_at = f.time("created_at", optional),
                .submitted_at = f.time("submitted_at", optional),
                .shipped_at = f.time("shipped_at", optional),
                .completed_at = f.time("completed_at", optional),
                .cancelled_at = f.time("cancelled_at", optional)};
  std::vector<mink::field_error> errors;  // beyond f's own
  const std::string status_text = f.string("status", required);
  if (auto status = parse_order_status(status_text)) {
    s.status = *status;
  } else if (!status_text.empty()) {
    errors.push_back({"status", "must be an order status"});
  }
  const json::value* items = v.is_object() ? v.get_object().if_contains("items") : nullptr;
  if (items && items->is_array()) {
    const auto& array = items->get_array();
    for (std::size_t n = 0; n < array.size(); ++n) {
      json_fields item(array[n]);
      s.items.push_back(line_item{.sku = item.string("sku", required),
                                  .name = item.string("name", optional),
                                  .quantity = item.integer("quantity", required),
                                  .price = item.amount("price", required)});
      for (const auto& e : item.errors()) {
        errors.push_back({"items[" + std::to_string(n) + "]" + (e.field.empty() ? "" : "." + e.field), e.message});
      }
    }
  } else if (v.is_object()) {
    errors.push_back({"items", "must be an array"});
  }
  errors.insert(errors.begin(), f.errors().begin(), f.errors().end());
  if (!errors.empty()) throw std::invalid_argument(describe(errors));
  return s;
}

json::value order_view(const order_state& s, std::uint64_t version) {
  return {{"order_id", s.order_id},
          {"customer_id", s.customer_id},
          {"status", to_string(s.status)},
          {"items", items_json(s.items)},
          {"total", json::value_from(s.total)},
          {"tracking_number", s.tracking_number.empty() ? json::value(nullptr) : json::value(s.tracking_number)},
          {"version", version}};
}

}  // namespace ecommerce
