#include "time_format.hpp"

#include <charconv>
#include <cstdio>

namespace mink::persistence::detail {

namespace chr = std::chrono;

std::string format_timestamp(chr::system_clock::time_point t) {
  const auto us = chr::floor<chr::microseconds>(t);
  const auto day = chr::floor<chr::days>(us);
  const chr::year_month_day ymd{day};
  const chr::hh_mm_ss hms{us - day};
  char buf[48];
  const int n = std::snprintf(buf, sizeof buf, "%04d-%02u-%02u %02d:%02d:%02d.%06lld+00",
                              static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                              static_cast<unsigned>(ymd.day()), static_cast<int>(hms.hours().count()),
                              static_cast<int>(hms.minutes().count()),
                              static_cast<int>(hms.seconds().count()),
                              static_cast<long long>(hms.subseconds().count()));
  return std::string(buf, static_cast<std::size_t>(n));
}

namespace {

// Reads exactly `digits` decimal digits at text[pos].
bool read_fixed(std::string_view text, std::size_t& pos, std::size_t digits, int& out) {
  if (pos + digits > text.size()) return false;
  auto first = text.data() + pos;
  auto [end, ec] = std::from_chars(first, first + digits, out);
  if (ec != std::errc{} || end != first + digits) return false;
  pos += digits;
  return true;
}

bool expect(std::string_view text, std::size_t& pos, char c) {
  if (pos >= text.size() || text[pos] != c) return false;
  ++pos;
  return true;
}

}  // namespace

bool parse_timestamp(std::string_view text, chr::system_clock::time_point& out) {
  std::size_t pos = 0;
  int y, mo, d, h, mi, s;
  if (!read_fixed(text, pos, 4, y) || !expect(text, pos, '-') || !read_fixed(text, pos, 2, mo) ||
      !expect(text, pos, '-') || !read_fixed(text, pos, 2, d)) {
    return false;
  }
  if (pos < text.size() && (text[pos] == ' ' || text[pos] == 'T')) {
    ++pos;
  } else {
    return false;
  }
  if (!read_fixed(text, pos, 2, h) || !expect(text, pos, ':') || !read_fixed(text, pos, 2, mi) ||
      !expect(text, pos, ':') || !read_fixed(text, pos, 2, s)) {
    return false;
  }
  long long micros = 0;
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    int digits = 0;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
      if (digits < 6) {
        micros = micros * 10 + (text[pos] - '0');
        ++digits;
      }
      ++pos;
    }
    if (digits == 0) return false;
    for (; digits < 6; ++digits) micros *= 10;
  }
  int offset_seconds = 0;
  if (pos < text.size()) {
    const char sign = text[pos];
    if (sign != '+' && sign != '-') return false;
    ++pos;
    int oh = 0, om = 0, os = 0;
    if (!read_fixed(text, pos, 2, oh)) return false;
    if (pos < text.size() && !(expect(text, pos, ':') && read_fixed(text, pos, 2, om))) return false;
    if (pos < text.size() && !(expect(text, pos, ':') && read_fixed(text, pos, 2, os))) return false;
    offset_seconds = (oh * 3600 + om * 60 + os) * (sign == '-' ? -1 : 1);
  }
  const chr::year_month_day ymd{chr::year{y}, chr::month{static_cast<unsigned>(mo)},
                                chr::day{static_cast<unsigned>(d)}};
  if (!ymd.ok() || h > 23 || mi > 59 || s > 60) return false;
  const auto local = chr::sys_days{ymd} + chr::hours{h} + chr::minutes{mi} + chr::seconds{s} +
                     chr::microseconds{micros};
  out = chr::time_point_cast<chr::system_clock::duration>(local - chr::seconds{offset_seconds});
  return true;
}

}  // namespace mink::persistence::detail
