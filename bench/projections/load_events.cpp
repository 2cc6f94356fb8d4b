// Generating a large log quickly: plain SQL, in the order a real system writes events.
#include "proj_phases.hpp"

#include "bench_support.hpp"
#include "pg_sync.hpp"

#include <algorithm>
#include <chrono>
#include <string>

namespace mink::bench {

namespace {

// Row g (1-based) is event k = (g-1) % 8 of order o = (g-1) / 8 ("B<o>"); data as the order
// domain writes it. Items: quantities 1..4 at 19.99, so each order totals 199.90.
constexpr const char* insert_sql = R"sql(
INSERT INTO mink_events (stream_id, stream_version, event_id, event_type, data, metadata)
SELECT 'Order-B' || o, k + 1, gen_random_uuid(),
  CASE WHEN k = 0 THEN 'OrderCreated' WHEN k <= 4 THEN 'ItemAdded' WHEN k = 5 THEN 'OrderSubmitted'
       WHEN k = 6 THEN 'OrderShipped' ELSE 'OrderCompleted' END,
  CASE WHEN k = 0 THEN jsonb_build_object('order_id', 'B' || o, 'customer_id', 'CUST-' || (o % 1000),
                                          'created_at', '2026-01-01T00:00:00.000Z')
       WHEN k <= 4 THEN jsonb_build_object('order_id', 'B' || o, 'sku', 'SKU-' || k, 'name', 'Item ' || k,
                                           'quantity', k, 'price', 19.99)
       WHEN k = 5 THEN jsonb_build_object('order_id', 'B' || o, 'total_amount', 199.90,
                                          'submitted_at', '2026-01-01T00:00:01.000Z')
       WHEN k = 6 THEN jsonb_build_object('order_id', 'B' || o, 'tracking_number', 'TRK-B' || o,
                                          'shipped_at', '2026-01-01T00:00:02.000Z')
       ELSE jsonb_build_object('order_id', 'B' || o, 'completed_at', '2026-01-01T00:00:03.000Z') END,
  '{}'::jsonb
FROM (SELECT (g - 1) / 8 AS o, (g - 1) % 8 AS k FROM generate_series($1::int8, $2::int8) g ORDER BY g) s
)sql";

}  // namespace

double load_order_events(const std::string& conninfo, std::int64_t events) {
  auto conn = connect(conninfo, "load");
  const auto started = clock::now();
  constexpr std::int64_t per_transaction = 100'000;
  for (std::int64_t first = 1; first <= events; first += per_transaction) {
    const std::string from = std::to_string(first);
    const std::string to = std::to_string(std::min(events, first + per_transaction - 1));
    const char* values[2] = {from.c_str(), to.c_str()};
    result_ptr res(PQexecParams(conn.get(), insert_sql, 2, nullptr, values, nullptr, nullptr, 0));
    if (!res || PQresultStatus(res.get()) != PGRES_COMMAND_OK)
      throw std::runtime_error("load: " + trimmed(PQerrorMessage(conn.get())));
  }
  settle(conninfo, "mink_events");
  return std::chrono::duration<double>(clock::now() - started).count();
}

}  // namespace mink::bench
