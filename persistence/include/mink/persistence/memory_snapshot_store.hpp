#pragma once
// snapshot_store in memory, with the semantics of pg_snapshot_store.

#include <mink/persistence/snapshot_store.hpp>

#include <boost/asio/any_io_executor.hpp>

#include <map>
#include <mutex>

namespace mink::persistence {

class memory_snapshot_store final : public snapshot_store {
 public:
  explicit memory_snapshot_store(boost::asio::any_io_executor ex) : ex_(std::move(ex)) {}

 protected:
  void do_save(snapshot s, save_handler handler) override;
  void do_load(std::string stream_id, load_handler handler) override;

 private:
  boost::asio::any_io_executor ex_;
  std::mutex mtx_;
  std::map<std::string, snapshot, std::less<>> latest_;
};

}  // namespace mink::persistence
