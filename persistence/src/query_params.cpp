#include <mink/persistence/query_params.hpp>

#include "time_format.hpp"

#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <charconv>
#include <cmath>

namespace mink::persistence {

query_params& query_params::add(std::nullptr_t) {
  values_.emplace_back(std::nullopt);
  return *this;
}

query_params& query_params::add(std::string_view text) {
  values_.emplace_back(std::string(text));
  return *this;
}

query_params& query_params::add(bool value) {
  values_.emplace_back(value ? "t" : "f");
  return *this;
}

query_params& query_params::add(double value) {
  if (std::isnan(value)) {
    values_.emplace_back("NaN");
  } else if (std::isinf(value)) {
    values_.emplace_back(value > 0 ? "Infinity" : "-Infinity");
  } else {
    char buf[32];
    // Shortest text that reads back as the same double.
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value);
    values_.emplace_back(std::string(buf, end));
  }
  return *this;
}

query_params& query_params::add_integer(std::int64_t value) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value);
  values_.emplace_back(std::string(buf, end));
  return *this;
}

query_params& query_params::add(const boost::json::value& json) {
  values_.emplace_back(boost::json::serialize(json));
  return *this;
}

query_params& query_params::add(std::chrono::system_clock::time_point time) {
  values_.emplace_back(detail::format_timestamp(time));
  return *this;
}

query_params& query_params::add(std::span<const std::byte> bytes) {
  static constexpr char hex[] = "0123456789abcdef";
  std::string text;
  text.reserve(2 + bytes.size() * 2);
  text += "\\x";
  for (std::byte b : bytes) {
    const auto v = std::to_integer<unsigned>(b);
    text += hex[v >> 4];
    text += hex[v & 0xF];
  }
  values_.emplace_back(std::move(text));
  return *this;
}

}  // namespace mink::persistence
