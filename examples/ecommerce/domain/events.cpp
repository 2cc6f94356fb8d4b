#include <ecommerce/domain/events.hpp>
#include <ecommerce/domain/json_fields.hpp>

namespace ecommerce {

namespace json = boost::json;
constexpr auto required = presence::required;

void tag_invoke(json::value_from_tag, json::value& v, const order_created& e) {
  v = {{"order_id", e.order_id}, {"customer_id", e.customer_id}, {"created_at", format_rfc3339(e.created_at)}};
}

void tag_invoke(json::value_from_tag, json::value& v, const item_added& e) {
  v = {{"order_id", e.order_id},
       {"sku", e.sku},
       {"name", e.name},
       {"quantity", e.quantity},
       {"price", json::value_from(e.price)}};
}

void tag_invoke(json::value_from_tag, json::value& v, const order_submitted& e) {
  v = {{"order_id", e.order_id},
       {"total_amount", json::value_from(e.total_amount)},
       {"submitted_at", format_rfc3339(e.submitted_at)}};
}

void tag_invoke(json::value_from_tag, json::value& v, const order_shipped& e) {
  v = {{"order_id", e.order_id}, {"tracking_number", e.tracking_number}, {"shipped_at", format_rfc3339(e.shipped_at)}};
}

void tag_invoke(json::value_from_tag, json::value& v, const order_completed& e) {
  v = {{"order_id", e.order_id}, {"completed_at", format_rfc3339(e.completed_at)}};
}

void tag_invoke(json::value_from_tag, json::value& v, const order_cancelled& e) {
  v = {{"order_id", e.order_id}, {"reason", e.reason}, {"cancelled_at", format_rfc3339(e.cancelled_at)}};
}

order_created tag_invoke(json::value_to_tag<order_created>, const json::value& v) {
  json_fields f(v);
  order_created e{.order_id = f.string("order_id", required),
                  .customer_id = f.string("customer_id", required),
                  .created_at = f.time("created_at", required)};
  f.throw_if_failed();
  return e;
}

item_added tag_invoke(json::value_to_tag<item_added>, const json::value& v) {
  json_fields f(v);
  item_added e{.order_id = f.string("order_id", required),
               .sku = f.string("sku", required),
               .name = f.string("name", presence::optional),
               .quantity = f.integer("quantity", required),
               .price = f.amount("price", required)};
  f.throw_if_failed();
  return e;
}

order_submitted tag_invoke(json::value_to_tag<order_submitted>, const json::value& v) {
  json_fields f(v);
  order_submitted e{.order_id = f.string("order_id", required),
                    .total_amount = f.amount("total_amount", required),
                    .submitted_at = f.time("submitted_at", required)};
  f.throw_if_failed();
  return e;
}

order_shipped tag_invoke(json::value_to_tag<order_shipped>, const json::value& v) {
  json_fields f(v);
  order_shipped e{.order_id = f.string("order_id", required),
                  .tracking_number = f.string("tracking_number", required),
                  .shipped_at = f.time("shipped_at", required)};
  f.throw_if_failed();
  return e;
}

order_completed tag_invoke(json::value_to_tag<order_completed>, const json::value& v) {
  json_fields f(v);
  order_completed e{.order_id = f.string("order_id", required), .completed_at = f.time("completed_at", required)};
  f.throw_if_failed();
  return e;
}

order_cancelled tag_invoke(json::value_to_tag<order_cancelled>, const json::value& v) {
  json_fields f(v);
  order_cancelled e{.order_id = f.string("order_id", required),
                    .reason = f.string("reason", presence::optional),
                    .cancelled_at = f.time("cancelled_at", required)};
  f.throw_if_failed();
  return e;
}

namespace {

template <class... Events>
boost::system::error_code register_all(mink::event_registry& registry, std::variant<Events...>*) {
  boost::system::error_code ec;
  (void)((ec = registry.add<Events>(std::string(Events::type_name)), !ec) && ...);
  return ec;
}

}  // namespace

boost::system::error_code register_order_events(mink::event_registry& registry) {
  return register_all(registry, static_cast<order_event*>(nullptr));
}

}  // namespace ecommerce
