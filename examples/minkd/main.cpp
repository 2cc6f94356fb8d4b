// minkd: the mink e-commerce system as an HTTP server. `minkd --help` lists its flags.

#include "config.hpp"
#include "daemon.hpp"
#include "log.hpp"

#include <exception>
#include <iostream>

int main(int argc, char** argv) {
  try {
    const auto parsed = minkd::parse_config(argc, argv);
    if (!parsed.settings) return parsed.exit_code;
    const minkd::logger log(parsed.settings->level);
    return minkd::run(*parsed.settings, log);
  } catch (const std::exception& e) {
    std::cerr << "minkd: " << e.what() << '\n';
    return 1;
  }
}
