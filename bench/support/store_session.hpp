#pragma once
// A pool_session with a pg_event_store on its pool, and the timed runs of the event store phases
// (store_session.cpp). Shared by the benchmarks that drive a pg_event_store.

#include "pool_session.hpp"

#include <mink/persistence/connection_pool.hpp>
#include <mink/persistence/pg_event_store.hpp>

#include <boost/asio/awaitable.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

namespace mink::bench {

/// What the callers of one timed run share.
struct run_state : run_control {
  std::uint64_t ops = 0;
  std::vector<std::int64_t> latencies_ns;                   ///< One per operation (append phase).
  std::unordered_map<std::uint64_t, std::uint32_t> batches;  ///< Transaction id -> appends in it.
};
using state_ptr = std::shared_ptr<run_state>;

/// The figures of one timed run, with its state for the phase's own counters.
struct timed_outcome {
  state_ptr state;
  clock::duration elapsed{};               ///< From the start to the last caller's end.
  std::chrono::nanoseconds client_cpu{};  ///< This process's CPU time meanwhile.
  double server_cpu_s = -1;
};

class server_cpu;

class store_session {
 public:
  using make_caller = std::function<boost::asio::awaitable<void>(state_ptr, std::size_t)>;

  store_session(const std::string& conninfo, std::size_t pool_size);
  ~store_session();
  store_session(const store_session&) = delete;
  store_session& operator=(const store_session&) = delete;

  persistence::connection_pool& pool() noexcept { return session_.pool(); }
  persistence::pg_event_store& store() noexcept { return *store_; }

  /// Lets the callers of an abandoned run finish their current operation (pool_session::drain):
  /// whoever owns objects they use calls it before destroying them.
  void drain() { session_.drain(); }

  /// Runs `callers` coroutines made by make(state, index) until `d` from now and waits for them all
  /// to end; rethrows the first failure. `server` (may be null) samples the server's CPU time.
  timed_outcome timed_run(const char* phase, std::size_t callers, clock::duration d, const make_caller& make,
                          const server_cpu* server = nullptr);

 private:
  pool_session session_;
  std::unique_ptr<persistence::pg_event_store> store_;  // destroyed (in ~store_session) before the pool
};

}  // namespace mink::bench
