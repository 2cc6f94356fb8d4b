#include <ecommerce/domain/order.hpp>

#include <chrono>
#include <cstdint>
#include <type_traits>

namespace ecommerce {

namespace {

using decision = mink::decision<order_event>;

decision fail(order_errc e) { return {boost::system::in_place_error, e}; }

decision emit(order_event e) { return std::vector<order_event>{std::move(e)}; }

timestamp when(timestamp requested_at) {
  if (requested_at != timestamp{}) return requested_at;
  return std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
}

}  // namespace

order_state order::evolve(order_state s, const order_event& event) {
  std::visit(
      [&](const auto& e) {
        using E = std::decay_t<decltype(e)>;
        if constexpr (std::is_same_v<E, order_created>) {
          s.order_id = e.order_id;
          s.customer_id = e.customer_id;
          s.status = order_status::created;
          s.created_at = e.created_at;
        } else if constexpr (std::is_same_v<E, item_added>) {
          s.items.push_back(line_item{.sku = e.sku, .name = e.name, .quantity = e.quantity, .price = e.price});
          s.total = s.items_total();
        } else if constexpr (std::is_same_v<E, order_submitted>) {
          s.status = order_status::submitted;
          s.total = e.total_amount;
          s.submitted_at = e.submitted_at;
        } else if constexpr (std::is_same_v<E, order_shipped>) {
          s.status = order_status::shipped;
          s.tracking_number = e.tracking_number;
          s.shipped_at = e.shipped_at;
        } else if constexpr (std::is_same_v<E, order_completed>) {
          s.status = order_status::completed;
          s.completed_at = e.completed_at;
        } else {
          static_assert(std::is_same_v<E, order_cancelled>);
          s.status = order_status::cancelled;
          s.cancel_reason = e.reason;
          s.cancelled_at = e.cancelled_at;
        }
      },
      event);
  return s;
}

decision order::decide(const order_state& s, const create_order& c) {
  if (s.exists()) return fail(order_errc::already_exists);
  return emit(order_created{.order_id = c.order_id, .customer_id = c.customer_id, .created_at = when(c.requested_at)});
}

decision order::decide(const order_state& s, const add_item& c) {
  if (!s.exists()) return fail(order_errc::not_created);
  if (s.status != order_status::created) return fail(order_errc::already_submitted);
  return emit(item_added{.order_id = c.order_id, .sku = c.sku, .name = c.name, .quantity = c.quantity, .price = c.price});
}

decision order::decide(const order_state& s, const submit_order& c) {
  if (!s.exists()) return fail(order_errc::not_created);
  if (s.status != order_status::created) return fail(order_errc::submit_requires_created);
  if (s.items.empty()) return fail(order_errc::empty_order);
  return emit(order_submitted{.order_id = c.order_id, .total_amount = s.items_total(), .submitted_at = when(c.requested_at)});
}

decision order::decide(const order_state& s, const ship_order& c) {
  if (!s.exists()) return fail(order_errc::not_created);
  if (s.status != order_status::submitted) return fail(order_errc::ship_requires_submitted);
  return emit(order_shipped{
      .order_id = c.order_id,
      .tracking_number = c.tracking_number.empty() ? tracking_number_for(c.order_id) : c.tracking_number,
      .shipped_at = when(c.requested_at)});
}

decision order::decide(const order_state& s, const complete_order& c) {
  if (!s.exists()) return fail(order_errc::not_created);
  if (s.status != order_status::shipped) return fail(order_errc::complete_requires_shipped);
  return emit(order_completed{.order_id = c.order_id, .completed_at = when(c.requested_at)});
}

decision order::decide(const order_state& s, const cancel_order& c) {
  switch (s.status) {
    case order_status::none: return fail(order_errc::not_created);
    case order_status::shipped: return fail(order_errc::cancel_shipped);
    case order_status::completed: return fail(order_errc::cancel_completed);
    case order_status::cancelled: return fail(order_errc::already_cancelled);
    case order_status::created:
    case order_status::submitted: break;
  }
  return emit(order_cancelled{.order_id = c.order_id, .reason = c.reason, .cancelled_at = when(c.requested_at)});
}

std::string tracking_number_for(std::string_view order_id) {
  // FNV-1a: stable across platforms and runs, unlike std::hash.
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char ch : order_id) {
    h ^= ch;
    h *= 0x100000001b3ULL;
  }
  static constexpr char hex[] = "0123456789ABCDEF";
  std::string out = "TRK-";
  for (int shift = 44; shift >= 0; shift -= 4) out += hex[(h >> shift) & 0xF];
  return out;
}

}  // namespace ecommerce
