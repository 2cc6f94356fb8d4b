#pragma once
// Points in time in the order domain: system-clock time points, carried in JSON as RFC 3339 UTC
// text by mink's formatter.

#include <mink/messaging/rfc3339.hpp>

#include <chrono>

namespace ecommerce {

using timestamp = std::chrono::system_clock::time_point;

using mink::format_rfc3339;
using mink::parse_rfc3339;

}  // namespace ecommerce
