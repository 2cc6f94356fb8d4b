#include <mink/http/problem.hpp>

#include <boost/beast/http/field.hpp>
#include <boost/json/serialize.hpp>

#include <utility>

namespace mink::http {

std::string problem_type(std::string_view slug) {
  std::string t = "/problems/";
  t.append(slug);
  return t;
}

boost::json::object problem_body(const problem& p) {
  boost::json::object o;
  o["type"] = problem_type(p.slug.empty() ? std::string_view("about-blank") : std::string_view(p.slug));
  if (p.title.empty()) {
    const auto reason = boost::beast::http::obsolete_reason(p.status);
    o["title"] = std::string_view(reason.data(), reason.size());
  } else {
    o["title"] = p.title;
  }
  o["status"] = static_cast<int>(p.status);
  o["detail"] = p.detail;
  for (const auto& member : p.extensions) {
    const auto key = member.key();
    if (key == "type" || key == "title" || key == "status" || key == "detail") continue;
    o[key] = member.value();
  }
  return o;
}

response make_problem_response(const problem& p, unsigned version) {
  response res{p.status, version};
  res.set(boost::beast::http::field::content_type, "application/problem+json");
  res.body() = boost::json::serialize(problem_body(p));
  res.prepare_payload();
  return res;
}

response make_json_response(http::status s, const boost::json::value& body, unsigned version) {
  response res{s, version};
  res.set(boost::beast::http::field::content_type, "application/json");
  res.body() = boost::json::serialize(body);
  res.prepare_payload();
  return res;
}

problem make_problem(http::status s, std::string slug, std::string title, std::string detail) {
  problem p;
  p.status = s;
  p.slug = std::move(slug);
  p.title = std::move(title);
  p.detail = std::move(detail);
  return p;
}

problem bad_request(std::string detail, std::string slug) {
  return make_problem(http::status::bad_request, std::move(slug), "Bad request", std::move(detail));
}

problem not_found(std::string detail) {
  return make_problem(http::status::not_found, "not-found", "Not found", std::move(detail));
}

problem service_unavailable(std::string detail) {
  return make_problem(http::status::service_unavailable, "service-unavailable", "Service unavailable",
                      std::move(detail));
}

response make_retry_later_response(const problem& p, unsigned version, unsigned retry_after_seconds) {
  auto res = make_problem_response(p, version);
  res.set(boost::beast::http::field::retry_after, std::to_string(retry_after_seconds));
  return res;
}

}  // namespace mink::http
