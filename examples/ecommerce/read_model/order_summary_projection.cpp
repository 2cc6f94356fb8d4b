#include <ecommerce/read_model/order_summary_projection.hpp>

#include <ecommerce/domain/events.hpp>
#include <ecommerce/read_model/order_summary_cache.hpp>

#include <mink/messaging/errc.hpp>
#include <mink/persistence/query_params.hpp>

#include <boost/json/value_to.hpp>

#include <exception>

namespace ecommerce {
namespace {

using boost::system::error_code;
using mink::recorded_event;
using mink::persistence::query_params;
using mink::persistence::sql_writer;

// The table and its indexes; "{table}" is the live or the shadow table. The indexes serve the
// list queries: by status, by customer, each in order id order for keyset pagination.
constexpr const char* create_table_sql = R"sql(
CREATE TABLE IF NOT EXISTS {table} (
  order_id         text PRIMARY KEY,
  customer_id      text NOT NULL,
  status           text NOT NULL,
  item_count       bigint NOT NULL DEFAULT 0,
  line_count       bigint NOT NULL DEFAULT 0,
  total            numeric(16,2) NOT NULL DEFAULT 0,
  tracking_number  text,
  version          bigint NOT NULL,
  created_at       timestamptz NOT NULL,
  updated_at       timestamptz NOT NULL
);
CREATE INDEX IF NOT EXISTS {table}_status_idx ON {table} (status, order_id);
CREATE INDEX IF NOT EXISTS {table}_customer_idx ON {table} (customer_id, order_id);
)sql";

// Decodes an event's data as E; nullopt when it does not convert (the projection then faults on
// this event rather than guess).
template <class E>
std::optional<E> decode(const recorded_event& e) {
  try {
    return boost::json::value_to<E>(e.data);
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

// A handler for events of type E: decodes, then lets `write` add its statement.
template <class E, class Write>
mink::persistence::sql_handler handler(Write write) {
  return [write](const recorded_event& e, sql_writer& out) -> error_code {
    auto decoded = decode<E>(e);
    if (!decoded) return mink::errc::invalid_event_data;
    write(*decoded, e, out);
    return {};
  };
}

// A status change: the status, the version and the time of the event.
template <class E>
mink::persistence::sql_handler status_change(const char* status) {
  return handler<E>([status](const E& ev, const recorded_event& e, sql_writer& out) {
    out.add("UPDATE " + out.table() + " SET status = $2, version = $3, updated_at = $4 WHERE order_id = $1",
            query_params(ev.order_id, status, static_cast<std::int64_t>(e.version), e.recorded_at));
  });
}

}  // namespace

std::string order_summary_table_sql(const std::string& table) {
  return mink::persistence::table_sql(create_table_sql, table);
}

std::unique_ptr<mink::persistence::sql_projection> make_order_summary_projection(
    mink::persistence::connection_pool& pool, std::string table, std::string name, order_summary_cache* cache) {
  mink::persistence::sql_projection_params params;
  params.name = std::move(name);
  params.table = std::move(table);
  params.create_table_sql = create_table_sql;
  auto projection = std::make_unique<mink::persistence::sql_projection>(pool, std::move(params));
  if (cache != nullptr) {
    projection->on_live_change([cache](const std::vector<recorded_event>& events) { cache->invalidate(events); },
                               [cache] { cache->clear(); });
  }

  projection->on(std::string(order_created::type_name),
                 handler<order_created>([](const order_created& ev, const recorded_event& e, sql_writer& out) {
                   out.add("INSERT INTO " + out.table() +
                               " (order_id, customer_id, status, version, created_at, updated_at) "
                               "VALUES ($1, $2, 'Created', $3, $4, $5)",
                           query_params(ev.order_id, ev.customer_id, static_cast<std::int64_t>(e.version),
                                        ev.created_at, e.recorded_at));
                 }));
  projection->on(std::string(item_added::type_name),
                 handler<item_added>([](const item_added& ev, const recorded_event& e, sql_writer& out) {
                   out.add("UPDATE " + out.table() +
                               " SET item_count = item_count + $2, line_count = line_count + 1, "
                               "total = total + $3::numeric, version = $4, updated_at = $5 WHERE order_id = $1",
                           query_params(ev.order_id, static_cast<std::int64_t>(ev.quantity),
                                        to_string(ev.price * ev.quantity), static_cast<std::int64_t>(e.version),
                                        e.recorded_at));
                 }));
  // From submission on, the order's total is the submitted amount (as in the aggregate).
  projection->on(std::string(order_submitted::type_name),
                 handler<order_submitted>([](const order_submitted& ev, const recorded_event& e, sql_writer& out) {
                   out.add("UPDATE " + out.table() +
                               " SET status = 'Submitted', total = $2::numeric, version = $3, updated_at = $4 "
                               "WHERE order_id = $1",
                           query_params(ev.order_id, to_string(ev.total_amount), static_cast<std::int64_t>(e.version),
                                        e.recorded_at));
                 }));
  projection->on(std::string(order_shipped::type_name),
                 handler<order_shipped>([](const order_shipped& ev, const recorded_event& e, sql_writer& out) {
                   out.add("UPDATE " + out.table() +
                               " SET status = 'Shipped', tracking_number = $2, version = $3, updated_at = $4 "
                               "WHERE order_id = $1",
                           query_params(ev.order_id, ev.tracking_number, static_cast<std::int64_t>(e.version),
                                        e.recorded_at));
                 }));
  projection->on(std::string(order_completed::type_name), status_change<order_completed>("Completed"));
  projection->on(std::string(order_cancelled::type_name), status_change<order_cancelled>("Cancelled"));
  return projection;
}

}  // namespace ecommerce
