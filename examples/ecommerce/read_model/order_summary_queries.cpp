#include <ecommerce/read_model/order_summary_queries.hpp>

#include <mink/messaging/errc.hpp>
#include <mink/persistence/connection_pool.hpp>
#include <mink/persistence/detail/spawn_op.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>

namespace ecommerce {
namespace {

namespace asio = boost::asio;
using boost::system::error_code;
using mink::persistence::query_params;
using mink::persistence::query_result;

constexpr auto tuple_awaitable = asio::as_tuple(asio::use_awaitable);

constexpr const char* columns =
    "order_id, customer_id, status, item_count, line_count, total::text, tracking_number, version, created_at, "
    "updated_at";

// One row of `r` as a summary; errc::invalid_value when a column does not decode.
error_code decode_row(const query_result& r, std::size_t row, order_summary& out) {
  auto text = [&](std::size_t c) { return r.get<std::string>(row, c); };
  auto order_id = text(0);
  auto customer_id = text(1);
  auto status = text(2);
  auto items = r.get<std::int64_t>(row, 3);
  auto lines = r.get<std::int64_t>(row, 4);
  auto total = text(5);
  auto tracking = r.get<std::optional<std::string>>(row, 6);
  auto version = r.get<std::int64_t>(row, 7);
  auto created = r.get<std::chrono::system_clock::time_point>(row, 8);
  auto updated = r.get<std::chrono::system_clock::time_point>(row, 9);
  for (error_code ec : {order_id.error(), customer_id.error(), status.error(), items.error(), lines.error(),
                        total.error(), tracking.error(), version.error(), created.error(), updated.error()}) {
    if (ec) return ec;
  }
  auto amount = parse_money(*total);
  if (!amount) return mink::errc::invalid_value;
  out.order_id = std::move(*order_id);
  out.customer_id = std::move(*customer_id);
  out.status = std::move(*status);
  out.item_count = *items;
  out.line_count = *lines;
  out.total = *amount;
  out.tracking_number = std::move(*tracking);
  out.version = static_cast<std::uint64_t>(*version);
  out.created_at = *created;
  out.updated_at = *updated;
  return {};
}

bool known_status(const std::string& s) {
  return std::find(order_statuses.begin(), order_statuses.end(), s) != order_statuses.end();
}

}  // namespace


order_summary_queries::order_summary_queries(mink::persistence::connection_pool& pool, std::string table)
    : pool_(pool),
      // NULL parameters switch a filter off, so one prepared statement serves every combination.
      find_(std::string("SELECT ") + columns + " FROM " + table + " WHERE order_id = $1"),
      list_(std::string("SELECT ") + columns + " FROM " + table +
            " WHERE ($1::text IS NULL OR status = $1) AND ($2::text IS NULL OR customer_id = $2)"
            " AND ($3::text IS NULL OR order_id > $3) ORDER BY order_id LIMIT $4"),
      count_("SELECT status, count(*) FROM " + table + " GROUP BY status") {}

void order_summary_queries::find(std::string order_id,
                                 asio::any_completion_handler<void(error_code, std::optional<order_summary>)> h) {
  auto op = [this, id = std::move(order_id)]() -> asio::awaitable<std::tuple<error_code, std::optional<order_summary>>> {
    query_params params(id);
    auto [ec, r] = co_await pool_.async_execute(find_, std::move(params), tuple_awaitable);
    if (ec) co_return std::tuple{ec, std::optional<order_summary>{}};
    if (r.rows() == 0) co_return std::tuple{error_code{}, std::optional<order_summary>{}};
    order_summary s;
    if (auto bad = decode_row(r, 0, s)) co_return std::tuple{bad, std::optional<order_summary>{}};
    co_return std::tuple{error_code{}, std::optional<order_summary>(std::move(s))};
  };
  mink::persistence::detail::spawn_op(pool_.get_executor(), std::move(op), std::move(h));
}

void order_summary_queries::list(order_list_query query,
                                 asio::any_completion_handler<void(error_code, order_page)> h) {
  error_code invalid;
  if (query.limit < 1 || query.limit > max_page_size) invalid = mink::errc::invalid_value;
  if (query.status && !known_status(*query.status)) invalid = mink::errc::invalid_value;
  auto op = [this, q = std::move(query)]() -> asio::awaitable<std::tuple<error_code, order_page>> {
    // One more row than asked tells whether there is a next page.
    query_params params;
    params.add(q.status).add(q.customer_id).add(q.after).add(static_cast<std::int64_t>(q.limit + 1));
    auto [ec, r] = co_await pool_.async_execute(list_, std::move(params), tuple_awaitable);
    order_page page;
    if (ec) co_return std::tuple{ec, std::move(page)};
    const std::size_t shown = std::min(r.rows(), q.limit);
    page.items.resize(shown);
    for (std::size_t i = 0; i < shown; ++i) {
      if (auto bad = decode_row(r, i, page.items[i])) co_return std::tuple{bad, order_page{}};
    }
    if (r.rows() > q.limit) page.next = page.items.back().order_id;
    co_return std::tuple{error_code{}, std::move(page)};
  };
  mink::persistence::detail::spawn_checked_op(pool_.get_executor(), invalid, std::move(op), std::move(h));
}

void order_summary_queries::count_by_status(asio::any_completion_handler<void(error_code, order_status_counts)> h) {
  auto op = [this]() -> asio::awaitable<std::tuple<error_code, order_status_counts>> {
    query_params none;
    auto [ec, r] = co_await pool_.async_execute(count_, std::move(none), tuple_awaitable);
    order_status_counts counts;
    for (auto s : order_statuses) counts.by_status[std::string(s)] = 0;
    if (ec) co_return std::tuple{ec, std::move(counts)};
    for (std::size_t i = 0; i < r.rows(); ++i) {
      auto status = r.get<std::string>(i, 0);
      auto n = r.get<std::int64_t>(i, 1);
      if (!status || !n) co_return std::tuple{error_code(mink::errc::invalid_value), order_status_counts{}};
      counts.by_status[*status] += static_cast<std::uint64_t>(*n);
      counts.total += static_cast<std::uint64_t>(*n);
    }
    co_return std::tuple{error_code{}, std::move(counts)};
  };
  mink::persistence::detail::spawn_op(pool_.get_executor(), std::move(op), std::move(h));
}

}  // namespace ecommerce
