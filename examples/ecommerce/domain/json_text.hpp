#pragma once
// JSON text whose numbers read the way people write them.

#include <boost/json/value.hpp>

#include <string>

namespace ecommerce {

/// Serializes `v` like boost::json::serialize, except that doubles are written in their shortest
/// round-trip form without an exponent where that is shorter ("1549.96", "0.3", "1e+21").
/// Boost.JSON 1.81 writes every double with an exponent ("1.54996E3"): the same value, but not
/// what an API client expects to see for a price.
std::string to_json_text(const boost::json::value& v);

}  // namespace ecommerce
