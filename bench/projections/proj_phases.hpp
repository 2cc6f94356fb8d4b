#pragma once
// The phases of mink-bench-projections and what they report.

#include <cstdint>
#include <string>

namespace mink::bench {

/// Events per generated order: OrderCreated, ItemAdded x4, OrderSubmitted, OrderShipped,
/// OrderCompleted.
inline constexpr std::int64_t events_per_order = 8;

/// Appends `events` order events (events / 8 orders with ids "B<n>") to mink_events with plain
/// SQL, in transactions of 100,000, in the log order a real system writes them (each order's
/// events in sequence). The schema must exist. Returns the seconds it took.
double load_order_events(const std::string& conninfo, std::int64_t events);

/// The order-summary table (the example's own DDL) named `table`, dropped first if it exists.
void recreate_summary_table(const std::string& conninfo, const std::string& table);

struct replay_figures {
  std::int64_t events = 0;  ///< Events read from the log.
  std::int64_t rows = 0;    ///< Rows in the table afterwards.
  double seconds = 0;
  double events_per_s() const { return seconds > 0 ? static_cast<double>(events) / seconds : 0; }
};

/// The reference: the whole log read with plain libpq in pages of `batch` (keyset on the log
/// order), each page's events turned into the same statements the projection issues, as
/// prepared statements sent in pipeline mode in one transaction per page, with the page's
/// position saved in a checkpoint row in that transaction. Writes `table` (recreated first).
replay_figures run_sql_replay(const std::string& conninfo, const std::string& table, std::size_t batch);

/// The order-summary projection rebuilt by a projection_runner: the live table is empty and its
/// checkpoint at the log's head, start_rebuild fills the shadow from the start of the log and
/// swaps it in. Timed from start_rebuild until the runner reports it running again.
replay_figures run_projection_rebuild(const std::string& conninfo, const std::string& table, std::size_t batch);

struct visibility_figures {
  std::uint64_t commands = 0;  ///< Commands acknowledged in the measured time.
  std::uint64_t samples = 0;   ///< Of them, visibility delays measured.
  std::uint64_t errors = 0;
  std::string first_error;
  double commands_per_s = 0;
  double p50_ms = 0, p99_ms = 0, max_ms = 0;
};

/// `callers` clients each send CreateOrder, AddItem, SubmitOrder, ... one command every
/// `pace_ms`, through the e-commerce order system (manual fulfilment, its own read model); for
/// each acknowledged command, the time from the acknowledgement until the order-summary
/// projection has applied the command's event (projection_runner::async_wait_for).
visibility_figures run_visibility(const std::string& conninfo, double seconds, std::size_t callers, int pace_ms);

}  // namespace mink::bench
