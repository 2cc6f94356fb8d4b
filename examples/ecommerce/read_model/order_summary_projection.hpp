#pragma once
// The order-summary projection: OrderCreated ... OrderCancelled into one row per order.

#include <mink/persistence/sql_projection.hpp>

#include <memory>
#include <string>

namespace mink::persistence {
class connection_pool;
}

namespace ecommerce {

class order_summary_cache;

/// The projection's name (its checkpoint) and its live table.
inline constexpr const char* order_summary_projection_name = "order_summary";
inline constexpr const char* order_summary_table = "order_summaries";

/// The table's and its indexes' DDL for `table` (CREATE ... IF NOT EXISTS; several statements).
std::string order_summary_table_sql(const std::string& table);

/// Builds the projection on `pool` (which must outlive it), writing `table`. Each event becomes
/// one statement (an INSERT for OrderCreated, an UPDATE for the others), so a batch is one
/// pipeline in one transaction with the checkpoint. An event whose data does not decode fails
/// with mink::errc::invalid_event_data, and the projection retries and then stops on it (faulted), as
/// for any failing event: a read model never silently skips a change.
///
/// With `cache`, every batch committed to the live table invalidates its orders there (and a
/// rebuild's swap clears it); the cache must outlive the projection.
std::unique_ptr<mink::persistence::sql_projection> make_order_summary_projection(
    mink::persistence::connection_pool& pool, std::string table = order_summary_table,
    std::string name = order_summary_projection_name, order_summary_cache* cache = nullptr);

}  // namespace ecommerce
