#pragma once
// The request headers that say how a command is dispatched: Idempotency-Key, If-Match,
// X-Causation-ID, and the request's correlation id. What any application exposing commands over
// HTTP reads before it dispatches.

#include <mink/http/problem.hpp>
#include <mink/http/router.hpp>

#include <mink/messaging/command_envelope.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace mink::http {

/// The longest Idempotency-Key and X-Causation-ID accepted, in characters.
inline constexpr std::size_t max_header_id_length = 255;

/// The dispatch options a request asks for, or the problem to answer (then `options` is unset).
struct command_options {
  dispatch_options options;
  std::optional<problem> error;
  explicit operator bool() const noexcept { return !error; }
};

/// Reads the dispatch options of a command request:
/// - correlation_id: ctx.correlation_id (the router has checked X-Correlation-ID or made one);
/// - causation_id: X-Causation-ID, 1 to 255 printable ASCII characters (0x20..0x7E);
/// - idempotency_key: Idempotency-Key, 1 to 255 printable ASCII characters;
/// - expected: If-Match, a version as a quoted or bare decimal ("3" or 3): the command then fails
///   with a conflict instead of being retried against a newer state;
/// - wait_for_in_flight = false: a repeat of a key still executing is refused (409), so no
///   request holds a connection waiting for another.
/// A header given twice, or a bad value (a weak W/ tag, `*`, a list, a number that does not fit
/// 64 bits), gives a 400 problem with slug "invalid-header" and "errors": [{"field": <header
/// name>, "message"}] listing every bad header.
command_options read_command_options(const request_context& ctx);

/// The version an If-Match value names: `"3"` or `3` (optional surrounding blanks); nullopt for
/// anything else.
std::optional<std::uint64_t> parse_if_match(std::string_view value) noexcept;

/// True for 1 to `max_length` characters, each printable ASCII (0x20..0x7E).
bool is_printable_ascii_id(std::string_view value, std::size_t max_length = max_header_id_length) noexcept;

}  // namespace mink::http
