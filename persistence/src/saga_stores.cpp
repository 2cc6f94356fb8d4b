// memory_saga_store and pg_saga_store: one semantics, two homes.
#include <mink/persistence/memory_saga_store.hpp>
#include <mink/persistence/pg_saga_store.hpp>

#include <mink/persistence/detail/post_completion.hpp>
#include "saga_rows.hpp"
#include <mink/persistence/detail/spawn_op.hpp>

#include <mink/messaging/errc.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <limits>
#include <tuple>

namespace mink::persistence {

namespace asio = boost::asio;
namespace chr = std::chrono;
using boost::system::error_code;

namespace {

constexpr auto tuple_awaitable = asio::as_tuple(asio::use_awaitable);

error_code check(const saga_state& s, std::uint64_t expected_version) {
  if (s.saga_id.empty()) return errc::empty_saga_id;
  if (s.saga_type.empty()) return errc::empty_saga_type;
  if (s.correlation_id.empty()) return errc::empty_correlation_id;
  // The stored version is a bigint and becomes expected + 1.
  if (expected_version >= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
    return errc::invalid_version;
  }
  return {};
}

error_code check_lookup(const std::string& saga_type, const std::string& correlation_id) {
  if (saga_type.empty()) return errc::empty_saga_type;
  if (correlation_id.empty()) return errc::empty_correlation_id;
  return {};
}

chr::system_clock::time_point micros(chr::system_clock::time_point t) {
  return chr::floor<chr::microseconds>(t);
}

// What a save in PostgreSQL would keep of the step times.
void truncate_step_times(saga_state& s) {
  for (auto& step : s.steps) {
    if (step.started_at) step.started_at = micros(*step.started_at);
    if (step.finished_at) step.finished_at = micros(*step.finished_at);
  }
}

// Oldest first; the same order as PostgreSQL's ORDER BY created_at, saga_id COLLATE "C".
bool older(const saga_state& a, const saga_state& b) {
  return std::tie(a.created_at, a.saga_id) < std::tie(b.created_at, b.saga_id);
}

saga_status_counts zero_counts() {
  saga_status_counts c;
  for (auto s : all_saga_statuses) c.by_status[s] = 0;
  return c;
}

// Created only by an insert that finds no row; replaced only at exactly the expected version.
// Either way a conflict matches no row, which the caller reads as wrong_expected_version.
const statement insert_saga(
    "INSERT INTO mink_sagas (saga_id, saga_type, correlation_id, status, current_step, steps, data, processed, "
    "version) VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7::jsonb, $8::jsonb, 1) ON CONFLICT (saga_id) DO NOTHING");
const statement update_saga(
    "UPDATE mink_sagas SET saga_type = $2, correlation_id = $3, status = $4, current_step = $5, steps = $6::jsonb, "
    "data = $7::jsonb, processed = $8::jsonb, version = version + 1, updated_at = now() "
    "WHERE saga_id = $1 AND version = $9");
const statement find_saga(std::string("SELECT ") + detail::saga_columns + " FROM mink_sagas WHERE saga_id = $1");
// COLLATE "C": ties break by bytes, as in memory_saga_store, whatever the database's collation.
const statement find_by_correlation(std::string("SELECT ") + detail::saga_columns +
                                    " FROM mink_sagas WHERE correlation_id = $1 "
                                    "ORDER BY created_at, saga_id COLLATE \"C\"");
const statement find_instance(std::string("SELECT ") + detail::saga_columns +
                              " FROM mink_sagas WHERE correlation_id = $1 AND saga_type = $2 "
                              "ORDER BY created_at DESC, saga_id COLLATE \"C\" DESC LIMIT 1");
const statement count_by_status(
    "SELECT status, count(*) FROM mink_sagas WHERE $1 = '' OR saga_type = $1 GROUP BY status");

query_params save_params(const saga_state& s, std::uint64_t expected_version) {
  query_params p(s.saga_id, s.saga_type, s.correlation_id, to_string(s.status), s.current_step,
                 detail::steps_to_json(s.steps), s.data, detail::processed_to_json(s.processed));
  if (expected_version != 0) p.add(expected_version);
  return p;
}

std::tuple<error_code, std::uint64_t> saved(error_code ec, std::uint64_t version) {
  return std::make_tuple(ec, ec ? 0 : version);
}

template <class Connection>
asio::awaitable<std::tuple<error_code, std::uint64_t>> save_on(Connection& conn, saga_state s,
                                                                std::uint64_t expected_version) {
  auto [ec, r] = co_await conn.async_execute(expected_version == 0 ? insert_saga : update_saga,
                                             save_params(s, expected_version), tuple_awaitable);
  if (!ec && r.affected_rows() != 1) ec = errc::wrong_expected_version;
  co_return saved(ec, expected_version + 1);
}

std::tuple<error_code, std::optional<saga_state>> first_saga(error_code ec, const query_result& r) {
  if (ec || r.rows() == 0) return std::make_tuple(ec, std::optional<saga_state>());
  saga_state s;
  if (auto dec = detail::decode_saga(r, 0, s)) return std::make_tuple(dec, std::optional<saga_state>());
  return std::make_tuple(error_code{}, std::optional<saga_state>(std::move(s)));
}

std::tuple<error_code, std::vector<saga_state>> all_sagas(error_code ec, const query_result& r) {
  std::vector<saga_state> sagas;
  if (ec) return std::make_tuple(ec, std::move(sagas));
  sagas.resize(r.rows());
  for (std::size_t i = 0; i < r.rows(); ++i) {
    if (auto dec = detail::decode_saga(r, i, sagas[i])) return std::make_tuple(dec, std::vector<saga_state>());
  }
  return std::make_tuple(error_code{}, std::move(sagas));
}

std::tuple<error_code, saga_status_counts> counts_of(error_code ec, const query_result& r) {
  saga_status_counts counts = zero_counts();
  if (ec) return std::make_tuple(ec, saga_status_counts());
  for (std::size_t i = 0; i < r.rows(); ++i) {
    auto status = saga_status_from_string(r.text(i, 0));
    auto n = r.get<std::int64_t>(i, 1);
    if (!status || !n || *n < 0) return std::make_tuple(error_code(errc::invalid_value), saga_status_counts());
    counts.by_status[*status] += static_cast<std::uint64_t>(*n);
    counts.total += static_cast<std::uint64_t>(*n);
  }
  return std::make_tuple(error_code{}, std::move(counts));
}

}  // namespace

// ---- memory ----------------------------------------------------------------------------------

void memory_saga_store::do_save(saga_state s, std::uint64_t expected_version, save_handler handler) {
  error_code ec = check(s, expected_version);
  if (!ec) {
    truncate_step_times(s);
    const auto now = micros(chr::system_clock::now());
    std::lock_guard lock(mtx_);
    auto it = sagas_.find(s.saga_id);
    const bool matches = expected_version == 0 ? it == sagas_.end()
                                               : it != sagas_.end() && it->second.version == expected_version;
    if (!matches) {
      ec = errc::wrong_expected_version;
    } else {
      s.version = expected_version + 1;
      s.updated_at = now;
      if (it == sagas_.end()) {
        s.created_at = now;
        std::string id = s.saga_id;
        sagas_.emplace(std::move(id), std::move(s));
      } else {
        s.created_at = it->second.created_at;
        it->second = std::move(s);
      }
    }
  }
  auto [e, version] = saved(ec, expected_version + 1);
  detail::post_completion(ex_, std::move(handler), e, version);
}

void memory_saga_store::do_find(std::string saga_id, find_handler handler) {
  std::optional<saga_state> found;
  error_code ec = saga_id.empty() ? error_code(errc::empty_saga_id) : error_code{};
  if (!ec) {
    std::lock_guard lock(mtx_);
    if (auto it = sagas_.find(saga_id); it != sagas_.end()) found = it->second;
  }
  detail::post_completion(ex_, std::move(handler), ec, std::move(found));
}

void memory_saga_store::do_find_by_correlation(std::string correlation_id, list_handler handler) {
  std::vector<saga_state> found;
  error_code ec = correlation_id.empty() ? error_code(errc::empty_correlation_id) : error_code{};
  if (!ec) {
    std::lock_guard lock(mtx_);
    for (const auto& [id, s] : sagas_) {
      if (s.correlation_id == correlation_id) found.push_back(s);
    }
  }
  std::sort(found.begin(), found.end(), older);
  detail::post_completion(ex_, std::move(handler), ec, std::move(found));
}

void memory_saga_store::do_find_instance(std::string saga_type, std::string correlation_id, find_handler handler) {
  std::optional<saga_state> found;
  error_code ec = check_lookup(saga_type, correlation_id);
  if (!ec) {
    std::lock_guard lock(mtx_);
    for (const auto& [id, s] : sagas_) {
      if (s.correlation_id == correlation_id && s.saga_type == saga_type && (!found || older(*found, s))) found = s;
    }
  }
  detail::post_completion(ex_, std::move(handler), ec, std::move(found));
}

void memory_saga_store::do_count_by_status(std::string saga_type, count_handler handler) {
  saga_status_counts counts = zero_counts();
  {
    std::lock_guard lock(mtx_);
    for (const auto& [id, s] : sagas_) {
      if (!saga_type.empty() && s.saga_type != saga_type) continue;
      ++counts.by_status[s.status];
      ++counts.total;
    }
  }
  detail::post_completion(ex_, std::move(handler), error_code{}, std::move(counts));
}

// ---- PostgreSQL --------------------------------------------------------------------------------

void pg_saga_store::do_save(saga_state s, std::uint64_t expected_version, save_handler handler) {
  const error_code invalid = check(s, expected_version);
  detail::spawn_checked_op(
      pool_.get_executor(), invalid,
      [&pool = pool_, s = std::move(s), expected_version]() mutable { return save_on(pool, std::move(s), expected_version); },
      std::move(handler));
}

void pg_saga_store::save_in(pooled_connection& tx, saga_state s, std::uint64_t expected_version, save_handler handler) {
  const error_code invalid = check(s, expected_version);
  detail::spawn_checked_op(
      pool_.get_executor(), invalid,
      [&tx, s = std::move(s), expected_version]() mutable { return save_on(tx, std::move(s), expected_version); },
      std::move(handler));
}

void pg_saga_store::do_find(std::string saga_id, find_handler handler) {
  using result_t = std::tuple<error_code, std::optional<saga_state>>;
  const error_code invalid = saga_id.empty() ? error_code(errc::empty_saga_id) : error_code{};
  detail::spawn_checked_op(
      pool_.get_executor(), invalid,
      [&pool = pool_, id = std::move(saga_id)]() -> asio::awaitable<result_t> {
        auto [ec, r] = co_await pool.async_execute(find_saga, query_params(id), tuple_awaitable);
        co_return first_saga(ec, r);
      },
      std::move(handler));
}

void pg_saga_store::do_find_by_correlation(std::string correlation_id, list_handler handler) {
  using result_t = std::tuple<error_code, std::vector<saga_state>>;
  const error_code invalid = correlation_id.empty() ? error_code(errc::empty_correlation_id) : error_code{};
  detail::spawn_checked_op(
      pool_.get_executor(), invalid,
      [&pool = pool_, c = std::move(correlation_id)]() -> asio::awaitable<result_t> {
        auto [ec, r] = co_await pool.async_execute(find_by_correlation, query_params(c), tuple_awaitable);
        co_return all_sagas(ec, r);
      },
      std::move(handler));
}

void pg_saga_store::do_find_instance(std::string saga_type, std::string correlation_id, find_handler handler) {
  using result_t = std::tuple<error_code, std::optional<saga_state>>;
  const error_code invalid = check_lookup(saga_type, correlation_id);
  detail::spawn_checked_op(
      pool_.get_executor(), invalid,
      [&pool = pool_, t = std::move(saga_type), c = std::move(correlation_id)]() -> asio::awaitable<result_t> {
        auto [ec, r] = co_await pool.async_execute(find_instance, query_params(c, t), tuple_awaitable);
        co_return first_saga(ec, r);
      },
      std::move(handler));
}

void pg_saga_store::do_count_by_status(std::string saga_type, count_handler handler) {
  using result_t = std::tuple<error_code, saga_status_counts>;
  detail::spawn_op(
      pool_.get_executor(),
      [&pool = pool_, t = std::move(saga_type)]() -> asio::awaitable<result_t> {
        auto [ec, r] = co_await pool.async_execute(count_by_status, query_params(t), tuple_awaitable);
        co_return counts_of(ec, r);
      },
      std::move(handler));
}

}  // namespace mink::persistence
