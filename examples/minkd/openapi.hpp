#pragma once
// The OpenAPI 3 document describing minkd's HTTP API, served at GET /openapi.json.

#include <mink/http/router.hpp>

#include <string_view>

namespace minkd {

/// The document's JSON text (openapi.json, compiled in).
std::string_view openapi_document() noexcept;

/// Registers GET /openapi.json. Throws std::invalid_argument if the compiled-in document is not
/// valid JSON (caught at start-up, never per request).
void add_openapi_route(mink::http::router& r);

}  // namespace minkd
