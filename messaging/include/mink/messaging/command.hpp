#pragma once
// Commands: requests to change one aggregate, as C++ types the command bus can route.

#include <boost/json/value.hpp>
#include <boost/json/value_from.hpp>
#include <boost/json/value_to.hpp>

#include <concepts>
#include <string>
#include <string_view>
#include <vector>

namespace mink {

/// One failing field of a command: `{"quantity", "must be greater than zero"}`.
struct field_error {
  std::string field;
  std::string message;

  friend bool operator==(const field_error&, const field_error&) = default;
};

/// A command type:
///   struct add_item {
///     static constexpr std::string_view type_name = "AddItem";
///     std::string order_id; ...
///     const std::string& aggregate_id() const { return order_id; }
///     std::vector<mink::field_error> validate() const;   // optional: every failing field
///   };
/// with Boost.JSON conversions (tag_invoke value_from / value_to) next to it. The JSON form is what
/// idempotency fingerprints and logs are made of, so it must hold every field that matters.
template <class C>
concept command = std::movable<C> && requires(const C& c) {
  { C::type_name } -> std::convertible_to<std::string_view>;
  { c.aggregate_id() } -> std::convertible_to<std::string>;
  { boost::json::value_from(c) } -> std::same_as<boost::json::value>;
};

/// A command with its own field checks.
template <class C>
concept validating_command = command<C> && requires(const C& c) {
  { c.validate() } -> std::same_as<std::vector<field_error>>;
};

/// The command's failing fields; empty when it has no validate() or passes it.
template <command C>
std::vector<field_error> validate_command(const C& c) {
  if constexpr (validating_command<C>) {
    return c.validate();
  } else {
    return {};
  }
}

}  // namespace mink
