#pragma once
// minkd's configuration: command-line flags, each also readable from a MINK_* environment
// variable (the flag wins), with the defaults documented in --help.

#include <boost/asio/ip/tcp.hpp>

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>

namespace minkd {

enum class log_level { debug, info, warn, error, off };

struct config {
  boost::asio::ip::tcp::endpoint listen{boost::asio::ip::make_address("127.0.0.1"), 8080};
  std::string database_url;           ///< Empty: the embedded PostgreSQL.
  std::filesystem::path data_dir;     ///< Embedded server's data; empty: a temporary directory.
  unsigned threads = 1;               ///< io_context threads.
  bool automatic_fulfilment = true;   ///< --fulfillment=auto (the saga) or manual.
  std::size_t pool_size = 16;
  std::size_t max_body = 64 * 1024;
  std::size_t max_header = 8 * 1024;
  std::chrono::milliseconds header_timeout{10'000};
  std::chrono::milliseconds idle_timeout{60'000};
  std::chrono::milliseconds shutdown_timeout{10'000};
  std::size_t max_connections = 1024;
  log_level level = log_level::info;
  bool access_log = true;
};

/// What parsing the command line decided: run with `settings`, or exit with `exit_code` (0 after
/// --help, 2 for a bad flag or value, the reason already printed on stderr).
struct parse_outcome {
  std::optional<config> settings;
  int exit_code = 0;
};

/// Parses argv and the environment (MINK_LISTEN, MINK_DATABASE_URL, MINK_DATA_DIR, MINK_THREADS,
/// MINK_FULFILLMENT, MINK_POOL_SIZE, MINK_MAX_BODY, MINK_MAX_HEADER, MINK_HEADER_TIMEOUT_MS,
/// MINK_IDLE_TIMEOUT_MS, MINK_SHUTDOWN_TIMEOUT_MS, MINK_MAX_CONNECTIONS, MINK_LOG_LEVEL,
/// MINK_ACCESS_LOG). --help prints every flag on stdout.
parse_outcome parse_config(int argc, const char* const* argv);

/// "127.0.0.1:8080", "[::1]:8080".
std::string to_string(const boost::asio::ip::tcp::endpoint& ep);

}  // namespace minkd
