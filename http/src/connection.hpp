#pragma once
// One accepted socket: reads requests one at a time, serves them through the router, enforces the
// limits of server_params. Runs on the socket's strand. Internal to mink::http.

#include <mink/http/problem.hpp>
#include <mink/http/router.hpp>
#include <mink/http/server.hpp>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <cstdint>
#include <memory>

namespace mink::http::detail {

class connection : public std::enable_shared_from_this<connection> {
 public:
  connection(boost::asio::ip::tcp::socket socket, const server_params& params, const router& routes);

  /// Serves requests until the peer closes, a limit is hit, or stop() with the connection idle.
  static boost::asio::awaitable<void> run(std::shared_ptr<connection> self);
  /// Answers 503 (max_connections reached) without reading a request, then closes.
  static boost::asio::awaitable<void> refuse(std::shared_ptr<connection> self);

  /// The server stops: finish the request in flight (then close), close now if idle. Strand only.
  void stop();
  /// The shutdown timeout passed: close the socket and cancel the handler in flight. Strand only.
  void force_close();

  boost::asio::cancellation_slot handler_slot() { return handler_cancel_.slot(); }
  boost::asio::any_io_executor get_executor() { return socket_.get_executor(); }

 private:
  using clock = std::chrono::steady_clock;

  void arm_until(clock::time_point deadline);
  void arm(std::chrono::milliseconds d) { arm_until(clock::now() + d); }
  void disarm();
  boost::asio::awaitable<bool> write(response& res);
  boost::asio::awaitable<void> linger();

  boost::asio::ip::tcp::socket socket_;
  boost::asio::steady_timer timer_;
  const server_params params_;
  const router& routes_;
  boost::asio::cancellation_signal handler_cancel_;
  std::uint64_t timer_generation_ = 0;
  bool timed_out_ = false;
  bool idle_ = false;
  bool stopping_ = false;
};

}  // namespace mink::http::detail
