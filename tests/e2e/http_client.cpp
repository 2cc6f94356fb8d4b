#include "http_client.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/json/parse.hpp>

#include <algorithm>
#include <cctype>
#include <stdexcept>

namespace mink::e2e {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bh = boost::beast::http;
using asio::ip::tcp;
using boost::system::error_code;

namespace {

bool iequals(std::string_view a, std::string_view b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
    return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
  });
}

std::string shorten(std::string_view text) {
  return std::string(text.substr(0, 400)) + (text.size() > 400 ? "..." : "");
}

}  // namespace

std::string http_response::header(std::string_view name) const {
  for (const auto& [n, v] : headers)
    if (iequals(n, name)) return v;
  return {};
}

bool http_response::has_header(std::string_view name) const {
  return std::any_of(headers.begin(), headers.end(), [&](const auto& h) { return iequals(h.first, name); });
}

boost::json::value http_response::json() const {
  try {
    return parse_json(body);
  } catch (const std::exception& e) {
    throw std::runtime_error("HTTP " + std::to_string(status) + ": " + e.what());
  }
}

boost::json::value parse_json(std::string_view text) {
  error_code ec;
  auto v = boost::json::parse(text, ec);
  if (ec) throw std::runtime_error("not JSON (" + ec.message() + "): " + shorten(text));
  return v;
}

std::string raw_member(std::string_view json_text, std::string_view name) {
  const std::string key = "\"" + std::string(name) + "\"";
  auto at = json_text.find(key);
  if (at == std::string_view::npos) return {};
  at += key.size();
  while (at < json_text.size() && (json_text[at] == ' ' || json_text[at] == ':')) ++at;
  const auto end = json_text.find_first_of(",}]", at);
  auto value = json_text.substr(at, end == std::string_view::npos ? std::string_view::npos : end - at);
  while (!value.empty() && value.back() == ' ') value.remove_suffix(1);
  return std::string(value);
}

struct connection::impl {
  asio::io_context ioc;
  beast::tcp_stream stream{ioc};
  beast::flat_buffer buffer;

  // Runs the I/O context until the operation started before has completed (its handler set `done`).
  // The stream's own expiry bounds the operation; the extra second only guards against a bug here.
  void run(const bool& done, std::chrono::milliseconds timeout) {
    ioc.restart();
    ioc.run_for(timeout + 1s);
    if (!done) {
      stream.socket().close();
      ioc.restart();
      ioc.run_for(1s);
      throw std::runtime_error("HTTP client: operation did not complete in time");
    }
  }

  error_code read(bh::response<bh::string_body>& res, std::chrono::milliseconds timeout) {
    bh::response_parser<bh::string_body> parser;
    parser.body_limit(64 * 1024 * 1024);
    parser.header_limit(64 * 1024);
    bool done = false;
    error_code result;
    stream.expires_after(timeout);
    bh::async_read(stream, buffer, parser, [&](error_code ec, std::size_t) {
      result = ec;
      done = true;
    });
    run(done, timeout);
    if (!result) res = parser.release();
    return result;
  }
};

connection::connection(const endpoint& ep, std::chrono::milliseconds timeout) : impl_(std::make_unique<impl>()) {
  error_code ec;
  const auto address = asio::ip::make_address(ep.host, ec);
  if (ec) throw std::runtime_error("HTTP client: bad address " + ep.host);
  bool done = false;
  error_code result;
  impl_->stream.expires_after(timeout);
  impl_->stream.async_connect(tcp::endpoint(address, ep.port), [&](error_code e) {
    result = e;
    done = true;
  });
  impl_->run(done, timeout);
  if (result)
    throw std::runtime_error("HTTP client: connect to " + ep.host + ":" + std::to_string(ep.port) + ": " +
                             result.message());
  impl_->stream.socket().set_option(tcp::no_delay(true));
}

connection::~connection() {
  error_code ignored;
  impl_->stream.socket().close(ignored);
}

