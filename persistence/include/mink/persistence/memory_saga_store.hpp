#pragma once
// saga_store in memory, with the semantics of pg_saga_store.

#include <mink/persistence/saga_store.hpp>

#include <boost/asio/any_io_executor.hpp>

#include <map>
#include <mutex>

namespace mink::persistence {

/// Completes on the handler's associated executor, by default `ex`. Times are kept in microseconds,
/// as PostgreSQL keeps them, so that both stores return the same values.
class memory_saga_store final : public saga_store {
 public:
  explicit memory_saga_store(boost::asio::any_io_executor ex) : ex_(std::move(ex)) {}

 protected:
  void do_save(saga_state s, std::uint64_t expected_version, save_handler handler) override;
  void do_find(std::string saga_id, find_handler handler) override;
  void do_find_by_correlation(std::string correlation_id, list_handler handler) override;
  void do_find_instance(std::string saga_type, std::string correlation_id, find_handler handler) override;
  void do_count_by_status(std::string saga_type, count_handler handler) override;

 private:
  boost::asio::any_io_executor ex_;
  std::mutex mtx_;
  std::map<std::string, saga_state, std::less<>> sagas_;
};

}  // namespace mink::persistence
