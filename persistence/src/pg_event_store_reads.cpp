// pg_event_store: reading streams, the global log and stream information.
#include <mink/persistence/pg_event_store.hpp>

#include "pg_event_rows.hpp"
#include <mink/persistence/detail/post_completion.hpp>
#include <mink/persistence/detail/spawn_op.hpp>

#include <mink/messaging/errc.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <limits>

namespace mink::persistence {

namespace asio = boost::asio;
using boost::system::error_code;

namespace {

constexpr auto tuple_awaitable = asio::as_tuple(asio::use_awaitable);
constexpr auto max_int8 = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());

const statement read_forward(std::string("SELECT ") + detail::event_columns +
                             " FROM mink_events WHERE stream_id = $1 AND stream_version >= $2"
                             " ORDER BY stream_version LIMIT $3");
const statement read_backward(std::string("SELECT ") + detail::event_columns +
                              " FROM mink_events WHERE stream_id = $1 AND stream_version <= $2"
                              " ORDER BY stream_version DESC LIMIT $3");
const statement stream_row("SELECT version, created_at, updated_at FROM mink_streams WHERE stream_id = $1");

// The page and, in the same snapshot, the furthest event below the horizon (so that a filtered
// reader can move past events it does not want). Only transactions below the oldest one still
// running are read: their outcome is final, so nothing can later appear behind the reader.
const statement read_log(R"sql(
WITH h AS MATERIALIZED (SELECT pg_snapshot_xmin(pg_current_snapshot()) AS xmin),
page AS (
  SELECT e.* FROM mink_events e, h
  WHERE (e.transaction_id, e.global_position) > ($1::xid8, $2::int8) AND e.transaction_id < h.xmin
    AND (cardinality($3::text[]) = 0 OR e.event_type = ANY($3::text[]))
    AND (cardinality($4::text[]) = 0 OR split_part(e.stream_id, '-', 1) = ANY($4::text[]))
  ORDER BY e.transaction_id, e.global_position
  LIMIT $5),
scanned AS (
  SELECT e.transaction_id, e.global_position FROM mink_events e, h
  WHERE (e.transaction_id, e.global_position) > ($1::xid8, $2::int8) AND e.transaction_id < h.xmin
  ORDER BY e.transaction_id DESC, e.global_position DESC
  LIMIT 1)
SELECT * FROM (
  SELECT pg.stream_id, pg.stream_version, pg.global_position, pg.transaction_id::text, pg.event_id::text,
         pg.event_type, pg.data::text, pg.metadata::text, pg.recorded_at, false AS tail
  FROM page pg ORDER BY pg.transaction_id, pg.global_position) p
UNION ALL
SELECT NULL, NULL, global_position, transaction_id::text, NULL, NULL, NULL, NULL, NULL, true FROM scanned
)sql");

const statement log_position_row("SELECT transaction_id::text FROM mink_events WHERE global_position = $1");
const statement head_row("SELECT coalesce(max(global_position), 0) FROM mink_events");

asio::awaitable<std::tuple<error_code, std::optional<log_position>>> log_position_of(connection_pool& pool,
                                                                                   std::int64_t position) {
  using result_t = std::tuple<error_code, std::optional<log_position>>;
  auto [ec, r] = co_await pool.async_execute(log_position_row, query_params(position), tuple_awaitable);
  if (ec || r.rows() == 0) co_return result_t{ec, std::nullopt};
  log_position p;
  p.position = position;
  if (!detail::parse_u64(r.text(0, 0), p.transaction_id)) co_return result_t{errc::invalid_value, std::nullopt};
  co_return result_t{error_code{}, p};
}

asio::awaitable<std::tuple<error_code, std::int64_t>> head_position(connection_pool& pool) {
  using result_t = std::tuple<error_code, std::int64_t>;
  auto [ec, r] = co_await pool.async_execute(head_row, query_params(), tuple_awaitable);
  if (ec) co_return result_t{ec, 0};
  co_return result_t{error_code{}, detail::value_or<std::int64_t>(r.get<std::int64_t>(0, 0), 0)};
}

asio::awaitable<std::tuple<error_code, std::vector<recorded_event>>> read_stream(connection_pool& pool, std::string stream,
                                                                                std::uint64_t from, std::size_t max_count,
                                                                                read_direction direction) {
  using result_t = std::tuple<error_code, std::vector<recorded_event>>;
  if (stream.empty()) co_return result_t{errc::empty_stream_id, {}};
  if (from == 0) co_return result_t{errc::invalid_version, {}};
  const auto bound = static_cast<std::int64_t>(std::min(from, max_int8));
  const auto limit = static_cast<std::int64_t>(std::min<std::uint64_t>(max_count, max_int8));
  auto [ec, r] = co_await pool.async_execute(direction == read_direction::forward ? read_forward : read_backward,
                                             query_params(stream, bound, limit), tuple_awaitable);
  if (ec) co_return result_t{ec, {}};
  std::vector<recorded_event> events(r.rows());
  for (std::size_t i = 0; i < r.rows(); ++i) {
    if (auto dec = detail::decode_event(r, i, events[i])) co_return result_t{dec, {}};
  }
  if (events.empty()) {
    // Empty page: beyond the end, a zero count, or no such stream?
    auto [e2, s] = co_await pool.async_execute(stream_row, query_params(stream), tuple_awaitable);
    if (e2) co_return result_t{e2, {}};
    if (s.rows() == 0) co_return result_t{errc::stream_not_found, {}};
  }
  co_return result_t{error_code{}, std::move(events)};
}

asio::awaitable<std::tuple<error_code, read_all_result>> read_all(connection_pool& pool, log_position after,
                                                                  std::size_t max_count, read_all_filter filter) {
  using result_t = std::tuple<error_code, read_all_result>;
  read_all_result out;
  out.next = after;
  const auto limit = static_cast<std::int64_t>(std::min<std::uint64_t>(max_count, max_int8));
  query_params params(std::to_string(after.transaction_id), after.position,
                      detail::text_array_literal(filter.event_types), detail::text_array_literal(filter.categories), limit);
  auto [ec, r] = co_await pool.async_execute(read_log, std::move(params), tuple_awaitable);
  if (ec) co_return result_t{ec, {}};
  std::optional<log_position> tail;
  out.events.reserve(r.rows());
  for (std::size_t i = 0; i < r.rows(); ++i) {
    if (detail::value_or<bool>(r.get<bool>(i, 9), false)) {
      log_position p;
      p.position = detail::value_or<std::int64_t>(r.get<std::int64_t>(i, 2), 0);
      if (!detail::parse_u64(r.text(i, 3), p.transaction_id)) co_return result_t{errc::invalid_value, {}};
      tail = p;
      continue;
    }
    recorded_event e;
    if (auto dec = detail::decode_event(r, i, e)) co_return result_t{dec, {}};
    out.events.push_back(std::move(e));
  }
  if (!out.events.empty()) out.next = out.events.back().log();
  // A short page means everything up to the horizon was looked at, wanted or not.
  if (max_count > 0 && out.events.size() < max_count && tail && *tail > out.next) out.next = *tail;
  co_return result_t{error_code{}, std::move(out)};
}

asio::awaitable<std::tuple<error_code, stream_info>> info(connection_pool& pool, std::string stream) {
  using result_t = std::tuple<error_code, stream_info>;
  if (stream.empty()) co_return result_t{errc::empty_stream_id, {}};
  auto [ec, r] = co_await pool.async_execute(stream_row, query_params(stream), tuple_awaitable);
  if (ec) co_return result_t{ec, {}};
  if (r.rows() == 0) co_return result_t{errc::stream_not_found, {}};
  stream_info out;
  out.stream_id = std::move(stream);
  out.version = static_cast<std::uint64_t>(detail::value_or<std::int64_t>(r.get<std::int64_t>(0, 0), 0));
  out.event_count = out.version;  // events are never deleted: versions are contiguous from 1
  out.created_at = detail::value_or<std::chrono::system_clock::time_point>(r.get<std::chrono::system_clock::time_point>(0, 1), {});
  out.updated_at = detail::value_or<std::chrono::system_clock::time_point>(r.get<std::chrono::system_clock::time_point>(0, 2), {});
  co_return result_t{error_code{}, std::move(out)};
}

}  // namespace

