// A projection actor's loop: catch up in batches, retry and fault, rebuild into a shadow.
#include "projection_core.hpp"

#include <mink/messaging/errc.hpp>
#include <mink/persistence/pg_error.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>

namespace mink::actors {

namespace asio = boost::asio;
using boost::system::error_code;
using persistence::apply_result;
using persistence::checkpoint;
using persistence::projection_target;

namespace {

constexpr auto tuple_awaitable = asio::as_tuple(asio::use_awaitable);

enum class step_result { more, caught_up, stopped };

struct loop {
  std::shared_ptr<projection_runner::core> c;
  projection_actor& a;
  std::string persisted_status;  // what the live checkpoint's status says
  unsigned transient_failures = 0;  // of whole batches in a row

  bool stopped() const { return c->stopped.load(); }

  /// Sleeps until wake() or the poll interval, unless a wake came in since the last sleep.
  asio::awaitable<void> idle() {
    if (a.woken.exchange(false)) co_return;
    a.wake_timer.expires_after(c->params.poll_interval);
    co_await a.wake_timer.async_wait(tuple_awaitable);  // a cancel is a wake
    a.woken.store(false);
  }

  asio::awaitable<void> refresh_head() {
    auto [ec, head] = co_await c->store.async_head_position(tuple_awaitable);
    if (ec) co_return;
    std::lock_guard lock(a.mtx);
    a.shared.head = head;
  }

  checkpoint make_checkpoint(projection_target t, log_position p, std::string status) const {
    checkpoint cp;
    cp.projection = t == projection_target::live ? a.proj.name() : a.proj.shadow_checkpoint_name();
    cp.position = p;
    cp.status = std::move(status);
    return cp;
  }

  std::string live_status() const {
    const auto s = a.snapshot();
    if (s.fault) return "faulted";
    if (s.paused) return "paused";
    return s.rebuilding ? "rebuilding" : "running";
  }

  /// One transaction; on success the target's position moves to `to`.
  asio::awaitable<std::tuple<error_code, apply_result>> apply(projection_target t, std::vector<recorded_event> events,
                                                              log_position to) {
    auto status = t == projection_target::live ? live_status() : std::string("rebuilding");
    auto cp = make_checkpoint(t, to, status);
    auto [ec, r] = co_await a.proj.async_apply(t, std::move(events), std::move(cp), tuple_awaitable);
    if (!ec) {
      if (t == projection_target::live) {
        persisted_status = status;
        a.advance_live(to);
      } else {
        std::lock_guard lock(a.mtx);
        a.shared.shadow = to;
      }
    }
    co_return std::tuple{ec, std::move(r)};
  }

  /// Keeps the persisted status in line with the actor's (paused, faulted ... survive restarts).
  asio::awaitable<void> persist_status() {
    const auto status = live_status();
    if (status == persisted_status) co_return;
    const auto at = a.snapshot().live;
    std::vector<recorded_event> none;
    co_await apply(projection_target::live, std::move(none), at);
  }

  std::chrono::milliseconds backoff(unsigned attempt) const {
    auto d = c->params.retry_initial;
    for (unsigned i = 1; i < attempt && d < c->params.retry_max; ++i) d *= 2;
    return std::min(d, c->params.retry_max);
  }

  /// After a failed batch: commits the good prefix, then applies event by event, retrying the
  /// failing one with backoff; faults on it after max_attempts. Returns false when faulted/stopped.
  asio::awaitable<bool> apply_carefully(projection_target t, std::vector<recorded_event>& events, log_position page_next,
                                        const apply_result& first) {
    std::size_t from = 0;
    if (first.failed_index != apply_result::unknown && first.failed_index > 0 && first.failed_index < events.size()) {
      std::vector<recorded_event> prefix(events.begin(), events.begin() + static_cast<std::ptrdiff_t>(first.failed_index));
      const auto to = prefix.back().log();
      auto [ec, r] = co_await apply(t, std::move(prefix), to);
      if (!ec) from = first.failed_index;
    }
    for (std::size_t i = from; i < events.size(); ++i) {
      const auto to = i + 1 == events.size() ? page_next : events[i].log();
      // Transient errors (a lost connection, a deadlock) say nothing about the event: they are
      // retried without counting towards the fault.
      unsigned attempts = 0;
      for (unsigned tries = 1;; ++tries) {
        std::vector<recorded_event> one{events[i]};
        auto [ec, r] = co_await apply(t, std::move(one), to);
        if (!ec) break;
        if (stopped()) co_return false;
        if (!persistence::is_transient(ec)) ++attempts;
        if (attempts >= c->params.max_attempts) {
          projection_fault f;
          f.position = events[i].position;
          f.event_id = events[i].event_id;
          f.type = events[i].type;
          f.error = ec;
          f.message = r.message.empty() ? ec.message() : r.message;
          f.attempts = attempts;
          f.in_rebuild = t == projection_target::shadow;
          {
            std::lock_guard lock(a.mtx);
            a.shared.fault = std::move(f);
          }
          co_await persist_status();
          co_return false;
        }
        a.backoff_timer.expires_after(backoff(tries));
        co_await a.backoff_timer.async_wait(tuple_awaitable);  // cancelled only by cancel()
        // A pause takes effect between retries; the event is retried after resume().
        if (stopped() || a.snapshot().paused) co_return false;
      }
    }
    co_return true;
  }

