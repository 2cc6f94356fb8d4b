#pragma once
// The rows (or the error details) that a statement produced, with typed decoding.

#include <mink/messaging/errc.hpp>

#include <boost/system/result.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

struct pg_result;  // libpq's PGresult, kept opaque so that this header does not include libpq.

namespace boost::json {
class value;
}

namespace mink::persistence {

/// What PostgreSQL (or libpq) said about a failed statement.
struct diagnostics {
  std::string sqlstate;    ///< Five characters, empty for client-side failures.
  std::string severity;    ///< ERROR, FATAL, PANIC.
  std::string message;     ///< Primary message.
  std::string detail;      ///< Secondary detail, often naming the conflicting key.
  std::string hint;
  std::string constraint;  ///< Name of the violated constraint, if any.
  std::string table;
  std::string column;
};

/// One column of one row, before conversion.
struct field_view {
  std::string_view text;      ///< PostgreSQL's text output; empty for NULL.
  bool is_null = false;
  unsigned int type_oid = 0;  ///< pg_type oid of the column.
};

// Conversions from a field: each returns an error_code (mink::errc::unexpected_null, type_mismatch
// or invalid_value) instead of throwing. Types: strings (any column, as its text), bool, integers
// (int2/int4/int8/oid, range-checked), double (float4/float8/numeric/integers), JSON (json/jsonb),
// time points (timestamptz/timestamp, UTC), bytes (bytea).
boost::system::error_code decode_field(const field_view& f, std::string& out);
boost::system::error_code decode_field(const field_view& f, bool& out);
boost::system::error_code decode_field(const field_view& f, std::int16_t& out);
boost::system::error_code decode_field(const field_view& f, std::int32_t& out);
boost::system::error_code decode_field(const field_view& f, std::int64_t& out);
boost::system::error_code decode_field(const field_view& f, std::uint32_t& out);
boost::system::error_code decode_field(const field_view& f, double& out);
boost::system::error_code decode_field(const field_view& f, boost::json::value& out);
boost::system::error_code decode_field(const field_view& f, std::chrono::system_clock::time_point& out);
boost::system::error_code decode_field(const field_view& f, std::vector<std::byte>& out);

template <class T>
boost::system::error_code decode_field(const field_view& f, std::optional<T>& out) {
  if (f.is_null) {
    out.reset();
    return {};
  }
  T value{};
  auto ec = decode_field(f, value);
  if (!ec) out = std::move(value);
  return ec;
}

/// The outcome of one statement. Cheap to copy (shares the underlying libpq result).
/// On failure the completion's error_code says what went wrong and diagnostics() says why.
/// Thread safety: const member functions may be called concurrently.
class query_result {
 public:
  query_result() = default;
  /// Takes ownership of a libpq result (may be null, e.g. for client-side failures).
  explicit query_result(pg_result* res);
  explicit query_result(diagnostics diag);
  /// A failed statement's result together with what it said.
  query_result(pg_result* res, diagnostics diag);

  std::size_t rows() const noexcept;
  std::size_t columns() const noexcept;
  /// Rows affected by INSERT / UPDATE / DELETE (and rows returned by SELECT); 0 when unknown.
  std::uint64_t affected_rows() const noexcept;
  /// The command tag, e.g. "INSERT 0 1".
  std::string_view command_tag() const noexcept;

  std::string_view column_name(std::size_t column) const noexcept;
  std::optional<std::size_t> column_index(std::string_view name) const noexcept;

  /// Raw access; row and column must be in range (checked by get()).
  field_view field(std::size_t row, std::size_t column) const noexcept;
  bool is_null(std::size_t row, std::size_t column) const noexcept { return field(row, column).is_null; }
  std::string_view text(std::size_t row, std::size_t column) const noexcept { return field(row, column).text; }

  /// Typed value at (row, column); errc::row_out_of_range / column_out_of_range when absent,
  /// else the conversion's error. Use std::optional<T> for nullable columns.
  template <class T>
  boost::system::result<T> get(std::size_t row, std::size_t column) const {
    if (auto ec = check_bounds(row, column)) return failure<T>(ec);
    T value{};
    if (auto ec = decode_field(field(row, column), value)) return failure<T>(ec);
    return boost::system::result<T>(boost::system::in_place_value, std::move(value));
  }

  template <class T>
  boost::system::result<T> get(std::size_t row, std::string_view column) const {
    auto index = column_index(column);
    if (!index) return failure<T>(errc::column_out_of_range);
    return get<T>(row, *index);
  }

  /// Details of a failed statement (empty on success).
  const diagnostics& diag() const noexcept;

 private:
  // Explicit, because result<bool> would otherwise take an error_code as a bool.
  template <class T>
  static boost::system::result<T> failure(boost::system::error_code ec) {
    return boost::system::result<T>(boost::system::in_place_error, ec);
  }
  boost::system::error_code check_bounds(std::size_t row, std::size_t column) const noexcept;

  std::shared_ptr<pg_result> res_;
  std::shared_ptr<const diagnostics> diag_;
};

}  // namespace mink::persistence
