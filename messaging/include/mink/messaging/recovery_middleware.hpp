#pragma once
// The recovery stage: an exception thrown by any inner stage or handler becomes an error.

#include <mink/messaging/middleware.hpp>

namespace mink {

/// Turns an exception escaping the inner stages into errc::unhandled_exception, with the
/// exception's what() as the result's error_message, so that no command can take the process down.
/// Put it outermost.
class recovery_middleware final : public middleware {
 public:
  boost::asio::awaitable<dispatch_outcome> handle(command_envelope& env, dispatch_next next) override;
};

}  // namespace mink
