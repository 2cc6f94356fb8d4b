#include <mink/messaging/expected_version.hpp>

namespace mink {

std::string expected_version::to_string() const {
  switch (kind_) {
    case kind::any: return "any";
    case kind::no_stream: return "no stream";
    case kind::stream_exists: return "stream exists";
    case kind::exact: return std::to_string(value_);
  }
  return "?";
}

std::string describe_conflict(const std::string& stream_id, expected_version expected, std::uint64_t actual) {
  const std::string want = expected.what() == expected_version::kind::exact ? "version " + expected.to_string()
                                                                             : expected.to_string();
  return "concurrency conflict on stream \"" + stream_id + "\": expected " + want + ", got " + std::to_string(actual);
}

}  // namespace mink
