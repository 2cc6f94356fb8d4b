#pragma once
// checkpoint_store in memory, with the semantics of pg_checkpoint_store.

#include <mink/persistence/checkpoint_store.hpp>

#include <boost/asio/any_io_executor.hpp>

#include <map>
#include <mutex>

namespace mink::persistence {

class memory_event_store;

class memory_checkpoint_store final : public checkpoint_store {
 public:
  explicit memory_checkpoint_store(boost::asio::any_io_executor ex) : ex_(std::move(ex)) {}

 protected:
  void do_save(checkpoint c, save_handler handler) override;
  void do_load(std::string projection, load_handler handler) override;

 private:
  friend class memory_event_store;  // saves checkpoints of a unit of work with its appends

  boost::asio::any_io_executor ex_;
  std::mutex mtx_;
  std::map<std::string, checkpoint, std::less<>> saved_;
};

}  // namespace mink::persistence
