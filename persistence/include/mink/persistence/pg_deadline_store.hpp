#pragma once
// deadline_store on PostgreSQL (table mink_saga_deadlines; see async_migrate).

#include <mink/persistence/connection_pool.hpp>
#include <mink/persistence/deadline_store.hpp>

namespace mink::persistence {

/// Claims use FOR UPDATE SKIP LOCKED: concurrent claimers (in any number of processes) take
/// disjoint sets of deadlines and never wait on each other's rows. The pool must outlive the store.
///
/// The *_in variants run on `tx`, a connection the caller leased and opened a transaction on, so
/// that scheduling, cancelling or claiming commits or rolls back with the saga's state
/// (pg_saga_store::async_save_in): a deadline claimed in a transaction that rolls back is due
/// again. A claimed row stays locked until that transaction ends, and other claimers skip it.
/// `tx` must outlive the operation.
class pg_deadline_store final : public deadline_store {
 public:
  explicit pg_deadline_store(connection_pool& pool) : pool_(pool) {}

  /// async_schedule on `tx`. Completion: void(error_code, std::int64_t deadline_id).
  template <class CompletionToken>
  auto async_schedule_in(pooled_connection& tx, std::string saga_id, std::chrono::system_clock::time_point due_at,
                         boost::json::value payload, CompletionToken&& token) {
    return boost::asio::async_initiate<CompletionToken, void(boost::system::error_code, std::int64_t)>(
        [this, &tx](auto handler, std::string id, std::chrono::system_clock::time_point due, boost::json::value p) {
          schedule_in(tx, std::move(id), due, std::move(p), std::move(handler));
        },
        token, std::move(saga_id), due_at, std::move(payload));
  }

  /// async_claim_due on `tx`. Completion: void(error_code, std::vector<saga_deadline>).
  template <class CompletionToken>
  auto async_claim_due_in(pooled_connection& tx, std::chrono::system_clock::time_point now, std::size_t max_count,
                          CompletionToken&& token) {
    return boost::asio::async_initiate<CompletionToken,
                                       void(boost::system::error_code, std::vector<saga_deadline>)>(
        [this, &tx](auto handler, std::chrono::system_clock::time_point t, std::size_t n) {
          claim_due_in(tx, t, n, std::move(handler));
        },
        token, now, max_count);
  }

  /// async_cancel on `tx`. Completion: void(error_code, std::uint64_t cancelled_count).
  template <class CompletionToken>
  auto async_cancel_in(pooled_connection& tx, std::string saga_id, CompletionToken&& token) {
    return boost::asio::async_initiate<CompletionToken, void(boost::system::error_code, std::uint64_t)>(
        [this, &tx](auto handler, std::string id) { cancel_in(tx, std::move(id), std::move(handler)); }, token,
        std::move(saga_id));
  }

 protected:
  void do_schedule(std::string saga_id, std::chrono::system_clock::time_point due_at, boost::json::value payload,
                   schedule_handler handler) override;
  void do_claim_due(std::chrono::system_clock::time_point now, std::size_t max_count, claim_handler handler) override;
  void do_cancel(std::string saga_id, cancel_handler handler) override;
  void do_next_due(next_due_handler handler) override;

 private:
  void schedule_in(pooled_connection& tx, std::string saga_id, std::chrono::system_clock::time_point due_at,
                   boost::json::value payload, schedule_handler handler);
  void claim_due_in(pooled_connection& tx, std::chrono::system_clock::time_point now, std::size_t max_count,
                    claim_handler handler);
  void cancel_in(pooled_connection& tx, std::string saga_id, cancel_handler handler);
  connection_pool& pool_;
};

}  // namespace mink::persistence
