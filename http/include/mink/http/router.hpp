#pragma once
// Routes requests by method and path pattern to coroutine handlers, with problem responses for
// everything that goes wrong before or inside a handler.

#include <mink/http/message.hpp>

#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mink::http {

/// What a handler gets: the parsed request, its decoded path and query parameters and the
/// request's correlation id. Valid for the duration of the handler's call.
struct request_context {
  http::request req;
  std::string path;  ///< Percent-decoded path, without the query.
  std::vector<std::pair<std::string, std::string>> path_params;   ///< In pattern order, decoded.
  std::vector<std::pair<std::string, std::string>> query_params;  ///< In request order, decoded.
  std::string correlation_id;  ///< X-Correlation-ID as given, or a generated UUID.

  /// The path parameter `name` ({name} in the pattern); empty if the pattern has none.
  std::string_view param(std::string_view name) const noexcept;
  /// The first query parameter `name`, if present.
  std::optional<std::string_view> query(std::string_view name) const noexcept;
};

using route_handler = std::function<boost::asio::awaitable<response>(request_context&)>;

/// What router::handle reports about each request it answered (metrics, access log).
struct request_record {
  std::string method;  ///< As received ("GET", or the raw text of an unknown method).
  std::string path;    ///< The target's path as received (still percent-encoded), without the query.
  std::string route;   ///< The pattern that handled it ("/orders/{id}"); empty when none did (400, 404, 405).
  unsigned status = 0;  ///< The response's status code.
  std::chrono::steady_clock::duration duration{};  ///< From handle()'s start to the response being built.
  std::string correlation_id;  ///< The response's X-Correlation-ID.
};

struct router_params {
  /// Receives the text of exceptions escaping handlers (with the correlation id). Default: none.
  /// Called on the connection's strand; must not throw.
  std::function<void(std::string_view correlation_id, std::string_view what)> log_error;
  /// Called once per request handle() answers, after its response is built (before it is sent),
  /// on the thread running handle() (the connection's strand), concurrently for different
  /// connections: it must be thread-safe and quick. An exception it throws is swallowed.
  /// Default: none. (Default-initialised so that `router_params{log_error}` stays complete.)
  std::function<void(const request_record&)> on_response = {};
};

/// Patterns are absolute paths whose segments are literals or `{name}` (one whole segment), e.g.
/// "/orders/{id}/items". Among routes matching path and method, the most specific wins (a literal
/// segment beats a parameter, compared left to right). A path matched by some pattern but no
/// route with the request's method gives 405 with `Allow`; no pattern at all gives 404.
///
/// handle() adds `X-Correlation-ID` to every response; 400 for an invalid X-Correlation-ID
/// (printable ASCII, 1 to 255 characters) or malformed percent-encoding in path or query; a
/// handler that throws gives a 500 problem without the exception's text (that goes to log_error).
///
/// Thread safety: add routes before serving; handle() is then safe from any number of threads.
/// Lifetime: must outlive every server using it and every handle() in progress.
class router {
 public:
  explicit router(router_params params = router_params{});
  ~router();
  router(const router&) = delete;
  router& operator=(const router&) = delete;

  /// Registers `h` for `method` on `pattern`. Throws std::invalid_argument for a pattern that is
  /// not absolute, has a malformed or repeated `{name}`, or is already registered for `method`.
  void add(http::verb method, std::string_view pattern, route_handler h);
  void get(std::string_view pattern, route_handler h) { add(http::verb::get, pattern, std::move(h)); }
  void post(std::string_view pattern, route_handler h) { add(http::verb::post, pattern, std::move(h)); }
  void put(std::string_view pattern, route_handler h) { add(http::verb::put, pattern, std::move(h)); }
  void del(std::string_view pattern, route_handler h) { add(http::verb::delete_, pattern, std::move(h)); }

  /// Dispatches `req` and returns the response (never throws for a handler's exception). The
  /// response's version follows the request's.
  boost::asio::awaitable<response> handle(http::request req) const;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

/// Registers `GET /healthz` answering 200 {"status":"ok"} (the process is alive).
void add_health_routes(router& r);

/// Decodes percent-encoding ("%2F"); with `plus_as_space`, '+' is a space (query strings).
/// Returns nullopt for a malformed escape.
std::optional<std::string> percent_decode(std::string_view text, bool plus_as_space);

}  // namespace mink::http
