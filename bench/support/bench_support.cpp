#include "bench_support.hpp"
#include "flag_value.hpp"

#include <atomic>
#include <cerrno>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <string_view>
#include <system_error>

#include <time.h>

namespace mink::bench {
namespace {

std::atomic<bool> stop_flag{false};

extern "C" void on_stop_signal(int) { stop_flag.store(true, std::memory_order_relaxed); }

// "--name value" or "--name=value"; a flag without its value is a usage error.
bool take_value(int argc, char** argv, int& i, std::string_view name, std::string& value) {
  const auto match = take_flag_value(argc, argv, i, name, value);
  if (match == flag_match::missing_value) throw usage_error(std::string(name) + " needs a value");
  return match == flag_match::value;
}

}  // namespace

options parse_options(int argc, char** argv, double default_seconds) {
  options opts;
  opts.seconds = default_seconds;
  if (const char* url = std::getenv("MINK_DATABASE_URL"); url != nullptr && *url != '\0') opts.database_url = url;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    std::string value;
    if (arg == "--help" || arg == "-h") {
      opts.help = true;
    } else if (take_value(argc, argv, i, "--seconds", value)) {
      char* end = nullptr;
      errno = 0;
      const double s = std::strtod(value.c_str(), &end);
      // Bounded so that durations cannot overflow and a typo cannot hold the machine for hours.
      if (errno != 0 || end == value.c_str() || *end != '\0' || !std::isfinite(s) || s <= 0 || s > 3600)
        throw usage_error("--seconds wants a number of seconds in (0, 3600], got \"" + value + "\"");
      opts.seconds = s;
    } else if (take_value(argc, argv, i, "--database-url", value)) {
      if (value.empty()) throw usage_error("--database-url is empty");
      opts.database_url = value;
    } else {
      throw usage_error("unknown argument \"" + std::string(arg) + "\"");
    }
  }
  return opts;
}

void install_stop_handlers() {
  struct sigaction sa {};
  sa.sa_handler = on_stop_signal;
  sigemptyset(&sa.sa_mask);
  ::sigaction(SIGINT, &sa, nullptr);
  ::sigaction(SIGTERM, &sa, nullptr);
}

bool stop_requested() noexcept { return stop_flag.load(std::memory_order_relaxed); }

clock::duration to_duration(double seconds) {
  return std::chrono::duration_cast<clock::duration>(std::chrono::duration<double>(seconds));
}

std::chrono::nanoseconds thread_cpu_time() noexcept {
  timespec ts{};
  ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return std::chrono::seconds(ts.tv_sec) + std::chrono::nanoseconds(ts.tv_nsec);
}

double phase_result::per_second() const {
  const double s = std::chrono::duration<double>(counts.elapsed).count();
  return s > 0 ? static_cast<double>(counts.ops) / s : 0.0;
}

double phase_result::mean_latency_us() const {
  if (counts.round_trips == 0) return 0.0;
  return std::chrono::duration<double, std::micro>(counts.latency_sum).count() /
         static_cast<double>(counts.round_trips);
}

double phase_result::client_cpu_us_per_op() const {
  if (counts.ops == 0) return 0.0;
  return std::chrono::duration<double, std::micro>(counts.client_cpu).count() / static_cast<double>(counts.ops);
}

void print_phase(std::ostream& out, const phase_result& r) {
  const std::string rate_unit = r.unit + "/s";
  const char* one = r.unit == "rows" ? "row" : "query";
  char line[320];
  std::snprintf(line, sizeof line,
                "%-16s %10.1f %-9s  mean round trip %8.1f us  client CPU %6.2f us/%-5s  (%llu %s, %llu round trips "
                "in %.3f s)",
                r.name.c_str(), r.per_second(), rate_unit.c_str(), r.mean_latency_us(), r.client_cpu_us_per_op(), one,
                static_cast<unsigned long long>(r.counts.ops), r.unit.c_str(),
                static_cast<unsigned long long>(r.counts.round_trips),
                std::chrono::duration<double>(r.counts.elapsed).count());
  out << line << std::endl;
}

