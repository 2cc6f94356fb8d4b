#pragma once
// Writes metrics in the Prometheus text exposition format, version 0.0.4.

#include <cstdint>
#include <functional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mink::http {

/// The Content-Type of the text exposition format.
inline constexpr std::string_view prometheus_content_type = "text/plain; version=0.0.4; charset=utf-8";

/// Label names and values of one sample, in the order written. Values are escaped by the writer.
using metric_labels = std::vector<std::pair<std::string_view, std::string_view>>;

/// Accumulates exposition text. Each family's `# HELP` and `# TYPE` lines are written before its
/// first sample and never again; the caller writes all samples of a family together (the format
/// requires it) and passes valid metric and label names ([a-zA-Z_:][a-zA-Z0-9_:]*).
///
/// Numbers: integral values print as integers; others in shortest round-trip fixed notation
/// (never an exponent); NaN and infinities as `NaN`, `+Inf`, `-Inf`.
///
/// Thread safety: none (one writer per rendering). Not copyable state beyond its text.
class prometheus_writer {
 public:
  /// One counter sample `name{labels} value`. Counters are conventionally named `*_total`.
  void counter(std::string_view name, std::string_view help, const metric_labels& labels, double value);
  /// One gauge sample.
  void gauge(std::string_view name, std::string_view help, const metric_labels& labels, double value);
  /// One histogram: `name_bucket{labels,le="b"}` per bound, cumulative, then `le="+Inf"`, then
  /// `name_sum` and `name_count`. `bounds` ascending; `counts` per bucket, NOT cumulative, with
  /// one more element than `bounds` (the +Inf bucket); a shorter `counts` is read as zeros.
  void histogram(std::string_view name, std::string_view help, const metric_labels& labels,
                 std::span<const double> bounds, std::span<const std::uint64_t> counts, double sum);

  /// The text written so far (ends with a newline when not empty).
  const std::string& text() const noexcept { return out_; }
  std::string release() noexcept { return std::move(out_); }

 private:
  void family(std::string_view name, std::string_view type, std::string_view help);
  void sample(std::string_view name, const metric_labels& labels, std::string_view extra_name,
              std::string_view extra_value, double value);

  std::string out_;
  std::set<std::string, std::less<>> families_;
};

/// A sample value as the format wants it (see prometheus_writer).
std::string format_metric_value(double v);
/// A label value escaped: backslash, double quote and newline become \\, \" and \n.
std::string escape_label_value(std::string_view v);

}  // namespace mink::http
