#include <mink/http/command_problem.hpp>

#include <mink/http/admin_routes.hpp>

#include <mink/messaging/errc.hpp>
#include <mink/persistence/pg_error.hpp>

#include <boost/asio/error.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/json/array.hpp>
#include <boost/json/serialize.hpp>

#include <string>
#include <utility>

namespace mink::http {
namespace {

/// What a failure's detail says: the result's account, else the code's message.
std::string message_of(const boost::system::error_code& ec, const dispatch_result& result) {
  return result.error_message.empty() ? ec.message() : result.error_message;
}

problem conflict_problem(const dispatch_result& result) {
  std::string detail = "the resource was changed since the version given in If-Match";
  if (result.expected && result.actual_version) {
    detail = "expected version " + result.expected->to_string() + ", but it is at version " +
             std::to_string(*result.actual_version);
  }
  problem p = make_problem(http::status::conflict, "concurrency-conflict", "Concurrency conflict", std::move(detail));
  if (result.expected) {
    if (result.expected->what() == expected_version::kind::exact) p.extensions["expected_version"] = result.expected->value();
    else p.extensions["expected_version"] = result.expected->to_string();
  }
  if (result.actual_version) p.extensions["actual_version"] = *result.actual_version;
  return p;
}

/// The problem of a mink::errc; nullopt for those with no client-facing meaning (then 500).
std::optional<problem> framework_problem(errc e, const dispatch_result& result) {
  switch (e) {
    case errc::validation_failed:
    case errc::invalid_command:
      return validation_problem(result.field_errors);
    case errc::wrong_expected_version:
      return conflict_problem(result);
    case errc::idempotency_key_in_flight:
      return make_problem(http::status::conflict, "idempotency-key-in-flight", "Idempotency key in flight",
                  "a request with this Idempotency-Key is still being processed; retry later");
    case errc::idempotency_key_reused:
      return make_problem(http::status::unprocessable_entity, "idempotency-key-reuse", "Idempotency key reused",
                  "this Idempotency-Key was already used for a different request");
    case errc::event_too_large:
      return make_problem(http::status::payload_too_large, "event-too-large", "Event too large",
                  "the command would record an event larger than the store accepts");
    default:
      return std::nullopt;
  }
}

}  // namespace

bool is_unavailable(const boost::system::error_code& ec) noexcept {
  return is_database_unavailable(ec) || ec == errc::mailbox_full || ec == errc::shutting_down || ec == errc::timeout;
}

bool is_domain_error(const boost::system::error_code& ec) noexcept {
  if (!ec) return false;
  const auto& cat = ec.category();
  return cat != framework_category() && cat != persistence::client_category() &&
         cat != persistence::sqlstate_category() && cat != boost::system::system_category() &&
         cat != boost::system::generic_category() && cat != boost::asio::error::get_misc_category() &&
         cat != boost::asio::error::get_netdb_category() && cat != boost::asio::error::get_addrinfo_category();
}

problem dispatch_problem(const boost::system::error_code& ec, const dispatch_result& result,
                         const domain_problem_mapper& map_domain) {
  if (ec.category() == framework_category()) {
    if (auto p = framework_problem(static_cast<errc>(ec.value()), result)) return std::move(*p);
  }
  if (is_unavailable(ec)) return unavailable_problem();
  if (is_domain_error(ec)) {
    if (map_domain) {
      if (auto p = map_domain(ec, result)) return std::move(*p);
    }
    return rule_violation(message_of(ec, result));
  }
  // A framework or database failure the client cannot act on: no internal text.
  return internal_problem(result.correlation_id);
}

response make_command_problem_response(const problem& p, unsigned version, std::chrono::seconds retry_after) {
  if (p.status == http::status::service_unavailable || p.slug == "idempotency-key-in-flight") {
    return make_retry_later_response(p, version, static_cast<unsigned>(retry_after.count()));
  }
  return make_problem_response(p, version);
}

boost::json::object command_result_body(const dispatch_result& result) {
  boost::json::object o;
  o["stream_id"] = result.stream_id;
  o["version"] = result.version;
  if (result.positions.empty()) o["position"] = nullptr;
  else o["position"] = result.positions.back();
  return o;
}

response make_command_response(http::status s, const dispatch_result& result, const boost::json::object& body,
                               unsigned version) {
  response res{s, version};
  res.set(boost::beast::http::field::content_type, "application/json");
  res.set(boost::beast::http::field::etag, "\"" + std::to_string(result.version) + "\"");
  if (result.replayed) res.set("Idempotent-Replayed", "true");
  res.body() = boost::json::serialize(body);
  res.prepare_payload();
  return res;
}

problem validation_problem(const std::vector<field_error>& errors) {
  std::string detail = "the request is not valid";
  boost::json::array list;
  for (std::size_t i = 0; i < errors.size(); ++i) {
    detail += i == 0 ? ": " : "; ";
    detail += (errors[i].field.empty() ? std::string("body") : errors[i].field) + " " + errors[i].message;
    list.push_back(boost::json::object{{"field", errors[i].field}, {"message", errors[i].message}});
  }
  problem p = bad_request(std::move(detail), "validation-failed");
  p.title = "Validation failed";
  p.extensions["errors"] = std::move(list);
  return p;
}

problem rule_violation(std::string detail) {
  return make_problem(http::status::unprocessable_entity, "rule-violation", "Business rule violated", std::move(detail));
}

problem unavailable_problem() {
  return service_unavailable(
      "the service cannot handle the request now (its database is unavailable or it is busy); retry later");
}

problem internal_problem(std::string_view correlation_id) {
  std::string detail = "an internal error occurred";
  if (!correlation_id.empty()) {
    detail += "; correlation id ";
    detail.append(correlation_id);
  }
  problem p = make_problem(http::status::internal_server_error, "internal-error", "Internal error", std::move(detail));
  if (!correlation_id.empty()) p.extensions["correlation_id"] = correlation_id;
  return p;
}

}  // namespace mink::http
