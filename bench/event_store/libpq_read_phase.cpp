// `read libpq`: the store's forward read of one stream as a plain, blocking libpq loop, doing the
// work mink does with the rows: every field decoded into a recorded_event, data and metadata parsed
// as JSON, the timestamp converted.
#include "es_phases.hpp"
#include "pg_sync.hpp"

#include <boost/json/parse.hpp>

#include <charconv>
#include <stdexcept>
#include <string_view>

namespace mink::bench {
namespace {

const char* const read_sql =
    "SELECT stream_id, stream_version, global_position, transaction_id::text, event_id::text, event_type, "
    "data::text, metadata::text, recorded_at FROM mink_events WHERE stream_id=$1 AND stream_version >= $2 "
    "ORDER BY stream_version LIMIT $3";

template <class Int>
bool parse_int(std::string_view text, Int& out) {
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc{} && end == text.data() + text.size();
}

bool digits(std::string_view t, std::size_t pos, std::size_t n, int& out) {
  return pos + n <= t.size() && parse_int(t.substr(pos, n), out);
}

// "2026-11-27 18:31:26.123456+00" (DateStyle ISO; fraction and offset minutes optional).
bool parse_timestamp(std::string_view t, std::chrono::system_clock::time_point& out) {
  namespace chr = std::chrono;
  int y, mo, d, h, mi, s;
  if (!digits(t, 0, 4, y) || !digits(t, 5, 2, mo) || !digits(t, 8, 2, d) || !digits(t, 11, 2, h) ||
      !digits(t, 14, 2, mi) || !digits(t, 17, 2, s))
    return false;
  std::size_t pos = 19;
  long long micros = 0;
  int scale = 1'000'000;
  if (pos < t.size() && t[pos] == '.') {
    for (++pos; pos < t.size() && t[pos] >= '0' && t[pos] <= '9'; ++pos) {
      if (scale == 1) continue;  // beyond microseconds
      micros = micros * 10 + (t[pos] - '0');
      scale /= 10;
    }
    micros *= scale;
  }
  int offset = 0;
  if (pos < t.size()) {
    int oh = 0, om = 0;
    if ((t[pos] != '+' && t[pos] != '-') || !digits(t, pos + 1, 2, oh)) return false;
    if (pos + 3 < t.size() && !(t[pos + 3] == ':' && digits(t, pos + 4, 2, om))) return false;
    offset = (oh * 3600 + om * 60) * (t[pos] == '-' ? -1 : 1);
  }
  const chr::year_month_day ymd{chr::year{y}, chr::month{static_cast<unsigned>(mo)}, chr::day{static_cast<unsigned>(d)}};
  if (!ymd.ok()) return false;
  const auto local = chr::sys_days{ymd} + chr::hours{h} + chr::minutes{mi} + chr::seconds{s} + chr::microseconds{micros};
  out = chr::time_point_cast<chr::system_clock::duration>(local - chr::seconds{offset});
  return true;
}

std::string_view field(const PGresult* r, int row, int col) {
  return {PQgetvalue(r, row, col), static_cast<std::size_t>(PQgetlength(r, row, col))};
}

// The same decoding as the store's (pg_event_rows.cpp), through public types only.
void decode_row(const PGresult* r, int row, recorded_event& e) {
  std::int64_t version = 0;
  boost::system::error_code ec;
  e.stream_id.assign(field(r, row, 0));
  bool ok = parse_int(field(r, row, 1), version) && parse_int(field(r, row, 2), e.position) &&
            parse_int(field(r, row, 3), e.transaction_id);
  e.version = static_cast<std::uint64_t>(version);
  e.event_id.assign(field(r, row, 4));
  e.type.assign(field(r, row, 5));
  e.data = boost::json::parse(field(r, row, 6), ec);
  ok = ok && !ec;
  const auto meta = boost::json::parse(field(r, row, 7), ec);
  ok = ok && !ec;
  e.metadata = metadata_from_json(meta);
  ok = ok && parse_timestamp(field(r, row, 8), e.recorded_at);
  if (!ok) throw std::runtime_error("read libpq: row " + std::to_string(row) + " does not decode");
}

}  // namespace

throughput run_libpq_read(const phase_env& env, const std::string& stream) {
  auto conn = connect(env.conninfo, "read libpq");
  prepare_checked(conn.get(), "bench_read_stream", read_sql, 3, "read libpq");
  const char* values[3] = {stream.c_str(), "1", "100"};
  const auto timed_loop = [&](clock::duration d) {
    throughput t;
    const auto server0 = env.server ? env.server->seconds() : std::nullopt;
    const auto cpu0 = process_cpu_time();
    const auto start = clock::now();
    const auto until = start + d;
    while (keep_going(until)) {
      result_ptr res(PQexecPrepared(conn.get(), "bench_read_stream", 3, values, nullptr, nullptr, 0));
      if (!res || PQresultStatus(res.get()) != PGRES_TUPLES_OK)
        throw std::runtime_error("read libpq: PQexecPrepared: " + trimmed(PQerrorMessage(conn.get())));
      const int rows = PQntuples(res.get());
      if (rows != static_cast<int>(read_stream_events))
        throw std::runtime_error("read libpq: " + std::to_string(rows) + " rows, expected " +
                                 std::to_string(read_stream_events));
      std::vector<recorded_event> events(static_cast<std::size_t>(rows));
      for (int i = 0; i < rows; ++i) decode_row(res.get(), i, events[static_cast<std::size_t>(i)]);
      if (events.back().version != read_stream_events) throw std::runtime_error("read libpq: wrong last version");
      ++t.ops;
    }
    t.elapsed = clock::now() - start;
    t.client_cpu = process_cpu_time() - cpu0;
    const auto server1 = env.server ? env.server->seconds() : std::nullopt;
    if (server0 && server1) t.server_cpu_s = *server1 - *server0;
    return t;
  };
  timed_loop(warmup_time);
  return timed_loop(env.measure);
}

}  // namespace mink::bench
