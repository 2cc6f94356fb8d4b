#include "pg_append_rows.hpp"

#include "append_record.hpp"

#include "pg_event_rows.hpp"

#include <mink/messaging/errc.hpp>
#include <mink/persistence/pg_error.hpp>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <charconv>

namespace mink::persistence::detail {

using boost::system::error_code;

namespace {

int kind_code(expected_version e) {
  switch (e.what()) {
    case expected_version::kind::any: return 0;
    case expected_version::kind::no_stream: return 1;
    case expected_version::kind::stream_exists: return 2;
    case expected_version::kind::exact: return 3;
  }
  return 0;
}

// "{1,2,3}" -> positions
bool parse_positions(std::string_view text, std::vector<std::int64_t>& out) {
  if (text.size() < 2 || text.front() != '{' || text.back() != '}') return false;
  text = text.substr(1, text.size() - 2);
  while (!text.empty()) {
    const auto comma = text.find(',');
    const auto item = text.substr(0, comma);
    std::int64_t v = 0;
    auto [end, ec] = std::from_chars(item.data(), item.data() + item.size(), v);
    if (ec != std::errc{} || end != item.data() + item.size()) return false;
    out.push_back(v);
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
  }
  return true;
}

}  // namespace

std::string append_request_json(const std::string& stream_id, expected_version expected,
                                std::vector<event_data>& events, append_options& options) {
  boost::json::object q;
  q["s"] = stream_id;
  q["c"] = stream_category(stream_id);
  q["k"] = kind_code(expected);
  q["v"] = expected.value();
  boost::json::array evs;
  evs.reserve(events.size());
  for (auto& e : events) {
    boost::json::object o;
    o["id"] = e.event_id;
    o["t"] = e.type;
    o["d"] = std::move(e.data);
    o["m"] = to_json(e.metadata);
    evs.push_back(std::move(o));
  }
  q["e"] = std::move(evs);
  if (auto& claim = options.idempotency) {
    boost::json::object i;
    i["k"] = claim->key;
    i["f"] = claim->fingerprint;
    i["x"] = claim->ttl.count();
    i["r"] = std::move(claim->response);
    q["i"] = std::move(i);
  }
  return boost::json::serialize(q);
}

append_result stream_failure(const std::string& stream_id) {
  append_result r;
  r.stream_id = stream_id;
  return r;
}

const statement& append_batch_statement() {
  static const statement s(
      "SELECT o_idx, o_status, o_version, o_positions::text, o_actual, o_txid::text, o_result::text "
      "FROM mink_append_batch($1::jsonb)");
  return s;
}

int append_row_index(const query_result& r, std::size_t row) {
  return value_or<std::int32_t>(r.get<std::int32_t>(row, 0), -1);
}

error_code decode_append_row(const query_result& r, std::size_t row, const std::string& stream_id,
                             expected_version expected, int& status, append_result& out) {
  status = value_or<std::int32_t>(r.get<std::int32_t>(row, 1), -1);
  out.stream_id = stream_id;
  switch (status) {
    case appended:
    case replayed:
      out.version = static_cast<std::uint64_t>(value_or<std::int64_t>(r.get<std::int64_t>(row, 2), 0));
      parse_positions(r.text(row, 3), out.positions);
      parse_u64(r.text(row, 5), out.transaction_id);
      out.replayed = status == replayed;
      return {};
    case conflict:
      out.expected = expected;
      out.actual_version = static_cast<std::uint64_t>(value_or<std::int64_t>(r.get<std::int64_t>(row, 4), 0));
      return errc::wrong_expected_version;
    case not_found: return errc::stream_not_found;
    case duplicate_id: return errc::duplicate_event_id;
    case replayed_by_key: {
      error_code parse_ec;
      auto stored = boost::json::parse(r.text(row, 6), parse_ec);
      if (parse_ec) return client_errc::bad_response;
      replay_from_record(stored, out);
      return {};
    }
    case key_reused: return errc::idempotency_key_reused;
    default: return client_errc::bad_response;
  }
}

}  // namespace mink::persistence::detail
