#pragma once
// Projection checkpoints: how far each reader of the global log has come.

#include <mink/messaging/event.hpp>

#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/system/error_code.hpp>

#include <chrono>
#include <optional>
#include <string>

namespace mink::persistence {

struct checkpoint {
  std::string projection;
  log_position position;          ///< The last event fully applied.
  std::string status = "running";  ///< running, paused, rebuilding, faulted (free text for the store).
  std::chrono::system_clock::time_point updated_at;  ///< Set by the store.
};

/// Stores one checkpoint per projection name (PostgreSQL: pg_checkpoint_store, which can also write
/// inside the caller's transaction; memory: memory_checkpoint_store). Operations complete on the
/// handler's associated executor, never inline; thread-safe. errc::empty_name for an empty name.
class checkpoint_store {
 public:
  virtual ~checkpoint_store() = default;

  /// Creates or replaces the projection's checkpoint (a rebuild may move it back to the start).
  /// Completion: void(error_code).
  template <class CompletionToken>
  auto async_save(checkpoint c, CompletionToken&& token) {
    return boost::asio::async_initiate<CompletionToken, void(boost::system::error_code)>(
        [this](auto handler, checkpoint cp) { do_save(std::move(cp), std::move(handler)); }, token, std::move(c));
  }

  /// The projection's checkpoint, or nullopt if it never saved one.
  /// Completion: void(error_code, std::optional<checkpoint>).
  template <class CompletionToken>
  auto async_load(std::string projection, CompletionToken&& token) {
    return boost::asio::async_initiate<CompletionToken, void(boost::system::error_code, std::optional<checkpoint>)>(
        [this](auto handler, std::string p) { do_load(std::move(p), std::move(handler)); }, token,
        std::move(projection));
  }

 protected:
  using save_handler = boost::asio::any_completion_handler<void(boost::system::error_code)>;
  using load_handler = boost::asio::any_completion_handler<void(boost::system::error_code, std::optional<checkpoint>)>;
  virtual void do_save(checkpoint c, save_handler handler) = 0;
  virtual void do_load(std::string projection, load_handler handler) = 0;
};

}  // namespace mink::persistence
