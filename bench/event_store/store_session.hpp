#pragma once
// An io_context run by the calling thread alone, with a connection_pool and a pg_event_store on it,
// and a driver that runs caller coroutines until a deadline (store_session.cpp).

#include "bench_support.hpp"

#include <mink/persistence/connection_pool.hpp>
#include <mink/persistence/pg_event_store.hpp>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>

#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

namespace mink::bench {

/// What the callers of one timed run share. Held by shared_ptr so that a caller still running after
/// the run was abandoned (another one failed) never writes into a dead stack frame.
struct run_state {
  clock::time_point until;
  std::size_t remaining = 0;
  std::exception_ptr failure;
  bool hung = false;
  std::uint64_t ops = 0;
  std::vector<std::int64_t> latencies_ns;                   ///< One per operation (append phase).
  std::unordered_map<std::uint64_t, std::uint32_t> batches;  ///< Transaction id -> appends in it.

  /// After a failure the other callers stop at their next check instead of running to the deadline.
  bool more() const noexcept { return !failure && keep_going(until); }
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

  persistence::connection_pool& pool() noexcept { return pool_; }
  persistence::pg_event_store& store() noexcept { return *store_; }

  /// Runs `callers` coroutines made by make(state, index) until `d` from now and waits for them all
  /// to end; rethrows the first failure. `server` (may be null) samples the server's CPU time.
  timed_outcome timed_run(const char* phase, std::size_t callers, clock::duration d, const make_caller& make,
                          const server_cpu* server = nullptr);

 private:
  static persistence::pool_params make_params(const std::string& conninfo, std::size_t pool_size);
  template <class Done>
  void drive_until(Done done);

  boost::asio::io_context ioc_;
  bool run_done_ = false;
  boost::system::error_code run_ec_;
  state_ptr last_run_;
  persistence::connection_pool pool_;                    // destroyed (cancelled) before the io_context
  std::unique_ptr<persistence::pg_event_store> store_;  // and the store before the pool
};

}  // namespace mink::bench
