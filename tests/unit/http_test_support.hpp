#pragma once
// Driving a mink::http::router in unit tests: handle() on a given io_context, bounded.

#include "run_until.hpp"

#include <mink/http/router.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/json/parse.hpp>
#include <boost/test/unit_test.hpp>

#include <exception>
#include <optional>
#include <string>

namespace mink::test {

/// router.handle(req) run on `ioc` until it answers (at most 5 s).
inline http::response handle_on(boost::asio::io_context& ioc, const http::router& r, http::request req) {
  std::optional<http::response> out;
  bool failed = false;
  boost::asio::co_spawn(ioc, r.handle(std::move(req)), [&](std::exception_ptr ep, http::response res) {
    failed = static_cast<bool>(ep);
    out = std::move(res);
  });
  BOOST_REQUIRE(run_until(ioc, [&] { return out.has_value(); }));
  BOOST_REQUIRE(!failed);
  return std::move(*out);
}

inline http::response handle_on(boost::asio::io_context& ioc, const http::router& r, http::verb method,
                                std::string target) {
  http::request req{method, target, 11};
  return handle_on(ioc, r, std::move(req));
}

inline boost::json::object json_of(const http::response& res) {
  return boost::json::parse(res.body()).as_object();
}

}  // namespace mink::test
