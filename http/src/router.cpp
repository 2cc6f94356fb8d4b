#include <mink/http/router.hpp>

#include <mink/http/problem.hpp>
#include <mink/messaging/uuid.hpp>

#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/json/object.hpp>

#include <algorithm>
#include <exception>
#include <stdexcept>

namespace mink::http {
namespace {

constexpr std::string_view correlation_header = "X-Correlation-ID";

struct segment {
  std::string text;  // literal text, or the parameter's name
  bool is_param = false;
};

struct route {
  http::verb method;
  std::string pattern;
  std::vector<segment> segments;
  route_handler fn;
};

std::vector<std::string_view> split_path(std::string_view path) {
  std::vector<std::string_view> out;
  std::size_t pos = 1;  // path starts with '/'
  while (pos <= path.size()) {
    const auto slash = path.find('/', pos);
    const auto end = slash == std::string_view::npos ? path.size() : slash;
    out.push_back(path.substr(pos, end - pos));
    pos = end + 1;
  }
  return out;
}

bool valid_correlation_id(std::string_view id) {
  if (id.empty() || id.size() > 255) return false;
  return std::all_of(id.begin(), id.end(), [](char c) { return c >= 0x20 && c <= 0x7e; });
}

// Compares specificity: negative when a is more specific than b.
int compare_specificity(const route& a, const route& b) {
  for (std::size_t i = 0; i < a.segments.size(); ++i) {
    if (a.segments[i].is_param != b.segments[i].is_param) return a.segments[i].is_param ? 1 : -1;
  }
  return 0;
}

}  // namespace

struct router::impl {
  router_params params;
  std::vector<route> routes;
};

std::string_view request_context::param(std::string_view name) const noexcept {
  for (const auto& [k, v] : path_params)
    if (k == name) return v;
  return {};
}

std::optional<std::string_view> request_context::query(std::string_view name) const noexcept {
  for (const auto& [k, v] : query_params)
    if (k == name) return std::string_view(v);
  return std::nullopt;
}

std::optional<std::string> percent_decode(std::string_view text, bool plus_as_space) {
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '%') {
      if (i + 2 >= text.size()) return std::nullopt;
      const int hi = hex(text[i + 1]);
      const int lo = hex(text[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else if (c == '+' && plus_as_space) {
      out.push_back(' ');
    } else {
      out.push_back(c);
    }
  }
  return out;
}

router::router(router_params params) : impl_(std::make_unique<impl>()) { impl_->params = std::move(params); }
router::~router() = default;

void router::add(http::verb method, std::string_view pattern, route_handler h) {
  if (pattern.empty() || pattern.front() != '/') throw std::invalid_argument("route pattern must start with '/'");
  route r{method, std::string(pattern), {}, std::move(h)};
  for (const auto part : split_path(pattern)) {
    segment s;
    if (!part.empty() && part.front() == '{') {
      if (part.size() < 3 || part.back() != '}') throw std::invalid_argument("malformed route parameter");
      s.text = std::string(part.substr(1, part.size() - 2));
      s.is_param = true;
      if (s.text.find_first_of("{}") != std::string::npos) throw std::invalid_argument("malformed route parameter");
      for (const auto& prev : r.segments)
        if (prev.is_param && prev.text == s.text) throw std::invalid_argument("repeated route parameter");
    } else {
      if (part.find_first_of("{}") != std::string_view::npos) throw std::invalid_argument("malformed route segment");
      s.text = std::string(part);
    }
    r.segments.push_back(std::move(s));
  }
  for (const auto& existing : impl_->routes) {
    if (existing.method != method || existing.segments.size() != r.segments.size()) continue;
    bool same = true;
    for (std::size_t i = 0; i < r.segments.size() && same; ++i) {
      const auto& a = existing.segments[i];
      const auto& b = r.segments[i];
      same = a.is_param == b.is_param && (a.is_param || a.text == b.text);
    }
    if (same) throw std::invalid_argument("route already registered: " + r.pattern);
  }
  impl_->routes.push_back(std::move(r));
}

boost::asio::awaitable<response> router::handle(http::request req) const {
  namespace bh = boost::beast::http;
  const auto started = std::chrono::steady_clock::now();
  const unsigned version = req.version();
  request_record record;
  if (impl_->params.on_response) record.method = std::string(req.method_string());
  request_context ctx;
  std::optional<problem> early;

  const auto given = req.find(correlation_header) != req.end()
                         ? std::optional<std::string_view>(req[correlation_header])
                         : std::nullopt;
  if (given && valid_correlation_id(*given)) {
    ctx.correlation_id = std::string(*given);
  } else {
    ctx.correlation_id = new_uuid();
    if (given) early = bad_request("X-Correlation-ID must be 1 to 255 printable ASCII characters", "invalid-header");
  }

  const std::string_view target = req.target();
  const auto qpos = target.find('?');
  const auto raw_path = target.substr(0, qpos);
  if (impl_->params.on_response) record.path = std::string(raw_path);
  if (!early) {
    if (raw_path.empty() || raw_path.front() != '/') {
      early = bad_request("the request target must be an absolute path", "invalid-target");
    } else if (auto p = percent_decode(raw_path, false)) {
      ctx.path = std::move(*p);
    } else {
      early = bad_request("malformed percent-encoding in the path", "invalid-target");
    }
  }
  if (!early && qpos != std::string_view::npos) {
    auto query = target.substr(qpos + 1);
    while (!query.empty() && !early) {
      const auto amp = query.find('&');
      const auto pair = query.substr(0, amp);
      query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
      if (pair.empty()) continue;
      const auto eq = pair.find('=');
      auto key = percent_decode(pair.substr(0, eq), true);
      auto value = percent_decode(eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1), true);
      if (!key || !value) {
        early = bad_request("malformed percent-encoding in the query", "invalid-query");
      } else {
        ctx.query_params.emplace_back(std::move(*key), std::move(*value));
      }
    }
  }

  const route* best = nullptr;
  std::vector<http::verb> allowed;
  std::vector<std::pair<std::string, std::string>> best_params;
  if (!early) {
    // Match on the raw segments and decode each parameter on its own, so "%2F" stays in one.
    const auto parts = split_path(raw_path);
    for (const auto& r : impl_->routes) {
      if (r.segments.size() != parts.size()) continue;
      std::vector<std::pair<std::string, std::string>> params;
      bool match = true;
      for (std::size_t i = 0; i < parts.size() && match; ++i) {
        const auto decoded = percent_decode(parts[i], false);
        if (!decoded) {
          match = false;
        } else if (r.segments[i].is_param) {
          if (decoded->empty()) match = false;
          else params.emplace_back(r.segments[i].text, *decoded);
        } else {
          match = *decoded == r.segments[i].text;
        }
      }
      if (!match) continue;
      if (r.method != req.method()) {
        if (std::find(allowed.begin(), allowed.end(), r.method) == allowed.end()) allowed.push_back(r.method);
        continue;
      }
      if (!best || compare_specificity(r, *best) < 0) {
        best = &r;
        best_params = std::move(params);
      }
    }
  }

  response res;
  if (early) {
    res = make_problem_response(*early, version);
  } else if (!best && allowed.empty()) {
    res = make_problem_response(not_found("no resource at " + ctx.path), version);
  } else if (!best) {
    problem p;
    p.status = http::status::method_not_allowed;
    p.slug = "method-not-allowed";
    p.title = "Method not allowed";
    p.detail = std::string(req.method_string()) + " is not allowed on " + ctx.path;
    res = make_problem_response(p, version);
    std::string allow;
    for (const auto m : allowed) {
      if (!allow.empty()) allow += ", ";
      allow += bh::to_string(m);
    }
    res.set(bh::field::allow, allow);
  } else {
    record.route = best->pattern;
    ctx.path_params = std::move(best_params);
    ctx.req = std::move(req);
    std::string failure;
    bool failed = false;
    try {
      res = co_await best->fn(ctx);
    } catch (const std::exception& e) {
      failed = true;
      failure = e.what();
    } catch (...) {
      failed = true;
      failure = "unknown exception";
    }
    if (failed) {
      if (impl_->params.log_error) {
        try {
          impl_->params.log_error(ctx.correlation_id, failure);
        } catch (...) {
        }
      }
      problem p;
      p.status = http::status::internal_server_error;
      p.slug = "internal-error";
      p.title = "Internal server error";
      p.detail = "the request failed; quote correlation id " + ctx.correlation_id;
      p.extensions["correlation_id"] = ctx.correlation_id;
      res = make_problem_response(p, version);
    }
  }
  res.version(version);
  res.set(correlation_header, ctx.correlation_id);
  if (impl_->params.on_response) {
    record.status = res.result_int();
    record.duration = std::chrono::steady_clock::now() - started;
    record.correlation_id = ctx.correlation_id;
    try {
      impl_->params.on_response(record);
    } catch (...) {
      // Observation must never change the answer.
    }
  }
  co_return res;
}

void add_health_routes(router& r) {
  r.get("/healthz", [](request_context& ctx) -> boost::asio::awaitable<response> {
    boost::json::object body;
    body["status"] = "ok";
    co_return make_json_response(http::status::ok, body, ctx.req.version());
  });
}

}  // namespace mink::http
