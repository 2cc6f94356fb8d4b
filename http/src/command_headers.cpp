#include <mink/http/command_headers.hpp>

#include <boost/beast/http/field.hpp>
#include <boost/json/array.hpp>

#include <limits>
#include <string>
#include <vector>

namespace mink::http {
namespace {

using boost::beast::http::field;

struct header_error {
  std::string_view name;
  std::string message;
};

/// The one value of header `name`, nullopt when absent; an error when it is given twice.
std::optional<std::string_view> single(const request& req, std::string_view name, std::vector<header_error>& errors) {
  auto range = req.equal_range(name);
  if (range.first == range.second) return std::nullopt;
  auto second = range.first;
  if (++second != range.second) {
    errors.push_back({name, "must be given at most once"});
    return std::nullopt;
  }
  const auto v = range.first->value();
  return std::string_view(v.data(), v.size());
}

}  // namespace

bool is_printable_ascii_id(std::string_view value, std::size_t max_length) noexcept {
  if (value.empty() || value.size() > max_length) return false;
  for (const char c : value) {
    if (c < 0x20 || c > 0x7E) return false;
  }
  return true;
}

std::optional<std::uint64_t> parse_if_match(std::string_view value) noexcept {
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
  if (value.size() >= 2 && value.front() == '"' && value.back() == '"') value = value.substr(1, value.size() - 2);
  if (value.empty() || value.size() > 20) return std::nullopt;
  std::uint64_t n = 0;
  for (const char c : value) {
    if (c < '0' || c > '9') return std::nullopt;
    const auto digit = static_cast<std::uint64_t>(c - '0');
    if (n > (std::numeric_limits<std::uint64_t>::max() - digit) / 10) return std::nullopt;
    n = n * 10 + digit;
  }
  return n;
}

command_options read_command_options(const request_context& ctx) {
  command_options out;
  std::vector<header_error> errors;
  out.options.correlation_id = ctx.correlation_id;
  // A repeat of a key still executing is refused rather than held (see the header).
  out.options.wait_for_in_flight = false;

  if (auto key = single(ctx.req, "Idempotency-Key", errors)) {
    if (is_printable_ascii_id(*key)) out.options.idempotency_key = std::string(*key);
    else errors.push_back({"Idempotency-Key", "must be 1 to 255 printable ASCII characters"});
  }
  if (auto causation = single(ctx.req, "X-Causation-ID", errors)) {
    if (is_printable_ascii_id(*causation)) out.options.causation_id = std::string(*causation);
    else errors.push_back({"X-Causation-ID", "must be 1 to 255 printable ASCII characters"});
  }
  if (auto if_match = single(ctx.req, "If-Match", errors)) {
    if (auto version = parse_if_match(*if_match)) {
      out.options.expected = expected_version::exact(*version);
    } else {
      errors.push_back({"If-Match", "must be one stream version, quoted or bare (\"3\" or 3); weak tags are not accepted"});
    }
  }
  if (errors.empty()) return out;

  boost::json::array list;
  std::string detail = "invalid request header";
  detail += errors.size() == 1 ? ": " : "s: ";
  for (std::size_t i = 0; i < errors.size(); ++i) {
    if (i > 0) detail += ", ";
    detail.append(errors[i].name);
    list.push_back(boost::json::object{{"field", errors[i].name}, {"message", errors[i].message}});
  }
  problem p = bad_request(std::move(detail), "invalid-header");
  p.extensions["errors"] = std::move(list);
  out.error = std::move(p);
  return out;
}

}  // namespace mink::http
