// The reference for a projection rebuild: the same log, the same statements, written by hand
// with plain libpq (prepared statements, pipeline mode, one transaction per page).
#include "proj_phases.hpp"

#include "bench_support.hpp"
#include "pg_sync.hpp"

#include <ecommerce/domain/money.hpp>
#include <ecommerce/read_model/order_summary_projection.hpp>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <array>
#include <chrono>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace mink::bench {

namespace {

namespace json = boost::json;

// One event's statement: which prepared statement, and its parameters as text.
struct replay_statement {
  const char* name = nullptr;
  std::vector<std::string> params;
};

std::string text_of(const json::value& v, const char* key) {
  const json::value* field = v.as_object().if_contains(key);
  if (field == nullptr) return {};
  if (field->is_string()) return std::string(field->as_string());
  return json::serialize(*field);
}

std::string money_text(const json::value& v, const char* key) {
  auto amount = ecommerce::money_from_json(v.at(key));
  if (!amount) throw std::runtime_error(std::string("replay: bad amount in ") + key);
  return ecommerce::to_string(*amount);
}

// The statements the order-summary projection issues, one per event type.
void prepare_all(PGconn* conn, const std::string& table) {
  prepare_checked(conn, "created",
                  ("INSERT INTO " + table +
                   " (order_id, customer_id, status, version, created_at, updated_at) VALUES ($1, $2, 'Created', $3, "
                   "$4, $5)").c_str(), 5, "replay");
  prepare_checked(conn, "item",
                  ("UPDATE " + table +
                   " SET item_count = item_count + $2, line_count = line_count + 1, total = total + $3::numeric, "
                   "version = $4, updated_at = $5 WHERE order_id = $1").c_str(), 5, "replay");
  prepare_checked(conn, "submitted",
                  ("UPDATE " + table +
                   " SET status = 'Submitted', total = $2::numeric, version = $3, updated_at = $4 WHERE order_id = $1")
                      .c_str(), 4, "replay");
  prepare_checked(conn, "shipped",
                  ("UPDATE " + table +
                   " SET status = 'Shipped', tracking_number = $2, version = $3, updated_at = $4 WHERE order_id = $1")
                      .c_str(), 4, "replay");
  prepare_checked(conn, "status",
                  ("UPDATE " + table + " SET status = $2, version = $3, updated_at = $4 WHERE order_id = $1").c_str(), 4,
                  "replay");
  prepare_checked(conn, "checkpoint",
                  "INSERT INTO bench_replay_checkpoint (id, transaction_id, position) VALUES (1, $1::xid8, $2) "
                  "ON CONFLICT (id) DO UPDATE SET transaction_id = excluded.transaction_id, position = excluded.position",
                  2, "replay");
}

// The statement for one event (type, data, version, recorded_at as the log has them).
replay_statement statement_for(const std::string& type, const json::value& data, const std::string& version,
                               const std::string& recorded_at) {
  const std::string order_id = text_of(data, "order_id");
  if (type == "OrderCreated")
    return {"created", {order_id, text_of(data, "customer_id"), version, text_of(data, "created_at"), recorded_at}};
  if (type == "ItemAdded") {
    const std::int64_t quantity = data.at("quantity").to_number<std::int64_t>();
    auto price = ecommerce::money_from_json(data.at("price"));
    if (!price) throw std::runtime_error("replay: bad price");
    return {"item", {order_id, std::to_string(quantity), ecommerce::to_string(*price * quantity), version, recorded_at}};
  }
  if (type == "OrderSubmitted") return {"submitted", {order_id, money_text(data, "total_amount"), version, recorded_at}};
  if (type == "OrderShipped") return {"shipped", {order_id, text_of(data, "tracking_number"), version, recorded_at}};
  if (type == "OrderCompleted") return {"status", {order_id, "Completed", version, recorded_at}};
  if (type == "OrderCancelled") return {"status", {order_id, "Cancelled", version, recorded_at}};
  return {};
}

void send_prepared(PGconn* conn, const char* name, const std::vector<std::string>& params) {
  std::array<const char*, 8> values{};
  for (std::size_t i = 0; i < params.size(); ++i) values[i] = params[i].c_str();
  if (PQsendQueryPrepared(conn, name, static_cast<int>(params.size()), values.data(), nullptr, nullptr, 0) != 1)
    throw std::runtime_error("replay: send: " + trimmed(PQerrorMessage(conn)));
}

void send_plain(PGconn* conn, const char* sql) {
  if (PQsendQueryParams(conn, sql, 0, nullptr, nullptr, nullptr, nullptr, 0) != 1)
    throw std::runtime_error("replay: send: " + trimmed(PQerrorMessage(conn)));
}

// Reads every result of one pipeline up to its sync; throws on the first failure.
void drain_pipeline(PGconn* conn, std::size_t statements) {
  for (std::size_t i = 0; i < statements; ++i) {
    result_ptr r(PQgetResult(conn));
    const auto status = r ? PQresultStatus(r.get()) : PGRES_FATAL_ERROR;
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK)
      throw std::runtime_error("replay: " + trimmed(PQerrorMessage(conn)));
    result_ptr end(PQgetResult(conn));  // the null that ends each statement's results
  }
  result_ptr sync(PQgetResult(conn));
  if (!sync || PQresultStatus(sync.get()) != PGRES_PIPELINE_SYNC) throw std::runtime_error("replay: no sync");
}

}  // namespace

