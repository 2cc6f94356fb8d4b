#pragma once
// The timeout stage: a caller waits at most so long for a command's answer.

#include <mink/messaging/middleware.hpp>

#include <chrono>

namespace mink {

/// Answers errc::timeout when the inner stages have not answered within `limit`. The command is
/// not aborted (its events may still be recorded: an actor finishes what it started); its late
/// answer is dropped. Retrying it with the same idempotency key is safe.
class timeout_middleware final : public middleware {
 public:
  explicit timeout_middleware(std::chrono::steady_clock::duration limit) : limit_(limit) {}
  boost::asio::awaitable<dispatch_outcome> handle(command_envelope& env, dispatch_next next) override;

 private:
  std::chrono::steady_clock::duration limit_;
};

}  // namespace mink
