#include <ecommerce/domain/money.hpp>

#include <cmath>
#include <cstdlib>
#include <stdexcept>

namespace ecommerce {

std::optional<money> parse_money(std::string_view text) noexcept {
  std::size_t pos = 0;
  const bool negative = !text.empty() && text[0] == '-';
  if (negative) ++pos;
  std::int64_t units = 0;
  std::size_t int_digits = 0;
  while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
    if (++int_digits > 15) return std::nullopt;
    units = units * 10 + (text[pos] - '0');
    ++pos;
  }
  if (int_digits == 0) return std::nullopt;
  std::int64_t fraction = 0;
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    std::size_t frac_digits = 0;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
      if (++frac_digits > 2) return std::nullopt;
      fraction = fraction * 10 + (text[pos] - '0');
      ++pos;
    }
    if (frac_digits == 0) return std::nullopt;
    if (frac_digits == 1) fraction *= 10;
  }
  if (pos != text.size()) return std::nullopt;
  const std::int64_t cents = units * 100 + fraction;
  return money{negative ? -cents : cents};
}

std::optional<money> money_from_json(const boost::json::value& v) noexcept {
  constexpr std::int64_t max_units = 10'000'000'000'000;  // 1e13: doubles still resolve cents there
  switch (v.kind()) {
    case boost::json::kind::int64: {
      const std::int64_t n = v.get_int64();
      if (n >= max_units || n <= -max_units) return std::nullopt;
      return money{n * 100};
    }
    case boost::json::kind::uint64: {
      const std::uint64_t n = v.get_uint64();
      if (n >= static_cast<std::uint64_t>(max_units)) return std::nullopt;
      return money{static_cast<std::int64_t>(n) * 100};
    }
    case boost::json::kind::double_: {
      const double d = v.get_double();
      if (!std::isfinite(d) || std::fabs(d) >= static_cast<double>(max_units)) return std::nullopt;
      // The parser kept only the nearest double to the text, so accept it when it is (within
      // rounding noise) the nearest double to a two-decimal value.
      const double cents = std::round(d * 100.0);
      if (std::fabs(d - cents / 100.0) > 1e-9) return std::nullopt;
      return money{static_cast<std::int64_t>(cents)};
    }
    case boost::json::kind::string: return parse_money(v.get_string());
    default: return std::nullopt;
  }
}

std::string to_string(money m) {
  const std::uint64_t abs = m.cents < 0 ? 0 - static_cast<std::uint64_t>(m.cents) : static_cast<std::uint64_t>(m.cents);
  std::string s = m.cents < 0 ? "-" : "";
  s += std::to_string(abs / 100);
  s += '.';
  s += static_cast<char>('0' + abs % 100 / 10);
  s += static_cast<char>('0' + abs % 10);
  return s;
}

std::string to_currency_string(money m) {
  if (m.cents < 0) return "-$" + to_string(money{0} - m);
  return "$" + to_string(m);
}

void tag_invoke(boost::json::value_from_tag, boost::json::value& v, money m) {
  if (m.cents % 100 == 0) {
    v = m.cents / 100;
  } else {
    // An exact integer divided by 100 is correctly rounded: the nearest double to the amount.
    v = static_cast<double>(m.cents) / 100.0;
  }
}

money tag_invoke(boost::json::value_to_tag<money>, const boost::json::value& v) {
  if (auto m = money_from_json(v)) return *m;
  throw std::invalid_argument("not an amount of money with at most two decimals");
}

}  // namespace ecommerce
