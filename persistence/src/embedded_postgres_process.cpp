// Child processes for embedded_postgres: user lookup, fork + exec as the server user, waiting.

#include "embedded_postgres_detail.hpp"

#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <thread>

namespace mink::persistence::detail {
namespace {

// Where a child failed before exec, reported to the parent through a close-on-exec pipe.
enum child_stage : int { stage_stdio = 1, stage_groups, stage_gid, stage_uid, stage_deathsig, stage_exec };

const char* stage_name(int stage) {
  switch (stage) {
    case stage_stdio: return "redirecting output";
    case stage_groups: return "setgroups";
    case stage_gid: return "setgid";
    case stage_uid: return "setuid";
    case stage_deathsig: return "prctl(PR_SET_PDEATHSIG)";
    case stage_exec: return "exec";
  }
  return "starting";
}

struct child_report {
  int stage;
  int error;
};

// Runs in the forked child: only async-signal-safe calls, since the parent may have other threads.
[[noreturn]] void run_child(char* const* argv, const server_user& user, const gid_t* groups,
                            std::size_t group_count, int output_fd, int report_fd, pid_t parent) {
  const auto fail = [report_fd](int stage) {
    child_report r{stage, errno};
    [[maybe_unused]] auto n = ::write(report_fd, &r, sizeof r);
    ::_exit(127);
  };
  // Dispositions set to SIG_IGN and blocked masks survive exec and would confuse the server.
  struct sigaction dfl {};
  dfl.sa_handler = SIG_DFL;
  for (int sig = 1; sig < NSIG; ++sig) ::sigaction(sig, &dfl, nullptr);
  sigset_t none;
  ::sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  // A session of its own: a terminal's Ctrl-C goes to the application, which decides when to stop.
  ::setsid();

  const int null_fd = ::open("/dev/null", O_RDONLY);
  if (null_fd < 0 || ::dup2(null_fd, 0) < 0 || ::dup2(output_fd, 1) < 0 || ::dup2(output_fd, 2) < 0)
    fail(stage_stdio);

  if (user.switch_to) {
    if (::setgroups(group_count, groups) != 0) fail(stage_groups);
    if (::setgid(user.gid) != 0) fail(stage_gid);
    if (::setuid(user.uid) != 0) fail(stage_uid);
  }
  // After setuid: a credential change clears the death signal.
  if (::prctl(PR_SET_PDEATHSIG, SIGINT) != 0) fail(stage_deathsig);
  if (::getppid() != parent) ::_exit(1);  // the parent died before the death signal was armed

  // PostgreSQL resolves its own path relative to the working directory, which the user may not enter.
  if (::chdir("/") != 0) fail(stage_exec);
  ::close_range(3, ~0U, CLOSE_RANGE_CLOEXEC);  // no inherited descriptors beyond stdio
  ::execv(argv[0], argv);
  fail(stage_exec);
  ::_exit(127);
}

}  // namespace

std::optional<server_user> lookup_server_user(const std::string& requested, std::string& error) {
  const bool root = ::geteuid() == 0;
  std::string name = requested;
  std::vector<char> buffer(16384);
  passwd pw{};
  passwd* found = nullptr;
  int rc = 0;
  if (name.empty() && root) name = "postgres";
  if (name.empty())
    rc = ::getpwuid_r(::geteuid(), &pw, buffer.data(), buffer.size(), &found);
  else
    rc = ::getpwnam_r(name.c_str(), &pw, buffer.data(), buffer.size(), &found);
  if (found == nullptr) {
    error = name.empty() ? "cannot look up the current user" : "user \"" + name + "\" does not exist";
    if (rc != 0) error += std::string(": ") + std::strerror(rc);
    if (root && requested.empty())
      error += "; create it (e.g. useradd --system postgres) or set run_as_user";
    return std::nullopt;
  }
  server_user user;
  user.name = pw.pw_name;
  user.uid = pw.pw_uid;
  user.gid = pw.pw_gid;
  if (user.uid == 0) {
    error = "PostgreSQL refuses to run as root (user \"" + user.name + "\"): set run_as_user";
    return std::nullopt;
  }
  if (user.uid != ::geteuid()) {
    if (!root) {
      error = "cannot run the server as \"" + user.name + "\": switching users requires root";
      return std::nullopt;
    }
    user.switch_to = true;
  }
  int count = 32;
  user.groups.resize(static_cast<std::size_t>(count));
  while (::getgrouplist(user.name.c_str(), user.gid, user.groups.data(), &count) < 0)
    user.groups.resize(static_cast<std::size_t>(count));
  user.groups.resize(static_cast<std::size_t>(count));
  return user;
}

pid_t spawn(const std::vector<std::string>& argv, const server_user& user, int output_fd,
            std::string& error) {
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);

  int report[2];
  if (::pipe2(report, O_CLOEXEC) != 0) {
    error = std::string("pipe: ") + std::strerror(errno);
    return -1;
  }
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid == 0)
    run_child(args.data(), user, user.groups.data(), user.groups.size(), output_fd, report[1], parent);
  ::close(report[1]);
  if (pid < 0) {
    error = std::string("fork: ") + std::strerror(errno);
    ::close(report[0]);
    return -1;
  }
  // EOF without a report means exec succeeded (the pipe closed on exec).
  child_report r{};
  ssize_t n;
  do n = ::read(report[0], &r, sizeof r);
  while (n < 0 && errno == EINTR);
  ::close(report[0]);
  if (n == static_cast<ssize_t>(sizeof r)) {
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    error = "cannot run " + argv[0] + " as user \"" + user.name + "\": " + stage_name(r.stage) +
            " failed: " + std::strerror(r.error);
    return -1;
  }
  return pid;
}

int run_and_capture(const std::vector<std::string>& argv, const server_user& user, std::string& output,
                    std::string& error) {
  int out[2];
  if (::pipe2(out, O_CLOEXEC) != 0) {
    error = std::string("pipe: ") + std::strerror(errno);
    return -1;
  }
  const pid_t pid = spawn(argv, user, out[1], error);
  ::close(out[1]);
  if (pid < 0) {
    ::close(out[0]);
    return -1;
  }
  char buffer[4096];
  for (;;) {
    const ssize_t n = ::read(out[0], buffer, sizeof buffer);
    if (n > 0)
      output.append(buffer, static_cast<std::size_t>(n));
    else if (n == 0 || errno != EINTR)
      break;
  }
  ::close(out[0]);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return 0;  // reaped elsewhere (SIGCHLD ignored): assume success, later steps check
  }
  return status;
}

bool wait_exit(pid_t pid, std::chrono::milliseconds timeout, int& status) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    const pid_t r = ::waitpid(pid, &status, WNOHANG);
    if (r == pid) return true;
    // Someone else reaped it (e.g. SIGCHLD ignored): fall back to probing the pid.
    if (r < 0 && errno == ECHILD && ::kill(pid, 0) != 0) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

std::string describe_status(int status) {
  if (WIFEXITED(status)) return "exited with status " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return std::string("killed by signal ") + ::strsignal(WTERMSIG(status));
  return "stopped";
}

}  // namespace mink::persistence::detail
