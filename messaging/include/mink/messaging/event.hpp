#pragma once
// Events as they are appended to, and read back from, an event store.

#include <boost/json/value.hpp>

#include <chrono>
#include <cstdint>
#include <map>
#include <string>

namespace mink {

/// Who and what caused an event. Stored as JSON next to the event's data.
struct event_metadata {
  std::string correlation_id;  ///< The business conversation the event belongs to.
  std::string causation_id;    ///< The command or event that directly caused it.
  std::string user_id;
  std::string tenant_id;
  std::map<std::string, std::string> custom;

  friend bool operator==(const event_metadata&, const event_metadata&) = default;
};

/// JSON object with the non-empty fields ({"correlation_id": ..., "custom": {...}}).
boost::json::value to_json(const event_metadata& m);
/// The inverse of to_json; unknown keys and non-string values are ignored.
event_metadata metadata_from_json(const boost::json::value& v);

/// An event to append. An empty event_id gets a new random UUID at append time; a given one must
/// be a UUID and makes the append idempotent (appending the same id again changes nothing).
struct event_data {
  std::string event_id;
  std::string type;  ///< Event type name, e.g. "OrderCreated". Must not be empty.
  boost::json::value data;
  event_metadata metadata;
};

/// Where a reader of the global log stands. Events become visible in commit order, which is not the
/// order in which their positions were allocated, so the log is read in (transaction, position)
/// order and a reader's checkpoint is that pair.
struct log_position {
  std::uint64_t transaction_id = 0;
  std::int64_t position = 0;

  static constexpr log_position start() noexcept { return {}; }
  friend constexpr auto operator<=>(const log_position&, const log_position&) = default;
};

/// An event as stored.
struct recorded_event {
  std::string stream_id;
  std::uint64_t version = 0;    ///< 1-based position within its stream.
  std::int64_t position = 0;    ///< Global position (unique, increasing in allocation order).
  std::uint64_t transaction_id = 0;  ///< The writing transaction; with position, the log order.
  std::string event_id;
  std::string type;
  boost::json::value data;
  event_metadata metadata;
  std::chrono::system_clock::time_point recorded_at;

  log_position log() const noexcept { return {transaction_id, position}; }
};

}  // namespace mink
