#pragma once
// The retry stage: transient failures are tried again, with backoff; nothing else is.

#include <mink/messaging/middleware.hpp>

#include <boost/system/error_code.hpp>

#include <chrono>
#include <functional>

namespace mink {

/// Which errors are transient (worth the same command again).
using transient_predicate = std::function<bool(const boost::system::error_code&)>;

/// The framework's own transient errors: errc::mailbox_full, pool_exhausted, acquire_timeout,
/// connect_timeout. mink::persistence::is_transient adds lost connections and serialization failures.
bool is_transient_framework_error(const boost::system::error_code& ec) noexcept;

struct retry_params {
  unsigned max_attempts = 3;  ///< Including the first.
  std::chrono::milliseconds initial_backoff{10};
  double multiplier = 2.0;
  std::chrono::milliseconds max_backoff{500};
  transient_predicate is_transient = is_transient_framework_error;
};

/// Calls the inner stages again after a transient error, up to max_attempts in all, waiting a
/// growing backoff between attempts; any other outcome is answered at once. Put it inside the
/// idempotency stage, so that an attempt whose events were stored before the error surfaced is
/// answered as a replay rather than executed twice.
class retry_middleware final : public middleware {
 public:
  explicit retry_middleware(retry_params params = {}) : params_(std::move(params)) {}
  boost::asio::awaitable<dispatch_outcome> handle(command_envelope& env, dispatch_next next) override;

 private:
  retry_params params_;
};

}  // namespace mink
