#include "pool_core.hpp"

#include "conninfo.hpp"
#include <mink/persistence/detail/post_completion.hpp>
#include "report_exception.hpp"

#include <mink/messaging/errc.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/associated_cancellation_slot.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>

namespace mink::persistence::detail {
namespace {

using clock = std::chrono::steady_clock;

}  // namespace

pool_core::pool_core(asio::any_io_executor ex, pool_params params)
    : ex_(std::move(ex)), params_(std::move(params)), run_strand_(asio::make_strand(ex_)), wake_timer_(run_strand_) {
  params_.max_size = std::max<std::size_t>(params_.max_size, 1);
  params_.min_size = std::min(params_.min_size, params_.max_size);
  config_error_ = parse_conninfo(params_.connection_string, conninfo_, config_message_);
}

bool pool_core::reusable(pg_connection& conn) const {
  return !conn.broken() && conn.transaction() == transaction_state::idle &&
         clock::now() - conn.created_at() < params_.max_lifetime;
}

void pool_core::discard_locked(std::unique_ptr<pg_connection> conn) {
  ++counters_.discarded;
  conn.reset();  // PQfinish on a non-blocking socket: no waiting.
}

std::unique_ptr<pg_connection> pool_core::try_acquire_now() {
  std::lock_guard lock(mtx_);
  if (stopped_ || config_error_) return nullptr;
  while (!idle_.empty()) {
    auto conn = std::move(idle_.back());
    idle_.pop_back();
    if (conn->check_alive() && clock::now() - conn->created_at() < params_.max_lifetime) {
      ++in_use_;
      return conn;
    }
    discard_locked(std::move(conn));
  }
  return nullptr;
}

void pool_core::acquire(acquire_handler handler) {
  if (auto conn = try_acquire_now()) {
    post_completion(ex_, std::move(handler), error_code{}, pooled_connection(shared_from_this(), std::move(conn)));
    return;
  }
  std::unique_lock lock(mtx_);
  const error_code refusal = config_error_                                ? config_error_
                             : stopped_                                   ? error_code(errc::pool_not_running)
                             : active_waiters_ >= params_.max_pending     ? error_code(errc::pool_exhausted)
                                                                          : error_code{};
  if (refusal) {
    lock.unlock();
    post_completion(ex_, std::move(handler), refusal, pooled_connection());
    return;
  }
  auto w = std::make_shared<waiter>(ex_, std::move(handler));
  auto slot = asio::get_associated_cancellation_slot(w->handler);
  if (slot.is_connected()) {
    slot.assign([weak_self = weak_from_this(), weak_w = std::weak_ptr<waiter>(w)](asio::cancellation_type type) {
      if (!(type & asio::cancellation_type::terminal)) return;
      auto self = weak_self.lock();
      auto pending = weak_w.lock();
      if (self && pending) self->withdraw(pending);
    });
  }
  w->timer.expires_after(params_.acquire_timeout);
  w->timer.async_wait([self = shared_from_this(), w](error_code ec) { self->on_waiter_timer(w, ec); });
  waiters_.push_back(w);
  ++active_waiters_;
  lock.unlock();
  wake();
}

void pool_core::withdraw(const std::shared_ptr<waiter>& w) {
  std::lock_guard lock(mtx_);
  if (w->settled) return;
  w->settled = true;
  --active_waiters_;
  w->timer.cancel();  // on_waiter_timer completes it with operation_aborted.
}

void pool_core::on_waiter_timer(const std::shared_ptr<waiter>& w, error_code timer_ec) {
  std::unique_lock lock(mtx_);
  error_code result;
  if (w->conn) {
    result = {};
  } else if (!w->settled) {
    // The timer expired before any connection was free.
    w->settled = true;
    --active_waiters_;
    ++counters_.acquire_timeouts;
    result = errc::acquire_timeout;
  } else {
    result = stopped_ ? error_code(errc::pool_not_running) : error_code(asio::error::operation_aborted);
  }
  (void)timer_ec;
  auto conn = std::move(w->conn);
  lock.unlock();

  auto slot = asio::get_associated_cancellation_slot(w->handler);
  if (slot.is_connected()) slot.clear();
  pooled_connection handle = conn ? pooled_connection(shared_from_this(), std::move(conn)) : pooled_connection();
  auto handler_ex = asio::get_associated_executor(w->handler, ex_);
  asio::dispatch(handler_ex, [h = std::move(w->handler), result, handle = std::move(handle)]() mutable {
    std::move(h)(result, std::move(handle));
  });
}

bool pool_core::recycle_locked(std::unique_ptr<pg_connection> conn) {
  if (stopped_ || !reusable(*conn)) {
    discard_locked(std::move(conn));
    return false;
  }
  while (!waiters_.empty()) {
    auto w = std::move(waiters_.front());
    waiters_.pop_front();
    if (w->settled) continue;
    w->settled = true;
    --active_waiters_;
    w->conn = std::move(conn);
    ++in_use_;
    w->timer.cancel();  // on_waiter_timer hands the connection over.
    return true;
  }
  conn->last_used = clock::now();
  idle_.push_back(std::move(conn));
  return true;
}

void pool_core::give_back(std::unique_ptr<pg_connection> conn) {
  if (!conn) return;
  const auto tx = conn->transaction();
  bool stopped;
  {
    std::lock_guard lock(mtx_);
    stopped = stopped_;
  }
  if (!stopped && !conn->broken() && (tx == transaction_state::in_transaction || tx == transaction_state::in_error)) {
    // Left inside a transaction: roll back before anyone else sees the connection.
    auto strand = conn->executor();
    asio::co_spawn(
        strand,
        [self = shared_from_this(), c = std::move(conn)]() mutable -> asio::awaitable<void> {
          auto r = co_await c->query("ROLLBACK", {});
          if (r.ec) c->mark_broken();
          self->give_back(std::move(c));
        },
        report_exception("pool rollback"));
    return;
  }
  bool kept;
  {
    std::lock_guard lock(mtx_);
    --in_use_;
    kept = recycle_locked(std::move(conn));
  }
  // The common case (back to idle or to a waiter) needs nothing from the maintenance loop; a
  // closed connection may need replacing.
  if (!kept) wake();
}

void pool_core::wake() {
  asio::post(run_strand_, [self = shared_from_this()] {
    self->wake_pending_ = true;
    self->wake_timer_.cancel();
  });
}

void pool_core::open_connections() {
  std::vector<std::pair<std::shared_ptr<connect_attempt>, std::unique_ptr<pg_connection>>> starting;
  {
    std::lock_guard lock(mtx_);
    if (stopped_) return;
    if (clock::now() < next_connect_at_) return;  // backing off after a failure
    const std::size_t open = idle_.size() + in_use_ + connecting_;
    const std::size_t target = std::min(std::max(params_.min_size, in_use_ + active_waiters_), params_.max_size);
    for (std::size_t n = open; n < target; ++n) {
      auto conn = std::make_unique<pg_connection>(ex_);
      auto attempt = std::make_shared<connect_attempt>(conn.get());
      attempts_.push_back(attempt);
      ++connecting_;
      starting.emplace_back(std::move(attempt), std::move(conn));
    }
  }
  // Spawned outside the lock: a coroutine runs inline up to its first wait, and a connect that
  // fails at once takes the lock itself.
  for (auto& [attempt, conn] : starting) {
    auto strand = attempt->strand;
    asio::co_spawn(strand, connect_one(std::move(attempt), std::move(conn)), report_exception("pool connect"));
  }
}

asio::awaitable<void> pool_core::connect_one(std::shared_ptr<connect_attempt> attempt,
                                             std::unique_ptr<pg_connection> conn) {
  std::string why;
  conninfo info = conninfo_;
  error_code ec = co_await resolve_hosts(info, why);
  if (!ec) {
    ec = co_await conn->connect(info, params_.connect_timeout);
    if (ec == errc::connect_timeout) {
      why = "connect timed out after " + std::to_string(params_.connect_timeout.count()) + " ms";
    } else if (ec) {
      why = conn->error_message();
    }
  }
  attempt->conn = nullptr;  // on the connection's strand: cancel() no longer reaches it
  {
    std::lock_guard lock(mtx_);
    --connecting_;
    attempts_.remove(attempt);
    if (ec) {
      ++counters_.connect_failures;
      counters_.last_connect_error = ec;
      counters_.last_connect_message = why;
      backoff_ = backoff_.count() == 0 ? params_.reconnect_backoff_initial
                                       : std::min(backoff_ * 2, params_.reconnect_backoff_max);
      next_connect_at_ = clock::now() + backoff_;
      discard_locked(std::move(conn));
    } else {
      ++counters_.connects;
      backoff_ = std::chrono::milliseconds(0);
      next_connect_at_ = {};
      recycle_locked(std::move(conn));
    }
  }
  wake();
}

void pool_core::check_idle() {
  std::lock_guard lock(mtx_);
  const auto now = clock::now();
  std::erase_if(idle_, [&](std::unique_ptr<pg_connection>& conn) {
    if (conn->check_alive() && now - conn->created_at() < params_.max_lifetime) return false;
    discard_locked(std::move(conn));
    return true;
  });
}

asio::awaitable<error_code> pool_core::run() {
  if (config_error_) co_return config_error_;
  auto last_check = clock::now();
  for (;;) {
    {
      std::lock_guard lock(mtx_);
      if (stopped_) break;
    }
    if (clock::now() - last_check >= params_.health_check_interval) {
      check_idle();
      last_check = clock::now();
    }
    open_connections();
    auto wake_at = last_check + params_.health_check_interval;
    {
      std::lock_guard lock(mtx_);
      if (next_connect_at_ > clock::now()) wake_at = std::min(wake_at, next_connect_at_);
    }
    if (!wake_pending_) {
      wake_timer_.expires_at(wake_at);
      co_await wake_timer_.async_wait(asio::as_tuple(asio::use_awaitable));
    }
    wake_pending_ = false;
  }
  co_return error_code{};
}

void pool_core::cancel() {
  std::vector<std::unique_ptr<pg_connection>> closing;
  {
    std::lock_guard lock(mtx_);
    if (stopped_) return;
    stopped_ = true;
    for (auto& w : waiters_) {
      if (w->settled) continue;
      w->settled = true;
      w->timer.cancel();  // on_waiter_timer: pool_not_running.
    }
    waiters_.clear();
    active_waiters_ = 0;
    closing.swap(idle_);
    counters_.discarded += closing.size();
    for (auto& a : attempts_) {
      asio::post(a->strand, [a] {
        if (a->conn) a->conn->cancel();
      });
    }
  }
  wake();
}

pool_stats pool_core::stats() const {
  std::lock_guard lock(mtx_);
  pool_stats s = counters_;
  s.idle = idle_.size();
  s.in_use = in_use_;
  s.connecting = connecting_;
  s.waiting = active_waiters_;
  return s;
}

}  // namespace mink::persistence::detail
