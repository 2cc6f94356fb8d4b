#pragma once
// The real minkd binary as a child process: started on loopback with the embedded PostgreSQL in a
// data directory of the test's choosing, found by the one line it prints when ready, stopped with
// SIGTERM. Every wait is bounded; a process that does not stop in time is killed (SIGKILL).

#include "http_client.hpp"

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include <sys/types.h>

namespace mink::e2e {

/// The minkd executable: $MINK_E2E_MINKD, else the path CMake built it at.
std::filesystem::path minkd_executable();

/// A fresh directory /tmp/mink-e2e-XXXXXX, mode 0755 so that the database server's user (when the
/// tests run as root) can enter it; removed with its contents by the destructor.
class temp_dir {
 public:
  temp_dir();
  ~temp_dir();
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;

  const std::filesystem::path& path() const noexcept { return path_; }
  /// The embedded database's data directory inside it (created by minkd).
  std::filesystem::path data_dir() const { return path_ / "pgdata"; }

 private:
  std::filesystem::path path_;
};

/// How a stop ended.
struct stop_result {
  bool exited_in_time = false;  ///< False: it had to be killed.
  int wait_status = 0;          ///< As waitpid reports it.
  std::chrono::milliseconds took{0};

  bool clean() const;  ///< Exited by itself with status 0.
  std::string describe() const;
};

class minkd_process {
 public:
  /// `args` come after --listen 127.0.0.1:0 --data-dir <data_dir>; stderr goes to `log_file`.
  minkd_process(std::filesystem::path data_dir, std::filesystem::path log_file, std::vector<std::string> args);
  /// Kills a process still running (SIGKILL) and waits for it and its database server.
  ~minkd_process();
  minkd_process(const minkd_process&) = delete;
  minkd_process& operator=(const minkd_process&) = delete;

  /// Spawns minkd and waits (at most `timeout`) for `minkd listening on http://ADDR:PORT`. Throws
  /// std::runtime_error, with the end of minkd's log, when it exits or stays silent.
  void start(std::chrono::milliseconds timeout = std::chrono::seconds(60));

  /// SIGTERM, then waits at most `bound` for the exit; SIGKILL after that.
  stop_result stop(std::chrono::milliseconds bound = std::chrono::seconds(30));

  bool running() const noexcept { return pid_ > 0; }
  const endpoint& address() const noexcept { return address_; }
  /// The last `max_bytes` of minkd's stderr.
  std::string log_tail(std::size_t max_bytes = 4000) const;

 private:
  void kill_and_reap();
  void wait_for_database_exit(std::chrono::milliseconds bound) const;

  std::filesystem::path data_dir_;
  std::filesystem::path log_file_;
  std::vector<std::string> args_;
  pid_t pid_ = -1;
  int stdout_fd_ = -1;
  endpoint address_;
};

}  // namespace mink::e2e
