#pragma once
// minkd's structured log: one JSON object per line on stderr, {"ts","level","msg", fields...},
// so that access and error lines can be searched by correlation id.

#include "config.hpp"

#include <boost/json/object.hpp>

#include <string_view>

namespace minkd {

/// Thread-safe: lines from several threads never interleave.
class logger {
 public:
  explicit logger(log_level threshold) : threshold_(threshold) {}

  bool enabled(log_level level) const noexcept { return level >= threshold_ && level != log_level::off; }

  /// Writes `msg` with `fields` when `level` reaches the threshold.
  void write(log_level level, std::string_view msg, boost::json::object fields = {}) const;

  void info(std::string_view msg, boost::json::object fields = {}) const { write(log_level::info, msg, std::move(fields)); }
  void warn(std::string_view msg, boost::json::object fields = {}) const { write(log_level::warn, msg, std::move(fields)); }
  void error(std::string_view msg, boost::json::object fields = {}) const {
    write(log_level::error, msg, std::move(fields));
  }

 private:
  log_level threshold_;
};

}  // namespace minkd
