// memory_deadline_store and pg_deadline_store: one semantics, two homes.
#include <mink/persistence/memory_deadline_store.hpp>
#include <mink/persistence/pg_deadline_store.hpp>

#include <mink/persistence/detail/post_completion.hpp>
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
using time_point = chr::system_clock::time_point;

namespace {

constexpr auto tuple_awaitable = asio::as_tuple(asio::use_awaitable);

time_point micros(time_point t) { return chr::floor<chr::microseconds>(t); }

// Due first, then in scheduling order: the order both stores claim in.
bool earlier(const saga_deadline& a, const saga_deadline& b) {
  return std::tie(a.due_at, a.deadline_id) < std::tie(b.due_at, b.deadline_id);
}

// LIMIT takes a bigint.
std::int64_t limit_of(std::size_t max_count) {
  return static_cast<std::int64_t>(
      std::min<std::size_t>(max_count, static_cast<std::size_t>(std::numeric_limits<std::int64_t>::max())));
}

const statement schedule_deadline(
    "INSERT INTO mink_saga_deadlines (saga_id, due_at, payload) VALUES ($1, $2, $3::jsonb) RETURNING deadline_id");
// SKIP LOCKED: rows another claimer is taking are passed over, not waited for; LIMIT counts only
// rows this claim locked. A row another claimer fired meanwhile is rechecked against
// "fired_at IS NULL" when locked, and dropped. RETURNING has no order: sorted by the caller.
const statement claim_deadlines(
    "UPDATE mink_saga_deadlines d SET fired_at = now() "
    "FROM (SELECT deadline_id FROM mink_saga_deadlines WHERE fired_at IS NULL AND due_at <= $1 "
    "ORDER BY due_at, deadline_id LIMIT $2 FOR UPDATE SKIP LOCKED) due "
    "WHERE d.deadline_id = due.deadline_id "
    "RETURNING d.deadline_id, d.saga_id, d.due_at, d.payload, d.fired_at");
// A deadline being claimed is locked: the delete waits, then finds it fired and leaves it.
const statement cancel_deadlines("DELETE FROM mink_saga_deadlines WHERE saga_id = $1 AND fired_at IS NULL");
const statement next_due("SELECT min(due_at) FROM mink_saga_deadlines WHERE fired_at IS NULL");

std::tuple<error_code, std::vector<saga_deadline>> claimed(error_code ec, const query_result& r) {
  std::vector<saga_deadline> out;
  if (ec) return std::make_tuple(ec, std::move(out));
  out.resize(r.rows());
  for (std::size_t i = 0; i < r.rows(); ++i) {
    auto id = r.get<std::int64_t>(i, 0);
    auto saga = r.get<std::string>(i, 1);
    auto due = r.get<time_point>(i, 2);
    auto payload = r.get<boost::json::value>(i, 3);
    auto fired = r.get<time_point>(i, 4);
    if (!id || !saga || !due || !payload || !fired) {
      // Already marked fired in the database: reporting them lost beats pretending none were due.
      return std::make_tuple(error_code(errc::invalid_value), std::vector<saga_deadline>());
    }
    out[i].deadline_id = *id;
    out[i].saga_id = std::move(*saga);
    out[i].due_at = *due;
    out[i].payload = std::move(*payload);
    out[i].fired_at = *fired;
  }
  std::sort(out.begin(), out.end(), earlier);
  return std::make_tuple(error_code{}, std::move(out));
}

std::tuple<error_code, std::int64_t> scheduled(error_code ec, const query_result& r) {
  if (ec) return std::make_tuple(ec, std::int64_t{0});
  auto id = r.get<std::int64_t>(0, 0);
  if (!id) return std::make_tuple(id.error(), std::int64_t{0});
  return std::make_tuple(error_code{}, *id);
}

template <class Connection>
asio::awaitable<std::tuple<error_code, std::int64_t>> schedule_on(Connection& conn, std::string saga_id, time_point due,
                                                                   boost::json::value payload) {
  auto [ec, r] = co_await conn.async_execute(schedule_deadline, query_params(saga_id, due, payload), tuple_awaitable);
  co_return scheduled(ec, r);
}

template <class Connection>
asio::awaitable<std::tuple<error_code, std::vector<saga_deadline>>> claim_on(Connection& conn, time_point now,
                                                                             std::size_t max_count) {
  auto [ec, r] = co_await conn.async_execute(claim_deadlines, query_params(now, limit_of(max_count)), tuple_awaitable);
  co_return claimed(ec, r);
}

template <class Connection>
asio::awaitable<std::tuple<error_code, std::uint64_t>> cancel_on(Connection& conn, std::string saga_id) {
  auto [ec, r] = co_await conn.async_execute(cancel_deadlines, query_params(saga_id), tuple_awaitable);
  co_return std::make_tuple(ec, ec ? std::uint64_t{0} : r.affected_rows());
}

}  // namespace

// ---- memory ----------------------------------------------------------------------------------

void memory_deadline_store::do_schedule(std::string saga_id, time_point due_at, boost::json::value payload,
                                        schedule_handler handler) {
  std::int64_t id = 0;
  error_code ec = saga_id.empty() ? error_code(errc::empty_saga_id) : error_code{};
  if (!ec) {
    saga_deadline d;
    d.saga_id = std::move(saga_id);
    d.due_at = micros(due_at);
    d.payload = std::move(payload);
    std::lock_guard lock(mtx_);
    id = d.deadline_id = ++last_id_;
    unfired_.emplace(id, std::move(d));
  }
  detail::post_completion(ex_, std::move(handler), ec, id);
}

