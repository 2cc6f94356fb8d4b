#pragma once
// Points in time as RFC 3339 UTC text, the form events and commands carry them in JSON.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace ecommerce {

using timestamp = std::chrono::system_clock::time_point;

/// "2024-03-01T12:30:05.123Z": millisecond precision (finer parts are truncated), always UTC.
std::string format_rfc3339(timestamp t);

/// Parses "YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM)" ('t', 'z' and a space for 'T' too).
/// Digits past milliseconds are dropped. Anything else, including impossible dates, is nullopt.
std::optional<timestamp> parse_rfc3339(std::string_view text) noexcept;

}  // namespace ecommerce
