#pragma once
// The event store on PostgreSQL.

#include <mink/persistence/connection_pool.hpp>
#include <mink/persistence/event_store.hpp>

#include <cstddef>
#include <memory>
#include <string>

namespace mink::persistence {

struct pg_event_store_params {
  /// Appends coalesced into one transaction at most. Concurrent callers' appends (to any streams)
  /// share a transaction and its commit flush, each keeping its own outcome.
  std::size_t max_batch = 128;
  /// Batches in flight at once (each on its own pooled connection). Each takes a fair share of the
  /// queue (up to max_batch).
  std::size_t writers = 4;
  std::size_t max_event_bytes = default_max_event_bytes;
  /// Channel that gets one NOTIFY (payload: the batch's last global position) after each committed
  /// batch; empty for none. It is a wake-up only: readers catch up from their checkpoints.
  std::string notify_channel = "mink_events";
};

/// event_store on a mink schema (see async_migrate). Appends from concurrent callers are coalesced:
/// while a batch is being written, new appends queue, and the next batch takes them all (up to
/// max_batch) into one transaction. Locks are taken in stream-id order so batches never deadlock;
/// should a batch fail as a whole (a deadlock or a race on an event id with another writer), its
/// appends are retried one by one so that only the culprit fails.
///
/// Unknown outcome: when the connection breaks during a batch, its callers get a connection error
/// although the batch may have committed. Retrying with the same event ids is safe: a committed
/// append then answers with replayed = true.
///
/// Lifetime: the pool must outlive the store; the store may be destroyed with appends pending
/// (they still complete).
class pg_event_store final : public event_store {
 public:
  explicit pg_event_store(connection_pool& pool, pg_event_store_params params = {});
  ~pg_event_store() override;

  /// Writes `unit` on `tx`, a connection the caller leased and opened a transaction on, so that
  /// the unit commits (or rolls back) with the caller's other writes there (a read model, saga
  /// state ...). Nothing is committed here. On any error the caller must roll the transaction
  /// back: statements may have run. A NOTIFY for the written events is issued in the transaction
  /// (delivered on commit). `tx` must outlive the operation. Completion and errors as
  /// event_store::async_commit, plus the database's (condition::retryable: retry the whole
  /// transaction).
  template <class CompletionToken>
  auto async_commit_in(pooled_connection& tx, unit_of_work unit, CompletionToken&& token) {
    return boost::asio::async_initiate<CompletionToken, void(boost::system::error_code, unit_of_work_result)>(
        [this, &tx](auto handler, unit_of_work u) { commit_in(tx, std::move(u), std::move(handler)); }, token,
        std::move(unit));
  }

  struct state;

 protected:
  void do_append(std::string stream_id, expected_version expected, std::vector<event_data> events,
                 append_options options, append_handler handler) override;
  void do_read_stream(std::string stream_id, std::uint64_t from, std::size_t max_count, read_direction direction,
                      read_stream_handler handler) override;
  void do_read_all(log_position after, std::size_t max_count, read_all_filter filter,
                   read_all_handler handler) override;
  void do_stream_info(std::string stream_id, stream_info_handler handler) override;
  /// In a transaction of its own, retried (at most 3 times) when the database says so.
  void do_commit(unit_of_work unit, commit_handler handler) override;
  void do_log_position_of(std::int64_t position, log_position_handler handler) override;
  void do_head_position(head_position_handler handler) override;

 private:
  void commit_in(pooled_connection& tx, unit_of_work unit, commit_handler handler);
  std::size_t params_max_event_bytes() const noexcept;
  std::string params_notify_channel() const;
  connection_pool& pool_;
  std::shared_ptr<state> state_;
};

}  // namespace mink::persistence
