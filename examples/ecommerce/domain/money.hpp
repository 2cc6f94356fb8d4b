#pragma once
// Exact amounts of money: integer cents, never floating point arithmetic.

#include <boost/json/value.hpp>
#include <boost/json/value_from.hpp>
#include <boost/json/value_to.hpp>

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace ecommerce {

/// An amount in cents (one currency, dollars in this example). Sums and products are exact.
struct money {
  std::int64_t cents = 0;

  static constexpr money from_cents(std::int64_t c) noexcept { return money{c}; }

  friend constexpr money operator+(money a, money b) noexcept { return money{a.cents + b.cents}; }
  friend constexpr money operator-(money a, money b) noexcept { return money{a.cents - b.cents}; }
  friend constexpr money operator*(money a, std::int64_t n) noexcept { return money{a.cents * n}; }
  friend constexpr money operator*(std::int64_t n, money a) noexcept { return money{a.cents * n}; }
  constexpr money& operator+=(money b) noexcept {
    cents += b.cents;
    return *this;
  }
  friend constexpr auto operator<=>(const money&, const money&) = default;
};

/// Parses "49.99", "-5", "1299.9": an optional minus, at most 15 integer digits, at most two
/// decimals. Anything else (".5", "1.", "1.999", "1e3", spaces) is nullopt.
std::optional<money> parse_money(std::string_view text) noexcept;

/// The amount of a JSON number: integers exactly; a double only if it lies within 1e-9 of a value
/// with two decimals (49.99 yes, 49.999 no) and below 1e13 in magnitude. Strings are parse_money.
std::optional<money> money_from_json(const boost::json::value& v) noexcept;

/// "1549.96", "-0.50", "10.00".
std::string to_string(money m);
/// "$1549.96", "-$0.50".
std::string to_currency_string(money m);

/// A JSON number with the exact amount: an integer for whole amounts, else the double nearest to
/// the two-decimal value (whose shortest round-trip form is that value: see to_json_text).
void tag_invoke(boost::json::value_from_tag, boost::json::value& v, money m);
/// money_from_json; throws std::invalid_argument on anything it rejects.
money tag_invoke(boost::json::value_to_tag<money>, const boost::json::value& v);

}  // namespace ecommerce
