#pragma once
// What the asynchronous phases share: a pool on a fresh io_context, and bounded polling.

#include <mink/persistence/connection_pool.hpp>

#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <functional>
#include <string>

namespace mink::bench {

/// Runs `body` on a fresh io_context with a running pool of `max_size` connections to
/// `conninfo`, until it has finished and the pool has stopped. `body` answers an error text,
/// empty when it succeeded; a text or an exception is thrown as std::runtime_error("<what>: ...").
void run_with_pool(const std::string& conninfo, std::size_t max_size, const std::string& what,
                   const std::function<boost::asio::awaitable<std::string>(persistence::connection_pool&)>& body);

/// Checks `done` every 10 ms until it holds or `limit` passes; whether it held.
boost::asio::awaitable<bool> poll_until(std::function<bool()> done, std::chrono::milliseconds limit);

}  // namespace mink::bench
