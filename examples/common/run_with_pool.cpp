#include <example/database.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include <exception>
#include <iostream>

namespace example {

int run_with_pool(const std::string& url, const std::string& what,
                  std::function<boost::asio::awaitable<int>(mink::persistence::connection_pool&)> body) {
  boost::asio::io_context ioc;
  mink::persistence::pool_params params;
  params.connection_string = url;
  mink::persistence::connection_pool pool(ioc.get_executor(), params);
  pool.async_run([](boost::system::error_code ec) {
    if (ec) std::cerr << "pool stopped: " << ec.message() << '\n';
  });
  int result = -1;
  boost::asio::co_spawn(ioc, body(pool), [&](std::exception_ptr e, int r) {
    result = r;
    if (!e) return;
    result = -1;
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& ex) {
      std::cerr << what << " stopped: " << ex.what() << '\n';
    } catch (...) {
      std::cerr << what << " stopped by an unknown exception\n";
    }
  });
  ioc.run();
  return result;
}

}  // namespace example
