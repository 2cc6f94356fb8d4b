#include <mink/persistence/query_result.hpp>

#include "time_format.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <libpq-fe.h>

#include <charconv>
#include <limits>

namespace mink::persistence {
namespace {

// pg_type oids (stable across PostgreSQL versions).
enum : unsigned int {
  oid_bool = 16,
  oid_bytea = 17,
  oid_int8 = 20,
  oid_int2 = 21,
  oid_int4 = 23,
  oid_oid = 26,
  oid_json = 114,
  oid_float4 = 700,
  oid_float8 = 701,
  oid_timestamp = 1114,
  oid_timestamptz = 1184,
  oid_numeric = 1700,
  oid_jsonb = 3802,
};

bool is_integer_type(unsigned int oid) {
  return oid == oid_int2 || oid == oid_int4 || oid == oid_int8 || oid == oid_oid;
}

const diagnostics& empty_diagnostics() {
  static const diagnostics empty;
  return empty;
}

template <class Int>
boost::system::error_code decode_integer(const field_view& f, Int& out) {
  if (f.is_null) return errc::unexpected_null;
  if (!is_integer_type(f.type_oid)) return errc::type_mismatch;
  // from_chars range-checks against Int, so an int8 value too big for int16 is invalid_value.
  auto [end, ec] = std::from_chars(f.text.data(), f.text.data() + f.text.size(), out);
  if (ec != std::errc{} || end != f.text.data() + f.text.size()) return errc::invalid_value;
  return {};
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

boost::system::error_code decode_field(const field_view& f, std::string& out) {
  if (f.is_null) return errc::unexpected_null;
  out.assign(f.text);
  return {};
}

boost::system::error_code decode_field(const field_view& f, bool& out) {
  if (f.is_null) return errc::unexpected_null;
  if (f.type_oid != oid_bool) return errc::type_mismatch;
  if (f.text == "t") {
    out = true;
  } else if (f.text == "f") {
    out = false;
  } else {
    return errc::invalid_value;
  }
  return {};
}

boost::system::error_code decode_field(const field_view& f, std::int16_t& out) { return decode_integer(f, out); }
boost::system::error_code decode_field(const field_view& f, std::int32_t& out) { return decode_integer(f, out); }
boost::system::error_code decode_field(const field_view& f, std::int64_t& out) { return decode_integer(f, out); }
boost::system::error_code decode_field(const field_view& f, std::uint32_t& out) { return decode_integer(f, out); }

boost::system::error_code decode_field(const field_view& f, double& out) {
  if (f.is_null) return errc::unexpected_null;
  const bool numeric = f.type_oid == oid_float4 || f.type_oid == oid_float8 ||
                       f.type_oid == oid_numeric || is_integer_type(f.type_oid);
  if (!numeric) return errc::type_mismatch;
  if (f.text == "NaN") {
    out = std::numeric_limits<double>::quiet_NaN();
  } else if (f.text == "Infinity") {
    out = std::numeric_limits<double>::infinity();
  } else if (f.text == "-Infinity") {
    out = -std::numeric_limits<double>::infinity();
  } else {
    auto [end, ec] = std::from_chars(f.text.data(), f.text.data() + f.text.size(), out);
    if (ec != std::errc{} || end != f.text.data() + f.text.size()) return errc::invalid_value;
  }
  return {};
}

boost::system::error_code decode_field(const field_view& f, boost::json::value& out) {
  if (f.is_null) return errc::unexpected_null;
  if (f.type_oid != oid_json && f.type_oid != oid_jsonb) return errc::type_mismatch;
  boost::system::error_code ec;
  out = boost::json::parse(f.text, ec);
  return ec ? boost::system::error_code(errc::invalid_value) : boost::system::error_code{};
}

boost::system::error_code decode_field(const field_view& f, std::chrono::system_clock::time_point& out) {
  if (f.is_null) return errc::unexpected_null;
  if (f.type_oid != oid_timestamptz && f.type_oid != oid_timestamp) return errc::type_mismatch;
  if (!detail::parse_timestamp(f.text, out)) return errc::invalid_value;
  return {};
}

boost::system::error_code decode_field(const field_view& f, std::vector<std::byte>& out) {
  if (f.is_null) return errc::unexpected_null;
  if (f.type_oid != oid_bytea) return errc::type_mismatch;
  // bytea_output = hex (the default since PostgreSQL 9.0): "\x" then two digits a byte.
  if (f.text.size() < 2 || f.text[0] != '\\' || f.text[1] != 'x' || f.text.size() % 2 != 0) {
    return errc::invalid_value;
  }
  out.clear();
  out.reserve((f.text.size() - 2) / 2);
  for (std::size_t i = 2; i < f.text.size(); i += 2) {
    const int hi = hex_digit(f.text[i]);
    const int lo = hex_digit(f.text[i + 1]);
    if (hi < 0 || lo < 0) return errc::invalid_value;
    out.push_back(static_cast<std::byte>(hi * 16 + lo));
  }
  return {};
}

query_result::query_result(pg_result* res) : res_(res, &PQclear) {}

query_result::query_result(diagnostics diag)
    : diag_(std::make_shared<const diagnostics>(std::move(diag))) {}

query_result::query_result(pg_result* res, diagnostics diag)
    : res_(res, &PQclear), diag_(std::make_shared<const diagnostics>(std::move(diag))) {}

std::size_t query_result::rows() const noexcept {
  return res_ ? static_cast<std::size_t>(PQntuples(res_.get())) : 0;
}

std::size_t query_result::columns() const noexcept {
  return res_ ? static_cast<std::size_t>(PQnfields(res_.get())) : 0;
}

std::uint64_t query_result::affected_rows() const noexcept {
  if (!res_) return 0;
  const char* tuples = PQcmdTuples(res_.get());
  std::uint64_t n = 0;
  std::from_chars(tuples, tuples + std::char_traits<char>::length(tuples), n);
  return n;
}

std::string_view query_result::command_tag() const noexcept {
  if (!res_) return {};
  const char* tag = PQcmdStatus(res_.get());
  return tag ? std::string_view(tag) : std::string_view();
}

std::string_view query_result::column_name(std::size_t column) const noexcept {
  if (column >= columns()) return {};
  return PQfname(res_.get(), static_cast<int>(column));
}

std::optional<std::size_t> query_result::column_index(std::string_view name) const noexcept {
  // Exact, case-sensitive match (PQfnumber would fold case and parse quotes).
  for (std::size_t i = 0; i < columns(); ++i) {
    if (column_name(i) == name) return i;
  }
  return std::nullopt;
}

field_view query_result::field(std::size_t row, std::size_t column) const noexcept {
  const int r = static_cast<int>(row);
  const int c = static_cast<int>(column);
  PGresult* res = res_.get();
  if (PQgetisnull(res, r, c)) return {{}, true, PQftype(res, c)};
  return {std::string_view(PQgetvalue(res, r, c), static_cast<std::size_t>(PQgetlength(res, r, c))),
          false, PQftype(res, c)};
}

boost::system::error_code query_result::check_bounds(std::size_t row, std::size_t column) const noexcept {
  if (column >= columns()) return errc::column_out_of_range;
  if (row >= rows()) return errc::row_out_of_range;
  return {};
}

const diagnostics& query_result::diag() const noexcept { return diag_ ? *diag_ : empty_diagnostics(); }

}  // namespace mink::persistence
