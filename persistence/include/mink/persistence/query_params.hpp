#pragma once
// Bound parameters ($1, $2, ...) of a query, in PostgreSQL's text format.

#include <chrono>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace boost::json {
class value;
}

namespace mink::persistence {

/// Parameters of one statement, bound as data (never spliced into SQL text, so quotes and
/// semicolons are harmless). Each value is converted to PostgreSQL's text input format:
/// integers and floating point in decimal, bool as t/f, JSON serialized, time points as UTC
/// ISO 8601 with microseconds, bytes as bytea hex, std::nullopt / nullptr as SQL NULL.
/// Strings must not contain NUL characters (PostgreSQL text cannot hold them); pass bytes instead.
class query_params {
 public:
  query_params() = default;

  template <class... Values>
    requires(sizeof...(Values) > 0)
  explicit query_params(const Values&... values) {
    values_.reserve(sizeof...(Values));
    (add(values), ...);
  }

  query_params& add(std::nullptr_t);
  query_params& add(std::string_view text);
  query_params& add(const std::string& text) { return add(std::string_view(text)); }
  query_params& add(const char* text) { return add(std::string_view(text)); }
  query_params& add(bool value);
  query_params& add(double value);
  query_params& add(const boost::json::value& json);
  query_params& add(std::chrono::system_clock::time_point time);
  query_params& add(std::span<const std::byte> bytes);
  query_params& add(const std::vector<std::byte>& bytes) { return add(std::span<const std::byte>(bytes)); }

  template <std::integral Int>
    requires(!std::same_as<Int, bool> && !std::same_as<Int, char>)
  query_params& add(Int value) {
    return add_integer(static_cast<std::int64_t>(value));
  }

  template <class T>
  query_params& add(const std::optional<T>& value) {
    return value ? add(*value) : add(nullptr);
  }

  std::size_t size() const noexcept { return values_.size(); }
  bool empty() const noexcept { return values_.empty(); }

  /// The text of parameter i, or nullopt for NULL.
  const std::optional<std::string>& operator[](std::size_t i) const { return values_[i]; }

 private:
  query_params& add_integer(std::int64_t value);
  std::vector<std::optional<std::string>> values_;
};

}  // namespace mink::persistence
