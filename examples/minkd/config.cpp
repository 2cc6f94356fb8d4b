#include "config.hpp"

#include <boost/program_options.hpp>

#include <algorithm>
#include <iostream>
#include <sstream>
#include <thread>

namespace po = boost::program_options;
namespace asio = boost::asio;

namespace minkd {

namespace {

// "HOST:PORT" or "[V6]:PORT"; nullopt when malformed.
std::optional<asio::ip::tcp::endpoint> parse_endpoint(const std::string& text) {
  std::string host;
  std::string port;
  if (!text.empty() && text.front() == '[') {
    const auto close = text.find(']');
    if (close == std::string::npos || close + 1 >= text.size() || text[close + 1] != ':') return std::nullopt;
    host = text.substr(1, close - 1);
    port = text.substr(close + 2);
  } else {
    const auto colon = text.rfind(':');
    if (colon == std::string::npos) return std::nullopt;
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
  }
  if (port.empty() || port.size() > 5 || !std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return std::nullopt;
  }
  const unsigned long number = std::stoul(port);
  if (number > 65535) return std::nullopt;
  boost::system::error_code ec;
  const auto address = asio::ip::make_address(host == "localhost" ? std::string("127.0.0.1") : host, ec);
  if (ec) return std::nullopt;
  return asio::ip::tcp::endpoint(address, static_cast<unsigned short>(number));
}

std::optional<log_level> parse_level(const std::string& text) {
  if (text == "debug") return log_level::debug;
  if (text == "info") return log_level::info;
  if (text == "warn") return log_level::warn;
  if (text == "error") return log_level::error;
  if (text == "off") return log_level::off;
  return std::nullopt;
}

// The environment variable of each flag: MINK_ + the flag in upper case, '-' as '_'.
std::string flag_of_variable(const std::string& variable, const po::options_description& desc) {
  constexpr std::string_view prefix = "MINK_";
  if (variable.compare(0, prefix.size(), prefix) != 0) return {};
  std::string flag = variable.substr(prefix.size());
  std::transform(flag.begin(), flag.end(), flag.begin(), [](char c) {
    return c == '_' ? '-' : static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  });
  if (flag == "help" || desc.find_nothrow(flag, false) == nullptr) return {};
  return flag;
}

int fail(const std::string& message) {
  std::cerr << "minkd: " << message << "\n(see minkd --help)\n";
  return 2;
}

}  // namespace

std::string to_string(const asio::ip::tcp::endpoint& ep) {
  std::ostringstream out;
  if (ep.address().is_v6()) out << '[' << ep.address().to_string() << ']';
  else out << ep.address().to_string();
  out << ':' << ep.port();
  return out.str();
}

parse_outcome parse_config(int argc, const char* const* argv) {
  config c;
  const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  std::string listen = to_string(c.listen);
  std::string fulfilment = "auto";
  std::string level = "info";
  std::string access_log = "on";
  std::string data_dir;
  long long threads = cores;
  long long pool_size = static_cast<long long>(c.pool_size);
  long long max_body = static_cast<long long>(c.max_body);
  long long max_header = static_cast<long long>(c.max_header);
  long long header_timeout = c.header_timeout.count();
  long long idle_timeout = c.idle_timeout.count();
  long long shutdown_timeout = c.shutdown_timeout.count();
  long long max_connections = static_cast<long long>(c.max_connections);

  po::options_description desc(
      "minkd: the mink e-commerce system as an HTTP server.\n"
      "Every flag may also be set by the environment variable MINK_<FLAG> (upper case, '_' for '-');\n"
      "the flag wins.\n\nOptions");
  desc.add_options()
      ("help,h", "print this help and exit")
      ("listen", po::value(&listen), "address:port to serve HTTP on (port 0: any free port) [127.0.0.1:8080]")
      ("database-url", po::value(&c.database_url),
       "libpq connection string or postgresql:// URL; none: an embedded PostgreSQL")
      ("data-dir", po::value(&data_dir),
       "data directory of the embedded PostgreSQL (kept across runs); none: a temporary one, removed at exit")
      ("threads", po::value(&threads), "threads running the io_context [number of cores]")
      ("fulfillment", po::value(&fulfilment),
       "auto: the fulfilment saga pays, reserves and ships submitted orders; manual: clients ship them [auto]")
      ("pool-size", po::value(&pool_size), "most database connections [16]")
      ("max-body", po::value(&max_body), "largest request body in bytes, beyond: 413 [65536]")
      ("max-header", po::value(&max_header), "largest request header block in bytes, beyond: 431 [8192]")
      ("header-timeout-ms", po::value(&header_timeout), "a request's headers must arrive within this, else 408 [10000]")
      ("idle-timeout-ms", po::value(&idle_timeout), "idle keep-alive connections are closed after this [60000]")
      ("shutdown-timeout-ms", po::value(&shutdown_timeout),
       "on SIGINT/SIGTERM, requests in flight get at most this long [10000]")
      ("max-connections", po::value(&max_connections), "connections served at once, beyond: 503 [1024]")
      ("log-level", po::value(&level), "debug, info, warn, error or off [info]")
      ("access-log", po::value(&access_log), "on: one info line per request; off: none [on]");

  po::variables_map vm;
  try {
    po::store(po::parse_command_line(argc, argv, desc), vm);
    po::store(po::parse_environment(desc, [&](const std::string& v) { return flag_of_variable(v, desc); }), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    return {std::nullopt, fail(e.what())};
  }
  if (vm.count("help") != 0) {
    std::cout << desc << '\n';
    return {std::nullopt, 0};
  }

  const auto endpoint = parse_endpoint(listen);
  if (!endpoint) return {std::nullopt, fail("--listen must be ADDRESS:PORT, got \"" + listen + "\"")};
  c.listen = *endpoint;
  c.data_dir = data_dir;
  if (fulfilment != "auto" && fulfilment != "manual") {
    return {std::nullopt, fail("--fulfillment must be auto or manual, got \"" + fulfilment + "\"")};
  }
  c.automatic_fulfilment = fulfilment == "auto";
  const auto parsed_level = parse_level(level);
  if (!parsed_level) return {std::nullopt, fail("--log-level must be debug, info, warn, error or off")};
  c.level = *parsed_level;
  if (access_log != "on" && access_log != "off") return {std::nullopt, fail("--access-log must be on or off")};
  c.access_log = access_log == "on";

  struct bounded {
    const char* flag;
    long long value;
    long long low;
    long long high;
  };
  const bounded checks[] = {
      {"--threads", threads, 1, 256},
      {"--pool-size", pool_size, 1, 1000},
      {"--max-body", max_body, 1, 1LL << 30},
      {"--max-header", max_header, 1024, 1LL << 20},
      {"--header-timeout-ms", header_timeout, 1, 3'600'000},
      {"--idle-timeout-ms", idle_timeout, 1, 86'400'000},
      {"--shutdown-timeout-ms", shutdown_timeout, 0, 3'600'000},
      {"--max-connections", max_connections, 1, 1'000'000},
  };
  for (const auto& b : checks) {
    if (b.value < b.low || b.value > b.high) {
      return {std::nullopt, fail(std::string(b.flag) + " must be between " + std::to_string(b.low) + " and " +
                                 std::to_string(b.high) + ", got " + std::to_string(b.value))};
    }
  }
  c.threads = static_cast<unsigned>(threads);
  c.pool_size = static_cast<std::size_t>(pool_size);
  c.max_body = static_cast<std::size_t>(max_body);
  c.max_header = static_cast<std::size_t>(max_header);
  c.header_timeout = std::chrono::milliseconds(header_timeout);
  c.idle_timeout = std::chrono::milliseconds(idle_timeout);
  c.shutdown_timeout = std::chrono::milliseconds(shutdown_timeout);
  c.max_connections = static_cast<std::size_t>(max_connections);
  return {std::move(c), 0};
}

}  // namespace minkd
