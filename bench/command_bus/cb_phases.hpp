#pragma once
// The phases of mink-bench-command-bus and what they report.

#include "append_phase.hpp"
#include "bench_support.hpp"

#include <mink/actors/registry_params.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>

namespace mink::bench {

/// Connections of the pool the pipeline's three stores share: the append phase's pool size, so
/// that both phases have the same server-side concurrency.
inline constexpr std::size_t pipeline_pool_size = store_pool_size;
/// Commands per order: CreateOrder, AddItem x3, SubmitOrder.
inline constexpr std::size_t commands_per_order = 5;
inline constexpr std::size_t default_idle_actors = 100000;

/// async_migrate: the mink schema on the server.
void migrate_schema(const std::string& conninfo);

/// `pipeline`: what the callers of the measured run counted.
struct pipeline_figures {
  throughput run;  ///< ops: commands answered successfully.
  std::uint64_t orders = 0;  ///< Orders whose five commands all succeeded.
  std::uint64_t errors = 0;  ///< Commands answered with an error (the order is then abandoned).
  std::string first_error;   ///< "<command>: <message>" of the first error.
  double p50_ms = 0, p99_ms = 0, max_ms = 0;
  /// Mean latency by position in the order: create, item 1..3, submit.
  std::array<double, commands_per_order> mean_ms_by_step{};
  mink::actors::registry_stats actor_stats;  ///< Before shutdown.
  std::uint64_t succeeded_total = 0;  ///< Successful commands, warm-up included (one event each).
};

/// What stands between the callers and the order actors.
enum class pipeline_kind {
  standard,  ///< ecommerce::order_service: the standard pipeline (idempotency records included).
  bare,      ///< A bus with no middleware (diagnosis only: what the middleware costs).
};

/// `pipeline`: ecommerce::order_service (standard pipeline, order actors) on pg_event_store,
/// pg_snapshot_store and pg_idempotency_store sharing one pool of pipeline_pool_size; `callers`
/// coroutines on one io_context, each placing orders (ids `prefix` + sequence) one command at a
/// time. Warms up for warmup_time, then measures for env.measure. The schema must exist.
/// pipeline_kind::bare routes the same commands to the same actors on the same stores with no
/// middleware.
pipeline_figures run_pipeline(const phase_env& env, const std::string& prefix, std::size_t callers,
                              pipeline_kind kind);

/// `idle actors`: what an activated, idle order actor costs in memory (see idle_actors.cpp).
struct idle_figures {
  std::size_t actors = 0;               ///< Actors activated and left idle.
  std::size_t active_after = 0;         ///< registry_stats::active once they are idle.
  std::uint64_t passivations = 0;       ///< Must be 0 during the measurement.
  std::uint64_t unexpected = 0;         ///< Answers other than "order not created" / "stream not found".
  double activations_per_s = 0;
  std::int64_t heap_growth = 0;         ///< Heap bytes in use, after minus before (mallinfo2).
  std::int64_t store_heap_growth = 0;   ///< The same hydrate reads without actors (the store's share).
  std::int64_t rss_growth = 0;          ///< VmRSS after minus before, bytes.
  std::int64_t heap_after_shutdown = 0; ///< Heap in use after shutdown minus before the first actor.
  std::size_t state_bytes = 0;          ///< sizeof(order_state) + heap of an empty state.
  std::size_t actor_object_bytes = 0;   ///< sizeof(aggregate_actor<order>), the state included.

  double heap_per_actor() const;        ///< (heap_growth - store_heap_growth) / actors.
  double rss_per_actor() const;
  double beyond_state() const;          ///< heap_per_actor() - state_bytes.
};

/// `idle actors`: `count` order actors on a memory_event_store activated by one SubmitOrder each
/// to a never-created order (hydrates, answers "order not created", appends nothing).
idle_figures run_idle_actors(std::size_t count);

}  // namespace mink::bench
