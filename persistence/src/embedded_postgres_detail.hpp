#pragma once
// Internals of embedded_postgres shared by its translation units: locating binaries, checking the
// data directory against the server user, and running child processes as that user.

#include <boost/system/error_code.hpp>

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace mink::persistence::detail {

/// The operating-system user PostgreSQL runs as.
struct server_user {
  std::string name;
  uid_t uid = 0;
  gid_t gid = 0;
  std::vector<gid_t> groups;  ///< Supplementary groups, resolved before fork (initgroups is not fork-safe).
  bool switch_to = false;     ///< True when we run as root and children must drop to this user.
};

/// Resolves params.run_as_user (empty: current user, or "postgres" as root). Empty result: see error.
std::optional<server_user> lookup_server_user(const std::string& requested, std::string& error);

/// Finds a directory holding both postgres and initdb. Empty result: see error.
std::filesystem::path find_binaries(const std::filesystem::path& requested, std::string& error);

/// Checks that the server user can reach and own `dir`, creating it (owned by that user, mode 0700)
/// when missing. Sets needs_initdb when the directory is new or empty.
boost::system::error_code prepare_data_directory(const std::filesystem::path& dir,
                                                 const server_user& user, bool& needs_initdb,
                                                 std::string& error);

/// Waits a few seconds for a server still running on `dir` (from a process that died) to exit.
boost::system::error_code wait_for_previous_server(const std::filesystem::path& dir, std::string& error);

/// Creates a private socket directory owned by the user, mode 0700. Tries `previous` first so that
/// connection strings survive a restart. Empty result: see error.
std::filesystem::path make_socket_directory(const std::filesystem::path& previous,
                                            const server_user& user, std::string& error);

/// A port number whose socket and lock file do not exist in socket_dir.
unsigned short pick_port(const std::filesystem::path& socket_dir);

/// Creates log_file's directory and opens the file for appending, owned by the user. -1: see error.
int open_log(const std::filesystem::path& log_file, const server_user& user, std::uintmax_t& size_before,
             std::string& error);

/// The last `lines` lines of `file` written after byte offset `from`.
std::string read_log_tail(const std::filesystem::path& file, std::uintmax_t from, int lines);

/// fork + exec of argv[0] with stdout/stderr on output_fd, stdin on /dev/null, running as `user`, in
/// a session of its own, killed with SIGINT when this thread dies. -1: see error.
pid_t spawn(const std::vector<std::string>& argv, const server_user& user, int output_fd,
            std::string& error);

/// Spawns argv, collects its output and waits for it. Returns the wait status, -1 if it did not run.
int run_and_capture(const std::vector<std::string>& argv, const server_user& user, std::string& output,
                    std::string& error);

/// Reaps pid if it exits within timeout. True when it is gone (status set when known).
bool wait_exit(pid_t pid, std::chrono::milliseconds timeout, int& status);

/// "exited with status 1", "killed by signal 9".
std::string describe_status(int status);

}  // namespace mink::persistence::detail
