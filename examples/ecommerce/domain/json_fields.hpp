#pragma once
// Reads the fields of a JSON object one by one, collecting every failing field instead of stopping
// at the first: what the JSON conversions of events and commands are built on.

#include <ecommerce/domain/money.hpp>
#include <ecommerce/domain/timestamp.hpp>

#include <mink/messaging/command.hpp>

#include <boost/json/value.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace ecommerce {

/// Whether a missing field is an error, or takes its empty value (for commands, whose validate()
/// then names the missing fields together with the other failures).
enum class presence { required, optional };

class json_fields {
 public:
  /// A `v` that is not an object is one error on field "" ("must be a JSON object").
  explicit json_fields(const boost::json::value& v);

  /// A string field; missing or null is "" (an error when required).
  std::string string(std::string_view key, presence p);
  /// An integer field within int's range; missing or null is 0 (an error when required).
  int integer(std::string_view key, presence p);
  /// An amount (money_from_json); missing or null is zero (an error when required).
  money amount(std::string_view key, presence p);
  /// An RFC 3339 time; missing or null is the epoch (an error when required).
  timestamp time(std::string_view key, presence p);

  const std::vector<mink::field_error>& errors() const noexcept { return errors_; }
  /// Throws std::invalid_argument listing every failing field, if any failed.
  void throw_if_failed() const;

 private:
  const boost::json::value* find(std::string_view key, presence p);
  void fail(std::string_view key, std::string message);

  const boost::json::object* object_ = nullptr;
  std::vector<mink::field_error> errors_;
};

/// "order_id: is required; quantity: must be greater than zero".
std::string describe(const std::vector<mink::field_error>& errors);

}  // namespace ecommerce
