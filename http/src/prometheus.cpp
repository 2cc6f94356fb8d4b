#include <mink/http/prometheus.hpp>

#include <charconv>
#include <cmath>
#include <limits>

namespace mink::http {
namespace {

std::string escape_help(std::string_view v) {
  std::string out;
  out.reserve(v.size());
  for (const char c : v) {
    if (c == '\\') out += "\\\\";
    else if (c == '\n') out += "\\n";
    else out.push_back(c);
  }
  return out;
}

}  // namespace

std::string format_metric_value(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  // Exact integers (counts, positions) print without a fraction, up to 2^53.
  if (v == std::floor(v) && std::fabs(v) < 9007199254740992.0) {
    char buf[32];
    const auto r = std::to_chars(buf, buf + sizeof buf, static_cast<long long>(v));
    return std::string(buf, r.ptr);
  }
  char buf[400];  // fixed notation of any double fits (DBL_MAX has 309 digits)
  const auto r = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::fixed);
  return std::string(buf, r.ptr);
}

std::string escape_label_value(std::string_view v) {
  std::string out;
  out.reserve(v.size());
  for (const char c : v) {
    if (c == '\\') out += "\\\\";
    else if (c == '"') out += "\\\"";
    else if (c == '\n') out += "\\n";
    else out.push_back(c);
  }
  return out;
}

void prometheus_writer::family(std::string_view name, std::string_view type, std::string_view help) {
  if (families_.find(name) != families_.end()) return;
  families_.emplace(name);
  out_ += "# HELP ";
  out_ += name;
  out_ += ' ';
  out_ += escape_help(help);
  out_ += "\n# TYPE ";
  out_ += name;
  out_ += ' ';
  out_ += type;
  out_ += '\n';
}

void prometheus_writer::sample(std::string_view name, const metric_labels& labels, std::string_view extra_name,
                               std::string_view extra_value, double value) {
  out_ += name;
  if (!labels.empty() || !extra_name.empty()) {
    out_ += '{';
    bool first = true;
    auto add = [&](std::string_view k, std::string_view v) {
      if (!first) out_ += ',';
      first = false;
      out_ += k;
      out_ += "=\"";
      out_ += escape_label_value(v);
      out_ += '"';
    };
    for (const auto& [k, v] : labels) add(k, v);
    if (!extra_name.empty()) add(extra_name, extra_value);
    out_ += '}';
  }
  out_ += ' ';
  out_ += format_metric_value(value);
  out_ += '\n';
}

void prometheus_writer::counter(std::string_view name, std::string_view help, const metric_labels& labels,
                                double value) {
  family(name, "counter", help);
  sample(name, labels, {}, {}, value);
}

void prometheus_writer::gauge(std::string_view name, std::string_view help, const metric_labels& labels,
                              double value) {
  family(name, "gauge", help);
  sample(name, labels, {}, {}, value);
}

void prometheus_writer::histogram(std::string_view name, std::string_view help, const metric_labels& labels,
                                  std::span<const double> bounds, std::span<const std::uint64_t> counts,
                                  double sum) {
  family(name, "histogram", help);
  const std::string base(name);
  const std::string bucket = base + "_bucket";
  std::uint64_t cumulative = 0;
  for (std::size_t i = 0; i < bounds.size(); ++i) {
    if (i < counts.size()) cumulative += counts[i];
    sample(bucket, labels, "le", format_metric_value(bounds[i]), static_cast<double>(cumulative));
  }
  if (bounds.size() < counts.size()) cumulative += counts[bounds.size()];
  sample(bucket, labels, "le", "+Inf", static_cast<double>(cumulative));
  sample(base + "_sum", labels, {}, {}, sum);
  sample(base + "_count", labels, {}, {}, static_cast<double>(cumulative));
}

}  // namespace mink::http
