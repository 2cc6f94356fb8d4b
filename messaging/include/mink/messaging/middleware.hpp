#pragma once
// Middleware: stages a command passes through, outer to inner, before its handler.

#include <mink/messaging/command_envelope.hpp>
#include <mink/messaging/dispatch_result.hpp>

#include <boost/asio/awaitable.hpp>

#include <cstddef>

namespace mink {

class command_bus;

/// The rest of the pipeline after the current stage: the inner middleware, then the handler of
/// the command's type. Cheap to copy; valid while the bus lives.
class dispatch_next {
 public:
  /// Runs the rest of the pipeline on `env`. `env` must outlive the returned awaitable.
  boost::asio::awaitable<dispatch_outcome> operator()(command_envelope& env) const;

 private:
  friend class command_bus;
  dispatch_next(const command_bus& bus, std::size_t stage) noexcept : bus_(&bus), stage_(stage) {}
  const command_bus* bus_;
  std::size_t stage_;
};

/// One stage. handle() may change the envelope, answer without calling `next` (a rejection, a
/// replay), or call `next` once or several times (a retry). An exception escaping handle()
/// reaches the outer stages as an exception (the recovery stage turns it into an error).
/// A stage object is shared by every concurrent dispatch: handle() must be thread-safe.
class middleware {
 public:
  virtual ~middleware() = default;
  virtual boost::asio::awaitable<dispatch_outcome> handle(command_envelope& env, dispatch_next next) = 0;
};

}  // namespace mink
