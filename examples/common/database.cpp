#include <example/database.hpp>

#include <cstdlib>
#include <cstring>
#include <iostream>
#include <string_view>
#include <system_error>

#include <stdlib.h>

namespace example {

bool take_database_options(int& argc, char** argv, database_options& out) {
  if (const char* url = std::getenv("MINK_DATABASE_URL")) out.database_url = url;
  int kept = 1;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--database-url" || arg == "--data-dir") {
      if (i + 1 >= argc) {
        std::cerr << arg << " needs a value\n";
        return false;
      }
      if (arg == "--database-url") out.database_url = argv[++i];
      else out.data_dir = argv[++i];
    } else {
      argv[kept++] = argv[i];
    }
  }
  argc = kept;
  return true;
}

database::~database() {
  if (server_) server_->stop();
  std::error_code ignored;
  if (!scratch_.empty()) std::filesystem::remove_all(scratch_, ignored);
}

bool database::open(const database_options& options) {
  if (!options.database_url.empty()) {
    url_ = options.database_url;
    return true;
  }
  std::filesystem::path dir = options.data_dir;
  if (dir.empty()) {
    // Under the system's temporary directory, which the server's user can enter.
    std::string pattern = (std::filesystem::temp_directory_path() / "mink-example-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) {
      std::cerr << "cannot create a temporary directory: " << std::strerror(errno) << '\n';
      return false;
    }
    dir = scratch_ = pattern;
  }
  mink::persistence::embedded_postgres_params params;
  params.data_directory = dir;
  server_.emplace(params);
  if (options.progress != nullptr) {
    *options.progress << "starting embedded PostgreSQL in " << dir.string() << std::endl;
  }
  if (auto ec = server_->start()) {
    std::cerr << "embedded PostgreSQL: " << ec.message() << "\n" << server_->error_message() << '\n';
    server_.reset();
    return false;
  }
  url_ = server_->connection_string();
  return true;
}

}  // namespace example
