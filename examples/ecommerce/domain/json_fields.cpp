#include <ecommerce/domain/json_fields.hpp>

#include <limits>
#include <stdexcept>

namespace ecommerce {

json_fields::json_fields(const boost::json::value& v) : object_(v.if_object()) {
  if (!object_) fail("", "must be a JSON object");
}

const boost::json::value* json_fields::find(std::string_view key, presence p) {
  const boost::json::value* v = object_ ? object_->if_contains(key) : nullptr;
  if (v && v->is_null()) v = nullptr;
  if (!v && object_ && p == presence::required) fail(key, "is required");
  return v;
}

void json_fields::fail(std::string_view key, std::string message) {
  errors_.push_back(mink::field_error{std::string(key), std::move(message)});
}

std::string json_fields::string(std::string_view key, presence p) {
  const boost::json::value* v = find(key, p);
  if (!v) return {};
  if (!v->is_string()) {
    fail(key, "must be a string");
    return {};
  }
  return std::string(v->get_string());
}

int json_fields::integer(std::string_view key, presence p) {
  const boost::json::value* v = find(key, p);
  if (!v) return 0;
  constexpr auto lo = std::numeric_limits<int>::min();
  constexpr auto hi = std::numeric_limits<int>::max();
  if (v->is_int64() && v->get_int64() >= lo && v->get_int64() <= hi) return static_cast<int>(v->get_int64());
  if (v->is_uint64() && v->get_uint64() <= static_cast<std::uint64_t>(hi)) return static_cast<int>(v->get_uint64());
  fail(key, "must be an integer");
  return 0;
}

money json_fields::amount(std::string_view key, presence p) {
  const boost::json::value* v = find(key, p);
  if (!v) return {};
  if (auto m = money_from_json(*v)) return *m;
  fail(key, "must be an amount with at most two decimals");
  return {};
}

timestamp json_fields::time(std::string_view key, presence p) {
  const boost::json::value* v = find(key, p);
  if (!v) return {};
  if (v->is_string()) {
    if (auto t = parse_rfc3339(v->get_string())) return *t;
  }
  fail(key, "must be an RFC 3339 time");
  return {};
}

void json_fields::throw_if_failed() const {
  if (!errors_.empty()) throw std::invalid_argument(describe(errors_));
}

std::string describe(const std::vector<mink::field_error>& errors) {
  std::string s;
  for (const auto& e : errors) {
    if (!s.empty()) s += "; ";
    s += e.field.empty() ? std::string("(body)") : e.field;
    s += ": ";
    s += e.message;
  }
  return s;
}

}  // namespace ecommerce
