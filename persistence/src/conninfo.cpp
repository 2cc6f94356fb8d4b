#include "conninfo.hpp"

#include <mink/persistence/pg_error.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <libpq-fe.h>

namespace mink::persistence::detail {
namespace {

std::vector<std::string> split_commas(const std::string& s) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  for (;;) {
    const auto comma = s.find(',', start);
    parts.push_back(s.substr(start, comma - start));
    if (comma == std::string::npos) return parts;
    start = comma + 1;
  }
}

std::ptrdiff_t find_key(const conninfo& info, std::string_view key) {
  for (std::size_t i = 0; i < info.keywords.size(); ++i) {
    if (info.keywords[i] == key) return static_cast<std::ptrdiff_t>(i);
  }
  return -1;
}

bool needs_lookup(const std::string& host) {
  if (host.empty() || host.front() == '/' || host.front() == '@') return false;  // Unix socket
  boost::system::error_code ec;
  boost::asio::ip::make_address(host, ec);
  return static_cast<bool>(ec);
}

}  // namespace

error_code parse_conninfo(std::string_view text, conninfo& out, std::string& why) {
  char* err = nullptr;
  const std::string copy(text);
  PQconninfoOption* options = PQconninfoParse(copy.c_str(), &err);
  if (!options) {
    why = err ? err : "out of memory";
    while (!why.empty() && why.back() == '\n') why.pop_back();
    if (err) PQfreemem(err);
    return client_errc::invalid_connection_string;
  }
  out = {};
  for (PQconninfoOption* o = options; o->keyword; ++o) {
    if (o->val) {
      out.keywords.emplace_back(o->keyword);
      out.values.emplace_back(o->val);
    }
  }
  PQconninfoFree(options);
  if (find_key(out, "client_encoding") < 0) {
    out.keywords.emplace_back("client_encoding");
    out.values.emplace_back("UTF8");
  }
  return {};
}

asio::awaitable<error_code> resolve_hosts(conninfo& info, std::string& why) {
  const auto host_at = find_key(info, "host");
  if (host_at < 0 || find_key(info, "hostaddr") >= 0) co_return error_code{};
  const auto hosts = split_commas(info.values[static_cast<std::size_t>(host_at)]);
  bool any = false;
  for (const auto& h : hosts) any = any || needs_lookup(h);
  if (!any) co_return error_code{};

  asio::ip::tcp::resolver resolver(co_await asio::this_coro::executor);
  std::string addresses;
  for (std::size_t i = 0; i < hosts.size(); ++i) {
    if (i > 0) addresses += ',';
    if (!needs_lookup(hosts[i])) {
      // An empty hostaddr entry keeps libpq's own handling of that host (socket path or literal).
      continue;
    }
    auto [ec, results] = co_await resolver.async_resolve(hosts[i], "", asio::as_tuple(asio::use_awaitable));
    if (ec || results.empty()) {
      why = "could not resolve host \"" + hosts[i] + "\": " + (ec ? ec.message() : "no address");
      co_return client_errc::host_not_resolved;
    }
    addresses += results.begin()->endpoint().address().to_string();
  }
  info.keywords.emplace_back("hostaddr");
  info.values.push_back(std::move(addresses));
  co_return error_code{};
}

}  // namespace mink::persistence::detail
