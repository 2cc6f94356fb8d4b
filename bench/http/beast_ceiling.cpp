// mink-bench-beast-ceiling: the HTTP read ceiling of this machine. A bare Boost.Beast HTTP/1.1
// server that answers every GET with the same small JSON body: keep-alive, one coroutine per
// connection on a strand of its own, no routing, no database, no limits or timeouts. What minkd's
// GET /orders/{id} reaches is compared against what this reaches under the same wrk load
// (bench/http/run.sh).
//
// Prints `listening on http://ADDR:PORT` on stdout once it accepts connections; SIGINT/SIGTERM
// stop it (exit 0). Exit status 2 on a bad command line, 1 when the address cannot be bound.

#include "flag_value.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

#include <csignal>
#include <cstdlib>
#include <iostream>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using asio::ip::tcp;
using boost::system::error_code;

constexpr auto tuple_awaitable = asio::as_tuple(asio::use_awaitable);
// About the size of a small order's JSON head; fixed, so the figure is the server's and Beast's cost.
constexpr std::string_view fixed_body = R"({"order_id":"ceiling","status":"submitted","total":"25.00"})";

struct options {
  std::string address = "127.0.0.1";
  unsigned short port = 8080;
  unsigned threads = 1;
};

void print_usage(std::ostream& out, const char* argv0) {
  out << "usage: " << argv0 << " [--listen ADDR:PORT] [--threads N] [--help]\n"
      << "\n"
      << "A bare Boost.Beast HTTP/1.1 server: every GET or HEAD is answered 200 with a fixed JSON body of\n"
      << fixed_body.size() << " bytes, anything else 405; keep-alive. The HTTP read ceiling of the machine.\n"
      << "\n"
      << "options:\n"
      << "  --listen ADDR:PORT   address to listen on (default 127.0.0.1:8080; port 0: any free port;\n"
      << "                       IPv6 as [::1]:PORT). Prints `listening on http://ADDR:PORT` when ready.\n"
      << "  --threads N          threads running the io_context (default 1)\n"
      << "  -h, --help           this text\n";
}

// "--name value" or "--name=value"; a flag without its value is then an unknown argument.
bool take_value(int argc, char** argv, int& i, std::string_view name, std::string& value) {
  return mink::bench::take_flag_value(argc, argv, i, name, value) == mink::bench::flag_match::value;
}

bool parse_listen(const std::string& text, options& opts) {
  const auto colon = text.rfind(':');
  if (colon == std::string::npos || colon + 1 == text.size()) return false;
  std::string host = text.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  char* end = nullptr;
  const unsigned long port = std::strtoul(text.c_str() + colon + 1, &end, 10);
  if (*end != '\0' || port > 65535 || host.empty()) return false;
  opts.address = host;
  opts.port = static_cast<unsigned short>(port);
  return true;
}

// nullopt after printing the reason; `help` set for --help.
std::optional<options> parse_options(int argc, char** argv, bool& help) {
  options opts;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    std::string value;
    if (arg == "--help" || arg == "-h") {
      help = true;
    } else if (take_value(argc, argv, i, "--listen", value)) {
      if (!parse_listen(value, opts)) {
        std::cerr << argv[0] << ": --listen wants ADDR:PORT, got \"" << value << "\"\n";
        return std::nullopt;
      }
    } else if (take_value(argc, argv, i, "--threads", value)) {
      char* end = nullptr;
      const unsigned long n = std::strtoul(value.c_str(), &end, 10);
      if (value.empty() || *end != '\0' || n == 0 || n > 256) {
        std::cerr << argv[0] << ": --threads wants a number in [1, 256], got \"" << value << "\"\n";
        return std::nullopt;
      }
      opts.threads = static_cast<unsigned>(n);
    } else {
      std::cerr << argv[0] << ": unknown argument \"" << arg << "\"\n";
      return std::nullopt;
    }
  }
  return opts;
}

void fill_response(const http::request<http::string_body>& req, http::response<http::string_body>& res) {
  res.version(req.version());
  res.keep_alive(req.keep_alive());
  if (req.method() == http::verb::get || req.method() == http::verb::head) {
    res.result(http::status::ok);
    res.set(http::field::content_type, "application/json");
    res.body().assign(fixed_body);
  } else {
    res.result(http::status::method_not_allowed);
    res.set(http::field::allow, "GET, HEAD");
  }
  res.prepare_payload();
  if (req.method() == http::verb::head) res.body().clear();  // Content-Length stays that of the GET
}

// One connection: read a request, write the answer, until the client closes or asks to.
asio::awaitable<void> serve(tcp::socket socket) {
  beast::flat_buffer buffer;
  for (;;) {
    http::request<http::string_body> req;
    auto [read_ec, read_n] = co_await http::async_read(socket, buffer, req, tuple_awaitable);
    if (read_ec) break;  // end of stream, a reset or a malformed request: just close
    http::response<http::string_body> res;
    fill_response(req, res);
    auto [write_ec, write_n] = co_await http::async_write(socket, res, tuple_awaitable);
    if (write_ec || !res.keep_alive()) break;
  }
  error_code ignored;
  socket.shutdown(tcp::socket::shutdown_send, ignored);
}

asio::awaitable<void> accept_loop(asio::io_context& ioc, tcp::acceptor& acceptor) {
  for (;;) {
    auto strand = asio::make_strand(ioc);
    auto [ec, socket] = co_await acceptor.async_accept(strand, tuple_awaitable);
    if (ec == asio::error::operation_aborted || !acceptor.is_open()) co_return;
    if (ec) continue;  // e.g. out of descriptors for a moment
    error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);
    auto ex = socket.get_executor();
    asio::co_spawn(ex, serve(std::move(socket)), asio::detached);
  }
}

int run(const options& opts) {
  asio::io_context ioc(static_cast<int>(opts.threads));
  error_code ec;
  const auto address = asio::ip::make_address(opts.address, ec);
  if (ec) {
    std::cerr << "beast ceiling: bad address \"" << opts.address << "\": " << ec.message() << "\n";
    return 2;
  }
  tcp::acceptor acceptor(ioc);
  const tcp::endpoint ep(address, opts.port);
  acceptor.open(ep.protocol(), ec);
  if (!ec) acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) acceptor.bind(ep, ec);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    std::cerr << "beast ceiling: cannot listen on " << opts.address << ":" << opts.port << ": " << ec.message()
              << "\n";
    return 1;
  }
  asio::signal_set signals(ioc, SIGINT, SIGTERM);
  signals.async_wait([&](error_code, int) {
    error_code ignored;
    acceptor.close(ignored);
    ioc.stop();  // connections are abandoned: the client is done when it signals us
  });
  asio::co_spawn(ioc, accept_loop(ioc, acceptor), asio::detached);

  const auto bound = acceptor.local_endpoint();
  const std::string host =
      bound.address().is_v6() ? "[" + bound.address().to_string() + "]" : bound.address().to_string();
  std::cout << "listening on http://" << host << ":" << bound.port() << std::endl;

  std::vector<std::thread> others;
  for (unsigned i = 1; i < opts.threads; ++i) others.emplace_back([&ioc] { ioc.run(); });
  ioc.run();
  for (auto& t : others) t.join();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  bool help = false;
  const auto opts = parse_options(argc, argv, help);
  if (help) {
    print_usage(std::cout, argv[0]);
    return 0;
  }
  if (!opts) {
    print_usage(std::cerr, argv[0]);
    return 2;
  }
  try {
    return run(*opts);
  } catch (const std::exception& e) {
    std::cerr << argv[0] << ": error: " << e.what() << "\n";
    return 1;
  }
}
