#pragma once
// saga_store on PostgreSQL (table mink_sagas; see async_migrate).

#include <mink/persistence/connection_pool.hpp>
#include <mink/persistence/saga_store.hpp>

namespace mink::persistence {

/// The pool must outlive the store.
class pg_saga_store final : public saga_store {
 public:
  explicit pg_saga_store(connection_pool& pool) : pool_(pool) {}

  /// async_save on `tx`, a connection the caller leased and opened a transaction on: the saga's
  /// state then commits or rolls back with whatever else that transaction does (the deadlines it
  /// schedules through pg_deadline_store, a read model). After errc::wrong_expected_version
  /// nothing was written and the transaction is still usable: the caller decides whether to roll
  /// back. `tx` must outlive the operation. Completion: void(error_code, std::uint64_t new_version).
  template <class CompletionToken>
  auto async_save_in(pooled_connection& tx, saga_state s, std::uint64_t expected_version, CompletionToken&& token) {
    return boost::asio::async_initiate<CompletionToken, void(boost::system::error_code, std::uint64_t)>(
        [this, &tx](auto handler, saga_state st, std::uint64_t expected) {
          save_in(tx, std::move(st), expected, std::move(handler));
        },
        token, std::move(s), expected_version);
  }

 protected:
  void do_save(saga_state s, std::uint64_t expected_version, save_handler handler) override;
  void do_find(std::string saga_id, find_handler handler) override;
  void do_find_by_correlation(std::string correlation_id, list_handler handler) override;
  void do_find_instance(std::string saga_type, std::string correlation_id, find_handler handler) override;
  void do_count_by_status(std::string saga_type, count_handler handler) override;

 private:
  void save_in(pooled_connection& tx, saga_state s, std::uint64_t expected_version, save_handler handler);
  connection_pool& pool_;
};

}  // namespace mink::persistence
