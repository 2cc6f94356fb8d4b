#pragma once
// idempotency_store in memory, with the semantics of pg_idempotency_store.

#include <mink/persistence/idempotency_store.hpp>

#include <boost/asio/any_io_executor.hpp>
#include <boost/system/error_code.hpp>

#include <map>
#include <mutex>

namespace mink::persistence {

class memory_event_store;

/// Usually the one owned by a memory_event_store (memory_event_store::idempotency()), so that its
/// appends record keys atomically with their events.
class memory_idempotency_store final : public idempotency_store {
 public:
  explicit memory_idempotency_store(boost::asio::any_io_executor ex) : ex_(std::move(ex)) {}

 protected:
  void do_find(std::string key, find_handler handler) override;
  void do_save(idempotency_record record, std::chrono::seconds ttl, find_handler handler) override;
  void do_purge_expired(purge_handler handler) override;

 private:
  friend class memory_event_store;

  // The *_locked functions require mtx_ to be held.
  const idempotency_record* find_live_locked(const std::string& key, std::chrono::system_clock::time_point now) const;
  /// Checks `record` against the live record of its key: no error and nullptr when the key is
  /// free; else the live record, with errc::idempotency_key_reused when the fingerprints differ.
  boost::system::error_code check_locked(const idempotency_record& record, std::chrono::system_clock::time_point now,
                                         const idempotency_record*& live) const;
  void store_locked(idempotency_record record, std::chrono::seconds ttl, std::chrono::system_clock::time_point now);

  boost::asio::any_io_executor ex_;
  std::mutex mtx_;
  std::map<std::string, idempotency_record, std::less<>> records_;
};

}  // namespace mink::persistence
