#pragma once
// Points in time as RFC 3339 UTC text: how mink shows times in JSON (event records, sagas, the
// HTTP API) and how applications may carry them in their events and commands.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace mink {

/// "2024-03-01T12:30:05.123Z": millisecond precision (finer parts are truncated), always UTC.
std::string format_rfc3339(std::chrono::system_clock::time_point t);

/// Parses "YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM)" ('t', 'z' and a space for 'T' too).
/// Digits past milliseconds are dropped. Anything else, including impossible dates, is nullopt.
std::optional<std::chrono::system_clock::time_point> parse_rfc3339(std::string_view text) noexcept;

}  // namespace mink