void connection::send_raw(std::string_view bytes, std::chrono::milliseconds timeout) {
  bool done = false;
  error_code result;
  impl_->stream.expires_after(timeout);
  asio::async_write(impl_->stream, asio::buffer(bytes.data(), bytes.size()), [&](error_code ec, std::size_t) {
    result = ec;
    done = true;
  });
  impl_->run(done, timeout);
  if (result) throw std::runtime_error("HTTP client: write: " + result.message());
}

http_response connection::request(const http_request& req, std::chrono::milliseconds timeout) {
  bh::request<bh::string_body> msg;
  msg.method_string(req.method);
  msg.target(req.target);
  msg.version(11);
  msg.set(bh::field::host, "127.0.0.1");
  bool has_type = false;
  for (const auto& [name, value] : req.headers) {
    msg.insert(name, value);
    has_type = has_type || iequals(name, "Content-Type");
  }
  if (!req.body.empty() && !req.content_type.empty() && !has_type) msg.set(bh::field::content_type, req.content_type);
  msg.body() = req.body;
  if (!req.body.empty() || req.method == "POST" || req.method == "PUT") msg.prepare_payload();
  bool done = false;
  error_code result;
  impl_->stream.expires_after(timeout);
  bh::async_write(impl_->stream, msg, [&](error_code ec, std::size_t) {
    result = ec;
    done = true;
  });
  impl_->run(done, timeout);
  if (result) throw std::runtime_error("HTTP client: " + req.method + " " + req.target + ": write: " + result.message());
  try {
    return read_response(timeout);
  } catch (const std::exception& e) {
    throw std::runtime_error(req.method + " " + req.target + ": " + e.what());
  }
}

http_response connection::read_response(std::chrono::milliseconds timeout) {
  auto res = read_response_or_close(timeout);
  if (!res) throw std::runtime_error("HTTP client: the server closed the connection without a response");
  return std::move(*res);
}

std::optional<http_response> connection::read_response_or_close(std::chrono::milliseconds timeout) {
  bh::response<bh::string_body> res;
  const error_code ec = impl_->read(res, timeout);
  if (ec == beast::error::timeout) throw std::runtime_error("HTTP client: no response within the deadline");
  if (ec == bh::error::end_of_stream || ec == asio::error::eof || ec == asio::error::connection_reset ||
      ec == bh::error::partial_message)
    return std::nullopt;
  if (ec) throw std::runtime_error("HTTP client: read: " + ec.message());
  http_response out;
  out.status = res.result_int();
  for (const auto& field : res) out.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
  out.keep_alive = res.keep_alive();
  out.body = std::move(res.body());
  return out;
}

bool connection::closed_by_server(std::chrono::milliseconds timeout) {
  const auto until = std::chrono::steady_clock::now() + timeout;
  impl_->buffer.clear();
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - std::chrono::steady_clock::now());
    if (left <= 0ms) return false;
    char bytes[512];
    bool done = false;
    error_code result;
    impl_->stream.expires_after(left);
    impl_->stream.async_read_some(asio::buffer(bytes), [&](error_code ec, std::size_t) {
      result = ec;
      done = true;
    });
    impl_->run(done, left);
    if (result == beast::error::timeout) return false;
    if (result) return true;  // eof or reset: closed
  }
}

http_response request(const endpoint& ep, const http_request& req, std::chrono::milliseconds timeout) {
  connection c(ep, timeout);
  http_request once = req;
  once.headers.emplace_back("Connection", "close");
  return c.request(once, timeout);
}

http_request get(std::string target, header_list headers) {
  http_request r;
  r.method = "GET";
  r.target = std::move(target);
  r.headers = std::move(headers);
  return r;
}

http_request post(std::string target, std::string body, header_list headers) {
  http_request r;
  r.method = "POST";
  r.target = std::move(target);
  r.body = std::move(body);
  r.headers = std::move(headers);
  return r;
}

}  // namespace mink::e2e
