#include "pool_run.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <exception>
#include <stdexcept>

namespace mink::bench {

namespace asio = boost::asio;

void run_with_pool(const std::string& conninfo, std::size_t max_size, const std::string& what,
                   const std::function<asio::awaitable<std::string>(persistence::connection_pool&)>& body) {
  asio::io_context ioc;
  persistence::pool_params pp;
  pp.connection_string = conninfo;
  pp.max_size = max_size;
  persistence::connection_pool pool(ioc.get_executor(), pp);
  pool.async_run([](boost::system::error_code) {});
  std::string failure;
  asio::co_spawn(ioc, body(pool), [&](std::exception_ptr e, std::string text) {
    failure = e ? std::string("exception") : std::move(text);
    pool.cancel();
  });
  ioc.run();
  if (!failure.empty()) throw std::runtime_error(what + ": " + failure);
}

asio::awaitable<bool> poll_until(std::function<bool()> done, std::chrono::milliseconds limit) {
  asio::steady_timer tick(co_await asio::this_coro::executor);
  const auto until = std::chrono::steady_clock::now() + limit;
  while (!done()) {
    if (std::chrono::steady_clock::now() >= until) co_return false;
    tick.expires_after(std::chrono::milliseconds(10));
    co_await tick.async_wait(asio::as_tuple(asio::use_awaitable));
  }
  co_return true;
}

}  // namespace mink::bench
