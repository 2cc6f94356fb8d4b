#pragma once
// The timeout stage: a caller waits at most so long for a command's answer.

#include <mink/messaging/middleware.hpp>

#include <chrono>
#include <memory>

namespace mink {

/// Answers errc::timeout when the inner stages have not answered within `limit`. The command is
/// not aborted (its events may still be recorded: an actor finishes what it started); its late
/// answer is dropped. Retrying it with the same idempotency key is safe.
///
/// Cost: the inner stages run as their own coroutine (so that the caller can be answered first),
/// and every pending deadline shares one timer: deadlines are added in the order they fall due,
/// so the stage keeps them in a list and arms the timer for the earliest only. That timer lives on
/// the executor of the first command the stage handles: its io_context must outlive the stage.
class timeout_middleware final : public middleware {
 public:
  explicit timeout_middleware(std::chrono::steady_clock::duration limit);
  ~timeout_middleware() override;
  boost::asio::awaitable<dispatch_outcome> handle(command_envelope& env, dispatch_next next) override;

  class deadline_watch;

 private:
  std::chrono::steady_clock::duration limit_;
  std::shared_ptr<deadline_watch> watch_;
};

}  // namespace mink
