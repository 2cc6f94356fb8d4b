#pragma once
// checkpoint_store on PostgreSQL (table mink_checkpoints; see async_migrate).

#include <mink/persistence/checkpoint_store.hpp>
#include <mink/persistence/connection_pool.hpp>

namespace mink::persistence {

/// The pool must outlive the store.
class pg_checkpoint_store final : public checkpoint_store {
 public:
  explicit pg_checkpoint_store(connection_pool& pool) : pool_(pool) {}

  /// Saves on `tx`, a connection the caller leased and opened a transaction on: the checkpoint then
  /// commits or rolls back with the read-model changes made in that transaction (exactly-once
  /// projections). `tx` must outlive the operation. Completion: void(error_code).
  template <class CompletionToken>
  auto async_save_in(pooled_connection& tx, checkpoint c, CompletionToken&& token) {
    return boost::asio::async_initiate<CompletionToken, void(boost::system::error_code)>(
        [this, &tx](auto handler, checkpoint cp) { save_in(tx, std::move(cp), std::move(handler)); }, token,
        std::move(c));
  }

 protected:
  void do_save(checkpoint c, save_handler handler) override;
  void do_load(std::string projection, load_handler handler) override;

 private:
  void save_in(pooled_connection& tx, checkpoint c, save_handler handler);
  connection_pool& pool_;
};

}  // namespace mink::persistence
