#include "log.hpp"

#include <mink/messaging/rfc3339.hpp>

#include <boost/json/serialize.hpp>

#include <chrono>
#include <cstdio>
#include <mutex>
#include <string>

namespace minkd {

namespace {

std::string_view level_name(log_level level) noexcept {
  switch (level) {
    case log_level::debug: return "debug";
    case log_level::info: return "info";
    case log_level::warn: return "warn";
    case log_level::error: return "error";
    case log_level::off: break;
  }
  return "off";
}

std::mutex& output_mutex() {
  static std::mutex m;
  return m;
}

}  // namespace

void logger::write(log_level level, std::string_view msg, boost::json::object fields) const {
  if (!enabled(level)) return;
  boost::json::object line;
  line.reserve(fields.size() + 3);
  line["ts"] = mink::format_rfc3339(std::chrono::system_clock::now());
  line["level"] = level_name(level);
  line["msg"] = msg;
  for (auto& field : fields) line[field.key()] = std::move(field.value());
  std::string text = boost::json::serialize(line);
  text += '\n';
  // One fwrite per line under a lock: whole lines, in order, from any thread.
  std::lock_guard lock(output_mutex());
  std::fwrite(text.data(), 1, text.size(), stderr);
}

}  // namespace minkd
