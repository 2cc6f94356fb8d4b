#pragma once
// Shared pieces of the benchmarks in bench/ (library mink_bench_support): options, the server under
// test, phase timing and reporting, and small blocking-libpq helpers (pg_sync.hpp).

#include <mink/persistence/embedded_postgres.hpp>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <iosfwd>
#include <memory>
#include <stdexcept>
#include <ostream>
#include <span>
#include <string>
#include <string_view>
#include <utility>

namespace mink::bench {

using clock = std::chrono::steady_clock;

/// Every phase runs this long first, unmeasured: connections open, statements get prepared,
/// the server's caches and the CPU frequency settle.
inline constexpr std::chrono::milliseconds warmup_time{500};

struct options {
  double seconds = 3.0;      ///< Measured duration of each phase (parse_options sets the program's default).
  std::string database_url;  ///< Empty: start an embedded server.
  bool help = false;
};

/// Bad command line; main prints it with the usage and exits 2.
struct usage_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// --seconds N (default `default_seconds`), --database-url URL (else $MINK_DATABASE_URL), --help.
/// Throws usage_error. Each program prints its own usage text.
options parse_options(int argc, char** argv, double default_seconds);

/// SIGINT/SIGTERM only set a flag: loops end at their next check, so main still stops the
/// embedded server and removes its data directory.
void install_stop_handlers();

/// The main() every benchmark shares: parses the options (usage and exit 2 on a bad one, usage and
/// exit 0 for --help), installs the stop handlers, runs `run` and turns an exception into exit 1.
int bench_main(int argc, char** argv, double default_seconds, void (*print_usage)(std::ostream&, const char*),
               int (*run)(const options&));
bool stop_requested() noexcept;

/// True while a timed loop should start another operation.
inline bool keep_going(clock::time_point until) noexcept { return !stop_requested() && clock::now() < until; }

clock::duration to_duration(double seconds);

/// What a timed loop counted. Single-threaded use only (each phase runs on one thread).
struct phase_counts {
  std::uint64_t ops = 0;          ///< Queries or rows.
  std::uint64_t round_trips = 0;  ///< Awaited operations (a pipeline batch is one).
  clock::duration latency_sum{};  ///< Sum of the round trips' durations as their requesters saw them.
  clock::duration elapsed{};      ///< From the first start to the last completion.
  /// CPU time this (the only client) thread spent: the client's cost per operation, which a
  /// latency figure hides when it overlaps the server's work on the other core.
  std::chrono::nanoseconds client_cpu{};
};

/// CPU time consumed so far by the calling thread.
std::chrono::nanoseconds thread_cpu_time() noexcept;

struct phase_result {
  std::string name;
  std::string unit;  ///< "queries" or "rows", for the report.
  phase_counts counts;

  double per_second() const;
  double mean_latency_us() const;  ///< Per round trip.
  double client_cpu_us_per_op() const;
};

/// One human-readable line.
void print_phase(std::ostream& out, const phase_result& r);

/// The server the phases talk to: the one named by a URL, or an embedded PostgreSQL in a fresh
/// /tmp/<temp_prefix>-XXXXXX data directory that the destructor stops and removes.
class bench_server {
 public:
  bench_server(const std::string& database_url, const std::string& temp_prefix);
  ~bench_server();
  bench_server(const bench_server&) = delete;
  bench_server& operator=(const bench_server&) = delete;

  const std::string& connection_string() const noexcept { return conninfo_; }
  bool embedded() const noexcept { return postgres_ != nullptr; }
  const std::filesystem::path& data_directory() const noexcept { return temp_dir_; }

 private:
  void remove_temp_dir() noexcept;

  std::filesystem::path temp_dir_;
  std::unique_ptr<persistence::embedded_postgres> postgres_;
  std::string conninfo_;
};

/// An option of one program taking a whole number: "--name N" or "--name=N", in [1, max].
struct count_option {
  std::string_view name;
  std::size_t* target;
  std::size_t max;
};

/// Takes every `options` entry (and each flag of `flags`, which sets its bool) out of argv,
/// leaving the rest for bench_main. False, with a message on stderr, on a bad value.
bool take_count_options(int& argc, char** argv, std::span<const count_option> options,
                        std::span<const std::pair<std::string_view, bool*>> flags = {});

/// numerator / denominator, 0 when the denominator is not positive (a ratio of two rates).
double ratio(double numerator, double denominator);

}  // namespace mink::bench
