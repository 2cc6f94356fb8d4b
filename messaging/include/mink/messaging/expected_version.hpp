#pragma once
// What an append expects of its stream's current version (optimistic concurrency).

#include <cstdint>
#include <string>

namespace mink {

/// A stream's version is the number of events in it: 0 for a stream that does not exist, then
/// 1, 2, ... contiguously.
class expected_version {
 public:
  enum class kind {
    any,            ///< No check.
    no_stream,      ///< The stream must not exist yet (version 0).
    stream_exists,  ///< The stream must exist (version >= 1); else errc::stream_not_found.
    exact,          ///< The version must be exactly value(); exact(0) is the same as no_stream.
  };

  static constexpr expected_version any() noexcept { return expected_version(kind::any, 0); }
  static constexpr expected_version no_stream() noexcept { return expected_version(kind::no_stream, 0); }
  static constexpr expected_version stream_exists() noexcept { return expected_version(kind::stream_exists, 0); }
  static constexpr expected_version exact(std::uint64_t version) noexcept { return expected_version(kind::exact, version); }

  constexpr kind what() const noexcept { return kind_; }
  constexpr std::uint64_t value() const noexcept { return value_; }

  /// Whether a stream at `current` version satisfies this expectation.
  constexpr bool accepts(std::uint64_t current) const noexcept {
    switch (kind_) {
      case kind::any: return true;
      case kind::no_stream: return current == 0;
      case kind::stream_exists: return current > 0;
      case kind::exact: return current == value_;
    }
    return false;
  }

  /// "any", "no stream", "stream exists" or the number.
  std::string to_string() const;

  friend constexpr bool operator==(expected_version, expected_version) noexcept = default;

 private:
  constexpr expected_version(kind k, std::uint64_t v) noexcept : kind_(k), value_(v) {}
  kind kind_;
  std::uint64_t value_;
};

/// `concurrency conflict on stream "Order-1": expected version 1, got 2`
std::string describe_conflict(const std::string& stream_id, expected_version expected, std::uint64_t actual);

}  // namespace mink
