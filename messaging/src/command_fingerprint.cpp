#include <mink/messaging/command_envelope.hpp>

#include <boost/json/serialize.hpp>

#include <cstdint>

namespace mink {

namespace {

std::uint64_t fnv1a(std::string_view a, std::string_view b, std::uint64_t seed) noexcept {
  std::uint64_t h = seed;
  for (std::string_view part : {a, std::string_view("\0", 1), b}) {
    for (unsigned char c : part) {
      h ^= c;
      h *= 0x100000001b3ULL;
    }
  }
  return h;
}

void append_hex(std::string& out, std::uint64_t v) {
  static constexpr char hex[] = "0123456789abcdef";
  for (int shift = 60; shift >= 0; shift -= 4) out += hex[(v >> shift) & 0xF];
}

}  // namespace

std::string command_fingerprint(const command_payload& command) {
  const std::string json = boost::json::serialize(command.to_json());
  std::string out;
  out.reserve(32);
  append_hex(out, fnv1a(command.type(), json, 0xcbf29ce484222325ULL));
  append_hex(out, fnv1a(command.type(), json, 0x84222325cbf29ce4ULL));
  return out;
}

}  // namespace mink
