#pragma once
// Snapshots: the latest saved state of a stream, so that loading need not replay every event.

#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/json/value.hpp>
#include <boost/system/error_code.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

namespace mink::persistence {

struct snapshot {
  std::string stream_id;
  std::uint64_t version = 0;  ///< The stream version the state includes.
  boost::json::value data;
  std::chrono::system_clock::time_point taken_at;
};

/// Keeps the latest snapshot per stream (PostgreSQL: pg_snapshot_store; memory: memory_snapshot_store).
/// Operations complete on the handler's associated executor, never inline; thread-safe.
class snapshot_store {
 public:
  virtual ~snapshot_store() = default;

  /// Saves `s` unless a snapshot of a later version is already stored (an older one is ignored, so
  /// concurrent savers cannot move a stream's snapshot backwards). taken_at is set by the store.
  /// Errors: errc::empty_stream_id, errc::invalid_version (version 0). Completion: void(error_code).
  template <class CompletionToken>
  auto async_save(snapshot s, CompletionToken&& token) {
    return boost::asio::async_initiate<CompletionToken, void(boost::system::error_code)>(
        [this](auto handler, snapshot sn) { do_save(std::move(sn), std::move(handler)); }, token, std::move(s));
  }

  /// The latest snapshot of `stream_id`, or nullopt. Completion: void(error_code, std::optional<snapshot>).
  template <class CompletionToken>
  auto async_load(std::string stream_id, CompletionToken&& token) {
    return boost::asio::async_initiate<CompletionToken, void(boost::system::error_code, std::optional<snapshot>)>(
        [this](auto handler, std::string s) { do_load(std::move(s), std::move(handler)); }, token,
        std::move(stream_id));
  }

 protected:
  using save_handler = boost::asio::any_completion_handler<void(boost::system::error_code)>;
  using load_handler = boost::asio::any_completion_handler<void(boost::system::error_code, std::optional<snapshot>)>;
  virtual void do_save(snapshot s, save_handler handler) = 0;
  virtual void do_load(std::string stream_id, load_handler handler) = 0;
};

}  // namespace mink::persistence
