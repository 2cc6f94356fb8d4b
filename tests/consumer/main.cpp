// Links against the installed package and runs a pool far enough to see a real error code.
#include <mink/persistence/connection_pool.hpp>
#include <mink/persistence/pg_error.hpp>

#include <boost/asio/io_context.hpp>

#include <iostream>

int main() {
  boost::asio::io_context ioc;
  mink::persistence::pool_params params;
  params.connection_string = "definitely not a connection string";
  mink::persistence::connection_pool pool(ioc.get_executor(), params);
  boost::system::error_code result;
  pool.async_run([&](boost::system::error_code ec) { result = ec; });
  ioc.run();
  const bool ok = result == mink::persistence::client_errc::invalid_connection_string;
  std::cout << "consumer: async_run -> " << result.message() << (ok ? " (expected)" : " (UNEXPECTED)") << '\n';
  return ok ? 0 : 1;
}
