// memory_idempotency_store and pg_idempotency_store: one semantics, two homes.
#include <mink/persistence/memory_idempotency_store.hpp>
#include <mink/persistence/pg_idempotency_store.hpp>

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
using clock = std::chrono::system_clock;

namespace {

constexpr auto tuple_awaitable = asio::as_tuple(asio::use_awaitable);

error_code check(const idempotency_record& r, std::chrono::seconds ttl) {
  if (r.key.empty()) return errc::empty_name;
  if (ttl <= std::chrono::seconds::zero()) return errc::invalid_ttl;
  return {};
}

clock::time_point now_micros() { return std::chrono::time_point_cast<std::chrono::microseconds>(clock::now()); }

// Inserts unless a live record holds the key (an expired one is replaced): no row returned means
// the key is taken.
const statement insert_record(
    "INSERT INTO mink_idempotency AS t (key, fingerprint, status, result, created_at, expires_at) "
    "VALUES ($1, $2, $3, $4::jsonb, now(), now() + make_interval(secs => $5::float8)) "
    "ON CONFLICT (key) DO UPDATE SET fingerprint = excluded.fingerprint, status = excluded.status, "
    "result = excluded.result, created_at = excluded.created_at, expires_at = excluded.expires_at "
    "WHERE t.expires_at <= now() RETURNING key");
const statement find_record(
    "SELECT fingerprint, status, result::text, created_at, expires_at FROM mink_idempotency "
    "WHERE key = $1 AND expires_at > now()");
const statement purge_records("DELETE FROM mink_idempotency WHERE expires_at <= now()");

std::optional<idempotency_record> decode_record(const query_result& r, const std::string& key) {
  if (r.rows() == 0) return std::nullopt;
  idempotency_record rec;
  rec.key = key;
  rec.fingerprint = std::string(r.text(0, 0));
  if (!from_string(r.text(0, 1), rec.status)) rec.status = idempotency_status::failed;
  error_code ec;
  rec.result = boost::json::parse(r.text(0, 2), ec);
  rec.created_at = detail::value_or<clock::time_point>(r.get<clock::time_point>(0, 3), {});
  rec.expires_at = detail::value_or<clock::time_point>(r.get<clock::time_point>(0, 4), {});
  return rec;
}

using find_result = std::tuple<error_code, std::optional<idempotency_record>>;

// The live record of a key, or nullopt. `db`: the pool or a leased connection.
template <class Db>
asio::awaitable<find_result> find_on(Db& db, std::string key) {
  auto [ec, r] = co_await db.async_execute(find_record, query_params(key), tuple_awaitable);
  if (ec) co_return find_result{ec, std::nullopt};
  co_return find_result{error_code{}, decode_record(r, key)};
}

// Saves, or answers with the live record that holds the key. A record seen as live by the insert
// may expire before the look-up that follows: then the insert is tried again (bounded; a key that
// keeps flipping between live and expired cannot outlast a few round trips).
template <class Db>
asio::awaitable<find_result> save_on(Db& db, idempotency_record rec, std::chrono::seconds ttl) {
  const auto result = boost::json::serialize(rec.result);
  for (int attempt = 0; attempt < 3; ++attempt) {
    auto [ec, ins] = co_await db.async_execute(
        insert_record,
        query_params(rec.key, rec.fingerprint, std::string(to_string(rec.status)), result,
                     static_cast<double>(ttl.count())),
        tuple_awaitable);
    if (ec) co_return find_result{ec, std::nullopt};
    if (ins.rows() == 1) co_return find_result{error_code{}, std::nullopt};
    auto [fec, live] = co_await find_on(db, rec.key);
    if (fec) co_return find_result{fec, std::nullopt};
    if (live) {
      error_code reused = live->fingerprint == rec.fingerprint ? error_code{} : error_code(errc::idempotency_key_reused);
      co_return find_result{reused, std::move(live)};
    }
  }
  co_return find_result{errc::internal_error, std::nullopt};
}

}  // namespace

