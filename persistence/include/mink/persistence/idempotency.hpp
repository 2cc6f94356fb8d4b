#pragma once
// Idempotency records: what makes a command take effect once however often it is sent.

#include <boost/json/value.hpp>

#include <chrono>
#include <string>
#include <string_view>

namespace mink::persistence {

enum class idempotency_status {
  completed,  ///< The request took effect; `result` is what to answer a repeat with.
  failed,     ///< The request was refused for good (a domain error); a repeat gets the same answer.
};

std::string_view to_string(idempotency_status s) noexcept;
/// Parses "completed" / "failed"; false for anything else.
bool from_string(std::string_view text, idempotency_status& out) noexcept;

/// One key's stored outcome. A record is live until `expires_at`; an expired record is as good as
/// absent (its key may be used again) until purged.
struct idempotency_record {
  std::string key;
  /// What the key was used for (for instance a hash of the command's type and payload): the same
  /// key with another fingerprint is errc::idempotency_key_reused, not a repeat.
  std::string fingerprint;
  idempotency_status status = idempotency_status::completed;
  boost::json::value result;
  std::chrono::system_clock::time_point created_at;  ///< Set by the store.
  std::chrono::system_clock::time_point expires_at;  ///< Set by the store from the time to live.
};

/// Default time a record stays live.
inline constexpr std::chrono::seconds default_idempotency_ttl = std::chrono::hours(24);

/// An idempotency key to record together with an append, in the append's own transaction (see
/// append_options). The stored record is `completed` and its result is
/// `{"stream_id", "version", "positions", "transaction_id", "response"}` (response: `response` below).
struct idempotency_claim {
  std::string key;
  std::string fingerprint;
  std::chrono::seconds ttl = default_idempotency_ttl;
  /// Anything the caller wants a repeat to be answered with besides the append's result.
  boost::json::value response;
};

}  // namespace mink::persistence