  /// Reads one page after the target's position and applies it.
  asio::awaitable<step_result> step(projection_target t) {
    const auto s = a.snapshot();
    const auto from = t == projection_target::live ? s.live : s.shadow;
    const auto max = c->batch_size(a);
    auto [ec, page] = co_await c->store.async_read_all(from, max, a.proj.filter(), tuple_awaitable);
    if (stopped()) co_return step_result::stopped;
    if (ec) co_return step_result::caught_up;  // the store is unavailable: look again at the next poll
    const bool full = page.events.size() >= max;
    if (page.events.empty()) {
      // Events of other types were passed over: remember it, so they are not scanned again.
      if (page.next != from) co_await apply(t, std::move(page.events), page.next);
      co_return step_result::caught_up;
    }
    auto [aec, r] = co_await apply(t, page.events, page.next);
    if (aec && persistence::is_transient(aec)) {
      // The batch itself is fine as far as anyone knows: wait, then read and apply it again.
      a.backoff_timer.expires_after(backoff(++transient_failures));
      co_await a.backoff_timer.async_wait(tuple_awaitable);
      co_return stopped() ? step_result::stopped : step_result::more;
    }
    transient_failures = 0;
    if (aec && !co_await apply_carefully(t, page.events, page.next, r)) co_return step_result::stopped;
    co_return full ? step_result::more : step_result::caught_up;
  }

  asio::awaitable<void> run_rebuild_step(bool& caught_up) {
    auto s = a.snapshot();
    if (s.rebuild_requested) {
      auto [ec] = co_await a.proj.async_begin_rebuild(tuple_awaitable);
      if (ec) co_return;  // try again next round
      std::lock_guard lock(a.mtx);
      a.shared.rebuild_requested = false;
      a.shared.rebuilding = true;
      a.shared.shadow = log_position::start();
      s = a.shared;
    }
    if (!s.rebuilding) co_return;
    const auto r = co_await step(projection_target::shadow);
    if (r == step_result::more) caught_up = false;
    if (r != step_result::caught_up) co_return;
    // The shadow has read everything there is: swap it in with its checkpoint. The actor says
    // "rebuilding" until the swap has committed, so that "running" means queries see the new model.
    const auto at = a.snapshot().shadow;
    const std::string status = a.snapshot().paused ? "paused" : "running";
    auto swapped = make_checkpoint(projection_target::live, at, status);
    auto [ec] = co_await a.proj.async_finish_rebuild(std::move(swapped), tuple_awaitable);
    if (ec) co_return;  // the shadow stays; the swap is tried again next round
    {
      std::lock_guard lock(a.mtx);
      a.shared.rebuilding = false;
      a.shared.live = at;
    }
    persisted_status = status;
    a.advance_live(at);
  }

  asio::awaitable<void> run() {
    {
      auto [ec] = co_await a.proj.async_prepare(tuple_awaitable);
      while (ec && !stopped()) {
        co_await idle();
        std::tie(ec) = co_await a.proj.async_prepare(tuple_awaitable);
      }
    }
    if (a.options.mode == projection_mode::live) {
      auto [ec, cp] = co_await a.proj.async_load_checkpoint(tuple_awaitable);
      while (ec && !stopped()) {
        co_await idle();
        std::tie(ec, cp) = co_await a.proj.async_load_checkpoint(tuple_awaitable);
      }
      if (cp) {
        persisted_status = cp->status;
        std::lock_guard lock(a.mtx);
        a.shared.paused = a.shared.paused || cp->status == "paused";
      }
      a.advance_live(cp ? cp->position : log_position::start());
    }
    while (!stopped()) {
      const auto s = a.snapshot();
      if (a.options.mode == projection_mode::inline_) {  // written by the appends: only its head is ours
        co_await refresh_head();
        co_await idle();
        continue;
      }
      co_await persist_status();
      co_await refresh_head();
      if (s.paused || s.fault) {
        co_await idle();
        continue;
      }
      bool caught_up = true;
      const auto r = co_await step(projection_target::live);
      if (r == step_result::more) caught_up = false;
      if (r != step_result::stopped) co_await run_rebuild_step(caught_up);
      if (caught_up && !stopped()) co_await idle();
    }
  }
};

}  // namespace

boost::asio::awaitable<void> run_projection(std::shared_ptr<projection_runner::core> c, projection_actor& a) {
  loop l{std::move(c), a, {}};
  co_await l.run();
}

}  // namespace mink::actors
