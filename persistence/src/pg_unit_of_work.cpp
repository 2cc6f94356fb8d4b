// pg_event_store's units of work: many appends and checkpoints in one transaction.
#include <mink/persistence/pg_checkpoint_store.hpp>
#include <mink/persistence/pg_event_store.hpp>

#include "pg_append_rows.hpp"
#include <mink/persistence/detail/post_completion.hpp>
#include <mink/persistence/detail/spawn_op.hpp>

#include <mink/persistence/pg_error.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace mink::persistence {

namespace asio = boost::asio;
using boost::system::error_code;

namespace {

constexpr auto tuple_awaitable = asio::as_tuple(asio::use_awaitable);
using commit_result = std::tuple<error_code, unit_of_work_result>;

// The appends as one mink_append_batch call, then the checkpoints, then a NOTIFY for the events
// (delivered when the transaction commits). `unit` was validated; its events are moved out.
asio::awaitable<commit_result> write_unit(connection_pool& pool, pooled_connection& tx, unit_of_work& unit,
                                          const std::string& notify_channel) {
  unit_of_work_result result;
  result.appends.resize(unit.appends.size());
  std::int64_t last_position = 0;
  if (!unit.appends.empty()) {
    std::string json = "[";
    for (std::size_t i = 0; i < unit.appends.size(); ++i) {
      auto& a = unit.appends[i];
      if (i > 0) json += ',';
      json += detail::append_request_json(a.stream_id, a.expected, a.events, a.options);
    }
    json += ']';
    auto [ec, r] = co_await tx.async_execute(detail::append_batch_statement(), query_params(json), tuple_awaitable);
    if (ec) co_return commit_result{ec, std::move(result)};
    if (r.rows() != unit.appends.size()) co_return commit_result{client_errc::bad_response, std::move(result)};
    error_code first_error;
    for (std::size_t row = 0; row < r.rows(); ++row) {
      const auto i = static_cast<std::size_t>(detail::append_row_index(r, row));
      if (i >= unit.appends.size()) co_return commit_result{client_errc::bad_response, std::move(result)};
      int status = -1;
      auto row_ec = detail::decode_append_row(r, row, unit.appends[i].stream_id, unit.appends[i].expected, status,
                                              result.appends[i]);
      if (row_ec && (!first_error || i < result.failed_append)) {
        first_error = row_ec;
        result.failed_append = i;
      }
      const auto& positions = result.appends[i].positions;
      if (!row_ec && !result.appends[i].replayed && !positions.empty()) {
        last_position = std::max(last_position, positions.back());
      }
    }
    if (first_error) co_return commit_result{first_error, std::move(result)};
  }
  pg_checkpoint_store checkpoints(pool);
  for (auto& c : unit.checkpoints) {
    auto [ec] = co_await checkpoints.async_save_in(tx, std::move(c), tuple_awaitable);
    if (ec) co_return commit_result{ec, std::move(result)};
  }
  if (last_position > 0 && !notify_channel.empty()) {
    auto [ec, r] = co_await tx.async_query("SELECT pg_notify($1, $2)",
                                           query_params(notify_channel, std::to_string(last_position)),
                                           tuple_awaitable);
    if (ec) co_return commit_result{ec, std::move(result)};
  }
  co_return commit_result{error_code{}, std::move(result)};
}

// One attempt in a transaction of its own: BEGIN, the unit, COMMIT (ROLLBACK on any error).
asio::awaitable<commit_result> commit_once(connection_pool& pool, unit_of_work unit, std::string notify_channel) {
  auto [aec, tx] = co_await pool.async_acquire(tuple_awaitable);
  if (aec) co_return commit_result{aec, unit_of_work_result{}};
  if (auto [bec] = co_await tx.async_begin(tuple_awaitable); bec) co_return commit_result{bec, unit_of_work_result{}};
  auto [ec, result] = co_await write_unit(pool, tx, unit, notify_channel);
  if (ec) {
    co_await tx.async_rollback(tuple_awaitable);
    co_return commit_result{ec, std::move(result)};
  }
  auto [cec] = co_await tx.async_commit(tuple_awaitable);
  co_return commit_result{cec, std::move(result)};
}

// A unit that lost a race the database settles by aborting (a deadlock, an idempotency key
// recorded concurrently) is tried again: the retry sees the other transaction's outcome.
asio::awaitable<commit_result> commit_with_retries(connection_pool& pool, unit_of_work unit,
                                                   std::string notify_channel) {
  commit_result outcome;
  for (int attempt = 0; attempt < 3; ++attempt) {
    outcome = co_await commit_once(pool, unit, notify_channel);
    if (std::get<0>(outcome) != condition::retryable) break;
  }
  co_return outcome;
}

// Completes `handler` with the unit's first invalid input, if any (then returns true).
template <class Handler>
bool rejected(unit_of_work& unit, std::size_t max_event_bytes, const asio::any_io_executor& ex, Handler& handler) {
  unit_of_work_result checked;
  auto ec = validate_unit(unit, max_event_bytes, checked);
  if (ec) detail::post_completion(ex, std::move(handler), ec, std::move(checked));
  return static_cast<bool>(ec);
}

}  // namespace

void pg_event_store::do_commit(unit_of_work unit, commit_handler handler) {
  if (rejected(unit, params_max_event_bytes(), pool_.get_executor(), handler)) return;
  detail::spawn_op(
      pool_.get_executor(),
      [&pool = pool_, u = std::move(unit), channel = params_notify_channel()]() mutable {
        return commit_with_retries(pool, std::move(u), channel);
      },
      std::move(handler));
}

void pg_event_store::commit_in(pooled_connection& tx, unit_of_work unit, commit_handler handler) {
  if (rejected(unit, params_max_event_bytes(), pool_.get_executor(), handler)) return;
  detail::spawn_op(
      pool_.get_executor(),
      [&pool = pool_, &tx, u = std::move(unit), channel = params_notify_channel()]() mutable
      -> asio::awaitable<commit_result> {
        auto outcome = co_await write_unit(pool, tx, u, channel);
        co_return outcome;
      },
      std::move(handler));
}

}  // namespace mink::persistence
