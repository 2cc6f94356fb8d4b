#include <mink/http/json_body.hpp>

#include "duplicate_keys.hpp"

#include <boost/beast/http/field.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/parse_options.hpp>

#include <algorithm>
#include <cctype>
#include <string>

namespace mink::http {
namespace {

// True for "application/json", any case, optionally followed by parameters (";charset=utf-8").
bool is_json_media_type(std::string_view ct) {
  const auto semi = ct.find(';');
  auto type = ct.substr(0, semi);
  while (!type.empty() && (type.back() == ' ' || type.back() == '\t')) type.remove_suffix(1);
  while (!type.empty() && (type.front() == ' ' || type.front() == '\t')) type.remove_prefix(1);
  constexpr std::string_view json = "application/json";
  return type.size() == json.size() &&
         std::equal(type.begin(), type.end(), json.begin(), [](char a, char b) {
           return std::tolower(static_cast<unsigned char>(a)) == b;
         });
}

}  // namespace

json_body parse_json_body(const request_context& ctx, json_body_limits limits) {
  json_body out;
  const auto it = ctx.req.find(boost::beast::http::field::content_type);
  if (it == ctx.req.end() || !is_json_media_type(it->value())) {
    problem p;
    p.status = http::status::unsupported_media_type;
    p.slug = "unsupported-media-type";
    p.title = "Unsupported media type";
    p.detail = "the body must be application/json";
    out.error = std::move(p);
    return out;
  }
  boost::json::parse_options opts;
  opts.max_depth = limits.max_depth;
  opts.allow_invalid_utf8 = false;
  boost::system::error_code ec;
  out.value = boost::json::parse(ctx.req.body(), ec, {}, opts);
  if (ec) {
    out.value = nullptr;
    out.error = bad_request("the body is not valid JSON: " + ec.message(), "malformed-json");
  } else if (detail::has_duplicate_keys(ctx.req.body())) {
    out.value = nullptr;
    out.error = bad_request("the body repeats a key in an object", "malformed-json");
  }
  return out;
}

}  // namespace mink::http
