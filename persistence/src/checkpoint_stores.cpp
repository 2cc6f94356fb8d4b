// memory_checkpoint_store and pg_checkpoint_store: one semantics, two homes.
#include <mink/persistence/memory_checkpoint_store.hpp>
#include <mink/persistence/pg_checkpoint_store.hpp>

#include "pg_event_rows.hpp"
#include <mink/persistence/detail/post_completion.hpp>
#include <mink/persistence/detail/spawn_op.hpp>

#include <mink/messaging/errc.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace mink::persistence {

namespace asio = boost::asio;
using boost::system::error_code;

namespace {

constexpr auto tuple_awaitable = asio::as_tuple(asio::use_awaitable);

const statement save_checkpoint(
    "INSERT INTO mink_checkpoints (projection, transaction_id, position, status) VALUES ($1, $2::xid8, $3, $4) "
    "ON CONFLICT (projection) DO UPDATE SET transaction_id = excluded.transaction_id, position = excluded.position, "
    "status = excluded.status, updated_at = now()");
const statement load_checkpoint(
    "SELECT transaction_id::text, position, status, updated_at FROM mink_checkpoints WHERE projection = $1");

query_params save_params(const checkpoint& c) {
  return query_params(c.projection, std::to_string(c.position.transaction_id), c.position.position, c.status);
}

}  // namespace

void memory_checkpoint_store::do_save(checkpoint c, save_handler handler) {
  error_code ec = c.projection.empty() ? error_code(errc::empty_name) : error_code{};
  if (!ec) {
    c.updated_at = std::chrono::time_point_cast<std::chrono::microseconds>(std::chrono::system_clock::now());
    std::lock_guard lock(mtx_);
    saved_.insert_or_assign(c.projection, std::move(c));
  }
  detail::post_completion(ex_, std::move(handler), ec);
}

void memory_checkpoint_store::do_load(std::string projection, load_handler handler) {
  std::optional<checkpoint> found;
  error_code ec = projection.empty() ? error_code(errc::empty_name) : error_code{};
  if (!ec) {
    std::lock_guard lock(mtx_);
    if (auto it = saved_.find(projection); it != saved_.end()) found = it->second;
  }
  detail::post_completion(ex_, std::move(handler), ec, std::move(found));
}

void pg_checkpoint_store::do_save(checkpoint c, save_handler handler) {
  const error_code invalid = c.projection.empty() ? error_code(errc::empty_name) : error_code{};
  detail::spawn_checked_op(
      pool_.get_executor(), invalid,
      [&pool = pool_, c = std::move(c)]() -> asio::awaitable<std::tuple<error_code>> {
        auto [ec, r] = co_await pool.async_execute(save_checkpoint, save_params(c), tuple_awaitable);
        co_return std::tuple{ec};
      },
      std::move(handler));
}

void pg_checkpoint_store::save_in(pooled_connection& tx, checkpoint c, save_handler handler) {
  const error_code invalid = c.projection.empty() ? error_code(errc::empty_name) : error_code{};
  detail::spawn_checked_op(
      pool_.get_executor(), invalid,
      [&tx, c = std::move(c)]() -> asio::awaitable<std::tuple<error_code>> {
        auto [ec, r] = co_await tx.async_execute(save_checkpoint, save_params(c), tuple_awaitable);
        co_return std::tuple{ec};
      },
      std::move(handler));
}

void pg_checkpoint_store::do_load(std::string projection, load_handler handler) {
  using result_t = std::tuple<error_code, std::optional<checkpoint>>;
  const error_code invalid = projection.empty() ? error_code(errc::empty_name) : error_code{};
  detail::spawn_checked_op(
      pool_.get_executor(), invalid,
      [&pool = pool_, name = std::move(projection)]() -> asio::awaitable<result_t> {
        auto [ec, r] = co_await pool.async_execute(load_checkpoint, query_params(name), tuple_awaitable);
        if (ec || r.rows() == 0) co_return result_t{ec, std::nullopt};
        checkpoint c;
        c.projection = name;
        if (!detail::parse_u64(r.text(0, 0), c.position.transaction_id)) co_return result_t{errc::invalid_value, std::nullopt};
        c.position.position = detail::value_or<std::int64_t>(r.get<std::int64_t>(0, 1), 0);
        c.status = detail::value_or<std::string>(r.get<std::string>(0, 2), "");
        c.updated_at = detail::value_or<std::chrono::system_clock::time_point>(
            r.get<std::chrono::system_clock::time_point>(0, 3), {});
        co_return result_t{error_code{}, std::move(c)};
      },
      std::move(handler));
}

}  // namespace mink::persistence