bench_server::bench_server(const std::string& database_url, const std::string& temp_prefix) {
  if (!database_url.empty()) {
    conninfo_ = database_url;
    return;
  }
  std::string name = "/tmp/" + temp_prefix + "-XXXXXX";
  if (::mkdtemp(name.data()) == nullptr) throw std::system_error(errno, std::generic_category(), "mkdtemp " + name);
  temp_dir_ = name;
  persistence::embedded_postgres_params params;
  params.data_directory = temp_dir_;  // durable defaults: fsync and synchronous_commit stay on
  postgres_ = std::make_unique<persistence::embedded_postgres>(std::move(params));
  if (const auto ec = postgres_->start()) {
    const std::string message =
        "cannot start the embedded PostgreSQL server: " + ec.message() + ": " + postgres_->error_message();
    postgres_.reset();
    remove_temp_dir();
    throw std::runtime_error(message);
  }
  conninfo_ = postgres_->connection_string();
}

bench_server::~bench_server() {
  postgres_.reset();  // the server must be gone before its files are
  remove_temp_dir();
}

void bench_server::remove_temp_dir() noexcept {
  if (temp_dir_.empty()) return;
  std::error_code ignored;
  std::filesystem::remove_all(temp_dir_, ignored);
}

int bench_main(int argc, char** argv, double default_seconds, void (*print_usage)(std::ostream&, const char*),
               int (*run)(const options&)) {
  options opts;
  try {
    opts = parse_options(argc, argv, default_seconds);
  } catch (const usage_error& e) {
    std::cerr << argv[0] << ": " << e.what() << "\n";
    print_usage(std::cerr, argv[0]);
    return 2;
  }
  if (opts.help) {
    print_usage(std::cout, argv[0]);
    return 0;
  }
  install_stop_handlers();
  try {
    const int status = run(opts);  // the server and its data directory are gone when it returns
    if (status == 130) std::cerr << argv[0] << ": interrupted\n";
    return status;
  } catch (const std::exception& e) {
    std::cout.flush();
    std::fflush(stdout);
    std::cerr << argv[0] << ": error: " << e.what() << "\n";
    return 1;
  }
}

double ratio(double numerator, double denominator) { return denominator > 0 ? numerator / denominator : 0.0; }

bool take_count_options(int& argc, char** argv, std::span<const count_option> options,
                        std::span<const std::pair<std::string_view, bool*>> flags) {
  int out = 1;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    bool* flag = nullptr;
    for (const auto& [name, target] : flags) {
      if (arg == name) flag = target;
    }
    if (flag) {
      *flag = true;
      continue;
    }
    const count_option* hit = nullptr;
    std::string value;
    for (const auto& k : options) {
      if (arg == k.name && i + 1 < argc) {
        hit = &k;
        value = argv[++i];
      } else if (arg.size() > k.name.size() && arg.starts_with(k.name) && arg[k.name.size()] == '=') {
        hit = &k;
        value = std::string(arg.substr(k.name.size() + 1));
      }
      if (hit) break;
    }
    if (!hit) {
      argv[out++] = argv[i];
      continue;
    }
    char* end = nullptr;
    errno = 0;
    const unsigned long long n = std::strtoull(value.c_str(), &end, 10);
    if (errno != 0 || end == value.c_str() || *end != '\0' || value[0] == '-' || n == 0 || n > hit->max) {
      std::cerr << argv[0] << ": " << hit->name << " wants a whole number in [1, " << hit->max << "], got \"" << value
                << "\"\n";
      return false;
    }
    *hit->target = static_cast<std::size_t>(n);
  }
  argc = out;
  argv[argc] = nullptr;
  return true;
}

}  // namespace mink::bench
