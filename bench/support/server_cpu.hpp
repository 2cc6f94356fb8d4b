#pragma once
// The CPU time the server's processes use, from /proc: the server's side of a phase's cost.

#include <optional>
#include <string>

namespace mink::bench {

/// Follows one local PostgreSQL server: its postmaster (from postmaster.pid in the data directory
/// the server reports) and the postmaster's children, live (utime + stime) and reaped (cutime +
/// cstime). Unavailable for a remote server, or when the files cannot be read.
class server_cpu {
 public:
  explicit server_cpu(const std::string& conninfo);

  bool available() const noexcept { return postmaster_pid_ > 0; }
  /// CPU seconds used so far by the server; nullopt when unavailable.
  std::optional<double> seconds() const;

 private:
  long postmaster_pid_ = 0;
  double tick_ = 0.01;
};

}  // namespace mink::bench
