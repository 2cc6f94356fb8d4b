#pragma once
// snapshot_store on PostgreSQL (table mink_snapshots; see async_migrate).

#include <mink/persistence/connection_pool.hpp>
#include <mink/persistence/snapshot_store.hpp>

namespace mink::persistence {

/// The pool must outlive the store.
class pg_snapshot_store final : public snapshot_store {
 public:
  explicit pg_snapshot_store(connection_pool& pool) : pool_(pool) {}

 protected:
  void do_save(snapshot s, save_handler handler) override;
  void do_load(std::string stream_id, load_handler handler) override;

 private:
  connection_pool& pool_;
};

}  // namespace mink::persistence
