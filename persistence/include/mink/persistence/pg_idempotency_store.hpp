#pragma once
// idempotency_store on PostgreSQL (table mink_idempotency; see async_migrate).

#include <mink/persistence/connection_pool.hpp>
#include <mink/persistence/idempotency_store.hpp>

namespace mink::persistence {

/// The pool must outlive the store.
class pg_idempotency_store final : public idempotency_store {
 public:
  explicit pg_idempotency_store(connection_pool& pool) : pool_(pool) {}

  /// async_save on `tx`, a connection the caller leased and opened a transaction on: the record
  /// then commits or rolls back with that transaction's other writes. `tx` must outlive the
  /// operation. Completion: void(error_code, std::optional<idempotency_record> existing).
  template <class CompletionToken>
  auto async_save_in(pooled_connection& tx, idempotency_record record, std::chrono::seconds ttl,
                     CompletionToken&& token) {
    return boost::asio::async_initiate<CompletionToken,
                                       void(boost::system::error_code, std::optional<idempotency_record>)>(
        [this, &tx](auto handler, idempotency_record r, std::chrono::seconds t) {
          save_in(tx, std::move(r), t, std::move(handler));
        },
        token, std::move(record), ttl);
  }

 protected:
  void do_find(std::string key, find_handler handler) override;
  void do_save(idempotency_record record, std::chrono::seconds ttl, find_handler handler) override;
  void do_purge_expired(purge_handler handler) override;

 private:
  void save_in(pooled_connection& tx, idempotency_record record, std::chrono::seconds ttl, find_handler handler);
  connection_pool& pool_;
};

}  // namespace mink::persistence
