#pragma once
// Where an example program's data lives: the PostgreSQL named by --database-url (or
// MINK_DATABASE_URL), else a private embedded server, in --data-dir when given (kept) or in a
// temporary directory removed at exit; and running a coroutine with a connection pool on it.

#include <mink/persistence/connection_pool.hpp>
#include <mink/persistence/embedded_postgres.hpp>

#include <boost/asio/awaitable.hpp>

#include <filesystem>
#include <functional>
#include <iostream>
#include <optional>
#include <string>

namespace example {

struct database_options {
  std::string database_url;        ///< Empty: embedded.
  std::filesystem::path data_dir;  ///< For the embedded server; empty: a temporary directory.
  /// Where open() says which server it starts (a server program keeps its stdout for itself).
  std::ostream* progress = &std::cout;
};

/// Takes --database-url URL and --data-dir DIR out of argv (other arguments stay, in order) and
/// reads MINK_DATABASE_URL. False (with a message on stderr) for a flag without its value.
bool take_database_options(int& argc, char** argv, database_options& out);

/// The database an example runs against; stops the embedded server (and removes a temporary
/// data directory) when destroyed.
class database {
 public:
  database() = default;
  database(const database&) = delete;
  database& operator=(const database&) = delete;
  ~database();

  /// Starts the embedded server if no URL was given, printing where. False, with the reason on
  /// stderr, when it cannot start.
  bool open(const database_options& options);

  /// The libpq connection string to use.
  const std::string& url() const noexcept { return url_; }

 private:
  std::filesystem::path scratch_;
  std::optional<mink::persistence::embedded_postgres> server_;
  std::string url_;
};

/// Runs `body` on a fresh io_context with a connection pool on `url` (the pool runs meanwhile;
/// `body` cancels it when done so that the context runs out of work). Answers what `body` answers,
/// or -1 when it throws (the exception is printed after `what`).
int run_with_pool(const std::string& url, const std::string& what,
                  std::function<boost::asio::awaitable<int>(mink::persistence::connection_pool&)> body);

}  // namespace example
