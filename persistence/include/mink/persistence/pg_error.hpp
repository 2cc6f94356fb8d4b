#pragma once
// Error codes for PostgreSQL work: libpq client failures, SQLSTATE codes, and conditions that group them.

#include <boost/system/error_code.hpp>

#include <string>
#include <string_view>
#include <type_traits>

namespace mink::persistence {

/// Failures detected by the client side (libpq or mink's driver), with no SQLSTATE from a server.
enum class client_errc {
  connection_failed = 1,  ///< Could not establish a connection (refused, auth failure, bad options...).
  connection_lost,        ///< The connection broke while in use (server gone, socket closed).
  send_failed,            ///< libpq refused to send a command (PQsend* returned 0).
  bad_response,           ///< The server's answer was not what the command should produce.
  invalid_connection_string,  ///< The connection string could not be parsed.
  host_not_resolved,      ///< A host name in the connection string did not resolve.
  pipeline_aborted,       ///< A pipelined statement was skipped because an earlier one failed.
};

const boost::system::error_category& client_category() noexcept;

inline boost::system::error_code make_error_code(client_errc e) noexcept {
  return {static_cast<int>(e), client_category()};
}

/// Category whose values are SQLSTATE codes (five characters [0-9A-Z], encoded base 36).
/// message() gives the condition name where known ("unique_violation") followed by the code.
const boost::system::error_category& sqlstate_category() noexcept;

/// The error_code of a SQLSTATE such as "23505". An invalid string yields client_errc::bad_response.
boost::system::error_code make_sqlstate_error(std::string_view sqlstate) noexcept;

/// The five-character SQLSTATE of an error_code of sqlstate_category(); empty for other categories.
std::string sqlstate_of(const boost::system::error_code& ec);

/// Conditions that group client and SQLSTATE errors; compare with `ec == condition::...`.
enum class condition {
  connection_error = 1,  ///< Connection failed or lost: client errors, class 08, 57P01-57P03.
  integrity_violation,   ///< SQLSTATE class 23.
  unique_violation,      ///< 23505.
  retryable,             ///< serialization_failure 40001 or deadlock_detected 40P01: retry the transaction.
};

const boost::system::error_category& condition_category() noexcept;

inline boost::system::error_condition make_error_condition(condition c) noexcept {
  return {static_cast<int>(c), condition_category()};
}

/// Errors worth the same operation again: the framework's (mailbox full, pool exhausted, acquire
/// or connect timeout), lost connections, and serialization failures / deadlocks.
bool is_transient(const boost::system::error_code& ec) noexcept;

}  // namespace mink::persistence

template <>
struct boost::system::is_error_code_enum<mink::persistence::client_errc> : std::true_type {};
template <>
struct boost::system::is_error_condition_enum<mink::persistence::condition> : std::true_type {};
