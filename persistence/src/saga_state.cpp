#include <mink/persistence/saga_state.hpp>

#include <algorithm>
#include <array>

namespace mink::persistence {

namespace {

// The stored names, indexed by enum value.
constexpr std::array<std::string_view, 6> status_names = {"started",  "running",      "completed",
                                                          "failed",   "compensating", "compensated"};
constexpr std::array<std::string_view, 6> step_names = {"pending", "running",      "completed",
                                                        "failed",  "compensating", "compensated"};

template <class Enum, std::size_t N>
std::optional<Enum> from_name(const std::array<std::string_view, N>& names, std::string_view name) noexcept {
  auto it = std::find(names.begin(), names.end(), name);
  if (it == names.end()) return std::nullopt;
  return static_cast<Enum>(it - names.begin());
}

template <std::size_t N>
std::string_view to_name(const std::array<std::string_view, N>& names, std::size_t i) noexcept {
  return i < N ? names[i] : std::string_view("unknown");
}

}  // namespace

std::string_view to_string(saga_status s) noexcept { return to_name(status_names, static_cast<std::size_t>(s)); }
std::string_view to_string(step_status s) noexcept { return to_name(step_names, static_cast<std::size_t>(s)); }

std::optional<saga_status> saga_status_from_string(std::string_view name) noexcept {
  return from_name<saga_status>(status_names, name);
}

std::optional<step_status> step_status_from_string(std::string_view name) noexcept {
  return from_name<step_status>(step_names, name);
}

bool saga_state::has_processed(std::string_view event_id) const noexcept {
  return std::find(processed.begin(), processed.end(), event_id) != processed.end();
}

}  // namespace mink::persistence
