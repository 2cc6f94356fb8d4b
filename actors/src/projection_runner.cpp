// projection_runner: registration, commands, status and read-your-writes waits.
#include <mink/actors/projection_runner.hpp>

#include "projection_core.hpp"

#include <mink/messaging/errc.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <exception>
#include <iostream>

namespace mink::actors {

namespace asio = boost::asio;
using boost::system::error_code;

namespace {

constexpr auto tuple_awaitable = asio::as_tuple(asio::use_awaitable);

/// Completes `handler` with `ec` through `ex`, on the handler's associated executor.
void complete(const asio::any_io_executor& ex, asio::any_completion_handler<void(error_code)> handler, error_code ec) {
  auto handler_ex = asio::get_associated_executor(handler, ex);
  asio::post(ex, asio::bind_executor(handler_ex, [h = std::move(handler), ec]() mutable { std::move(h)(ec); }));
}

void report(const char* what, std::exception_ptr ep) {
  if (!ep) return;
  try {
    std::rethrow_exception(ep);
  } catch (const std::exception& e) {
    std::cerr << "mink: unexpected exception in " << what << ": " << e.what() << '\n';
  } catch (...) {
    std::cerr << "mink: unexpected exception in " << what << '\n';
  }
}

/// The run's completion once every actor loop has ended.
struct run_state {
  // Constructed in place: any_completion_handler cannot be move-assigned (Boost 1.81).
  run_state(asio::any_io_executor e, asio::any_completion_handler<void(error_code)> h, std::size_t n)
      : ex(std::move(e)), handler(std::move(h)), running(n) {}
  asio::any_io_executor ex;
  asio::any_completion_handler<void(error_code)> handler;
  std::size_t running = 0;
  std::mutex mtx;
};

}  // namespace

const char* to_string(projection_state s) noexcept {
  switch (s) {
    case projection_state::running: return "running";
    case projection_state::paused: return "paused";
    case projection_state::rebuilding: return "rebuilding";
    case projection_state::faulted: return "faulted";
    case projection_state::inline_: return "inline";
  }
  return "unknown";
}

void projection_actor::wake(std::shared_ptr<const void> keep_alive) {
  if (woken.exchange(true)) return;
  asio::post(strand, [this, k = std::move(keep_alive)] { wake_timer.cancel(); });
}

void projection_actor::advance_live(log_position p) {
  {
    std::lock_guard lock(mtx);
    shared.live = p;
  }
  for (auto& w : waiters) {
    if (!w->reached && w->target <= p) {
      w->reached = true;
      w->timer.cancel();
    }
  }
}

projection_status projection_actor::status() const {
  const auto s = snapshot();
  projection_status out;
  out.name = proj.name();
  out.head = s.head;
  out.fault = s.fault;
  if (options.mode == projection_mode::inline_) {
    out.state = projection_state::inline_;
    out.position = s.head;
    return out;
  }
  out.position = s.live.position;
  out.lag = std::max<std::int64_t>(0, s.head - s.live.position);
  if (s.rebuilding || s.rebuild_requested) out.rebuild_position = s.shadow.position;
  if (s.fault) {
    out.state = projection_state::faulted;
  } else if (s.paused) {
    out.state = projection_state::paused;
  } else if (s.rebuilding || s.rebuild_requested) {
    out.state = projection_state::rebuilding;
  } else {
    out.state = projection_state::running;
  }
  return out;
}

projection_actor* projection_runner::core::find(const std::string& name) const {
  for (const auto& a : actors) {
    if (a->proj.name() == name) return a.get();
  }
  return nullptr;
}

projection_runner::projection_runner(asio::any_io_executor ex, persistence::event_store& store,
                                     projection_runner_params params)
    : core_(std::make_shared<core>(std::move(ex), store, params)) {}

projection_runner::~projection_runner() { cancel(); }

error_code projection_runner::add(persistence::projection& p, projection_options options) {
  if (p.name().empty()) return errc::empty_name;
  if (core_->find(p.name()) != nullptr) return errc::duplicate_registration;
  core_->actors.push_back(std::make_unique<projection_actor>(core_->ex, p, options));
  return {};
}

void projection_runner::start_run(done_handler handler) {
  auto c = core_;
  if (c->stopped.load()) {
    complete(c->ex, std::move(handler), errc::shutting_down);
    return;
  }
  if (c->actors.empty()) {
    // Nothing to run, nothing to wait for.
    complete(c->ex, std::move(handler), error_code{});
    return;
  }
  auto run = std::make_shared<run_state>(c->ex, std::move(handler), c->actors.size());
  for (auto& a : c->actors) {
    asio::co_spawn(a->strand, run_projection(c, *a), [run](std::exception_ptr ep) {
      report("projection actor", ep);
      std::unique_lock lock(run->mtx);
      if (--run->running != 0) return;
      auto h = std::move(run->handler);
      lock.unlock();
      complete(run->ex, std::move(h), error_code{});
    });
  }
}

void projection_runner::cancel() {
  core_->stopped.store(true);
  for (auto& a : core_->actors) {
    asio::post(a->strand, [p = a.get(), keep = core_] {
      p->wake_timer.cancel();
      p->backoff_timer.cancel();
      for (auto& w : p->waiters) {
        w->aborted = true;
        w->timer.cancel();
      }
    });
  }
}

void projection_runner::wake() {
  for (auto& a : core_->actors) a->wake(core_);
}

std::optional<projection_status> projection_runner::status(const std::string& name) const {
  const auto* a = core_->find(name);
  if (a == nullptr) return std::nullopt;
  return a->status();
}

std::vector<projection_status> projection_runner::statuses() const {
  std::vector<projection_status> out;
  out.reserve(core_->actors.size());
  for (const auto& a : core_->actors) out.push_back(a->status());
  return out;
}

error_code projection_runner::pause(const std::string& name) {
  auto* a = core_->find(name);
  if (a == nullptr) return errc::unknown_projection;
  {
    std::lock_guard lock(a->mtx);
    a->shared.paused = true;
  }
  a->wake(core_);
  return {};
}

error_code projection_runner::resume(const std::string& name) {
  auto* a = core_->find(name);
  if (a == nullptr) return errc::unknown_projection;
  {
    std::lock_guard lock(a->mtx);
    a->shared.paused = false;
    a->shared.fault.reset();
  }
  a->wake(core_);
  return {};
}

error_code projection_runner::start_rebuild(const std::string& name) {
  auto* a = core_->find(name);
  if (a == nullptr) return errc::unknown_projection;
  if (a->options.mode == projection_mode::inline_) return errc::projection_busy;
  {
    std::lock_guard lock(a->mtx);
    if (!a->shared.rebuilding && !a->shared.rebuild_requested) {
      a->shared.rebuild_requested = true;
      a->shared.shadow = log_position::start();  // the progress shown is the new rebuild's
    }
  }
  a->wake(core_);
  return {};
}

namespace {

/// How often a wait for a position beyond the head looks again for its event.
constexpr std::chrono::milliseconds future_position_poll{20};

asio::awaitable<std::tuple<error_code>> wait_for(std::shared_ptr<projection_runner::core> c, projection_actor& a,
                                                  std::int64_t position, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  auto [ec, where] = co_await c->store.async_log_position_of(position, tuple_awaitable);
  if (ec) co_return std::tuple{ec};
  // A position beyond the head may belong to an append still committing: wait (bounded) for
  // it to appear. One at or below the head without an event never will (a rolled-back append).
  asio::steady_timer poll(a.strand);
  while (!where) {
    auto [head_ec, head] = co_await c->store.async_head_position(tuple_awaitable);
    if (head_ec) co_return std::tuple{head_ec};
    if (position <= head) co_return std::tuple{error_code(errc::position_not_found)};
    if (std::chrono::steady_clock::now() >= deadline) co_return std::tuple{error_code(errc::timeout)};
    if (c->stopped.load()) co_return std::tuple{error_code(asio::error::operation_aborted)};
    poll.expires_after(std::min<std::chrono::steady_clock::duration>(future_position_poll,
                                                                      deadline - std::chrono::steady_clock::now()));
    co_await poll.async_wait(tuple_awaitable);
    auto [again_ec, again] = co_await c->store.async_log_position_of(position, tuple_awaitable);
    if (again_ec) co_return std::tuple{again_ec};
    where = again;
  }
  // The append that wrote an inline projection's rows committed with the event.
  if (a.options.mode == projection_mode::inline_) co_return std::tuple{error_code{}};
  if (c->stopped.load()) co_return std::tuple{error_code(asio::error::operation_aborted)};
  // Back on the strand (the coroutine's executor): the waiters list is the strand's.
  if (a.snapshot().live >= *where) co_return std::tuple{error_code{}};
  auto w = std::make_shared<projection_waiter>(a.strand, *where);
  a.waiters.push_back(w);
  w->timer.expires_at(deadline);
  co_await w->timer.async_wait(tuple_awaitable);
  std::erase(a.waiters, w);
  if (w->reached) co_return std::tuple{error_code{}};
  if (w->aborted) co_return std::tuple{error_code(asio::error::operation_aborted)};
  co_return std::tuple{error_code(errc::timeout)};
}

}  // namespace

void projection_runner::start_wait(std::string name, std::int64_t position, std::chrono::milliseconds timeout,
                                   done_handler handler) {
  auto* a = core_->find(name);
  if (a == nullptr) {
    complete(core_->ex, std::move(handler), errc::unknown_projection);
    return;
  }
  auto handler_ex = asio::get_associated_executor(handler, core_->ex);
  asio::co_spawn(a->strand, wait_for(core_, *a, position, timeout),
                 asio::bind_executor(handler_ex, [h = std::move(handler)](std::exception_ptr ep,
                                                                           std::tuple<error_code> r) mutable {
                   if (ep) std::get<0>(r) = errc::internal_error;
                   std::move(h)(std::get<0>(r));
                 }));
}

}  // namespace mink::actors
