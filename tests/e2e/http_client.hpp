#pragma once
// A small synchronous HTTP/1.1 client for the end-to-end tests: a keep-alive connection and a
// one-shot request helper. Every connect, write and read has a deadline, so a server that does not
// answer fails the test instead of hanging it. Beast stays inside http_client.cpp.

#include <boost/json/value.hpp>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mink::e2e {

using namespace std::chrono_literals;

/// Where a server listens: an IPv4/IPv6 address text and a port.
struct endpoint {
  std::string host;
  unsigned short port = 0;
};

using header_list = std::vector<std::pair<std::string, std::string>>;

struct http_request {
  std::string method = "GET";
  std::string target = "/";
  std::string body;                                 ///< Sent with Content-Length when not empty.
  std::string content_type = "application/json";    ///< Sent only with a body; empty: none.
  header_list headers;                              ///< Extra fields, sent as given.
};

struct http_response {
  unsigned status = 0;
  header_list headers;
  std::string body;
  bool keep_alive = false;

  /// The first field named `name` (case-insensitive); empty when absent.
  std::string header(std::string_view name) const;
  bool has_header(std::string_view name) const;
  /// The body parsed as JSON; throws std::runtime_error quoting the body when it is not JSON.
  boost::json::value json() const;
};

/// The text after `"name":` in a JSON text, up to the next ',' '}' or ']' (numbers exactly as the
/// server wrote them, e.g. 1549.96); empty when the member is not there.
std::string raw_member(std::string_view json_text, std::string_view name);

/// Parses `text` as JSON; throws std::runtime_error quoting it on failure.
boost::json::value parse_json(std::string_view text);

/// One TCP connection to the server with its own I/O context: use it from one thread at a time.
class connection {
 public:
  /// Connects within `timeout`; throws std::runtime_error on failure.
  explicit connection(const endpoint& ep, std::chrono::milliseconds timeout = 10s);
  ~connection();
  connection(const connection&) = delete;
  connection& operator=(const connection&) = delete;

  /// Sends `req` (Host, Content-Type and Content-Length added) and reads the response; throws
  /// std::runtime_error when either does not finish within `timeout` or the connection fails.
  http_response request(const http_request& req, std::chrono::milliseconds timeout = 15s);

  /// Sends bytes as they are.
  void send_raw(std::string_view bytes, std::chrono::milliseconds timeout = 10s);

  /// Reads one response; throws on timeout, on a closed connection or on a malformed response.
  http_response read_response(std::chrono::milliseconds timeout = 15s);

  /// Like read_response, but empty when the server closed the connection first (or reset it).
  /// Throws only when nothing happened within `timeout`.
  std::optional<http_response> read_response_or_close(std::chrono::milliseconds timeout);

  /// True when the server closes the connection within `timeout` (reads and drops any bytes).
  bool closed_by_server(std::chrono::milliseconds timeout);

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

/// Connects, sends `req` with Connection: close, reads the response.
http_response request(const endpoint& ep, const http_request& req, std::chrono::milliseconds timeout = 15s);

/// Shorthands.
http_request get(std::string target, header_list headers = {});
http_request post(std::string target, std::string body, header_list headers = {});

}  // namespace mink::e2e
