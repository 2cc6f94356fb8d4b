#include "minkd_process.hpp"

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <system_error>
#include <thread>

#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace mink::e2e {

namespace fs = std::filesystem;
using clock_type = std::chrono::steady_clock;

fs::path minkd_executable() {
  if (const char* path = std::getenv("MINK_E2E_MINKD"); path != nullptr && *path != '\0') return path;
  return MINK_E2E_MINKD_DEFAULT;
}

temp_dir::temp_dir() {
  char name[] = "/tmp/mink-e2e-XXXXXX";
  if (::mkdtemp(name) == nullptr) throw std::system_error(errno, std::generic_category(), "mkdtemp");
  path_ = name;
  // mkdtemp makes it 0700; the database server runs as another user when the tests run as root.
  if (::chmod(name, 0755) != 0) throw std::system_error(errno, std::generic_category(), "chmod");
}

temp_dir::~temp_dir() {
  std::error_code ignored;
  fs::remove_all(path_, ignored);
}

bool stop_result::clean() const {
  return exited_in_time && WIFEXITED(wait_status) && WEXITSTATUS(wait_status) == 0;
}

std::string stop_result::describe() const {
  std::ostringstream out;
  if (!exited_in_time) out << "did not exit in time (killed); ";
  if (WIFEXITED(wait_status)) out << "exit status " << WEXITSTATUS(wait_status);
  else if (WIFSIGNALED(wait_status)) out << "killed by signal " << WTERMSIG(wait_status);
  else out << "wait status " << wait_status;
  out << " after " << took.count() << " ms";
  return out.str();
}

minkd_process::minkd_process(fs::path data_dir, fs::path log_file, std::vector<std::string> args)
    : data_dir_(std::move(data_dir)), log_file_(std::move(log_file)), args_(std::move(args)) {}

minkd_process::~minkd_process() {
  if (running()) kill_and_reap();
  if (stdout_fd_ >= 0) ::close(stdout_fd_);
}

std::string minkd_process::log_tail(std::size_t max_bytes) const {
  std::ifstream in(log_file_, std::ios::binary);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (text.size() > max_bytes) text = "..." + text.substr(text.size() - max_bytes);
  return text;
}

namespace {

// "minkd listening on http://127.0.0.1:41234" -> {127.0.0.1, 41234}; nullopt when not that line.
std::optional<endpoint> parse_listening_line(std::string_view line) {
  constexpr std::string_view prefix = "minkd listening on http://";
  if (!line.starts_with(prefix)) return std::nullopt;
  std::string_view rest = line.substr(prefix.size());
  while (!rest.empty() && (rest.back() == '\r' || rest.back() == '/' || rest.back() == ' ')) rest.remove_suffix(1);
  const auto colon = rest.rfind(':');
  if (colon == std::string_view::npos) return std::nullopt;
  std::string host(rest.substr(0, colon));
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  int port = 0;
  for (char c : rest.substr(colon + 1)) {
    if (c < '0' || c > '9') return std::nullopt;
    port = port * 10 + (c - '0');
    if (port > 65535) return std::nullopt;
  }
  if (port == 0) return std::nullopt;
  return endpoint{host, static_cast<unsigned short>(port)};
}

}  // namespace

