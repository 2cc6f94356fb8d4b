#pragma once
// The PostgreSQL server shared by the integration tests of one process.

#include <mink/persistence/embedded_postgres.hpp>

#include <filesystem>
#include <memory>
#include <string>

namespace mink::test {

/// Either an embedded server (data directory $MINK_TEST_DATA_DIR, else a fresh /tmp/mink-test-XXXXXX
/// removed at exit) or, when $MINK_TEST_DATABASE_URL is set, that external database.
class test_server {
 public:
  /// Starts the embedded server unless MINK_TEST_DATABASE_URL is set. Throws std::runtime_error with
  /// embedded_postgres::error_message() when it cannot start.
  test_server();
  ~test_server();

  test_server(const test_server&) = delete;
  test_server& operator=(const test_server&) = delete;

  /// libpq connection string of the test database.
  std::string connection_string() const;

  /// False when running against MINK_TEST_DATABASE_URL: tests that stop or restart the server skip.
  bool embedded() const noexcept { return postgres_ != nullptr; }

  /// The embedded server, for restart tests. Throws std::logic_error when !embedded().
  persistence::embedded_postgres& postgres();

 private:
  std::string external_url_;
  std::filesystem::path temporary_dir_;  // removed at exit; empty when MINK_TEST_DATA_DIR is used
  std::unique_ptr<persistence::embedded_postgres> postgres_;
};

/// The process-wide server, started on first use.
test_server& server();

}  // namespace mink::test
