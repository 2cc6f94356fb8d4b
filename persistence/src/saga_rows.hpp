#pragma once
// Saga state to and from its PostgreSQL row: steps and processed markers as JSON, statuses by name.

#include <mink/persistence/query_result.hpp>
#include <mink/persistence/saga_state.hpp>

#include <boost/json/value.hpp>
#include <boost/system/error_code.hpp>

#include <string>
#include <vector>

namespace mink::persistence::detail {

/// The columns every saga query selects, in this order (decode_saga reads them).
inline constexpr const char* saga_columns =
    "saga_id, saga_type, correlation_id, status, current_step, steps, data, processed, version, created_at, "
    "updated_at";

/// [{"name", "status", "started_at", "finished_at", "error"}], times as UTC timestamp text (or
/// null), so that the column reads plainly in psql.
boost::json::value steps_to_json(const std::vector<saga_step>& steps);
boost::system::error_code steps_from_json(const boost::json::value& json, std::vector<saga_step>& out);

/// ["event id", ...].
boost::json::value processed_to_json(const std::vector<std::string>& processed);
boost::system::error_code processed_from_json(const boost::json::value& json, std::vector<std::string>& out);

/// Decodes row `row` (columns as in saga_columns); errc::invalid_value for anything malformed.
boost::system::error_code decode_saga(const query_result& r, std::size_t row, saga_state& out);

}  // namespace mink::persistence::detail
