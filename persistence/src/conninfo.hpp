#pragma once
// Parsing libpq connection strings and resolving their host names without blocking.

#include "pg_connection.hpp"

#include <boost/asio/awaitable.hpp>

#include <string>
#include <string_view>

namespace mink::persistence::detail {

/// Parses a key/value string or URL with PQconninfoParse (no I/O). Adds client_encoding=UTF8 when
/// absent. On failure returns client_errc::invalid_connection_string and libpq's words in `why`.
error_code parse_conninfo(std::string_view text, conninfo& out, std::string& why);

/// Resolves every TCP host name (not Unix socket paths, not numeric addresses) with Asio's
/// asynchronous resolver and sets `hostaddr` accordingly, so that libpq's connect does no DNS.
asio::awaitable<error_code> resolve_hosts(conninfo& info, std::string& why);

}  // namespace mink::persistence::detail
