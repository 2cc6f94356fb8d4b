#pragma once
// Reading a JSON request body, with the problem to answer when it is not acceptable JSON.

#include <mink/http/problem.hpp>
#include <mink/http/router.hpp>

#include <boost/json/value.hpp>

#include <cstddef>
#include <optional>

namespace mink::http {

struct json_body_limits {
  std::size_t max_depth = 32;  ///< Deepest nesting of arrays and objects accepted.
};

/// The parsed body, or the problem to answer (then `value` is null).
struct json_body {
  boost::json::value value;
  std::optional<problem> error;
  explicit operator bool() const noexcept { return !error; }
};

/// Parses the request's body as JSON. Problems: 415 (slug "unsupported-media-type") when
/// Content-Type is not application/json (parameters such as charset are allowed); 400
/// ("malformed-json") for syntax errors, invalid UTF-8, nesting deeper than max_depth, or an empty
/// body, and for an object that repeats a key (Boost.JSON would keep the last one silently).
json_body parse_json_body(const request_context& ctx, json_body_limits limits = json_body_limits{});

}  // namespace mink::http
