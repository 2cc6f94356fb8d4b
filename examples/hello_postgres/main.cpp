// mink-hello-postgres: starts a private PostgreSQL (or uses --database-url), runs one query through
// mink's asynchronous connection pool and prints the server version.
//
//   mink-hello-postgres [--database-url URL] [--data-dir DIR]
//
// With no URL (flag or MINK_DATABASE_URL) it runs an embedded PostgreSQL: in DIR when given (kept),
// else in a temporary directory removed at exit.

#include <mink/persistence/connection_pool.hpp>
#include <example/database.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <iostream>
#include <optional>
#include <string>
#include <string_view>

namespace asio = boost::asio;
namespace mp = mink::persistence;
using boost::system::error_code;

namespace {

asio::awaitable<int> print_version(mp::connection_pool& pool) {
  auto [ec, r] = co_await pool.async_query(
      "SELECT current_setting('server_version'), current_database(), current_setting('fsync'), "
      "current_setting('synchronous_commit')",
      {}, asio::as_tuple(asio::use_awaitable));
  pool.cancel();
  if (ec) {
    std::cerr << "query failed: " << ec.message() << ": " << r.diag().message << '\n';
    co_return 1;
  }
  std::cout << "PostgreSQL " << r.get<std::string>(0, 0).value() << ", database "
            << r.get<std::string>(0, 1).value() << ", fsync " << r.get<std::string>(0, 2).value()
            << ", synchronous_commit " << r.get<std::string>(0, 3).value() << '\n';
  const auto s = pool.stats();
  std::cout << "pool: " << s.connects << " connection(s) opened, " << s.connect_failures << " failure(s)\n";
  co_return 0;
}

}  // namespace

int main(int argc, char** argv) {
  example::database_options opts;
  if (!example::take_database_options(argc, argv, opts) || argc > 1) {
    std::cerr << "usage: mink-hello-postgres [--database-url URL] [--data-dir DIR]\n";
    return 2;
  }
  example::database db;
  if (!db.open(opts)) return 1;
  const std::string& url = db.url();
  std::cout << "connecting to: " << url << std::endl;

  int status = example::run_with_pool(url, "query", print_version);
  if (status < 0) status = 1;
  std::cout << (status == 0 ? "ok" : "FAILED") << '\n';
  return status;
}