void recreate_summary_table(const std::string& conninfo, const std::string& table) {
  auto conn = connect(conninfo, "table");
  exec_checked(conn.get(), ("DROP TABLE IF EXISTS " + table).c_str(), PGRES_COMMAND_OK, "table");
  exec_checked(conn.get(), ecommerce::order_summary_table_sql(table).c_str(), PGRES_COMMAND_OK, "table");
}

replay_figures run_sql_replay(const std::string& conninfo, const std::string& table, std::size_t batch) {
  recreate_summary_table(conninfo, table);
  auto reader = connect(conninfo, "replay reader");
  auto writer = connect(conninfo, "replay writer");
  exec_checked(writer.get(),
               "CREATE TABLE IF NOT EXISTS bench_replay_checkpoint (id int PRIMARY KEY, transaction_id xid8, position bigint)",
               PGRES_COMMAND_OK, "replay");
  prepare_all(writer.get(), table);
  prepare_checked(reader.get(), "page",
                  "SELECT transaction_id::text AS tx_text, global_position, event_type, data::text, stream_version, "
                  "recorded_at FROM mink_events WHERE (transaction_id, global_position) > ($1::xid8, $2) "
                  "AND transaction_id < pg_snapshot_xmin(pg_current_snapshot()) "
                  "ORDER BY transaction_id, global_position LIMIT $3",
                  3, "replay");
  // The whole log as it is now. A page can come back empty before the end while a transaction
  // that started earlier is still open (the log is read below the transaction horizon): the
  // replay then waits for it, as a projection does, instead of stopping short.
  auto total_res = exec_checked(reader.get(), "SELECT count(*) FROM mink_events", PGRES_TUPLES_OK, "replay");
  const std::int64_t total = std::stoll(PQgetvalue(total_res.get(), 0, 0));
  replay_figures f;
  const std::string limit = std::to_string(batch);
  std::string after_tx = "0", after_pos = "0";
  const auto started = clock::now();
  for (;;) {
    const char* values[3] = {after_tx.c_str(), after_pos.c_str(), limit.c_str()};
    result_ptr page(PQexecPrepared(reader.get(), "page", 3, values, nullptr, nullptr, 0));
    if (!page || PQresultStatus(page.get()) != PGRES_TUPLES_OK)
      throw std::runtime_error("replay: read: " + trimmed(PQerrorMessage(reader.get())));
    const int rows = PQntuples(page.get());
    if (rows == 0) {
      if (f.events >= total) break;
      if (clock::now() - started > std::chrono::minutes(10)) throw std::runtime_error("replay: the log stopped short");
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
      continue;
    }
    if (PQenterPipelineMode(writer.get()) != 1) throw std::runtime_error("replay: pipeline mode");
    send_plain(writer.get(), "BEGIN");
    std::size_t sent = 1;
    for (int i = 0; i < rows; ++i) {
      const json::value data = json::parse(PQgetvalue(page.get(), i, 3));
      auto st = statement_for(PQgetvalue(page.get(), i, 2), data, PQgetvalue(page.get(), i, 4),
                              PQgetvalue(page.get(), i, 5));
      if (st.name == nullptr) continue;
      send_prepared(writer.get(), st.name, st.params);
      ++sent;
    }
    after_tx = PQgetvalue(page.get(), rows - 1, 0);
    after_pos = PQgetvalue(page.get(), rows - 1, 1);
    send_prepared(writer.get(), "checkpoint", {after_tx, after_pos});
    send_plain(writer.get(), "COMMIT");
    sent += 2;
    if (PQpipelineSync(writer.get()) != 1) throw std::runtime_error("replay: sync");
    drain_pipeline(writer.get(), sent);
    if (PQexitPipelineMode(writer.get()) != 1) throw std::runtime_error("replay: leaving pipeline mode");
    f.events += rows;
  }
  f.seconds = std::chrono::duration<double>(clock::now() - started).count();
  result_ptr count(PQexec(writer.get(), ("SELECT count(*) FROM " + table).c_str()));
  f.rows = std::stoll(PQgetvalue(count.get(), 0, 0));
  return f;
}

}  // namespace mink::bench
