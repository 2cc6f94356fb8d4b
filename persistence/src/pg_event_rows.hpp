#pragma once
// Decoding events from mink_events rows, and encoding text arrays for parameters.

#include <mink/messaging/event.hpp>
#include <mink/persistence/query_result.hpp>

#include <boost/system/error_code.hpp>

#include <string>
#include <vector>

namespace mink::persistence::detail {

/// The columns every event query selects, in this order.
inline constexpr const char* event_columns =
    "stream_id, stream_version, global_position, transaction_id::text, event_id::text, event_type, "
    "data::text, metadata::text, recorded_at";

/// Decodes row `row` (columns as in event_columns, starting at `first`).
boost::system::error_code decode_event(const query_result& r, std::size_t row, recorded_event& out);

/// PostgreSQL array literal ({"a","b"}) with every element quoted, for a text[] parameter.
std::string text_array_literal(const std::vector<std::string>& items);

/// The value, or `fallback` on error (boost::system::result has no value_or in Boost 1.81).
template <class T>
T value_or(const boost::system::result<T>& r, T fallback) {
  return r ? *r : fallback;
}

/// Parses an unsigned decimal (xid8 as text).
bool parse_u64(std::string_view text, std::uint64_t& out);

}  // namespace mink::persistence::detail
