#include "test_server.hpp"

#include <cerrno>
#include <cstdlib>
#include <stdexcept>
#include <system_error>

namespace mink::test {

test_server::test_server() {
  if (const char* url = std::getenv("MINK_TEST_DATABASE_URL"); url != nullptr && *url != '\0') {
    external_url_ = url;
    return;
  }
  persistence::embedded_postgres_params params;
  if (const char* dir = std::getenv("MINK_TEST_DATA_DIR"); dir != nullptr && *dir != '\0') {
    params.data_directory = dir;
  } else {
    char name[] = "/tmp/mink-test-XXXXXX";
    if (::mkdtemp(name) == nullptr)
      throw std::system_error(errno, std::generic_category(), "mkdtemp /tmp/mink-test-XXXXXX");
    temporary_dir_ = name;
    params.data_directory = temporary_dir_;
  }
  postgres_ = std::make_unique<persistence::embedded_postgres>(std::move(params));
  if (const auto ec = postgres_->start()) {
    const std::string message = "cannot start the test PostgreSQL server: " + ec.message() + ": " +
                                postgres_->error_message();
    postgres_.reset();
    std::error_code ignored;
    if (!temporary_dir_.empty()) std::filesystem::remove_all(temporary_dir_, ignored);
    throw std::runtime_error(message);
  }
}

test_server::~test_server() {
  postgres_.reset();  // the server must be gone before its files are
  std::error_code ignored;
  if (!temporary_dir_.empty()) std::filesystem::remove_all(temporary_dir_, ignored);
}

std::string test_server::connection_string() const {
  return postgres_ ? postgres_->connection_string() : external_url_;
}

persistence::embedded_postgres& test_server::postgres() {
  if (!postgres_) throw std::logic_error("MINK_TEST_DATABASE_URL is set: there is no embedded server");
  return *postgres_;
}

test_server& server() {
  static test_server instance;
  return instance;
}

}  // namespace mink::test
