#pragma once
// Random (version 4) UUIDs in their canonical text form.

#include <string>
#include <string_view>

namespace mink {

/// A new random UUID, e.g. "1b4e28ba-2fa1-4d2b-883f-0016d3cca427". Thread-safe.
std::string new_uuid();

/// True for the canonical 36-character form (any version, either case).
bool is_uuid(std::string_view text) noexcept;

}  // namespace mink
