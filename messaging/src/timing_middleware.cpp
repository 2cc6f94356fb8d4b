// The stages that deal in time: timeout, retry with backoff, metrics.

#include <mink/messaging/errc.hpp>
#include <mink/messaging/metrics_middleware.hpp>
#include <mink/messaging/retry_middleware.hpp>
#include <mink/messaging/timeout_middleware.hpp>

#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <atomic>
#include <list>
#include <mutex>
#include <vector>
#include <exception>
#include <optional>

namespace mink {

namespace asio = boost::asio;

namespace {

/// One command racing its deadline. Whoever claims it first (the command's answer or the
/// deadline) answers the caller; the other side does nothing.
struct deadline_race {
  using caller_type = asio::any_completion_handler<void(dispatch_outcome)>;

  deadline_race(caller_type c, asio::any_io_executor ex, std::chrono::steady_clock::time_point due)
      : caller(std::move(c)), caller_ex(std::move(ex)), deadline(due) {}

  bool claim() noexcept { return !answered.exchange(true); }

  /// Resumes the caller on its own executor. Only the claimant calls it.
  void answer(dispatch_outcome out) {
    asio::post(caller_ex, [h = std::move(caller), o = std::move(out)]() mutable { std::move(h)(std::move(o)); });
  }

  std::atomic<bool> answered{false};
  caller_type caller;
  asio::any_io_executor caller_ex;
  std::chrono::steady_clock::time_point deadline;
  std::list<std::shared_ptr<deadline_race>>::iterator where;  // in the watch's list while listed
  bool listed = false;
};

}  // namespace

/// The pending deadlines of one timeout stage, earliest first, and the one timer armed for the
/// earliest. Every member is guarded by the mutex, the timer included: it is armed from whichever
/// thread adds the first deadline or handles the previous expiry.
class timeout_middleware::deadline_watch : public std::enable_shared_from_this<deadline_watch> {
 public:
  void add(const std::shared_ptr<deadline_race>& race, const asio::any_io_executor& ex) {
    std::lock_guard lock(mutex_);
    if (!timer_) timer_.emplace(ex);
    race->where = pending_.insert(pending_.end(), race);
    race->listed = true;
    if (!armed_) arm();
  }

  void remove(deadline_race& race) {
    std::lock_guard lock(mutex_);
    if (!race.listed) return;
    pending_.erase(race.where);
    race.listed = false;
  }

  void cancel() {
    std::lock_guard lock(mutex_);
    if (timer_) timer_->cancel();
  }

 private:
  void arm() {
    armed_ = true;
    timer_->expires_at(pending_.front()->deadline);
    timer_->async_wait([self = shared_from_this()](boost::system::error_code ec) {
      if (ec != asio::error::operation_aborted) self->expire();
    });
  }

  void expire() {
    std::vector<std::shared_ptr<deadline_race>> due;
    {
      std::lock_guard lock(mutex_);
      armed_ = false;
      const auto now = std::chrono::steady_clock::now();
      while (!pending_.empty() && pending_.front()->deadline <= now) {
        pending_.front()->listed = false;
        due.push_back(std::move(pending_.front()));
        pending_.pop_front();
      }
      if (!pending_.empty()) arm();
    }
    for (auto& race : due) {
      if (race->claim()) race->answer(dispatch_failure(errc::timeout));
    }
  }

  std::mutex mutex_;
  std::list<std::shared_ptr<deadline_race>> pending_;  // deadlines only grow: the front is the earliest
  std::optional<asio::steady_timer> timer_;
  bool armed_ = false;
};

timeout_middleware::timeout_middleware(std::chrono::steady_clock::duration limit)
    : limit_(limit), watch_(std::make_shared<deadline_watch>()) {}

timeout_middleware::~timeout_middleware() { watch_->cancel(); }

boost::asio::awaitable<dispatch_outcome> timeout_middleware::handle(command_envelope& env, dispatch_next next) {
  auto ex = co_await asio::this_coro::executor;
  // The command may finish after the caller has been answered: it owns a copy of the envelope.
  auto own = std::make_shared<command_envelope>(env);
  const auto due = std::chrono::steady_clock::now() + limit_;
  dispatch_outcome out = co_await asio::async_initiate<const asio::use_awaitable_t<>&, void(dispatch_outcome)>(
      [&](auto caller) {
        auto race = std::make_shared<deadline_race>(deadline_race::caller_type(std::move(caller)), ex, due);
        watch_->add(race, ex);
        asio::co_spawn(
            ex,
            [](std::shared_ptr<command_envelope> e, dispatch_next n) -> asio::awaitable<dispatch_outcome> {
              co_return co_await n(*e);
            }(own, next),
            [race, watch = watch_](std::exception_ptr ep, dispatch_outcome result) {
              watch->remove(*race);
              if (!race->claim()) return;  // the deadline answered first
              if (ep) result = dispatch_failure(errc::unhandled_exception);
              race->answer(std::move(result));
            });
      },
      asio::use_awaitable);
  if (out.ec == errc::timeout) out.result.error_message = "command " + std::string(env.type()) + " timed out";
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

void command_metrics::record_events(std::string_view command_type, std::uint64_t count) {
  std::lock_guard lock(mutex_);
  auto it = events_.find(command_type);
  if (it == events_.end()) it = events_.emplace(std::string(command_type), 0).first;
  it->second += count;
}

std::map<std::string, std::uint64_t> command_metrics::events_snapshot() const {
  std::lock_guard lock(mutex_);
  return {events_.begin(), events_.end()};
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
  if (!out.ec && !out.result.replayed) metrics_->record_events(env.type(), out.result.event_count);
  co_return out;
}

}  // namespace mink