void minkd_process::start(std::chrono::milliseconds timeout) {
  if (running()) throw std::logic_error("minkd already running");
  if (stdout_fd_ >= 0) ::close(stdout_fd_);
  stdout_fd_ = -1;
  const fs::path exe = minkd_executable();
  if (!fs::exists(exe)) throw std::runtime_error("minkd not found at " + exe.string() + " (set MINK_E2E_MINKD)");

  std::vector<std::string> argv_text{exe.string(), "--listen", "127.0.0.1:0", "--data-dir", data_dir_.string()};
  argv_text.insert(argv_text.end(), args_.begin(), args_.end());
  std::vector<char*> argv;
  for (auto& a : argv_text) argv.push_back(a.data());
  argv.push_back(nullptr);

  int out[2];
  if (::pipe2(out, O_CLOEXEC) != 0) throw std::system_error(errno, std::generic_category(), "pipe2");
  posix_spawn_file_actions_t actions;
  ::posix_spawn_file_actions_init(&actions);
  ::posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  ::posix_spawn_file_actions_adddup2(&actions, out[1], 1);
  ::posix_spawn_file_actions_addopen(&actions, 2, log_file_.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  pid_t pid = -1;
  const int rc = ::posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ);
  ::posix_spawn_file_actions_destroy(&actions);
  ::close(out[1]);
  if (rc != 0) {
    ::close(out[0]);
    throw std::system_error(rc, std::generic_category(), "posix_spawn " + exe.string());
  }
  pid_ = pid;
  stdout_fd_ = out[0];

  // Read stdout until the listening line, the process's exit, or the deadline.
  const auto until = clock_type::now() + timeout;
  std::string text;
  for (;;) {
    const auto newline = text.find('\n');
    if (newline != std::string::npos) {
      const std::string line = text.substr(0, newline);
      text.erase(0, newline + 1);
      if (auto ep = parse_listening_line(line)) {
        address_ = *ep;
        return;
      }
      continue;  // some other line: keep looking
    }
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      std::ostringstream why;
      why << "minkd exited before it was ready (wait status " << status << "); its log:\n" << log_tail();
      throw std::runtime_error(why.str());
    }
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - clock_type::now());
    if (left <= std::chrono::milliseconds(0)) {
      kill_and_reap();
      throw std::runtime_error("minkd did not print its listening line within " + std::to_string(timeout.count()) +
                               " ms; stdout so far: \"" + text + "\"; its log:\n" + log_tail());
    }
    pollfd p{stdout_fd_, POLLIN, 0};
    const int n = ::poll(&p, 1, static_cast<int>(std::min<long long>(left.count(), 100)));
    if (n > 0) {
      char buffer[512];
      const ssize_t got = ::read(stdout_fd_, buffer, sizeof buffer);
      if (got > 0) text.append(buffer, static_cast<std::size_t>(got));
      else if (got == 0) std::this_thread::sleep_for(std::chrono::milliseconds(20));  // closed: wait for the exit
    }
  }
}

stop_result minkd_process::stop(std::chrono::milliseconds bound) {
  stop_result result;
  if (!running()) throw std::logic_error("minkd is not running");
  const auto started = clock_type::now();
  ::kill(pid_, SIGTERM);
  const auto until = started + bound;
  for (;;) {
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      result.exited_in_time = true;
      result.wait_status = status;
      pid_ = -1;
      break;
    }
    if (clock_type::now() >= until) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, &status, 0);
      result.wait_status = status;
      pid_ = -1;
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  result.took = std::chrono::duration_cast<std::chrono::milliseconds>(clock_type::now() - started);
  // The embedded server is told to stop when minkd goes (by minkd, or by the kernel when killed).
  wait_for_database_exit(std::chrono::seconds(30));
  return result;
}

void minkd_process::kill_and_reap() {
  int status = 0;
  ::kill(pid_, SIGKILL);
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
  wait_for_database_exit(std::chrono::seconds(30));
}

void minkd_process::wait_for_database_exit(std::chrono::milliseconds bound) const {
  std::ifstream file(data_dir_ / "postmaster.pid");
  long pid = 0;
  if (!(file >> pid) || pid <= 0) return;
  const auto until = clock_type::now() + bound;
  while (clock_type::now() < until) {
    if (::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH) return;
    std::ifstream stat_file("/proc/" + std::to_string(pid) + "/stat");
    std::string line;
    if (std::getline(stat_file, line)) {
      const auto close = line.rfind(')');
      if (close != std::string::npos && close + 2 < line.size() && line[close + 2] == 'Z') return;
    }
    std::ifstream comm_file("/proc/" + std::to_string(pid) + "/comm");
    std::string comm;
    if (std::getline(comm_file, comm) && comm.rfind("postgres", 0) != 0) return;  // pid reused
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

}  // namespace mink::e2e