void pg_event_store::do_read_stream(std::string stream_id, std::uint64_t from, std::size_t max_count,
                                    read_direction direction, read_stream_handler handler) {
  detail::spawn_op(
      pool_.get_executor(),
      [&pool = pool_, s = std::move(stream_id), from, max_count, direction]() mutable {
        return read_stream(pool, std::move(s), from, max_count, direction);
      },
      std::move(handler));
}

void pg_event_store::do_read_all(log_position after, std::size_t max_count, read_all_filter filter,
                                 read_all_handler handler) {
  detail::spawn_op(
      pool_.get_executor(),
      [&pool = pool_, after, max_count, f = std::move(filter)]() mutable { return read_all(pool, after, max_count, std::move(f)); },
      std::move(handler));
}

void pg_event_store::do_stream_info(std::string stream_id, stream_info_handler handler) {
  detail::spawn_op(
      pool_.get_executor(), [&pool = pool_, s = std::move(stream_id)]() mutable { return info(pool, std::move(s)); },
      std::move(handler));
}

void pg_event_store::do_log_position_of(std::int64_t position, log_position_handler handler) {
  detail::spawn_op(
      pool_.get_executor(), [&pool = pool_, position]() { return log_position_of(pool, position); }, std::move(handler));
}

void pg_event_store::do_head_position(head_position_handler handler) {
  detail::spawn_op(pool_.get_executor(), [&pool = pool_]() { return head_position(pool); }, std::move(handler));
}

}  // namespace mink::persistence
