#pragma once
// Idempotency records kept on their own: for outcomes that write no events (a refused command),
// for looking a key up before running a command, and for purging expired records. Records that
// guard an append are written by the append itself (append_options::idempotency).

#include <mink/persistence/idempotency.hpp>

#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/system/error_code.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

namespace mink::persistence {

/// PostgreSQL: pg_idempotency_store (table mink_idempotency, shared with pg_event_store's
/// appends); memory: memory_idempotency_store (memory_event_store::idempotency()). Operations
/// complete on the handler's associated executor, never inline; thread-safe. Cancellation: none
/// (each operation is one short statement).
class idempotency_store {
 public:
  virtual ~idempotency_store() = default;

  /// The live record of `key`, or nullopt (never stored, or expired). errc::empty_name for an
  /// empty key. Completion: void(error_code, std::optional<idempotency_record>).
  template <class CompletionToken>
  auto async_find(std::string key, CompletionToken&& token) {
    return boost::asio::async_initiate<CompletionToken,
                                       void(boost::system::error_code, std::optional<idempotency_record>)>(
        [this](auto handler, std::string k) { do_find(std::move(k), std::move(handler)); }, token, std::move(key));
  }

  /// Stores `record` (its key, fingerprint, status and result) live for `ttl`, unless its key has
  /// a live record: then nothing is written and the completion carries that record: a repeat (same
  /// fingerprint, no error) or errc::idempotency_key_reused (another fingerprint). An expired
  /// record of the key is replaced. created_at / expires_at are set by the store.
  /// Errors: errc::empty_name (empty key), errc::invalid_ttl (ttl not positive), database errors.
  /// Completion: void(error_code, std::optional<idempotency_record> existing).
  template <class CompletionToken>
  auto async_save(idempotency_record record, std::chrono::seconds ttl, CompletionToken&& token) {
    return boost::asio::async_initiate<CompletionToken,
                                       void(boost::system::error_code, std::optional<idempotency_record>)>(
        [this](auto handler, idempotency_record r, std::chrono::seconds t) {
          do_save(std::move(r), t, std::move(handler));
        },
        token, std::move(record), ttl);
  }

  /// Deletes every expired record. Completion: void(error_code, std::uint64_t deleted).
  template <class CompletionToken>
  auto async_purge_expired(CompletionToken&& token) {
    return boost::asio::async_initiate<CompletionToken, void(boost::system::error_code, std::uint64_t)>(
        [this](auto handler) { do_purge_expired(std::move(handler)); }, token);
  }

 protected:
  using find_handler =
      boost::asio::any_completion_handler<void(boost::system::error_code, std::optional<idempotency_record>)>;
  using purge_handler = boost::asio::any_completion_handler<void(boost::system::error_code, std::uint64_t)>;
  virtual void do_find(std::string key, find_handler handler) = 0;
  virtual void do_save(idempotency_record record, std::chrono::seconds ttl, find_handler handler) = 0;
  virtual void do_purge_expired(purge_handler handler) = 0;
};

}  // namespace mink::persistence
