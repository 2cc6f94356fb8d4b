#pragma once
// What an append is given besides its events (append_options) and what it answers (append_result).

#include <mink/messaging/expected_version.hpp>
#include <mink/persistence/idempotency.hpp>

#include <boost/json/value.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace mink::persistence {

/// The outcome of an append.
struct append_result {
  std::string stream_id;
  std::uint64_t version = 0;             ///< The stream's version after the append.
  std::vector<std::int64_t> positions;   ///< Global position of each appended event, in order.
  std::uint64_t transaction_id = 0;      ///< The transaction that wrote them (see log_position).
  /// Nothing was written: the event ids were already stored, or (replayed_by_key) the append's
  /// idempotency key was. version, positions and transaction_id are then the original append's.
  bool replayed = false;
  /// The append was answered from the live idempotency record of its key (replayed is true too).
  bool replayed_by_key = false;
  /// On a replay by key: the response stored with the original claim (idempotency_claim::response),
  /// or, for a record saved through an idempotency_store rather than by an append, its whole result.
  boost::json::value response;
  /// On errc::wrong_expected_version: what the append expected and what the stream was at.
  std::optional<expected_version> expected;
  std::optional<std::uint64_t> actual_version;

  /// `concurrency conflict on stream "S": expected version 1, got 2` (empty unless a conflict).
  std::string conflict_message() const;
};

/// How an append is made beyond its stream, expected version and events.
struct append_options {
  /// Records this key in the append's transaction: the events and the record commit together or
  /// not at all. If the key has a live record, nothing is written and the append answers from it
  /// (replayed_by_key), or fails with errc::idempotency_key_reused if the fingerprints differ.
  std::optional<idempotency_claim> idempotency;
};

}  // namespace mink::persistence
