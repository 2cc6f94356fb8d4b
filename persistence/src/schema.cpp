#include <mink/persistence/schema.hpp>

#include "schema_v1.sql.hpp"
#include "schema_v2.sql.hpp"
#include <mink/persistence/detail/spawn_op.hpp>

#include <mink/messaging/errc.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <array>

namespace mink::persistence {
namespace {

namespace asio = boost::asio;
using boost::system::error_code;

struct migration {
  int version;
  const char* name;
  const char* sql;
};

constexpr std::array migrations{
    migration{1, "events, streams, snapshots, idempotency, sagas, checkpoints", detail::schema_v1},
    migration{2, "set-based batch appends; idempotency keys recorded with appends; deadlines by saga", detail::schema_v2},
};

// An arbitrary constant naming mink's migration lock among the database's advisory locks.
constexpr std::int64_t migration_lock = 0x6d696e6b5f736368;

constexpr auto tuple_awaitable = asio::as_tuple(asio::use_awaitable);

asio::awaitable<std::tuple<error_code, int>> migrate(connection_pool& pool) {
  auto [ec, conn] = co_await pool.async_acquire(tuple_awaitable);
  if (ec) co_return std::tuple{ec, 0};
  auto step = [&](std::string sql, query_params params = {}) -> asio::awaitable<std::tuple<error_code, query_result>> {
    auto result = co_await conn.async_query(sql, std::move(params), tuple_awaitable);
    co_return result;
  };
  if (auto [e, r] = co_await step("BEGIN"); e) co_return std::tuple{e, 0};
  // Held until COMMIT/ROLLBACK: a second migrator waits here, then finds the work done.
  if (auto [e, r] = co_await step("SELECT pg_advisory_xact_lock($1)", query_params(migration_lock)); e) {
    co_return std::tuple{e, 0};
  }
  if (auto [e, r] = co_await step(
          "CREATE TABLE IF NOT EXISTS mink_schema_migrations (version int PRIMARY KEY, name text NOT NULL, "
          "applied_at timestamptz NOT NULL DEFAULT now())");
      e) {
    co_return std::tuple{e, 0};
  }
  auto [e1, current_r] = co_await step("SELECT coalesce(max(version), 0)::int4 FROM mink_schema_migrations");
  if (e1) co_return std::tuple{e1, 0};
  const int current = current_r.get<std::int32_t>(0, 0).value();
  if (current > latest_schema_version()) {
    co_await step("ROLLBACK");
    co_return std::tuple{error_code(errc::schema_too_new), current};
  }
  for (const auto& m : migrations) {
    if (m.version <= current) continue;
    if (auto [e, r] = co_await conn.async_run_script(m.sql, tuple_awaitable); e) {
      co_await step("ROLLBACK");
      co_return std::tuple{e, current};
    }
    if (auto [e, r] = co_await step("INSERT INTO mink_schema_migrations (version, name) VALUES ($1, $2)",
                                    query_params(m.version, m.name));
        e) {
      co_await step("ROLLBACK");
      co_return std::tuple{e, current};
    }
  }
  if (auto [e, r] = co_await step("COMMIT"); e) co_return std::tuple{e, current};
  co_return std::tuple{error_code{}, latest_schema_version()};
}

}  // namespace

int latest_schema_version() noexcept { return migrations.back().version; }

void start_migrate(connection_pool& pool, asio::any_completion_handler<void(error_code, int)> handler) {
  detail::spawn_op(pool.get_executor(), [&pool]() { return migrate(pool); }, std::move(handler));
}

}  // namespace mink::persistence
