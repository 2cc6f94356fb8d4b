// memory_snapshot_store and pg_snapshot_store: one semantics, two homes.
#include <mink/persistence/memory_snapshot_store.hpp>
#include <mink/persistence/pg_snapshot_store.hpp>

#include "pg_event_rows.hpp"
#include <mink/persistence/detail/post_completion.hpp>
#include <mink/persistence/detail/spawn_op.hpp>

#include <mink/messaging/errc.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

namespace mink::persistence {

namespace asio = boost::asio;
using boost::system::error_code;

namespace {

error_code check(const snapshot& s) {
  if (s.stream_id.empty()) return errc::empty_stream_id;
  if (s.version == 0) return errc::invalid_version;
  return {};
}

// Only a later version replaces the stored one.
const statement save_snapshot(
    "INSERT INTO mink_snapshots (stream_id, version, data) VALUES ($1, $2, $3::jsonb) "
    "ON CONFLICT (stream_id) DO UPDATE SET version = excluded.version, data = excluded.data, taken_at = now() "
    "WHERE mink_snapshots.version < excluded.version");
const statement load_snapshot("SELECT version, data::text, taken_at FROM mink_snapshots WHERE stream_id = $1");

constexpr auto tuple_awaitable = asio::as_tuple(asio::use_awaitable);

}  // namespace

void memory_snapshot_store::do_save(snapshot s, save_handler handler) {
  error_code ec = check(s);
  if (!ec) {
    // Microseconds, as PostgreSQL keeps them, so that both stores answer alike.
    s.taken_at = std::chrono::time_point_cast<std::chrono::microseconds>(std::chrono::system_clock::now());
    std::lock_guard lock(mtx_);
    auto it = latest_.find(s.stream_id);
    if (it == latest_.end()) {
      latest_.emplace(s.stream_id, std::move(s));
    } else if (it->second.version < s.version) {
      it->second = std::move(s);
    }
  }
  detail::post_completion(ex_, std::move(handler), ec);
}

void memory_snapshot_store::do_load(std::string stream_id, load_handler handler) {
  std::optional<snapshot> found;
  error_code ec = stream_id.empty() ? error_code(errc::empty_stream_id) : error_code{};
  if (!ec) {
    std::lock_guard lock(mtx_);
    if (auto it = latest_.find(stream_id); it != latest_.end()) found = it->second;
  }
  detail::post_completion(ex_, std::move(handler), ec, std::move(found));
}

void pg_snapshot_store::do_save(snapshot s, save_handler handler) {
  const error_code invalid = check(s);
  detail::spawn_checked_op(
      pool_.get_executor(), invalid,
      [&pool = pool_, s = std::move(s)]() -> asio::awaitable<std::tuple<error_code>> {
        auto [ec, r] = co_await pool.async_execute(
            save_snapshot, query_params(s.stream_id, static_cast<std::int64_t>(s.version), boost::json::serialize(s.data)),
            tuple_awaitable);
        co_return std::tuple{ec};
      },
      std::move(handler));
}

void pg_snapshot_store::do_load(std::string stream_id, load_handler handler) {
  using result_t = std::tuple<error_code, std::optional<snapshot>>;
  const error_code invalid = stream_id.empty() ? error_code(errc::empty_stream_id) : error_code{};
  detail::spawn_checked_op(
      pool_.get_executor(), invalid,
      [&pool = pool_, id = std::move(stream_id)]() -> asio::awaitable<result_t> {
        auto [ec, r] = co_await pool.async_execute(load_snapshot, query_params(id), tuple_awaitable);
        if (ec || r.rows() == 0) co_return result_t{ec, std::nullopt};
        snapshot s;
        s.stream_id = id;
        s.version = static_cast<std::uint64_t>(detail::value_or<std::int64_t>(r.get<std::int64_t>(0, 0), 0));
        error_code parse_ec;
        s.data = boost::json::parse(r.text(0, 1), parse_ec);
        if (parse_ec) co_return result_t{errc::invalid_value, std::nullopt};
        s.taken_at = detail::value_or<std::chrono::system_clock::time_point>(
            r.get<std::chrono::system_clock::time_point>(0, 2), {});
        co_return result_t{error_code{}, std::move(s)};
      },
      std::move(handler));
}

}  // namespace mink::persistence
