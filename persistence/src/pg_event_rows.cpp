#include "pg_event_rows.hpp"

#include <mink/messaging/errc.hpp>

#include <boost/json/parse.hpp>

#include <charconv>

namespace mink::persistence::detail {

bool parse_u64(std::string_view text, std::uint64_t& out) {
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc{} && end == text.data() + text.size();
}

boost::system::error_code decode_event(const query_result& r, std::size_t row, recorded_event& out) {
  auto stream = r.get<std::string>(row, 0);
  auto version = r.get<std::int64_t>(row, 1);
  auto position = r.get<std::int64_t>(row, 2);
  auto event_id = r.get<std::string>(row, 4);
  auto type = r.get<std::string>(row, 5);
  auto recorded = r.get<std::chrono::system_clock::time_point>(row, 8);
  if (!stream || !version || !position || !event_id || !type || !recorded) return errc::invalid_value;
  if (!parse_u64(r.text(row, 3), out.transaction_id)) return errc::invalid_value;
  boost::system::error_code ec;
  out.data = boost::json::parse(r.text(row, 6), ec);
  if (ec) return errc::invalid_value;
  const auto meta = boost::json::parse(r.text(row, 7), ec);
  if (ec) return errc::invalid_value;
  out.metadata = metadata_from_json(meta);
  out.stream_id = std::move(*stream);
  out.version = static_cast<std::uint64_t>(*version);
  out.position = *position;
  out.event_id = std::move(*event_id);
  out.type = std::move(*type);
  out.recorded_at = *recorded;
  return {};
}

std::string text_array_literal(const std::vector<std::string>& items) {
  std::string out = "{";
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += ',';
    out += '"';
    for (char c : items[i]) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    out += '"';
  }
  out += '}';
  return out;
}

}  // namespace mink::persistence::detail
