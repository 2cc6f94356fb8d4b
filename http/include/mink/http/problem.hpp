#pragma once
// RFC 9457 problem details: the body of every error response mink::http produces.

#include <mink/http/message.hpp>

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <string>
#include <string_view>

namespace mink::http {

/// One RFC 9457 problem. Its "type" member is the relative URI "/problems/<slug>" (e.g.
/// "/problems/concurrency-conflict"): clients match on the slug; mink serves no page there.
struct problem {
  http::status status = http::status::internal_server_error;
  std::string slug;    ///< Last segment of "type", e.g. "not-found".
  std::string title;   ///< Short and fixed per slug; empty: the status's reason phrase.
  std::string detail;  ///< This occurrence. Never internal text for a 5xx.
  /// Extra members merged into the body, e.g. "errors": [{"field","message"}], "expected_version".
  /// Members named type, title, status or detail are ignored.
  boost::json::object extensions;
};

/// "/problems/<slug>".
std::string problem_type(std::string_view slug);

/// The problem's JSON body: {"type","title","status","detail", extensions...}.
boost::json::object problem_body(const problem& p);

/// A response with the problem's status, `Content-Type: application/problem+json` and its body
/// (payload prepared). `version` is the HTTP version (11 for HTTP/1.1).
response make_problem_response(const problem& p, unsigned version = 11);

/// A response with `Content-Type: application/json` and `body` serialized (payload prepared).
response make_json_response(http::status s, const boost::json::value& body, unsigned version = 11);

/// A problem without extensions.
problem make_problem(http::status s, std::string slug, std::string title, std::string detail);

/// The common problems, titled consistently.
problem bad_request(std::string detail, std::string slug = "bad-request");
problem not_found(std::string detail);
/// 503 "service-unavailable".
problem service_unavailable(std::string detail);

/// make_problem_response with `Retry-After: retry_after_seconds`: for 503s and for conflicts that
/// clear by themselves (a key in flight).
response make_retry_later_response(const problem& p, unsigned version, unsigned retry_after_seconds);

}  // namespace mink::http
