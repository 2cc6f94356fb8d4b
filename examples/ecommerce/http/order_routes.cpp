#include <ecommerce/http/order_routes.hpp>
#include <ecommerce/http/order_routes_detail.hpp>

#include <ecommerce/domain/json_text.hpp>
#include <ecommerce/domain/order_errc.hpp>

#include <mink/http/command_problem.hpp>
#include <mink/messaging/uuid.hpp>

#include <boost/beast/http/field.hpp>

#include <array>
#include <cstdint>
#include <cstdio>

namespace ecommerce {

void add_order_routes(mink::http::router& routes, order_system& system) {
  detail::add_order_command_routes(routes, system);
  detail::add_order_query_routes(routes, system);
}

std::optional<mink::http::problem> order_problem(const boost::system::error_code& ec, const mink::dispatch_result& result) {
  if (ec.category() != order_category()) return std::nullopt;
  switch (static_cast<order_errc>(ec.value())) {
    case order_errc::already_exists: {
      mink::http::problem p;
      p.status = mink::http::status::conflict;
      p.slug = "already-exists";
      p.title = "Already exists";
      p.detail = ec.message();
      return p;
    }
    case order_errc::not_created: {
      mink::http::problem p = mink::http::not_found("no such order");
      if (!result.stream_id.empty()) p.detail = "no such order (stream " + result.stream_id + ")";
      return p;
    }
    default:
      // The rule's own words: what the user reads.
      return mink::http::rule_violation(ec.message());
  }
}

std::string order_location(std::string_view order_id) {
  std::string out = "/orders/";
  for (const char c : order_id) {
    const auto u = static_cast<unsigned char>(c);
    const bool unreserved = (u >= 'A' && u <= 'Z') || (u >= 'a' && u <= 'z') || (u >= '0' && u <= '9') ||
                            c == '-' || c == '.' || c == '_' || c == '~';
    if (unreserved) {
      out += c;
    } else {
      std::array<char, 8> hex{};
      std::snprintf(hex.data(), hex.size(), "%%%02X", static_cast<unsigned>(u));
      out.append(hex.data(), 3);
    }
  }
  return out;
}

std::string generated_order_id(std::string_view idempotency_key) {
  if (idempotency_key.empty()) return mink::new_uuid();
  // Two independent 64-bit FNV-1a hashes of the key, shaped as a version 8 (custom) UUID.
  auto fnv = [&](std::uint64_t basis) {
    std::uint64_t h = basis;
    for (const char c : std::string_view("ecommerce.order:")) h = (h ^ static_cast<unsigned char>(c)) * 0x100000001b3ULL;
    for (const char c : idempotency_key) h = (h ^ static_cast<unsigned char>(c)) * 0x100000001b3ULL;
    return h;
  };
  std::uint64_t hi = fnv(0xcbf29ce484222325ULL);
  std::uint64_t lo = fnv(0x84222325cbf29ce4ULL);
  hi = (hi & ~0xF000ULL) | 0x8000ULL;                                // version 8
  lo = (lo & ~(0xC000ULL << 48)) | (0x8000ULL << 48);                // RFC variant
  std::array<char, 64> text{};
  std::snprintf(text.data(), text.size(), "%08x-%04x-%04x-%04x-%012llx", static_cast<unsigned>(hi >> 32),
                static_cast<unsigned>((hi >> 16) & 0xFFFF), static_cast<unsigned>(hi & 0xFFFF),
                static_cast<unsigned>(lo >> 48), static_cast<unsigned long long>(lo & 0xFFFFFFFFFFFFULL));
  return std::string(text.data(), 36);
}

namespace detail {

mink::http::response json_text_response(mink::http::status s, const boost::json::value& body, unsigned version) {
  mink::http::response res{s, version};
  res.set(boost::beast::http::field::content_type, "application/json");
  res.body() = to_json_text(body);
  res.prepare_payload();
  return res;
}

mink::http::problem order_not_found(std::string_view order_id) {
  std::string detail = "no order with id \"";
  detail.append(order_id);
  detail += "\"";
  return mink::http::not_found(std::move(detail));
}

}  // namespace detail
}  // namespace ecommerce
