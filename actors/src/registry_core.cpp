// The actor runtime: mailboxes, run loops, activation, passivation and shutdown.

#include "registry_core.hpp"

#include <mink/messaging/errc.hpp>

#include <boost/asio/co_spawn.hpp>

#include <algorithm>
#include <exception>
#include <iostream>
#include <utility>

namespace mink::actors::detail {

namespace asio = boost::asio;
using boost::system::error_code;

namespace {

// A run loop's own failures (not the user's: those are caught per message) are defects.
void report_run_loop_exception(std::exception_ptr ep) noexcept {
  if (!ep) return;
  try {
    std::rethrow_exception(ep);
  } catch (const std::exception& e) {
    std::cerr << "mink: unexpected exception in an actor's run loop: " << e.what() << '\n';
  } catch (...) {
    std::cerr << "mink: unexpected exception in an actor's run loop\n";
  }
}

// Handles the actor's messages one at a time, on its strand, until its mailbox is empty.
asio::awaitable<void> run_actor(std::shared_ptr<registry_core> core, actor_slot* slot) {
  for (;;) {
    std::unique_ptr<job> j = core->take_next(*slot);
    if (!j) co_return;
    error_code ec = core->ensure_state(*slot);
    if (!ec) {
      try {
        co_await j->run(slot->state);
      } catch (...) {
        ec = errc::unhandled_exception;
      }
    }
    j->complete(core->executor(), ec);
  }
}

void post_shutdown_done(const asio::any_io_executor& ex, shutdown_handler handler) {
  auto handler_ex = asio::get_associated_executor(handler, ex);
  asio::post(ex, asio::bind_executor(handler_ex, [h = std::move(handler)]() mutable { std::move(h)(error_code()); }));
}

}  // namespace

actor_slot::actor_slot(const asio::any_io_executor& ex) : strand(asio::make_strand(ex)) {}

registry_core::registry_core(asio::any_io_executor ex, registry_params params, actor_type_ops ops)
    : ex_(std::move(ex)),
      capacity_(std::max<std::size_t>(params.actor.mailbox_capacity, 1)),
      overflow_(params.actor.overflow),
      idle_timeout_(params.idle_timeout),
      max_active_(params.max_active),
      ops_(std::move(ops)),
      sweeper_(ex_) {}

registry_core::~registry_core() {
  // Only reached with actors left when their run loops were destroyed unfinished (the executor
  // went away first); their queued jobs go with the slots, uncompleted.
  for (auto& entry : actors_) {
    if (entry.second.state) ops_.destroy(entry.second.state);
  }
}

void registry_core::submit(std::string key, std::unique_ptr<job> j) {
  error_code ec;
  actor_slot* start = nullptr;
  aftermath after;
  {
    std::lock_guard lock(mtx_);
    if (stopping_) {
      ec = errc::shutting_down;
    } else {
      auto it = actors_.find(key);
      bool activated = false;
      if (it == actors_.end()) {
        it = actors_.try_emplace(std::move(key), ex_).first;
        it->second.key = &it->first;
        ++activations_;
        activated = true;
      }
      actor_slot& slot = it->second;
      if (!slot.waiting.empty() || slot.depth >= capacity_) {
        if (overflow_ == overflow_policy::reject) {
          ++rejected_;
          ec = errc::mailbox_full;
        } else {
          slot.waiting.push(std::move(j));
        }
      } else {
        slot.mailbox.push(std::move(j));
        ++slot.depth;
        ++mailbox_depth_;
        max_mailbox_depth_ = std::max(max_mailbox_depth_, slot.depth);
      }
      if (!ec) {
        if (slot.idle) unlink_idle(slot);
        if (!slot.running) {
          slot.running = true;
          start = &slot;
        }
      }
      if (activated) enforce_max_active(after);
    }
  }
  if (ec) j->complete(ex_, ec);
  if (start) asio::co_spawn(start->strand, run_actor(shared_from_this(), start),
                                 [](std::exception_ptr ep) { report_run_loop_exception(ep); });
  finish(after);
}

std::unique_ptr<job> registry_core::take_next(actor_slot& slot) {
  std::unique_ptr<job> next;
  aftermath after;
  {
    std::lock_guard lock(mtx_);
    next = slot.mailbox.pop();
    if (next) {
      --slot.depth;
      --mailbox_depth_;
      if (auto held = slot.waiting.pop()) {
        slot.mailbox.push(std::move(held));
        ++slot.depth;
        ++mailbox_depth_;
      }
      return next;
    }
    slot.running = false;
    if (stopping_) {
      passivate(slot, after);
      collect_done(after);
    } else {
      link_idle(slot, clock_type::now());
      enforce_max_active(after);
      arm_sweeper();
    }
  }
  finish(after);
  return next;
}

error_code registry_core::ensure_state(actor_slot& slot) noexcept {
  if (slot.state) return {};
  try {
    slot.state = ops_.make(*slot.key);
  } catch (...) {
    return errc::unhandled_exception;
  }
  if (!slot.state) return errc::unhandled_exception;
  return {};
}

void registry_core::shutdown(shutdown_handler handler) {
  aftermath after;
  {
    std::lock_guard lock(mtx_);
    shutdown_handlers_.push_back(std::move(handler));
    begin_stop(after);
    collect_done(after);
  }
  finish(after);
}

void registry_core::stop() noexcept {
  aftermath after;
  {
    std::lock_guard lock(mtx_);
    begin_stop(after);
  }
  finish(after);
}

registry_stats registry_core::stats() const {
  std::lock_guard lock(mtx_);
  registry_stats s;
  s.active = actors_.size();
  s.activations = activations_;
  s.passivations = passivations_;
  s.mailbox_depth = mailbox_depth_;
  s.max_mailbox_depth = max_mailbox_depth_;
  s.rejected = rejected_;
  return s;
}

void registry_core::link_idle(actor_slot& slot, clock_type::time_point now) noexcept {
  // `now` is read under the lock, so the list stays ordered by idle_since.
  slot.idle_since = now;
  slot.idle = true;
  slot.idle_prev = idle_tail_;
  slot.idle_next = nullptr;
  if (idle_tail_) {
    idle_tail_->idle_next = &slot;
  } else {
    idle_head_ = &slot;
  }
  idle_tail_ = &slot;
}

void registry_core::unlink_idle(actor_slot& slot) noexcept {
  if (slot.idle_prev) {
    slot.idle_prev->idle_next = slot.idle_next;
  } else {
    idle_head_ = slot.idle_next;
  }
  if (slot.idle_next) {
    slot.idle_next->idle_prev = slot.idle_prev;
  } else {
    idle_tail_ = slot.idle_prev;
  }
  slot.idle_prev = nullptr;
  slot.idle_next = nullptr;
  slot.idle = false;
}

void registry_core::passivate(actor_slot& slot, aftermath& after) {
  if (slot.idle) unlink_idle(slot);
  after.passivated.push_back(actors_.extract(*slot.key));
  ++passivations_;
  ++destroying_;
}

void registry_core::enforce_max_active(aftermath& after) {
  while (actors_.size() > max_active_ && idle_head_) passivate(*idle_head_, after);
}

void registry_core::begin_stop(aftermath& after) {
  if (stopping_) return;
  stopping_ = true;
  sweeper_.cancel();
  while (idle_head_) passivate(*idle_head_, after);
}

void registry_core::collect_done(aftermath& after) {
  if (!stopping_ || !actors_.empty() || destroying_ != 0) return;
  for (auto& h : shutdown_handlers_) after.done.push_back(std::move(h));
  shutdown_handlers_.clear();
}

void registry_core::arm_sweeper() {
  if (sweeper_armed_ || stopping_ || !idle_head_ || idle_timeout_ <= clock_type::duration::zero()) return;
  sweeper_armed_ = true;
  sweeper_.expires_at(idle_head_->idle_since + idle_timeout_);
  sweeper_.async_wait([weak = weak_from_this()](error_code) {
    if (auto self = weak.lock()) self->sweep();
  });
}

void registry_core::sweep() {
  aftermath after;
  {
    std::lock_guard lock(mtx_);
    sweeper_armed_ = false;
    if (!stopping_) {
      const auto now = clock_type::now();
      while (idle_head_ && idle_head_->idle_since + idle_timeout_ <= now) passivate(*idle_head_, after);
      arm_sweeper();
    }
  }
  finish(after);
}

void registry_core::finish(aftermath& after) {
  if (!after.passivated.empty()) {
    for (auto& node : after.passivated) {
      if (node.mapped().state) ops_.destroy(node.mapped().state);
    }
    const std::size_t n = after.passivated.size();
    after.passivated.clear();
    std::lock_guard lock(mtx_);
    destroying_ -= n;
    collect_done(after);
  }
  for (auto& h : after.done) post_shutdown_done(ex_, std::move(h));
}

std::shared_ptr<registry_core> make_registry_core(asio::any_io_executor ex, registry_params params,
                                                  actor_type_ops ops) {
  return std::make_shared<registry_core>(std::move(ex), params, std::move(ops));
}

void submit(registry_core& core, std::string key, std::unique_ptr<job> j) { core.submit(std::move(key), std::move(j)); }

void shutdown(registry_core& core, shutdown_handler handler) { core.shutdown(std::move(handler)); }

void stop(registry_core& core) noexcept { core.stop(); }

registry_stats stats(const registry_core& core) { return core.stats(); }

}  // namespace mink::actors::detail
