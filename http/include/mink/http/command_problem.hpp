#pragma once
// From a dispatched command's outcome to the HTTP response: the one table that maps a failure
// (error code and dispatch_result) to a problem, and the success response with its ETag.

#include <mink/http/message.hpp>
#include <mink/http/problem.hpp>

#include <mink/messaging/command.hpp>
#include <mink/messaging/dispatch_result.hpp>

#include <boost/json/object.hpp>
#include <boost/system/error_code.hpp>

#include <chrono>
#include <functional>
#include <optional>
#include <vector>

namespace mink::http {

/// An application's mapping of its own (domain) error codes to problems: nullopt for a code it
/// does not know. Called only for codes outside mink's framework category; must not throw.
using domain_problem_mapper =
    std::function<std::optional<problem>(const boost::system::error_code& ec, const dispatch_result& result)>;

/// How long a client is told to wait (Retry-After) before retrying a 503 or a key in flight.
inline constexpr std::chrono::seconds default_retry_after{1};

/// The problem for a failed dispatch (or any failed operation of a route: pass an empty result).
///
/// | error | status | slug |
/// |---|---|---|
/// | errc::validation_failed, errc::invalid_command | 400 | validation-failed ("errors": every field) |
/// | errc::wrong_expected_version | 409 | concurrency-conflict ("expected_version", "actual_version") |
/// | errc::idempotency_key_in_flight | 409 | idempotency-key-in-flight |
/// | errc::idempotency_key_reused | 422 | idempotency-key-reuse |
/// | errc::event_too_large | 413 | event-too-large |
/// | unavailable (is_unavailable) | 503 | service-unavailable |
/// | other framework, connection or database errors | 500 | internal-error (no internal text) |
/// | other codes: `map_domain`'s problem, else | 422 | rule-violation (detail: the error's message) |
problem dispatch_problem(const boost::system::error_code& ec, const dispatch_result& result,
                         const domain_problem_mapper& map_domain);

/// The service cannot take the command now: is_database_unavailable(ec) (admin_routes.hpp), or
/// errc::mailbox_full, errc::shutting_down, errc::timeout.
bool is_unavailable(const boost::system::error_code& ec) noexcept;

/// True for errors of the application's own categories: not mink's, not the database driver's,
/// not the system's.
bool is_domain_error(const boost::system::error_code& ec) noexcept;

/// make_problem_response, plus `Retry-After: <retry_after>` for a 503 and for
/// idempotency-key-in-flight.
response make_command_problem_response(const problem& p, unsigned version = 11,
                                       std::chrono::seconds retry_after = default_retry_after);

/// {"stream_id", "version", "position"}: where a command's events went; position is the last
/// event's global position (null when the command recorded none).
boost::json::object command_result_body(const dispatch_result& result);

/// A successful command's response: `s` (e.g. 201 for a create, also when replayed) with `body`
/// as application/json, `ETag: "<version>"` (the stream's new version, for a later If-Match), and
/// `Idempotent-Replayed: true` when the result is the stored answer of an earlier execution.
response make_command_response(http::status s, const dispatch_result& result, const boost::json::object& body,
                               unsigned version = 11);

/// 400 "validation-failed" listing every field: {"errors": [{"field", "message"}]}.
problem validation_problem(const std::vector<field_error>& errors);

/// 422 "rule-violation" with `detail`: a business rule refused the command.
problem rule_violation(std::string detail);

/// 503 "service-unavailable": the database or the service is unavailable now.
problem unavailable_problem();

/// 500 "internal-error"; the detail quotes only the correlation id.
problem internal_problem(std::string_view correlation_id);

}  // namespace mink::http