// ---- memory ----

const idempotency_record* memory_idempotency_store::find_live_locked(const std::string& key,
                                                                     clock::time_point now) const {
  const auto it = records_.find(key);
  if (it == records_.end() || it->second.expires_at <= now) return nullptr;
  return &it->second;
}

error_code memory_idempotency_store::check_locked(const idempotency_record& record, clock::time_point now,
                                                  const idempotency_record*& live) const {
  live = find_live_locked(record.key, now);
  if (live != nullptr && live->fingerprint != record.fingerprint) return errc::idempotency_key_reused;
  return {};
}

void memory_idempotency_store::store_locked(idempotency_record record, std::chrono::seconds ttl,
                                            clock::time_point now) {
  record.created_at = now;
  record.expires_at = now + ttl;
  auto key = record.key;
  records_.insert_or_assign(std::move(key), std::move(record));
}

void memory_idempotency_store::do_find(std::string key, find_handler handler) {
  std::optional<idempotency_record> found;
  error_code ec = key.empty() ? error_code(errc::empty_name) : error_code{};
  if (!ec) {
    std::lock_guard lock(mtx_);
    if (const auto* live = find_live_locked(key, now_micros())) found = *live;
  }
  detail::post_completion(ex_, std::move(handler), ec, std::move(found));
}

void memory_idempotency_store::do_save(idempotency_record record, std::chrono::seconds ttl, find_handler handler) {
  std::optional<idempotency_record> existing;
  error_code ec = check(record, ttl);
  if (!ec) {
    const auto now = now_micros();
    std::lock_guard lock(mtx_);
    const idempotency_record* live = nullptr;
    ec = check_locked(record, now, live);
    if (live != nullptr) {
      existing = *live;
    } else {
      store_locked(std::move(record), ttl, now);
    }
  }
  detail::post_completion(ex_, std::move(handler), ec, std::move(existing));
}

void memory_idempotency_store::do_purge_expired(purge_handler handler) {
  std::uint64_t purged = 0;
  {
    const auto now = now_micros();
    std::lock_guard lock(mtx_);
    purged = std::erase_if(records_, [now](const auto& kv) { return kv.second.expires_at <= now; });
  }
  detail::post_completion(ex_, std::move(handler), error_code{}, purged);
}

// ---- PostgreSQL ----

void pg_idempotency_store::do_find(std::string key, find_handler handler) {
  const error_code invalid = key.empty() ? error_code(errc::empty_name) : error_code{};
  detail::spawn_checked_op(
      pool_.get_executor(), invalid, [&pool = pool_, k = std::move(key)]() { return find_on(pool, k); }, std::move(handler));
}

void pg_idempotency_store::do_save(idempotency_record record, std::chrono::seconds ttl, find_handler handler) {
  const error_code invalid = check(record, ttl);
  detail::spawn_checked_op(
      pool_.get_executor(), invalid, [&pool = pool_, r = std::move(record), ttl]() { return save_on(pool, r, ttl); },
      std::move(handler));
}

void pg_idempotency_store::save_in(pooled_connection& tx, idempotency_record record, std::chrono::seconds ttl,
                                   find_handler handler) {
  const error_code invalid = check(record, ttl);
  detail::spawn_checked_op(
      pool_.get_executor(), invalid, [&tx, r = std::move(record), ttl]() { return save_on(tx, r, ttl); }, std::move(handler));
}

void pg_idempotency_store::do_purge_expired(purge_handler handler) {
  using result_t = std::tuple<error_code, std::uint64_t>;
  detail::spawn_op(
      pool_.get_executor(),
      [&pool = pool_]() -> asio::awaitable<result_t> {
        auto [ec, r] = co_await pool.async_execute(purge_records, query_params(), tuple_awaitable);
        co_return result_t{ec, ec ? 0 : r.affected_rows()};
      },
      std::move(handler));
}

}  // namespace mink::persistence
