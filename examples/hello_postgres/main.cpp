// mink-hello-postgres: starts a private PostgreSQL (or uses --database-url), runs one query through
// mink's asynchronous connection pool and prints the server version.
//
//   mink-hello-postgres [--database-url URL] [--data-dir DIR]
//
// With no URL (flag or MINK_DATABASE_URL) it runs an embedded PostgreSQL: in DIR when given (kept),
// else in a temporary directory removed at exit.

#include <mink/persistence/connection_pool.hpp>
#include <mink/persistence/embedded_postgres.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <optional>
#include <string>
#include <string_view>

namespace asio = boost::asio;
namespace mp = mink::persistence;
using boost::system::error_code;

namespace {

struct options {
  std::string database_url;
  std::filesystem::path data_dir;
};

std::optional<options> parse(int argc, char** argv) {
  options o;
  if (const char* url = std::getenv("MINK_DATABASE_URL")) o.database_url = url;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--database-url" && i + 1 < argc) {
      o.database_url = argv[++i];
    } else if (arg == "--data-dir" && i + 1 < argc) {
      o.data_dir = argv[++i];
    } else {
      std::cerr << "usage: mink-hello-postgres [--database-url URL] [--data-dir DIR]\n";
      return std::nullopt;
    }
  }
  return o;
}

// A directory under /tmp that the server user can enter, removed when the program ends.
struct temporary_directory {
  std::filesystem::path path;
  temporary_directory() {
    std::string pattern = (std::filesystem::temp_directory_path() / "mink-example-XXXXXX").string();
    if (::mkdtemp(pattern.data())) path = pattern;
  }
  ~temporary_directory() {
    std::error_code ignored;
    if (!path.empty()) std::filesystem::remove_all(path, ignored);
  }
};

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
  auto opts = parse(argc, argv);
  if (!opts) return 2;

  std::optional<temporary_directory> scratch;
  std::optional<mp::embedded_postgres> server;
  std::string url = opts->database_url;
  if (url.empty()) {
    if (opts->data_dir.empty()) {
      scratch.emplace();
      opts->data_dir = scratch->path;  // empty and ours: embedded_postgres hands it to the server user
    }
    mp::embedded_postgres_params params;
    params.data_directory = opts->data_dir;
    server.emplace(params);
    std::cout << "starting embedded PostgreSQL in " << opts->data_dir.string() << std::endl;
    if (auto ec = server->start()) {
      std::cerr << "embedded PostgreSQL: " << ec.message() << "\n" << server->error_message() << '\n';
      return 1;
    }
    url = server->connection_string();
  }
  std::cout << "connecting to: " << url << std::endl;

  asio::io_context ioc;
  mp::pool_params params;
  params.connection_string = url;
  mp::connection_pool pool(ioc.get_executor(), params);
  pool.async_run([](error_code ec) {
    if (ec) std::cerr << "pool stopped: " << ec.message() << '\n';
  });
  int status = 1;
  asio::co_spawn(ioc, print_version(pool), [&](std::exception_ptr e, int result) {
    status = e ? 1 : result;
  });
  ioc.run();
  std::cout << (status == 0 ? "ok" : "FAILED") << '\n';
  return status;
}
