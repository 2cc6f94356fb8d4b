#pragma once
// The PostgreSQL event store under test: a pool on the test server, the schema migrated once per
// process, and a store_harness for the conformance suite.

#include "async_test.hpp"
#include "event_store_conformance.hpp"

#include <mink/persistence/pg_event_store.hpp>
#include <mink/persistence/pg_checkpoint_store.hpp>
#include <mink/persistence/pg_idempotency_store.hpp>
#include <mink/persistence/pg_deadline_store.hpp>
#include <mink/persistence/pg_saga_store.hpp>
#include <mink/persistence/pg_snapshot_store.hpp>
#include <mink/persistence/schema.hpp>

namespace mink::test {

/// Applies mink's schema to the test database (once per process).
void ensure_schema();

struct pg_store_harness : store_harness {
  explicit pg_store_harness(persistence::pool_params params = default_pool_params(8),
                            persistence::pg_event_store_params store_params = {})
      : fixture((ensure_schema(), std::move(params))), store_(fixture.pool, std::move(store_params)), snapshots_(fixture.pool),
        checkpoints_(fixture.pool), idempotency_(fixture.pool), sagas_(fixture.pool), deadlines_(fixture.pool) {}

  persistence::event_store& store() override { return store_; }
  persistence::pg_event_store& pg_store() { return store_; }
  persistence::snapshot_store& snapshots() override { return snapshots_; }
  persistence::checkpoint_store& checkpoints() override { return checkpoints_; }
  persistence::pg_checkpoint_store& pg_checkpoints() { return checkpoints_; }
  persistence::idempotency_store& idempotency() override { return idempotency_; }
  persistence::pg_idempotency_store& pg_idempotency() { return idempotency_; }
  persistence::saga_store& sagas() override { return sagas_; }
  persistence::pg_saga_store& pg_sagas() { return sagas_; }
  persistence::deadline_store& deadlines() override { return deadlines_; }
  persistence::pg_deadline_store& pg_deadlines() { return deadlines_; }
  boost::asio::io_context& context() override { return fixture.ioc; }
  void run(std::function<boost::asio::awaitable<void>()> test) override { fixture.run(std::move(test), 120s); }
  std::string unique_stream(const std::string& category) override { return make_unique_stream(category, ++counter_); }

  pool_fixture fixture;

 private:
  persistence::pg_event_store store_;
  persistence::pg_snapshot_store snapshots_;
  persistence::pg_checkpoint_store checkpoints_;
  persistence::pg_idempotency_store idempotency_;
  persistence::pg_saga_store sagas_;
  persistence::pg_deadline_store deadlines_;
  std::uint64_t counter_ = 0;
};

}  // namespace mink::test
