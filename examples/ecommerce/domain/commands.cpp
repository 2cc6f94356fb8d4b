#include <ecommerce/domain/commands.hpp>
#include <ecommerce/domain/json_fields.hpp>

#include <algorithm>

namespace ecommerce {

namespace json = boost::json;
constexpr auto lenient = presence::optional;

namespace {

void check_id(std::vector<mink::field_error>& errors, std::string_view field, const std::string& value) {
  if (value.empty()) {
    errors.push_back({std::string(field), "is required"});
  } else if (value.size() > max_id_length) {
    errors.push_back({std::string(field), "must be at most " + std::to_string(max_id_length) + " characters"});
  }
}

void put_requested_at(json::value& v, timestamp t) {
  if (t != timestamp{}) v.as_object()["requested_at"] = format_rfc3339(t);
}

// The lenient readers behind value_to and read_command.
create_order read_fields(json_fields& f, const create_order*) {
  return {.order_id = f.string("order_id", lenient),
          .customer_id = f.string("customer_id", lenient),
          .requested_at = f.time("requested_at", lenient)};
}
add_item read_fields(json_fields& f, const add_item*) {
  return {.order_id = f.string("order_id", lenient),
          .sku = f.string("sku", lenient),
          .name = f.string("name", lenient),
          .quantity = f.integer("quantity", lenient),
          .price = f.amount("price", presence::required),
          .requested_at = f.time("requested_at", lenient)};
}
submit_order read_fields(json_fields& f, const submit_order*) {
  return {.order_id = f.string("order_id", lenient), .requested_at = f.time("requested_at", lenient)};
}
ship_order read_fields(json_fields& f, const ship_order*) {
  return {.order_id = f.string("order_id", lenient),
          .tracking_number = f.string("tracking_number", lenient),
          .requested_at = f.time("requested_at", lenient)};
}
complete_order read_fields(json_fields& f, const complete_order*) {
  return {.order_id = f.string("order_id", lenient), .requested_at = f.time("requested_at", lenient)};
}
cancel_order read_fields(json_fields& f, const cancel_order*) {
  return {.order_id = f.string("order_id", lenient),
          .reason = f.string("reason", lenient),
          .requested_at = f.time("requested_at", lenient)};
}

template <class C>
C convert(const json::value& v) {
  json_fields f(v);
  C c = read_fields(f, static_cast<const C*>(nullptr));
  f.throw_if_failed();
  return c;
}

template <class C>
std::vector<mink::field_error> read_and_validate(const json::value& v, C& out) {
  json_fields f(v);
  out = read_fields(f, static_cast<const C*>(nullptr));
  std::vector<mink::field_error> errors = f.errors();
  if (!v.is_object()) return errors;
  for (auto& e : out.validate()) {
    const bool seen = std::any_of(errors.begin(), errors.end(), [&](const auto& x) { return x.field == e.field; });
    if (!seen) errors.push_back(std::move(e));
  }
  return errors;
}

}  // namespace

std::vector<mink::field_error> create_order::validate() const {
  std::vector<mink::field_error> errors;
  check_id(errors, "order_id", order_id);
  check_id(errors, "customer_id", customer_id);
  return errors;
}

std::vector<mink::field_error> add_item::validate() const {
  std::vector<mink::field_error> errors;
  check_id(errors, "order_id", order_id);
  check_id(errors, "sku", sku);
  if (quantity <= 0) errors.push_back({"quantity", "must be greater than zero"});
  if (price < money{}) errors.push_back({"price", "must not be negative"});
  return errors;
}

std::vector<mink::field_error> submit_order::validate() const {
  std::vector<mink::field_error> errors;
  check_id(errors, "order_id", order_id);
  return errors;
}

std::vector<mink::field_error> ship_order::validate() const {
  std::vector<mink::field_error> errors;
  check_id(errors, "order_id", order_id);
  if (tracking_number.size() > max_id_length) {
    errors.push_back({"tracking_number", "must be at most " + std::to_string(max_id_length) + " characters"});
  }
  return errors;
}

std::vector<mink::field_error> complete_order::validate() const {
  std::vector<mink::field_error> errors;
  check_id(errors, "order_id", order_id);
  return errors;
}

std::vector<mink::field_error> cancel_order::validate() const {
  std::vector<mink::field_error> errors;
  check_id(errors, "order_id", order_id);
  return errors;
}

void tag_invoke(json::value_from_tag, json::value& v, const create_order& c) {
  v = {{"order_id", c.order_id}, {"customer_id", c.customer_id}};
  put_requested_at(v, c.requested_at);
}
void tag_invoke(json::value_from_tag, json::value& v, const add_item& c) {
  v = {{"order_id", c.order_id},
       {"sku", c.sku},
       {"name", c.name},
       {"quantity", c.quantity},
       {"price", json::value_from(c.price)}};
  put_requested_at(v, c.requested_at);
}
void tag_invoke(json::value_from_tag, json::value& v, const submit_order& c) {
  v = {{"order_id", c.order_id}};
  put_requested_at(v, c.requested_at);
}
void tag_invoke(json::value_from_tag, json::value& v, const ship_order& c) {
  v = {{"order_id", c.order_id}, {"tracking_number", c.tracking_number}};
  put_requested_at(v, c.requested_at);
}
void tag_invoke(json::value_from_tag, json::value& v, const complete_order& c) {
  v = {{"order_id", c.order_id}};
  put_requested_at(v, c.requested_at);
}
void tag_invoke(json::value_from_tag, json::value& v, const cancel_order& c) {
  v = {{"order_id", c.order_id}, {"reason", c.reason}};
  put_requested_at(v, c.requested_at);
}

create_order tag_invoke(json::value_to_tag<create_order>, const json::value& v) { return convert<create_order>(v); }
add_item tag_invoke(json::value_to_tag<add_item>, const json::value& v) { return convert<add_item>(v); }
submit_order tag_invoke(json::value_to_tag<submit_order>, const json::value& v) { return convert<submit_order>(v); }
ship_order tag_invoke(json::value_to_tag<ship_order>, const json::value& v) { return convert<ship_order>(v); }
complete_order tag_invoke(json::value_to_tag<complete_order>, const json::value& v) { return convert<complete_order>(v); }
cancel_order tag_invoke(json::value_to_tag<cancel_order>, const json::value& v) { return convert<cancel_order>(v); }

std::vector<mink::field_error> read_command(const json::value& v, create_order& out) { return read_and_validate(v, out); }
std::vector<mink::field_error> read_command(const json::value& v, add_item& out) { return read_and_validate(v, out); }
std::vector<mink::field_error> read_command(const json::value& v, submit_order& out) { return read_and_validate(v, out); }
std::vector<mink::field_error> read_command(const json::value& v, ship_order& out) { return read_and_validate(v, out); }
std::vector<mink::field_error> read_command(const json::value& v, complete_order& out) { return read_and_validate(v, out); }
std::vector<mink::field_error> read_command(const json::value& v, cancel_order& out) { return read_and_validate(v, out); }

}  // namespace ecommerce
