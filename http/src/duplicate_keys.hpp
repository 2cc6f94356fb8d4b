#pragma once
// Finds duplicate object keys, which Boost.JSON's parser silently collapses (the last one wins).

#include <string_view>

namespace mink::http::detail {

/// True when some object in `text` (already known to be valid JSON) repeats a key.
bool has_duplicate_keys(std::string_view text);

}  // namespace mink::http::detail
