#pragma once
// A private PostgreSQL server started from the machine's installed PostgreSQL 15 binaries.

#include <boost/system/error_code.hpp>

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace mink::persistence {

/// Configuration of an embedded_postgres.
struct embedded_postgres_params {
  /// Data directory. Created (and initdb'ed) when missing or empty; reused otherwise, so data survives
  /// restarts. Every parent must be enterable by the server's user.
  std::filesystem::path data_directory;

  /// Directory holding initdb, postgres and pg_ctl. Empty: the first of $MINK_PG_BINDIR,
  /// /usr/lib/postgresql/15/bin, and the directories on $PATH that has them.
  std::filesystem::path bin_directory;

  /// Operating-system user the server runs as. Empty: the current user, or "postgres" when the
  /// process runs as root (PostgreSQL refuses to run as root).
  std::string run_as_user;

  /// Port number that names the Unix socket (.s.PGSQL.<port>). 0: pick a free one.
  unsigned short port = 0;

  /// Database created on first start and named in connection_string().
  std::string database = "mink";

  /// Extra server settings passed as -c name=value (after mink's defaults, so they win).
  std::vector<std::pair<std::string, std::string>> settings;

  /// How long start() waits for the server to accept connections.
  std::chrono::milliseconds start_timeout{60'000};
};

/// Runs a PostgreSQL server privately for this process: Unix socket only (no TCP listener), in a
/// socket directory of its own, with durability on (fsync, synchronous_commit). The server is told to
/// stop (fast shutdown) by stop(), by the destructor, and by the kernel if this process dies.
///
/// start() and stop() block: call them before running an io_context or from a thread that does not
/// run one. Not thread-safe: one thread owns the object.
///
/// The kernel's stop signal is tied to the thread that called start() (PR_SET_PDEATHSIG), so call
/// start() from a thread that lives as long as the server should, typically main. A server left by a
/// killed process is waited for (a few seconds) by the next start() on the same data directory.
class embedded_postgres {
 public:
  explicit embedded_postgres(embedded_postgres_params params);
  ~embedded_postgres();

  embedded_postgres(const embedded_postgres&) = delete;
  embedded_postgres& operator=(const embedded_postgres&) = delete;
  embedded_postgres(embedded_postgres&&) noexcept;
  embedded_postgres& operator=(embedded_postgres&&) noexcept;

  /// Runs initdb if needed, starts the server, waits until it accepts connections and creates
  /// params.database if missing. Errors (mink::errc): postgres_binaries_not_found,
  /// data_directory_unusable (wrong owner, a parent the server user cannot enter, not writable),
  /// postgres_port_in_use, postgres_start_failed (server exited or timed out). error_message() then
  /// explains, with the tail of the server log where there is one. Starting a running server is a no-op.
  boost::system::error_code start();

  /// Fast shutdown; waits for the server to exit and removes the socket directory. Idempotent.
  /// mink::errc::timeout when the server ignored fast shutdown for 30 s and had to be killed.
  boost::system::error_code stop();

  bool running() const noexcept;

  /// libpq connection string for params.database, e.g. "host=/tmp/mink-pg-x port=5432 dbname=mink
  /// user=postgres". Valid while running(); stop() then start() keeps the same socket directory name
  /// and port when it can, so the string stays valid across a restart.
  std::string connection_string() const;

  /// Same, naming another database on this server.
  std::string connection_string(const std::string& database) const;

  unsigned short port() const noexcept;
  const std::filesystem::path& socket_directory() const noexcept;
  const std::filesystem::path& data_directory() const noexcept;
  std::filesystem::path log_file() const;

  /// Human-readable detail of the last failed start() or stop().
  const std::string& error_message() const noexcept;

 private:
  struct state;
  std::unique_ptr<state> state_;
};

}  // namespace mink::persistence
