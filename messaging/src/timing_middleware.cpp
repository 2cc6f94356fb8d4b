// The stages that deal in time: timeout, retry with backoff, metrics.

#include <mink/messaging/errc.hpp>
#include <mink/messaging/metrics_middleware.hpp>
#include <mink/messaging/retry_middleware.hpp>
#include <mink/messaging/timeout_middleware.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <exception>
#include <optional>

namespace mink {

namespace {

namespace asio = boost::asio;

/// The race between a command and its deadline. Both sides run on one strand, so the timer is
/// only touched there.
struct deadline_race {
  explicit deadline_race(const asio::strand<asio::any_io_executor>& s) : timer(s) {}
  asio::steady_timer timer;
  std::optional<dispatch_outcome> answer;
  std::exception_ptr failure;
};

asio::awaitable<dispatch_outcome> race_deadline(std::shared_ptr<command_envelope> env, dispatch_next next,
                                                std::chrono::steady_clock::duration limit) {
  auto strand = co_await asio::this_coro::executor;
  auto race = std::make_shared<deadline_race>(asio::strand<asio::any_io_executor>(strand));
  race->timer.expires_after(limit);
  // The command runs on as its own coroutine: it may finish after the caller has been answered,
  // so it owns its envelope and the race state.
  asio::co_spawn(
      strand,
      [](std::shared_ptr<command_envelope> e, dispatch_next n) -> asio::awaitable<dispatch_outcome> {
        co_return co_await n(*e);
      }(env, next),
      [race](std::exception_ptr ep, dispatch_outcome out) {
        if (ep) race->failure = ep;
        else race->answer = std::move(out);
        race->timer.cancel();
      });
  boost::system::error_code ec;
  co_await race->timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  if (race->failure) std::rethrow_exception(race->failure);
  if (race->answer) co_return std::move(*race->answer);
  co_return dispatch_failure(errc::timeout, "command " + std::string(env->type()) + " timed out");
}

}  // namespace

boost::asio::awaitable<dispatch_outcome> timeout_middleware::handle(command_envelope& env, dispatch_next next) {
  auto ex = co_await asio::this_coro::executor;
  auto strand = asio::make_strand(ex);
  auto own = std::make_shared<command_envelope>(env);
  dispatch_outcome out =
      co_await asio::co_spawn(asio::any_io_executor(strand), race_deadline(own, next, limit_), asio::use_awaitable);
  co_return out;
}

bool is_transient_framework_error(const boost::system::error_code& ec) noexcept {
  return ec == errc::mailbox_full || ec == errc::pool_exhausted || ec == errc::acquire_timeout ||
         ec == errc::connect_timeout;
}

boost::asio::awaitable<dispatch_outcome> retry_middleware::handle(command_envelope& env, dispatch_next next) {
  auto backoff = std::chrono::duration_cast<std::chrono::milliseconds>(params_.initial_backoff);
  dispatch_outcome out = co_await next(env);
  for (unsigned attempt = 1; attempt < params_.max_attempts; ++attempt) {
    if (!out.ec || !params_.is_transient || !params_.is_transient(out.ec)) break;
    asio::steady_timer timer(co_await asio::this_coro::executor);
    timer.expires_after(backoff);
    boost::system::error_code ignored;
    co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
    backoff = std::min(params_.max_backoff, std::chrono::duration_cast<std::chrono::milliseconds>(
                                                backoff * params_.multiplier));
    out = co_await next(env);
  }
  co_return out;
}

void command_metrics::record(std::string_view command_type, std::string_view outcome,
                             std::chrono::nanoseconds latency) {
  const double seconds = std::chrono::duration<double>(latency).count();
  const auto bucket = static_cast<std::size_t>(
      std::lower_bound(bucket_bounds.begin(), bucket_bounds.end(), seconds) - bucket_bounds.begin());
  std::lock_guard lock(mutex_);
  series& s = series_[key(command_type, outcome)];
  ++s.count;
  s.seconds_sum += seconds;
  ++s.buckets[bucket];
}

std::map<command_metrics::key, command_metrics::series> command_metrics::snapshot() const {
  std::lock_guard lock(mutex_);
  return {series_.begin(), series_.end()};
}

boost::asio::awaitable<dispatch_outcome> metrics_middleware::handle(command_envelope& env, dispatch_next next) {
  const auto start = std::chrono::steady_clock::now();
  std::exception_ptr failure;
  dispatch_outcome out;
  try {
    out = co_await next(env);
  } catch (...) {
    failure = std::current_exception();
  }
  const auto latency = std::chrono::steady_clock::now() - start;
  if (failure) {
    metrics_->record(env.type(), "unhandled exception", latency);
    std::rethrow_exception(failure);
  }
  std::string outcome;
  if (out.ec) outcome = out.ec.message();
  else if (out.result.replayed) outcome = "replayed";
  else outcome = "ok";
  metrics_->record(env.type(), outcome, latency);
  co_return out;
}

}  // namespace mink
