#pragma once
// The logging stage: one record per command with its ids, duration and outcome.

#include <mink/messaging/middleware.hpp>

#include <boost/system/error_code.hpp>

#include <chrono>
#include <functional>
#include <string>

namespace mink {

/// What the logging stage reports of one command once it has finished.
struct command_log_record {
  std::string command_type;
  std::string command_id;
  std::string correlation_id;
  std::string aggregate_id;
  std::chrono::nanoseconds duration{};
  boost::system::error_code ec;
  std::string error_message;  ///< The result's error_message on failure.
  bool replayed = false;
};

/// Receives the records; called from any thread, concurrently: it must be thread-safe.
using command_logger = std::function<void(const command_log_record&)>;

/// "CreateOrder command=<id> correlation=<id> aggregate=<id> 1.23ms ok" (or the error).
std::string format_log_record(const command_log_record& r);

/// Reports every command to an injected logger after the inner stages answer (and when they throw:
/// the record then says unhandled_exception and the exception goes on outwards).
class logging_middleware final : public middleware {
 public:
  explicit logging_middleware(command_logger logger) : logger_(std::move(logger)) {}
  boost::asio::awaitable<dispatch_outcome> handle(command_envelope& env, dispatch_next next) override;

 private:
  command_logger logger_;
};

}  // namespace mink
