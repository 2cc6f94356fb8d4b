#include "openapi.hpp"

#include <mink/http/problem.hpp>

#include <boost/json/parse.hpp>

#include <memory>
#include <stdexcept>

namespace minkd {

void add_openapi_route(mink::http::router& r) {
  boost::system::error_code ec;
  auto document = std::make_shared<const boost::json::value>(boost::json::parse(openapi_document(), ec));
  if (ec) throw std::invalid_argument("the compiled-in OpenAPI document is not JSON: " + ec.message());
  r.get("/openapi.json", [document](mink::http::request_context& ctx) -> boost::asio::awaitable<mink::http::response> {
    co_return mink::http::make_json_response(mink::http::status::ok, *document, ctx.req.version());
  });
}

}  // namespace minkd
