#pragma once
// An HTTP/1.1 server (Boost.Beast, compiled in the library) serving a router's routes.

#include <mink/http/router.hpp>

#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/system/error_code.hpp>

#include <chrono>
#include <cstddef>
#include <memory>

namespace mink::http {

struct server_params {
  std::size_t max_body = 64 * 1024;    ///< Larger bodies: 413.
  std::size_t max_header = 8 * 1024;   ///< Larger header blocks (request line included): 431.
  /// A request's header block must be complete within this time, counted from the connection's
  /// start or from the request's first byte; else 408 and the connection is closed.
  std::chrono::milliseconds header_timeout{10'000};
  std::chrono::milliseconds body_timeout{30'000};   ///< A declared body must arrive within this.
  std::chrono::milliseconds idle_timeout{60'000};   ///< Keep-alive connections idle longer are closed.
  std::chrono::milliseconds write_timeout{30'000};  ///< A response must be written within this.
  std::size_t max_connections = 1024;  ///< Beyond: 503 with Retry-After, then close.
  std::chrono::seconds retry_after{1};
  std::chrono::milliseconds shutdown_timeout{10'000};  ///< Bound on requests in flight after cancel().
  /// Bytes read ahead of the request being served (pipelined requests wait there); the socket is
  /// not read while it is full. Must exceed max_header.
  std::size_t read_buffer = 16 * 1024;
};

/// Accepts connections and serves each on a strand of its own: one request at a time per
/// connection, keep-alive, limits answered with problem responses (see docs/http-server.md).
///
/// Thread safety: open() before async_run(); cancel() and local_endpoint() from any thread. The
/// executor may be run by several threads. Lifetime: the router must outlive the server and the
/// server must outlive async_run's completion.
class server {
 public:
  using executor_type = boost::asio::any_io_executor;

  server(executor_type ex, server_params params, const router& r);
  ~server();
  server(const server&) = delete;
  server& operator=(const server&) = delete;

  /// Binds and listens on `ep` (port 0: any free port, see local_endpoint()). Synchronous: the
  /// socket calls involved do not block.
  boost::system::error_code open(const boost::asio::ip::tcp::endpoint& ep);

  /// The bound endpoint (its port after binding to port 0); an empty endpoint before open().
  boost::asio::ip::tcp::endpoint local_endpoint() const;

  /// Accepts and serves until cancel(), then waits for the connections to finish (requests in
  /// flight run to completion, bounded by shutdown_timeout after which their sockets are closed
  /// and their handlers see a terminal cancellation). Completion: void(error_code): success after
  /// cancel(); asio::error::bad_descriptor if not open; errc::operation_in_progress for a second
  /// async_run. Cancelling the handler's slot acts as cancel().
  template <class CompletionToken>
  auto async_run(CompletionToken&& token) {
    return boost::asio::async_initiate<CompletionToken, void(boost::system::error_code)>(
        [this](auto handler) { start_run(std::move(handler)); }, token);
  }

  /// Stops accepting, closes idle connections, lets requests in flight finish. Idempotent.
  void cancel();

  /// Connections currently served (not counting refused ones).
  std::size_t connection_count() const noexcept;

  struct core;

 private:
  void start_run(boost::asio::any_completion_handler<void(boost::system::error_code)> handler);

  std::shared_ptr<core> core_;
};

}  // namespace mink::http
