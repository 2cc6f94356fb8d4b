#pragma once
// Conversions between std::chrono::system_clock and PostgreSQL's timestamp text (UTC).

#include <boost/system/error_code.hpp>

#include <chrono>
#include <string>
#include <string_view>

namespace mink::persistence::detail {

/// "2026-11-27 18:31:26.123456+00": microsecond precision, always UTC.
std::string format_timestamp(std::chrono::system_clock::time_point t);

/// Parses timestamptz / timestamp text as PostgreSQL prints it with DateStyle ISO: a date, a time
/// with optional fraction, and an optional zone offset (+HH, +HH:MM, +HH:MM:SS); no offset means UTC.
/// Returns false on anything else (including infinity).
bool parse_timestamp(std::string_view text, std::chrono::system_clock::time_point& out);

}  // namespace mink::persistence::detail
