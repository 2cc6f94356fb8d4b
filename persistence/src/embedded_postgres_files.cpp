// Filesystem side of embedded_postgres: binaries, data directory checks, socket directory, log.

#include "embedded_postgres_detail.hpp"

#include <mink/messaging/errc.hpp>

#include <fcntl.h>
#include <pwd.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

namespace mink::persistence::detail {
namespace fs = std::filesystem;
namespace {

bool executable(const fs::path& p) { return ::access(p.c_str(), X_OK) == 0 && fs::is_regular_file(p); }

bool has_binaries(const fs::path& dir) {
  return !dir.empty() && executable(dir / "postgres") && executable(dir / "initdb");
}

std::string user_name(uid_t uid) {
  std::vector<char> buffer(16384);
  passwd pw{};
  passwd* found = nullptr;
  if (::getpwuid_r(uid, &pw, buffer.data(), buffer.size(), &found) == 0 && found != nullptr)
    return "\"" + std::string(pw.pw_name) + "\"";
  return "uid " + std::to_string(uid);
}

std::string octal_mode(mode_t mode) {
  char text[8];
  std::snprintf(text, sizeof text, "%04o", static_cast<unsigned>(mode & 07777));
  return text;
}

// Mode bits as the kernel applies them: the owner class alone if owner, else group, else other.
// ACLs are not considered; they rarely matter for these directories.
bool can_enter(const struct stat& st, const server_user& user) {
  if (st.st_uid == user.uid) return (st.st_mode & S_IXUSR) != 0;
  if (st.st_gid == user.gid ||
      std::find(user.groups.begin(), user.groups.end(), st.st_gid) != user.groups.end())
    return (st.st_mode & S_IXGRP) != 0;
  return (st.st_mode & S_IXOTH) != 0;
}

boost::system::error_code unusable(std::string& error, std::string message) {
  error = std::move(message);
  return errc::data_directory_unusable;
}

}  // namespace

fs::path find_binaries(const fs::path& requested, std::string& error) {
  if (!requested.empty()) {
    if (has_binaries(requested)) return requested;
    error = "PostgreSQL binaries (postgres, initdb) not found in \"" + requested.string() + "\"";
    return {};
  }
  std::vector<fs::path> candidates;
  if (const char* env = std::getenv("MINK_PG_BINDIR"); env != nullptr && *env != '\0')
    candidates.emplace_back(env);
  candidates.emplace_back("/usr/lib/postgresql/15/bin");
  if (const char* path = std::getenv("PATH"); path != nullptr) {
    std::stringstream entries{std::string(path)};
    for (std::string entry; std::getline(entries, entry, ':');)
      if (!entry.empty()) candidates.emplace_back(entry);
  }
  std::string looked;
  for (const auto& dir : candidates) {
    if (has_binaries(dir)) return dir;
    looked += (looked.empty() ? "" : ", ") + dir.string();
  }
  error = "PostgreSQL 15 binaries (postgres, initdb) not found; looked in $MINK_PG_BINDIR and " + looked +
          ". Install PostgreSQL 15 or set bin_directory / MINK_PG_BINDIR";
  return {};
}

boost::system::error_code prepare_data_directory(const fs::path& dir, const server_user& user,
                                                 bool& needs_initdb, std::string& error) {
  std::error_code ec;
  const bool dir_exists = fs::exists(dir, ec);
  fs::path existing = dir;
  while (!fs::exists(existing, ec) && existing.has_relative_path()) existing = existing.parent_path();
  // Check the path the kernel walks, symbolic links resolved.
  const fs::path resolved = fs::canonical(existing, ec);
  if (ec) return unusable(error, "cannot resolve \"" + existing.string() + "\": " + ec.message());

  // An existing data directory itself is judged below by owner, so that an empty one can be adopted.
  fs::path walked;
  for (const auto& part : dir_exists ? resolved.parent_path() : resolved) {
    walked /= part;
    struct stat st {};
    if (::stat(walked.c_str(), &st) != 0)
      return unusable(error, "cannot stat \"" + walked.string() + "\": " + std::strerror(errno));
    if (!S_ISDIR(st.st_mode))
      return unusable(error, "\"" + walked.string() + "\" is not a directory");
    if (!can_enter(st, user))
      return unusable(error, "user \"" + user.name + "\" cannot enter \"" + walked.string() + "\" (mode " +
                                 octal_mode(st.st_mode) + ", owner " + user_name(st.st_uid) +
                                 "): choose a data directory outside it, e.g. under /tmp or /var/tmp");
  }

  if (!dir_exists) {  // create it for the server user
    fs::create_directories(dir, ec);
    if (ec) return unusable(error, "cannot create \"" + dir.string() + "\": " + ec.message());
    if (user.switch_to && ::chown(dir.c_str(), user.uid, user.gid) != 0)
      return unusable(error, "cannot chown \"" + dir.string() + "\": " + std::strerror(errno));
    ::chmod(dir.c_str(), 0700);
    needs_initdb = true;
    return {};
  }

  struct stat st {};
  if (::stat(dir.c_str(), &st) != 0)
    return unusable(error, "cannot stat \"" + dir.string() + "\": " + std::strerror(errno));
  if (!S_ISDIR(st.st_mode)) return unusable(error, "\"" + dir.string() + "\" is not a directory");
  const bool empty = fs::is_empty(dir, ec);
  if (ec) return unusable(error, "cannot list \"" + dir.string() + "\": " + ec.message());
  if (st.st_uid != user.uid) {
    // An empty directory we own ourselves (e.g. from mkdtemp) is handed over; anyone else's is not ours to take.
    if (!(empty && user.switch_to && st.st_uid == ::geteuid()))
      return unusable(error, "\"" + dir.string() + "\" is owned by " + user_name(st.st_uid) +
                                 " but the server runs as \"" + user.name +
                                 "\": PostgreSQL needs to own its data directory");
    if (::chown(dir.c_str(), user.uid, user.gid) != 0)
      return unusable(error, "cannot chown \"" + dir.string() + "\": " + std::strerror(errno));
  }
  if (empty) {
    ::chmod(dir.c_str(), 0700);
    needs_initdb = true;
    return {};
  }
  if ((st.st_mode & S_IRWXU) != S_IRWXU)
    return unusable(error, "\"" + dir.string() + "\" (mode " + octal_mode(st.st_mode) +
                               ") is not readable, writable and enterable by its owner");
  if (!fs::exists(dir / "PG_VERSION", ec))
    return unusable(error, "\"" + dir.string() +
                               "\" is not empty and is not a PostgreSQL data directory (no PG_VERSION): "
                               "use a missing or empty directory");
  return {};
}

boost::system::error_code wait_for_previous_server(const fs::path& dir, std::string& error) {
  std::ifstream file(dir / "postmaster.pid");
  long pid = 0;
  if (!(file >> pid) || pid <= 0 || pid == ::getpid()) return {};
  const auto alive = [pid] {
    if (::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH) return false;
    // A pid reused by another program leaves the lock file stale; PostgreSQL then refuses to start.
    std::ifstream stat_file("/proc/" + std::to_string(pid) + "/stat");
    std::string line;
    if (!std::getline(stat_file, line)) return true;
    const auto close = line.rfind(')');
    if (close != std::string::npos && close + 2 < line.size() && line[close + 2] == 'Z') return false;
    std::ifstream comm_file("/proc/" + std::to_string(pid) + "/comm");
    std::string comm;
    return !std::getline(comm_file, comm) || comm.rfind("postgres", 0) == 0;
  };
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (alive()) {
    if (std::chrono::steady_clock::now() >= deadline)
      return unusable(error, "\"" + dir.string() + "\" is in use by a running PostgreSQL server (pid " +
                                 std::to_string(pid) + "); stop it or choose another data directory");
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  std::error_code ec;
  fs::remove(dir / "postmaster.pid", ec);  // stale; a reused pid would make the server refuse to start
  return {};
}

fs::path make_socket_directory(const fs::path& previous, const server_user& user, std::string& error) {
  fs::path dir;
  if (!previous.empty() && ::mkdir(previous.c_str(), 0700) == 0) {
    dir = previous;
  } else {
    // Under /tmp, not $TMPDIR: a socket path must fit in about 107 bytes.
    char name[] = "/tmp/mink-pg-XXXXXX";
    if (::mkdtemp(name) == nullptr) {
      error = std::string("cannot create a socket directory under /tmp: ") + std::strerror(errno);
      return {};
    }
    dir = name;
  }
  if (user.switch_to && ::chown(dir.c_str(), user.uid, user.gid) != 0) {
    error = "cannot chown \"" + dir.string() + "\": " + std::strerror(errno);
    ::rmdir(dir.c_str());
    return {};
  }
  return dir;
}

unsigned short pick_port(const fs::path& socket_dir) {
  std::error_code ec;
  for (unsigned port = 5432; port < 65535; ++port) {
    const std::string socket = ".s.PGSQL." + std::to_string(port);
    if (!fs::exists(socket_dir / socket, ec) && !fs::exists(socket_dir / (socket + ".lock"), ec))
      return static_cast<unsigned short>(port);
  }
  return 5432;
}

int open_log(const fs::path& log_file, const server_user& user, std::uintmax_t& size_before,
             std::string& error) {
  const fs::path dir = log_file.parent_path();
  if (::mkdir(dir.c_str(), 0700) == 0 && user.switch_to) {
    if (::chown(dir.c_str(), user.uid, user.gid) != 0) {
      error = "cannot chown \"" + dir.string() + "\": " + std::strerror(errno);
      return -1;
    }
  }
  const int fd = ::open(log_file.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) {
    error = "cannot open the server log \"" + log_file.string() + "\": " + std::strerror(errno);
    return -1;
  }
  if (user.switch_to && ::fchown(fd, user.uid, user.gid) != 0) {
    // Harmless: the server writes through the descriptor it inherits.
  }
  struct stat st {};
  size_before = ::fstat(fd, &st) == 0 ? static_cast<std::uintmax_t>(st.st_size) : 0;
  return fd;
}

std::string read_log_tail(const fs::path& file, std::uintmax_t from, int lines) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return {};
  in.seekg(0, std::ios::end);
  const auto size = static_cast<std::uintmax_t>(in.tellg());
  // A bounded read: the tail is all we show.
  const std::uintmax_t start = std::max(from, size > 65536 ? size - 65536 : 0);
  if (start >= size) return {};
  in.seekg(static_cast<std::streamoff>(start));
  std::string text(size - start, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<std::size_t>(in.gcount()));
  while (!text.empty() && text.back() == '\n') text.pop_back();
  std::size_t pos = text.size();
  for (int n = 0; n < lines && pos != std::string::npos && pos > 0; ++n) pos = text.rfind('\n', pos - 1);
  return pos == std::string::npos || pos == 0 ? text : text.substr(pos + 1);
}

}  // namespace mink::persistence::detail
