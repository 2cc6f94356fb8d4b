#define BOOST_TEST_MODULE mink end-to-end tests
#include <boost/test/unit_test.hpp>

#include <csignal>

namespace {

// A write to a connection the server has closed must be an error, not the end of the test program.
struct ignore_sigpipe {
  ignore_sigpipe() { std::signal(SIGPIPE, SIG_IGN); }
};

}  // namespace

BOOST_TEST_GLOBAL_FIXTURE(ignore_sigpipe);
