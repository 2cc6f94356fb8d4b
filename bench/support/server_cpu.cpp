#include "server_cpu.hpp"

#include "pg_sync.hpp"

#include <cstdlib>
#include <exception>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string_view>

#include <unistd.h>

namespace mink::bench {
namespace {

struct proc_stat {
  long ppid = 0;
  unsigned long long ticks = 0;  // utime + stime + cutime + cstime
};

// /proc/<pid>/stat: "pid (comm) state ppid ..." with utime..cstime as fields 14-17; comm may hold
// spaces and parentheses, so the fields are counted from the last ')'.
std::optional<proc_stat> read_stat(const std::filesystem::path& file) {
  std::ifstream in(file);
  std::string line;
  if (!in || !std::getline(in, line)) return std::nullopt;
  const auto close = line.rfind(')');
  if (close == std::string::npos) return std::nullopt;
  std::istringstream fields(line.substr(close + 1));
  std::string state;
  proc_stat st;
  long skip = 0;
  unsigned long long utime = 0, stime = 0;
  long long cutime = 0, cstime = 0;
  fields >> state >> st.ppid;
  for (int i = 5; i <= 13; ++i) fields >> skip;  // pgrp .. cmajflt
  fields >> utime >> stime >> cutime >> cstime;
  if (!fields) return std::nullopt;
  st.ticks = utime + stime + static_cast<unsigned long long>(cutime + cstime);
  return st;
}

}  // namespace

server_cpu::server_cpu(const std::string& conninfo) {
  const long hz = ::sysconf(_SC_CLK_TCK);
  if (hz > 0) tick_ = 1.0 / static_cast<double>(hz);
  try {
    auto conn = connect(conninfo, "server CPU probe");
    auto res = exec_checked(conn.get(), "SHOW data_directory", PGRES_TUPLES_OK, "server CPU probe");
    std::ifstream pid_file(std::filesystem::path(PQgetvalue(res.get(), 0, 0)) / "postmaster.pid");
    long pid = 0;
    if (pid_file >> pid && pid > 0 && read_stat("/proc/" + std::to_string(pid) + "/stat")) postmaster_pid_ = pid;
  } catch (const std::exception&) {
    postmaster_pid_ = 0;  // a remote server, or no permission: the figure is just not reported
  }
}

std::optional<double> server_cpu::seconds() const {
  if (!available()) return std::nullopt;
  const auto self = read_stat("/proc/" + std::to_string(postmaster_pid_) + "/stat");
  if (!self) return std::nullopt;
  unsigned long long ticks = self->ticks;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator("/proc", ec)) {
    const auto name = entry.path().filename().string();
    if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) continue;
    if (const auto st = read_stat(entry.path() / "stat"); st && st->ppid == postmaster_pid_) ticks += st->ticks;
  }
  if (ec) return std::nullopt;
  return static_cast<double>(ticks) * tick_;
}

}  // namespace mink::bench
