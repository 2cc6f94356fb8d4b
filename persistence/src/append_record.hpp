#pragma once
// The result an append stores with its idempotency key, and the answer a repeat gets from it. The
// PostgreSQL store writes the same shape in SQL (schema_v2.sql.hpp); both stores read it here.

#include <mink/persistence/event_store.hpp>

#include <boost/json/value.hpp>

namespace mink::persistence::detail {

/// `{"stream_id", "version", "positions", "transaction_id" (text), "response"}`.
boost::json::value append_record_result(const append_result& appended, boost::json::value response);

/// Fills a repeat's answer from a live record's result: replayed and replayed_by_key, and, for a
/// result written by an append, its version, positions, transaction and response; for any other
/// result (saved through an idempotency_store), the whole result as the response.
void replay_from_record(const boost::json::value& stored, append_result& out);

}  // namespace mink::persistence::detail
