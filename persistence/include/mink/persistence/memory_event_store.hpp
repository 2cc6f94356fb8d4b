#pragma once
// An event store held in memory: for unit tests, examples and users' own tests.

#include <mink/persistence/event_store.hpp>
#include <mink/persistence/memory_checkpoint_store.hpp>
#include <mink/persistence/memory_idempotency_store.hpp>

#include <boost/asio/any_io_executor.hpp>

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

namespace mink::persistence {

/// An event_store that keeps every event in memory, with exactly the semantics documented in
/// event_store.hpp (checked by the same conformance suite as the PostgreSQL store): optimistic
/// concurrency, all-or-nothing appends, idempotent event ids, and one global log ordered by
/// (transaction_id, position).
///
/// Positions and transaction ids both count from 1; each successful append is one transaction.
/// Every operation completes through `ex` (or the handler's associated executor), never inside
/// the initiating call. Thread safety: all operations may be called concurrently from any
/// thread (one mutex guards the state). Nothing is ever removed; the store lives until destroyed,
/// which must not happen while an operation is outstanding.
class memory_event_store final : public event_store {
 public:
  /// `max_event_bytes` bounds one event's serialized data + metadata (errc::event_too_large).
  explicit memory_event_store(boost::asio::any_io_executor ex,
                              std::size_t max_event_bytes = default_max_event_bytes);

  memory_event_store(const memory_event_store&) = delete;
  memory_event_store& operator=(const memory_event_store&) = delete;

  /// The executor that completions are posted to (unless the handler has its own).
  const boost::asio::any_io_executor& get_executor() const noexcept { return ex_; }

  /// The idempotency records of this store: appends with an idempotency claim record their keys
  /// here, atomically with their events.
  memory_idempotency_store& idempotency() noexcept { return idempotency_; }

  /// The projection checkpoints of this store: units of work (async_commit) save theirs here,
  /// atomically with their appends.
  memory_checkpoint_store& checkpoints() noexcept { return checkpoints_; }

 protected:
  void do_append(std::string stream_id, expected_version expected, std::vector<event_data> events,
                 append_options options, append_handler handler) override;
  void do_read_stream(std::string stream_id, std::uint64_t from, std::size_t max_count, read_direction direction,
                      read_stream_handler handler) override;
  void do_read_all(log_position after, std::size_t max_count, read_all_filter filter,
                   read_all_handler handler) override;
  void do_stream_info(std::string stream_id, stream_info_handler handler) override;
  void do_commit(unit_of_work unit, commit_handler handler) override;
  void do_log_position_of(std::int64_t position, log_position_handler handler) override;
  void do_head_position(head_position_handler handler) override;

 private:
  struct stream_state {
    std::vector<std::size_t> events;  ///< Index into log_ of version 1, 2, ...
  };

  // The *_locked functions require mutex_ to be held.
  boost::system::error_code append_locked(const std::string& stream_id, expected_version expected,
                                          std::vector<event_data>& events, append_result& result);
  /// append_locked guarded by an idempotency claim; also requires idempotency_.mtx_.
  boost::system::error_code claimed_append_locked(const std::string& stream_id, expected_version expected,
                                                  std::vector<event_data>& events, idempotency_claim& claim,
                                                  append_result& result);
  boost::system::error_code replay_locked(const std::string& stream_id, const std::vector<event_data>& events,
                                          std::size_t first_index, append_result& result) const;
  void write_locked(const std::string& stream_id, std::uint64_t current, std::vector<event_data>& events,
                    append_result& result);
  /// Applies a unit's appends and checkpoints, or nothing; requires all three mutexes.
  boost::system::error_code commit_locked(unit_of_work& unit, unit_of_work_result& result);
  /// Removes every event after the first `log_size` (a unit that failed half-way).
  void truncate_locked(std::size_t log_size);

  boost::asio::any_io_executor ex_;
  const std::size_t max_event_bytes_;

  std::mutex mutex_;
  /// Every event in (transaction_id, position) order: both counters only grow under the mutex,
  /// so appending keeps the log sorted and read_all can binary-search it.
  std::vector<recorded_event> log_;
  std::unordered_map<std::string, stream_state> streams_;
  std::unordered_map<std::string, std::size_t> event_ids_;  ///< Event id -> index into log_.
  std::int64_t next_position_ = 1;
  /// The transaction the next write belongs to: every write under one lock (an append, or all
  /// of a unit's appends) shares it, and the writer moves it on once it has written something.
  std::uint64_t next_transaction_ = 1;

  /// Locked after mutex_ (idempotency_ first, then checkpoints_) when several are needed.
  memory_idempotency_store idempotency_;
  memory_checkpoint_store checkpoints_;
};

}  // namespace mink::persistence
