// inline_projection_store: appends and read-model rows in one transaction.
#include <mink/persistence/inline_projection_store.hpp>

#include <mink/persistence/detail/post_completion.hpp>
#include <mink/persistence/detail/spawn_op.hpp>

#include <mink/persistence/pg_error.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <chrono>

namespace mink::persistence {

namespace asio = boost::asio;
using boost::system::error_code;

namespace {

constexpr auto tuple_awaitable = asio::as_tuple(asio::use_awaitable);
using commit_result = std::tuple<error_code, unit_of_work_result>;

/// The events of `unit` as the store recorded them (the unit was validated: ids are filled in).
std::vector<recorded_event> recorded(const unit_of_work& unit, const unit_of_work_result& result) {
  std::vector<recorded_event> out;
  const auto now = std::chrono::system_clock::now();
  for (std::size_t a = 0; a < unit.appends.size() && a < result.appends.size(); ++a) {
    const auto& req = unit.appends[a];
    const auto& res = result.appends[a];
    if (res.replayed || res.positions.size() != req.events.size()) continue;
    const auto first_version = res.version + 1 - req.events.size();
    for (std::size_t i = 0; i < req.events.size(); ++i) {
      recorded_event e;
      e.stream_id = req.stream_id;
      e.version = first_version + i;
      e.position = res.positions[i];
      e.transaction_id = res.transaction_id;
      e.event_id = req.events[i].event_id;
      e.type = req.events[i].type;
      e.data = req.events[i].data;
      e.metadata = req.events[i].metadata;
      e.recorded_at = now;
      out.push_back(std::move(e));
    }
  }
  // The log order, which the projections' handlers expect.
  std::sort(out.begin(), out.end(), [](const recorded_event& l, const recorded_event& r) { return l.log() < r.log(); });
  return out;
}

asio::awaitable<commit_result> commit_once(connection_pool& pool, pg_event_store& inner,
                                           const std::vector<sql_projection*>& projections, const unit_of_work& unit) {
  auto [aec, tx] = co_await pool.async_acquire(tuple_awaitable);
  if (aec) co_return commit_result{aec, unit_of_work_result{}};
  if (auto [bec] = co_await tx.async_begin(tuple_awaitable); bec) co_return commit_result{bec, unit_of_work_result{}};
  auto copy = unit;
  auto [ec, result] = co_await inner.async_commit_in(tx, std::move(copy), tuple_awaitable);
  if (!ec) {
    const auto events = recorded(unit, result);
    for (auto* p : projections) {
      if (events.empty()) break;
      const auto types = p->filter().event_types;
      std::vector<recorded_event> mine;
      for (const auto& e : events) {
        if (std::find(types.begin(), types.end(), e.type) != types.end()) mine.push_back(e);
      }
      if (mine.empty()) continue;
      auto [pec, r] = co_await p->async_apply_in(tx, std::move(mine), tuple_awaitable);
      if (pec) {
        ec = pec;
        break;
      }
    }
  }
  if (ec) {
    co_await tx.async_rollback(tuple_awaitable);
    co_return commit_result{ec, std::move(result)};
  }
  auto [cec] = co_await tx.async_commit(tuple_awaitable);
  co_return commit_result{cec, std::move(result)};
}

asio::awaitable<commit_result> commit(connection_pool& pool, pg_event_store& inner,
                                      const std::vector<sql_projection*>& projections, unit_of_work unit) {
  commit_result outcome;
  for (int attempt = 0; attempt < 3; ++attempt) {
    outcome = co_await commit_once(pool, inner, projections, unit);
    if (std::get<0>(outcome) != condition::retryable) break;
  }
  co_return outcome;
}

}  // namespace

void inline_projection_store::do_append(std::string stream_id, expected_version expected, std::vector<event_data> events,
                                        append_options options, append_handler handler) {
  unit_of_work unit;
  unit.append(std::move(stream_id), expected, std::move(events), std::move(options));
  unit_of_work_result checked;
  const auto invalid = validate_unit(unit, max_event_bytes_, checked);
  using result_t = std::tuple<error_code, append_result>;
  detail::spawn_checked_op(
      pool_.get_executor(), invalid,
      [this, u = std::move(unit)]() mutable -> asio::awaitable<result_t> {
        auto [ec, r] = co_await commit(pool_, inner_, projections_, std::move(u));
        append_result out;
        if (!r.appends.empty()) out = std::move(r.appends.front());
        co_return result_t{ec, std::move(out)};
      },
      std::move(handler));
}

void inline_projection_store::do_commit(unit_of_work unit, commit_handler handler) {
  unit_of_work_result checked;
  auto invalid = validate_unit(unit, max_event_bytes_, checked);
  if (invalid) {
    detail::post_completion(pool_.get_executor(), std::move(handler), invalid, std::move(checked));
    return;
  }
  detail::spawn_op(
      pool_.get_executor(),
      [this, u = std::move(unit)]() mutable { return commit(pool_, inner_, projections_, std::move(u)); },
      std::move(handler));
}

void inline_projection_store::do_read_stream(std::string stream_id, std::uint64_t from, std::size_t max_count,
                                             read_direction direction, read_stream_handler handler) {
  inner_.async_read_stream(std::move(stream_id), from, max_count, direction, std::move(handler));
}

void inline_projection_store::do_read_all(log_position after, std::size_t max_count, read_all_filter filter,
                                          read_all_handler handler) {
  inner_.async_read_all(after, max_count, std::move(filter), std::move(handler));
}

void inline_projection_store::do_stream_info(std::string stream_id, stream_info_handler handler) {
  inner_.async_stream_info(std::move(stream_id), std::move(handler));
}

void inline_projection_store::do_log_position_of(std::int64_t position, log_position_handler handler) {
  inner_.async_log_position_of(position, std::move(handler));
}

void inline_projection_store::do_head_position(head_position_handler handler) {
  inner_.async_head_position(std::move(handler));
}

}  // namespace mink::persistence
