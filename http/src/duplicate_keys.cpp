#include "duplicate_keys.hpp"

#include <boost/json/basic_parser_impl.hpp>

#include <cstdint>
#include <set>
#include <string>
#include <vector>

namespace mink::http::detail {
namespace {

namespace json = boost::json;
using boost::system::error_code;

// A basic_parser handler that only tracks the keys of each open object.
struct key_checker {
  static constexpr std::size_t max_object_size = std::size_t(-1);
  static constexpr std::size_t max_array_size = std::size_t(-1);
  static constexpr std::size_t max_key_size = std::size_t(-1);
  static constexpr std::size_t max_string_size = std::size_t(-1);

  std::vector<std::set<std::string>> objects;  // one per open object; arrays push nothing
  std::vector<bool> is_object;                 // the kind of each open container
  std::string key;
  bool duplicate = false;

  bool on_document_begin(error_code&) { return true; }
  bool on_document_end(error_code&) { return true; }
  bool on_array_begin(error_code&) {
    is_object.push_back(false);
    return true;
  }
  bool on_array_end(std::size_t, error_code&) {
    is_object.pop_back();
    return true;
  }
  bool on_object_begin(error_code&) {
    is_object.push_back(true);
    objects.emplace_back();
    return true;
  }
  bool on_object_end(std::size_t, error_code&) {
    is_object.pop_back();
    objects.pop_back();
    return true;
  }
  bool on_string_part(json::string_view, std::size_t, error_code&) { return true; }
  bool on_string(json::string_view, std::size_t, error_code&) { return true; }
  bool on_key_part(json::string_view s, std::size_t, error_code&) {
    key.append(s.data(), s.size());
    return true;
  }
  bool on_key(json::string_view s, std::size_t, error_code& ec) {
    key.append(s.data(), s.size());
    const bool inserted = objects.back().insert(std::move(key)).second;
    key.clear();
    if (!inserted) {
      duplicate = true;
      ec = json::error::syntax;
      return false;
    }
    return true;
  }
  bool on_number_part(json::string_view, error_code&) { return true; }
  bool on_int64(std::int64_t, json::string_view, error_code&) { return true; }
  bool on_uint64(std::uint64_t, json::string_view, error_code&) { return true; }
  bool on_double(double, json::string_view, error_code&) { return true; }
  bool on_bool(bool, error_code&) { return true; }
  bool on_null(error_code&) { return true; }
  bool on_comment_part(json::string_view, error_code&) { return true; }
  bool on_comment(json::string_view, error_code&) { return true; }
};

}  // namespace

bool has_duplicate_keys(std::string_view text) {
  json::parse_options opts;
  opts.max_depth = std::size_t(-1);
  json::basic_parser<key_checker> parser(opts);
  error_code ec;
  parser.write_some(false, text.data(), text.size(), ec);
  return parser.handler().duplicate;
}

}  // namespace mink::http::detail
