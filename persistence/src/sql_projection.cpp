// sql_projection: batches, the rebuild's shadow table and its swap, inline application.
#include <mink/persistence/sql_projection.hpp>

#include <mink/messaging/fail_point.hpp>

#include <mink/persistence/detail/spawn_op.hpp>

#include <mink/messaging/errc.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <exception>

namespace mink::persistence {

namespace asio = boost::asio;
using boost::system::error_code;

namespace {

constexpr auto tuple_awaitable = asio::as_tuple(asio::use_awaitable);
using apply_tuple = std::tuple<error_code, apply_result>;
using handler_map = std::map<std::string, sql_handler>;


apply_result failure(std::size_t index, std::string message) {
  apply_result r;
  r.failed_index = index;
  r.message = std::move(message);
  return r;
}

/// Runs the handlers for `events` on `tx` (which is in a transaction) against `table`, as one
/// pipeline. On a failing statement, names the event that added it.
asio::awaitable<apply_tuple> write_events(pooled_connection& tx, const handler_map& handlers, const std::string& table,
                                          const std::vector<recorded_event>& events) {
  sql_writer writer(table);
  std::vector<std::size_t> owner;  // statement index -> event index
  for (std::size_t i = 0; i < events.size(); ++i) {
    const auto h = handlers.find(events[i].type);
    if (h == handlers.end()) continue;
    error_code ec;
    std::string message;
    try {
      ec = h->second(events[i], writer);
    } catch (const std::exception& e) {
      ec = errc::unhandled_exception;
      message = e.what();
    } catch (...) {
      ec = errc::unhandled_exception;
    }
    if (ec) co_return apply_tuple{ec, failure(i, message.empty() ? ec.message() : message)};
    owner.resize(writer.size(), i);
  }
  if (writer.size() == 0) co_return apply_tuple{error_code{}, apply_result{}};
  auto [ec, results] = co_await tx.async_pipeline(std::move(writer.statements()), tuple_awaitable);
  if (!ec) co_return apply_tuple{error_code{}, apply_result{}};
  // The failing statement is the first one the server answered with an error.
  for (std::size_t k = 0; k < results.size() && k < owner.size(); ++k) {
    if (!results[k].diag().sqlstate.empty()) co_return apply_tuple{ec, failure(owner[k], results[k].diag().message)};
  }
  co_return apply_tuple{ec, failure(apply_result::unknown, ec.message())};
}

/// The end of a failed transaction: roll back (a broken connection is closed by the pool anyway).
asio::awaitable<void> roll_back(pooled_connection& tx) {
  auto [ec] = co_await tx.async_rollback(tuple_awaitable);
  (void)ec;
}

}  // namespace

std::string table_sql(const std::string& sql, const std::string& table) {
  std::string out;
  out.reserve(sql.size());
  const std::string marker = "{table}";
  std::size_t from = 0;
  for (auto at = sql.find(marker); at != std::string::npos; at = sql.find(marker, from)) {
    out.append(sql, from, at - from).append(table);
    from = at + marker.size();
  }
  return out.append(sql, from);
}

sql_projection::sql_projection(connection_pool& pool, sql_projection_params params)
    : pool_(pool), checkpoints_(pool), params_(std::move(params)) {}

sql_projection& sql_projection::on(std::string event_type, sql_handler handler) {
  handlers_.insert_or_assign(std::move(event_type), std::move(handler));
  return *this;
}

read_all_filter sql_projection::filter() const {
  read_all_filter f;
  for (const auto& [type, h] : handlers_) f.event_types.push_back(type);
  return f;
}

sql_projection& sql_projection::on_live_change(std::function<void(const std::vector<recorded_event>&)> changed,
                                               std::function<void()> replaced) {
  live_changed_ = std::move(changed);
  live_replaced_ = std::move(replaced);
  return *this;
}

void sql_projection::do_prepare(done_handler handler) {
  detail::spawn_op(
      pool_.get_executor(),
      [this]() -> asio::awaitable<std::tuple<error_code>> {
        auto [ec, c] = co_await pool_.async_acquire(tuple_awaitable);
        if (ec) co_return std::tuple{ec};
        auto [e2, r] = co_await c.async_run_script(table_sql(params_.create_table_sql, params_.table), tuple_awaitable);
        co_return std::tuple{e2};
      },
      std::move(handler));
}

void sql_projection::do_load_checkpoint(load_handler handler) {
  checkpoints_.async_load(params_.name, std::move(handler));
}

void sql_projection::do_apply(projection_target target, std::vector<recorded_event> events, checkpoint cp,
                              apply_handler handler) {
  detail::spawn_op(
      pool_.get_executor(),
      [this, target, events = std::move(events), cp = std::move(cp)]() mutable -> asio::awaitable<apply_tuple> {
        auto [ec, tx] = co_await pool_.async_acquire(tuple_awaitable);
        if (ec) co_return apply_tuple{ec, apply_result{}};
        auto [e1] = co_await tx.async_begin(tuple_awaitable);
        if (e1) co_return apply_tuple{e1, apply_result{}};
        const auto table = target == projection_target::live ? params_.table : shadow_table();
        auto [e2, r] = co_await write_events(tx, handlers_, table, events);
        if (e2) {
          co_await roll_back(tx);
          co_return apply_tuple{e2, std::move(r)};
        }
        auto [e3] = co_await checkpoints_.async_save_in(tx, std::move(cp), tuple_awaitable);
        if (e3) {
          co_await roll_back(tx);
          co_return apply_tuple{e3, apply_result{}};
        }
        // Crash tests: the batch's rows and checkpoint written, not committed.
        fail_point("projection.mid_batch");
        auto [e4] = co_await tx.async_commit(tuple_awaitable);
        if (target == projection_target::live && live_changed_) live_changed_(events);
        co_return apply_tuple{e4, apply_result{}};
      },
      std::move(handler));
}

void sql_projection::apply_in(pooled_connection& tx, std::vector<recorded_event> events, apply_handler handler) {
  detail::spawn_op(
      pool_.get_executor(),
      [this, &tx, events = std::move(events)]() -> asio::awaitable<apply_tuple> {
        auto written = co_await write_events(tx, handlers_, params_.table, events);
        co_return written;
      },
      std::move(handler));
}

void sql_projection::do_begin_rebuild(done_handler handler) {
  detail::spawn_op(
      pool_.get_executor(),
      [this]() -> asio::awaitable<std::tuple<error_code>> {
        auto [ec, c] = co_await pool_.async_acquire(tuple_awaitable);
        if (ec) co_return std::tuple{ec};
        const auto shadow = shadow_table();
        const auto script = "DROP TABLE IF EXISTS " + shadow + ";\n" + table_sql(params_.create_table_sql, shadow);
        auto [e2, r] = co_await c.async_run_script(script, tuple_awaitable);
        if (e2) co_return std::tuple{e2};
        checkpoint start;
        start.projection = shadow_checkpoint_name();
        start.status = "rebuilding";
        auto [e3] = co_await checkpoints_.async_save(std::move(start), tuple_awaitable);
        co_return std::tuple{e3};
      },
      std::move(handler));
}

void sql_projection::do_finish_rebuild(checkpoint cp, done_handler handler) {
  detail::spawn_op(
      pool_.get_executor(),
      [this, cp = std::move(cp)]() mutable -> asio::awaitable<std::tuple<error_code>> {
        auto [ec, tx] = co_await pool_.async_acquire(tuple_awaitable);
        if (ec) co_return std::tuple{ec};
        auto [e1] = co_await tx.async_begin(tuple_awaitable);
        if (e1) co_return std::tuple{e1};
        const auto shadow = shadow_table();
        auto [e2, idx] = co_await tx.async_query(
            "SELECT indexname::text FROM pg_indexes WHERE schemaname = current_schema() AND tablename = $1",
            query_params(shadow), tuple_awaitable);
        if (e2) {
          co_await roll_back(tx);
          co_return std::tuple{e2};
        }
        // The live table goes, and its indexes with it, so the shadow's can take their names.
        std::string script = "DROP TABLE IF EXISTS " + params_.table + ";\nALTER TABLE " + shadow + " RENAME TO " +
                             params_.table + ";\n";
        for (std::size_t i = 0; i < idx.rows(); ++i) {
          const std::string index(idx.text(i, 0));
          if (index.compare(0, shadow.size(), shadow) != 0) continue;
          script += "ALTER INDEX " + index + " RENAME TO " + params_.table + index.substr(shadow.size()) + ";\n";
        }
        auto [e3, r] = co_await tx.async_run_script(script, tuple_awaitable);
        if (e3) {
          co_await roll_back(tx);
          co_return std::tuple{e3};
        }
        cp.projection = params_.name;
        auto [e4] = co_await checkpoints_.async_save_in(tx, std::move(cp), tuple_awaitable);
        if (e4) {
          co_await roll_back(tx);
          co_return std::tuple{e4};
        }
        auto [e5] = co_await tx.async_commit(tuple_awaitable);
        if (live_replaced_) live_replaced_();
        co_return std::tuple{e5};
      },
      std::move(handler));
}

}  // namespace mink::persistence
