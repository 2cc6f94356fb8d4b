#pragma once
// deadline_store in memory, with the semantics of pg_deadline_store.

#include <mink/persistence/deadline_store.hpp>

#include <boost/asio/any_io_executor.hpp>

#include <map>
#include <mutex>

namespace mink::persistence {

/// Completes on the handler's associated executor, by default `ex`.
class memory_deadline_store final : public deadline_store {
 public:
  explicit memory_deadline_store(boost::asio::any_io_executor ex) : ex_(std::move(ex)) {}

 protected:
  void do_schedule(std::string saga_id, std::chrono::system_clock::time_point due_at, boost::json::value payload,
                   schedule_handler handler) override;
  void do_claim_due(std::chrono::system_clock::time_point now, std::size_t max_count, claim_handler handler) override;
  void do_cancel(std::string saga_id, cancel_handler handler) override;
  void do_next_due(next_due_handler handler) override;

 private:
  boost::asio::any_io_executor ex_;
  std::mutex mtx_;
  std::int64_t last_id_ = 0;
  // Only unfired deadlines: nothing in the interface reads fired or cancelled ones again.
  std::map<std::int64_t, saga_deadline> unfired_;
};

}  // namespace mink::persistence
