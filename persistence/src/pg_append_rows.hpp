#pragma once
// The wire format of mink_append_batch (schema_v2.sql.hpp): requests sent as JSON, one outcome row
// per request. Shared by the batching writer (pg_event_store.cpp) and units of work
// (pg_unit_of_work.cpp).

#include <mink/persistence/event_store.hpp>
#include <mink/persistence/query_result.hpp>
#include <mink/persistence/statement.hpp>

#include <boost/system/error_code.hpp>

#include <cstddef>
#include <string>
#include <vector>

namespace mink::persistence::detail {

/// `SELECT ... FROM mink_append_batch($1::jsonb)`: columns o_idx, o_status, o_version,
/// o_positions, o_actual, o_txid, o_result.
const statement& append_batch_statement();

/// One request of the batch array; moves the events' data (and the claim's response) out.
std::string append_request_json(const std::string& stream_id, expected_version expected,
                                std::vector<event_data>& events, append_options& options);

/// The request index of outcome row `row`, or -1 if unreadable.
int append_row_index(const query_result& r, std::size_t row);

/// The outcome status codes (see schema_v2.sql.hpp).
enum append_status : int { appended = 0, replayed = 1, conflict = 2, not_found = 3, duplicate_id = 4,
                           replayed_by_key = 5, key_reused = 6 };

/// Decodes outcome row `row` of the request (stream_id, expected) into `out` and returns its
/// error (none for appended and replayed outcomes). `status` receives the status code.
boost::system::error_code decode_append_row(const query_result& r, std::size_t row, const std::string& stream_id,
                                            expected_version expected, int& status, append_result& out);

/// An append_result that names only its stream (for failures before the database answered).
append_result stream_failure(const std::string& stream_id);

}  // namespace mink::persistence::detail
