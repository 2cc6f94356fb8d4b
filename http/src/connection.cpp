#include "connection.hpp"

#include <mink/messaging/uuid.hpp>

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>

#include <algorithm>
#include <optional>
#include <string>

namespace mink::http::detail {

namespace asio = boost::asio;
namespace bh = boost::beast::http;
using boost::system::error_code;

namespace {

// How long a closing connection keeps reading (and discarding) what the peer still sends, so that
// unread input does not turn the close into a reset that would destroy our last response.
constexpr std::chrono::milliseconds linger_time{1000};
constexpr std::size_t linger_bytes = 1024 * 1024;

// The problem to answer for a failed read, or none when the connection just ends.
std::optional<problem> read_failure(const error_code& ec, bool timed_out, const server_params& params) {
  if (timed_out)
    return make_problem(http::status::request_timeout, "request-timeout", "Request timeout",
                         "the request did not arrive in time");
  if (ec == bh::error::header_limit || ec == bh::error::buffer_overflow)
    return make_problem(http::status::request_header_fields_too_large, "header-too-large",
                         "Request header fields too large",
                         "the header block exceeds " + std::to_string(params.max_header) + " bytes");
  if (ec == bh::error::body_limit)
    return make_problem(http::status::payload_too_large, "body-too-large", "Content too large",
                         "the body exceeds " + std::to_string(params.max_body) + " bytes");
  if (ec == bh::error::end_of_stream || ec == bh::error::partial_message) return std::nullopt;
  if (ec.category() == bh::make_error_code(bh::error::bad_target).category())
    return bad_request("the request is not valid HTTP/1.1", "malformed-request");
  return std::nullopt;  // socket errors, cancellation
}

}  // namespace

connection::connection(asio::ip::tcp::socket socket, const server_params& params, const router& routes)
    : socket_(std::move(socket)), timer_(socket_.get_executor()), params_(params), routes_(routes) {}

void connection::arm_until(clock::time_point deadline) {
  timed_out_ = false;
  timer_.expires_at(deadline);
  timer_.async_wait([self = shared_from_this(), generation = ++timer_generation_](error_code ec) {
    if (ec || generation != self->timer_generation_) return;
    self->timed_out_ = true;
    error_code ignored;
    self->socket_.cancel(ignored);
  });
}

void connection::disarm() {
  ++timer_generation_;
  timer_.cancel();
}

void connection::stop() {
  stopping_ = true;
  if (idle_) {
    error_code ignored;
    socket_.cancel(ignored);
  }
}

void connection::force_close() {
  stopping_ = true;
  error_code ignored;
  socket_.close(ignored);
  handler_cancel_.emit(asio::cancellation_type::terminal);
}

asio::awaitable<bool> connection::write(response& res) {
  error_code ec;
  arm(params_.write_timeout);
  co_await bh::async_write(socket_, res, asio::redirect_error(asio::use_awaitable, ec));
  disarm();
  co_return !ec;
}

asio::awaitable<void> connection::linger() {
  error_code ec;
  socket_.shutdown(asio::ip::tcp::socket::shutdown_send, ec);
  if (!ec) {
    arm(linger_time);
    std::size_t discarded = 0;
    char sink[4096];
    while (!ec && discarded < linger_bytes) {
      const std::size_t n = co_await socket_.async_read_some(asio::buffer(sink), asio::redirect_error(asio::use_awaitable, ec));
      discarded += n;
    }
    disarm();
  }
  socket_.close(ec);
}

asio::awaitable<void> connection::run(std::shared_ptr<connection> self) {
  auto& c = *self;
  boost::beast::flat_buffer buffer(std::max(c.params_.read_buffer, c.params_.max_header + 1024));
  // The first request's headers are due header_timeout after the connection started.
  auto header_deadline = clock::now() + c.params_.header_timeout;
  bool first = true;
  bool answered = false;  // a response was written: linger before closing
  for (;;) {
    error_code ec;
    if (buffer.size() == 0) {
      if (c.stopping_) break;
      c.idle_ = true;
      if (first) {
        c.arm_until(header_deadline);
      } else {
        c.arm(c.params_.idle_timeout);
      }
      const auto space = std::min<std::size_t>(4096, buffer.max_size());
      const std::size_t n = co_await c.socket_.async_read_some(buffer.prepare(space), asio::redirect_error(asio::use_awaitable, ec));
      c.disarm();
      c.idle_ = false;
      if (ec) {
        if (first && c.timed_out_) {
          auto res = make_problem_response(*read_failure(ec, true, c.params_));
          res.set("X-Correlation-ID", new_uuid());
          res.keep_alive(false);
          answered = co_await c.write(res);
        }
        break;
      }
      buffer.commit(n);
      if (!first) header_deadline = clock::now() + c.params_.header_timeout;
    }
    first = false;

    bh::request_parser<bh::string_body> parser;
    parser.header_limit(static_cast<std::uint32_t>(c.params_.max_header));
    parser.body_limit(c.params_.max_body);
    c.arm_until(header_deadline);
    co_await bh::async_read_header(c.socket_, buffer, parser, asio::redirect_error(asio::use_awaitable, ec));
    c.disarm();
    if (!ec) {
      c.arm(c.params_.body_timeout);
      co_await bh::async_read(c.socket_, buffer, parser, asio::redirect_error(asio::use_awaitable, ec));
      c.disarm();
    }
    if (ec) {
      if (auto p = read_failure(ec, c.timed_out_, c.params_)) {
        auto res = make_problem_response(*p);
        res.set("X-Correlation-ID", new_uuid());
        res.keep_alive(false);
        answered = co_await c.write(res);
      }
      break;
    }

    http::request req = parser.release();
    bool keep_alive = req.keep_alive();
    response res = co_await c.routes_.handle(std::move(req));
    if (c.stopping_) keep_alive = false;
    res.keep_alive(keep_alive);
    if (!co_await c.write(res)) break;
    answered = true;
    if (!keep_alive) break;
    header_deadline = clock::now() + c.params_.header_timeout;
  }
  if (answered && c.socket_.is_open()) {
    co_await c.linger();
  } else {
    error_code ignored;
    c.socket_.close(ignored);
  }
}

asio::awaitable<void> connection::refuse(std::shared_ptr<connection> self) {
  auto& c = *self;
  problem p = make_problem(http::status::service_unavailable, "too-many-connections", "Service unavailable",
                            "the server is at its connection limit; retry later");
  auto res = make_problem_response(p);
  res.set(bh::field::retry_after, std::to_string(c.params_.retry_after.count()));
  res.set("X-Correlation-ID", new_uuid());
  res.keep_alive(false);
  if (co_await c.write(res)) {
    co_await c.linger();
  } else {
    error_code ignored;
    c.socket_.close(ignored);
  }
}

}  // namespace mink::http::detail
