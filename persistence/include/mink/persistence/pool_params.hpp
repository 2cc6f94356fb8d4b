#pragma once
// Configuration of a connection_pool.

#include <chrono>
#include <cstddef>
#include <string>

namespace mink::persistence {

struct pool_params {
  /// libpq connection string ("host=... dbname=..." or a postgresql:// URL). Host names are
  /// resolved by Asio before each connect, so libpq never blocks on DNS.
  std::string connection_string;

  /// Connections kept open even when idle.
  std::size_t min_size = 1;
  /// Upper bound on open connections (idle + leased + connecting).
  std::size_t max_size = 16;
  /// Acquisitions allowed to wait when every connection is leased; one more fails at once with
  /// errc::pool_exhausted instead of queueing without bound.
  std::size_t max_pending = 1024;

  /// Bound on establishing one connection (TCP/Unix connect, authentication, startup).
  std::chrono::milliseconds connect_timeout{10'000};
  /// Bound on waiting for a connection in async_acquire; errc::acquire_timeout after it.
  std::chrono::milliseconds acquire_timeout{5'000};
  /// How often idle connections are checked for a server that went away.
  std::chrono::milliseconds health_check_interval{1'000};
  /// Connections older than this are closed when returned (and replaced as needed).
  std::chrono::milliseconds max_lifetime{std::chrono::hours(1)};
  /// Delay before retrying after a failed connect; doubles on each failure up to the max.
  std::chrono::milliseconds reconnect_backoff_initial{50};
  std::chrono::milliseconds reconnect_backoff_max{2'000};
};

}  // namespace mink::persistence
