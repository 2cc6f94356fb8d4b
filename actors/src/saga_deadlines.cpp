// The saga manager's deadline loop: sleep until the earliest deadline is due (capped), claim what
// is due, deliver each to its saga.
#include "saga_core.hpp"

#include <mink/messaging/errc.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace mink::actors::detail {

namespace asio = boost::asio;
using boost::system::error_code;

asio::awaitable<void> saga_manager_core::deadline_loop() {
  const bool transactional = params.pool && pg_sagas && pg_deadlines;
  while (!stopped) {
    deadline_wake_pending.store(false);
    auto [ec, next] = co_await services.deadlines.async_next_due(asio::as_tuple(asio::use_awaitable));
    if (stopped) break;
    if (ec) {
      count(&saga_manager_stats::delivery_errors);
      co_await sleep(deadline_timer, params.retry_delay);
      continue;
    }
    const auto now = std::chrono::system_clock::now();
    if (next && *next <= now) {
      bool fired = false;
      if (transactional) {
        fired = co_await fire_deadlines_in_transactions();
      } else {
        fired = co_await fire_deadlines();
      }
      if (!fired) co_await sleep(deadline_timer, params.retry_delay);
      continue;
    }
    if (deadline_wake_pending.load()) continue;
    // Capped: a deadline scheduled by another process does not wake this one.
    std::chrono::steady_clock::duration wait = params.poll_interval;
    if (next) wait = std::min(wait, std::chrono::duration_cast<std::chrono::steady_clock::duration>(*next - now));
    co_await sleep(deadline_timer, wait);
  }
}

asio::awaitable<std::tuple<error_code, std::optional<saga_delivery>>> saga_manager_core::deadline_delivery(
    const persistence::saga_deadline& deadline) {
  std::string id = deadline.saga_id;
  auto [ec, state] = co_await sagas.async_find(std::move(id), asio::as_tuple(asio::use_awaitable));
  std::optional<saga_delivery> out;
  const saga_definition* def = state ? definition_of_saga(state->saga_type) : nullptr;
  if (!ec && def) {
    out.emplace();
    out->definition = def;
    out->saga_id = deadline.saga_id;
    out->correlation_id = state->correlation_id;
    out->deadline = deadline;
  }
  co_return std::make_tuple(ec, std::move(out));
}

asio::awaitable<bool> saga_manager_core::fire_deadlines() {
  auto [ec, due] = co_await services.deadlines.async_claim_due(std::chrono::system_clock::now(),
                                                                params.deadline_batch, asio::as_tuple(asio::use_awaitable));
  if (ec) {
    count(&saga_manager_stats::delivery_errors);
    co_return false;
  }
  for (auto& deadline : due) {
    // A claimed deadline is delivered until it is handled (or the manager stops): it fires once.
    while (!stopped) {
      auto [find_ec, d] = co_await deadline_delivery(deadline);
      error_code delivered = find_ec;
      if (!find_ec && !d) break;  // no such saga (any more), or not ours: nothing to wake
      if (!find_ec) delivered = co_await ask(std::move(*d));
      if (!delivered) {
        count(&saga_manager_stats::deadlines_fired);
        break;
      }
      count(&saga_manager_stats::delivery_errors);
      co_await sleep(deadline_timer, params.retry_delay);
    }
  }
  co_return !due.empty();
}

asio::awaitable<bool> saga_manager_core::fire_deadlines_in_transactions() {
  // One deadline per transaction: the row stays locked (other claimers skip it) only while its
  // saga handles it, and commits with the state the handler produced.
  bool any = false;
  for (std::size_t n = 0; n < params.deadline_batch && !stopped; ++n) {
    auto [acquire_ec, tx] = co_await params.pool->async_acquire(asio::as_tuple(asio::use_awaitable));
    if (acquire_ec) break;
    auto [begin_ec] = co_await tx.async_begin(asio::as_tuple(asio::use_awaitable));
    if (begin_ec) break;
    const auto now = std::chrono::system_clock::now();
    auto [claim_ec, due] = co_await pg_deadlines->async_claim_due_in(tx, now, 1, asio::as_tuple(asio::use_awaitable));
    if (claim_ec || due.empty()) {
      auto [rollback_ec] = co_await tx.async_rollback(asio::as_tuple(asio::use_awaitable));
      (void)rollback_ec;
      co_return any;
    }
    auto [find_ec, d] = co_await deadline_delivery(due.front());
    error_code delivered = find_ec;
    bool committed = false;
    if (!find_ec && d) {
      d->handler_save = [this, &tx, &committed](persistence::saga_state s, std::uint64_t expected)
          -> asio::awaitable<std::tuple<error_code, std::uint64_t>> {
        auto [save_ec, version] =
            co_await pg_sagas->async_save_in(tx, std::move(s), expected, asio::as_tuple(asio::use_awaitable));
        if (save_ec) co_return std::make_tuple(save_ec, std::uint64_t(0));
        auto [commit_ec] = co_await tx.async_commit(asio::as_tuple(asio::use_awaitable));
        committed = !commit_ec;
        co_return std::make_tuple(commit_ec, version);
      };
      saga_delivery again = *d;
      again.handler_save = nullptr;
      delivered = co_await ask(std::move(*d));
      // Committed, then failed (a compensation hit the database): the deadline is spent, so it
      // will not bring the saga back; deliver it again until the compensation has finished (the
      // processed marker makes the handler itself a no-op).
      while (committed && delivered && !stopped) {
        count(&saga_manager_stats::delivery_errors);
        co_await sleep(deadline_timer, params.retry_delay);
        delivered = co_await ask(again);
      }
    }
    if (!committed) {
      // Delivered without a save (not our saga, already processed): the claim is all there is to
      // keep. Not delivered: roll back, and the deadline is due again.
      if (!delivered) {
        auto [commit_ec] = co_await tx.async_commit(asio::as_tuple(asio::use_awaitable));
        if (commit_ec) delivered = commit_ec;
      } else {
        auto [rollback_ec] = co_await tx.async_rollback(asio::as_tuple(asio::use_awaitable));
        (void)rollback_ec;
      }
    }
    if (delivered) {
      count(&saga_manager_stats::delivery_errors);
      co_return any;
    }
    if (d) count(&saga_manager_stats::deadlines_fired);
    any = true;
  }
  co_return any;
}

}  // namespace mink::actors::detail
