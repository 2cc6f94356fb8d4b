#pragma once
// Named SQL statements that a connection prepares once and then executes by name.

#include <cstdint>
#include <string>
#include <utility>

namespace mink::persistence {

/// A statement to be prepared on first use per connection and cached there.
/// The name is derived from the SQL text (a 64-bit FNV-1a hash), so two statement objects with the
/// same text share one server-side prepared statement. Parameter types are inferred by the server.
class statement {
 public:
  explicit statement(std::string sql) : sql_(std::move(sql)), name_(make_name(sql_)) {}

  const std::string& sql() const noexcept { return sql_; }
  const std::string& name() const noexcept { return name_; }

 private:
  static std::string make_name(const std::string& sql) {
    std::uint64_t h = 14695981039346656037ULL;
    for (unsigned char c : sql) {
      h = (h ^ c) * 1099511628211ULL;
    }
    static constexpr char hex[] = "0123456789abcdef";
    std::string name = "mink_";
    for (int shift = 60; shift >= 0; shift -= 4) name += hex[(h >> shift) & 0xF];
    return name;
  }

  std::string sql_;
  std::string name_;
};

}  // namespace mink::persistence
