#pragma once
// "--name value" and "--name=value" on a benchmark program's command line: the one reader every
// benchmark's option parsing shares (header-only, so a program without the database support can
// use it too).

#include <string>
#include <string_view>

namespace mink::bench {

enum class flag_match {
  other,          ///< argv[i] is not this flag.
  value,          ///< Found; `value` holds it and i is past what was consumed.
  missing_value,  ///< "--name" was the last argument.
};

inline flag_match take_flag_value(int argc, char** argv, int& i, std::string_view name, std::string& value) {
  const std::string_view arg = argv[i];
  if (arg == name) {
    if (i + 1 >= argc) return flag_match::missing_value;
    value = argv[++i];
    return flag_match::value;
  }
  if (arg.size() > name.size() && arg.starts_with(name) && arg[name.size()] == '=') {
    value = std::string(arg.substr(name.size() + 1));
    return flag_match::value;
  }
  return flag_match::other;
}

}  // namespace mink::bench
