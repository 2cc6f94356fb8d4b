// The saga manager's log reader: one batch of the log, routed to saga instances. Different sagas
// handle their events at the same time; each saga gets its own events in one message, in log
// order, so a failure stops that saga's events where it happened. The checkpoint then moves to
// just before the earliest failure: what follows is delivered again, and the processed markers
// make that harmless where it had already been handled.
#include "saga_core.hpp"

#include <mink/messaging/errc.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <exception>
#include <limits>
#include <map>
#include <utility>

namespace mink::actors::detail {

namespace asio = boost::asio;
using boost::system::error_code;

namespace {

/// The events of one saga in a batch, by their index in the batch.
struct saga_group {
  std::string saga_id;
  std::string correlation_id;
  std::vector<std::size_t> indexes;
};

/// Where the concurrent deliveries of one batch stand; completions arrive on the manager's strand.
struct batch_join {
  explicit batch_join(asio::strand<asio::any_io_executor>& strand) : wakeup(strand) {}
  asio::steady_timer wakeup;
  std::size_t in_flight = 0;
  /// Per group: the error and how many of its events were handled before it.
  std::vector<std::pair<error_code, std::size_t>> results;
};

using group_result = std::pair<error_code, std::size_t>;

}  // namespace

asio::awaitable<bool> saga_manager_core::pump(const saga_definition& def, log_position& position) {
  persistence::read_all_filter filter;
  for (const auto& [type, action] : def.on_event) filter.event_types.push_back(type);
  auto [ec, batch] =
      co_await events.async_read_all(position, params.batch_size, std::move(filter), asio::as_tuple(asio::use_awaitable));
  if (ec) {
    count(&saga_manager_stats::delivery_errors);
    co_await sleep(read_timer, params.retry_delay);
    co_return false;
  }

  std::vector<saga_group> groups;
  std::map<std::string, std::size_t, std::less<>> group_of;
  for (std::size_t i = 0; i < batch.events.size(); ++i) {
    std::string correlation;
    try {
      if (def.correlate) correlation = def.correlate(batch.events[i]);
    } catch (const std::exception&) {
      correlation.clear();  // an event the saga cannot read is not for it
    }
    if (correlation.empty()) continue;
    std::string saga_id = def.saga_id(correlation);
    auto [it, added] = group_of.try_emplace(saga_id, groups.size());
    if (added) groups.push_back(saga_group{std::move(saga_id), std::move(correlation), {}});
    groups[it->second].indexes.push_back(i);
  }

  auto join = std::make_shared<batch_join>(strand);
  join->results.resize(groups.size());
  const std::size_t limit = std::max<std::size_t>(params.max_concurrent_sagas, 1);
  std::size_t next = 0;
  while (next < groups.size() || join->in_flight > 0) {
    while (next < groups.size() && join->in_flight < limit) {
      const std::size_t g = next++;
      std::vector<recorded_event> mine;
      for (auto i : groups[g].indexes) mine.push_back(batch.events[i]);
      auto work = [this, &def, saga_id = groups[g].saga_id, correlation = groups[g].correlation_id,
                   mine = std::move(mine)](saga_actor& actor) -> asio::awaitable<group_result> {
        for (std::size_t k = 0; k < mine.size(); ++k) {
          saga_delivery d;
          d.definition = &def;
          d.saga_id = saga_id;
          d.correlation_id = correlation;
          d.event = mine[k];
          if (auto failed = co_await deliver(services, sagas, actor, d)) co_return group_result(failed, k);
        }
        co_return group_result(error_code(), mine.size());
      };
      ++join->in_flight;
      registry.async_ask<group_result>(groups[g].saga_id, std::move(work),
                                       asio::bind_executor(strand, [join, g](error_code ask_ec, group_result r) {
                                         join->results[g] = ask_ec ? group_result(ask_ec, 0) : r;
                                         --join->in_flight;
                                         join->wakeup.cancel();
                                       }));
    }
    // Completions run on the strand only while this coroutine waits here, and each one cancels
    // the wait: none is missed.
    join->wakeup.expires_at(asio::steady_timer::time_point::max());
    auto [wait_ec] = co_await join->wakeup.async_wait(asio::as_tuple(asio::use_awaitable));
    (void)wait_ec;
  }

  // The earliest event (in log order) that failed; everything before it has been handled.
  std::size_t first_failure = std::numeric_limits<std::size_t>::max();
  std::uint64_t handled = 0;
  for (std::size_t g = 0; g < groups.size(); ++g) {
    const auto& [failure, done] = join->results[g];
    handled += done;
    if (failure) first_failure = std::min(first_failure, groups[g].indexes[done]);
  }
  {
    std::lock_guard lock(stats_mtx);
    counters.events_delivered += handled;
  }
  const log_position before = position;
  const bool failed = first_failure != std::numeric_limits<std::size_t>::max();
  if (failed) {
    count(&saga_manager_stats::delivery_errors);
    if (first_failure > 0) position = batch.events[first_failure - 1].log();
  } else {
    // Events the filter passed over are done too.
    position = std::max(position, batch.next);
  }
  if (position != before) {
    persistence::checkpoint cp;
    cp.projection = "saga:" + def.type;
    cp.position = position;
    // A checkpoint that fails to save only means redelivery after a restart; processed markers
    // make that harmless.
    auto [save_ec] = co_await checkpoints.async_save(std::move(cp), asio::as_tuple(asio::use_awaitable));
    (void)save_ec;
  }
  if (failed) co_await sleep(read_timer, params.retry_delay);
  co_return position != before;
}

}  // namespace mink::actors::detail