void memory_deadline_store::do_claim_due(time_point now, std::size_t max_count, claim_handler handler) {
  std::vector<saga_deadline> due;
  const auto cutoff = micros(now);
  const auto fired_at = micros(chr::system_clock::now());
  {
    std::lock_guard lock(mtx_);
    std::vector<const saga_deadline*> candidates;
    for (const auto& [id, d] : unfired_) {
      if (d.due_at <= cutoff) candidates.push_back(&d);
    }
    const auto n = std::min(max_count, candidates.size());
    std::partial_sort(candidates.begin(), candidates.begin() + static_cast<std::ptrdiff_t>(n), candidates.end(),
                      [](const saga_deadline* a, const saga_deadline* b) { return earlier(*a, *b); });
    candidates.resize(n);
    for (const auto* d : candidates) {
      auto node = unfired_.extract(d->deadline_id);
      node.mapped().fired_at = fired_at;
      due.push_back(std::move(node.mapped()));
    }
  }
  detail::post_completion(ex_, std::move(handler), error_code{}, std::move(due));
}

void memory_deadline_store::do_cancel(std::string saga_id, cancel_handler handler) {
  std::uint64_t cancelled = 0;
  error_code ec = saga_id.empty() ? error_code(errc::empty_saga_id) : error_code{};
  if (!ec) {
    std::lock_guard lock(mtx_);
    cancelled = std::erase_if(unfired_, [&](const auto& entry) { return entry.second.saga_id == saga_id; });
  }
  detail::post_completion(ex_, std::move(handler), ec, cancelled);
}

void memory_deadline_store::do_next_due(next_due_handler handler) {
  std::optional<time_point> earliest;
  {
    std::lock_guard lock(mtx_);
    for (const auto& [id, d] : unfired_) {
      if (!earliest || d.due_at < *earliest) earliest = d.due_at;
    }
  }
  detail::post_completion(ex_, std::move(handler), error_code{}, earliest);
}

// ---- PostgreSQL --------------------------------------------------------------------------------

void pg_deadline_store::do_schedule(std::string saga_id, time_point due_at, boost::json::value payload,
                                    schedule_handler handler) {
  const error_code invalid = saga_id.empty() ? error_code(errc::empty_saga_id) : error_code{};
  detail::spawn_checked_op(
      pool_.get_executor(), invalid,
      [&pool = pool_, id = std::move(saga_id), due_at, p = std::move(payload)]() mutable {
        return schedule_on(pool, std::move(id), due_at, std::move(p));
      },
      std::move(handler));
}

void pg_deadline_store::schedule_in(pooled_connection& tx, std::string saga_id, time_point due_at,
                                    boost::json::value payload, schedule_handler handler) {
  const error_code invalid = saga_id.empty() ? error_code(errc::empty_saga_id) : error_code{};
  detail::spawn_checked_op(
      pool_.get_executor(), invalid,
      [&tx, id = std::move(saga_id), due_at, p = std::move(payload)]() mutable {
        return schedule_on(tx, std::move(id), due_at, std::move(p));
      },
      std::move(handler));
}

void pg_deadline_store::do_claim_due(time_point now, std::size_t max_count, claim_handler handler) {
  detail::spawn_op(
      pool_.get_executor(), [&pool = pool_, now, max_count]() { return claim_on(pool, now, max_count); },
      std::move(handler));
}

void pg_deadline_store::claim_due_in(pooled_connection& tx, time_point now, std::size_t max_count,
                                     claim_handler handler) {
  detail::spawn_op(
      pool_.get_executor(), [&tx, now, max_count]() { return claim_on(tx, now, max_count); }, std::move(handler));
}

void pg_deadline_store::do_cancel(std::string saga_id, cancel_handler handler) {
  const error_code invalid = saga_id.empty() ? error_code(errc::empty_saga_id) : error_code{};
  detail::spawn_checked_op(
      pool_.get_executor(), invalid, [&pool = pool_, id = std::move(saga_id)]() mutable { return cancel_on(pool, std::move(id)); },
      std::move(handler));
}

void pg_deadline_store::cancel_in(pooled_connection& tx, std::string saga_id, cancel_handler handler) {
  const error_code invalid = saga_id.empty() ? error_code(errc::empty_saga_id) : error_code{};
  detail::spawn_checked_op(
      pool_.get_executor(), invalid, [&tx, id = std::move(saga_id)]() mutable { return cancel_on(tx, std::move(id)); },
      std::move(handler));
}

void pg_deadline_store::do_next_due(next_due_handler handler) {
  using result_t = std::tuple<error_code, std::optional<time_point>>;
  detail::spawn_op(
      pool_.get_executor(),
      [&pool = pool_]() -> asio::awaitable<result_t> {
        auto [ec, r] = co_await pool.async_execute(next_due, query_params(), tuple_awaitable);
        std::optional<time_point> earliest;
        if (!ec) {
          auto got = r.get<std::optional<time_point>>(0, 0);
          if (got) {
            earliest = *got;
          } else {
            ec = got.error();
          }
        }
        co_return std::make_tuple(ec, earliest);
      },
      std::move(handler));
}

}  // namespace mink::persistence
