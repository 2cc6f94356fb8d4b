#pragma once
// An io_context run by the calling thread alone, with a connection_pool on it, and the driver that
// runs a phase's coroutines until a deadline. Shared by the benchmark programs.

#include "bench_support.hpp"

#include <mink/persistence/connection_pool.hpp>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>

#include <cstddef>
#include <exception>
#include <functional>
#include <memory>
#include <string>

namespace mink::bench {

/// What the coroutines of one timed run share; a phase derives its own counters from it. Held by
/// shared_ptr so that a coroutine still running after the run was abandoned (another one failed)
/// never writes into a dead stack frame.
struct run_control {
  clock::time_point until;
  std::size_t remaining = 0;
  std::exception_ptr failure;
  bool hung = false;

  /// After a failure the others stop at their next check instead of running to the deadline.
  bool more() const noexcept { return !failure && keep_going(until); }
};

class pool_session {
 public:
  using make_coroutine = std::function<boost::asio::awaitable<void>(std::size_t index)>;

  pool_session(const std::string& conninfo, std::size_t min_size, std::size_t max_size);
  ~pool_session();
  pool_session(const pool_session&) = delete;
  pool_session& operator=(const pool_session&) = delete;

  persistence::connection_pool& pool() noexcept { return pool_; }

  /// Runs `count` coroutines make(index), which share `control`, until `d` from now and waits for
  /// them all to end; returns the time from the start to the last one's end. Rethrows the first
  /// failure; throws when the pool stopped or the coroutines hung.
  clock::duration timed_run(const char* phase, std::shared_ptr<run_control> control, std::size_t count,
                            clock::duration d, const make_coroutine& make);

  /// Lets the coroutines of an abandoned run finish their current operation. Whoever owns objects
  /// those coroutines use (a store on the pool) calls it before destroying them.
  void drain();

 private:
  template <class Done>
  void drive_until(Done done);

  boost::asio::io_context ioc_;
  bool run_done_ = false;
  boost::system::error_code run_ec_;
  std::shared_ptr<run_control> last_run_;
  persistence::connection_pool pool_;  // last: destroyed (cancelled) before the io_context
};

}  // namespace mink::bench
