// Fail points kill the process only when armed, and only at the armed hit. Each case runs in a
// forked child, because arming is read from the environment once per process.
#include <mink/messaging/fail_point.hpp>

#include <boost/test/unit_test.hpp>

#include <csignal>
#include <cstdlib>
#include <functional>

#include <sys/wait.h>
#include <unistd.h>

namespace {

// Runs `body` in a child with MINK_FAIL_POINT set to `spec`; the child's wait status.
int run_child(const char* spec, const std::function<void()>& body) {
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::setenv("MINK_FAIL_POINT", spec, 1);
    mink::reload_fail_points();  // this process may have read the variable before the fork
    body();
    ::_exit(0);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  return status;
}

bool killed(int status) { return WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL; }
bool exited_cleanly(int status) { return WIFEXITED(status) && WEXITSTATUS(status) == 0; }

}  // namespace

BOOST_AUTO_TEST_SUITE(fail_point)

BOOST_AUTO_TEST_CASE(an_armed_point_kills_at_its_first_hit) {
  BOOST_TEST(killed(run_child("a.point", [] { mink::fail_point("a.point"); })));
}

BOOST_AUTO_TEST_CASE(other_names_pass) {
  BOOST_TEST(exited_cleanly(run_child("a.point", [] {
    mink::fail_point("another.point");
    mink::fail_point("a.poin");
  })));
}

BOOST_AUTO_TEST_CASE(a_counted_point_kills_at_the_nth_hit_only) {
  BOOST_TEST(exited_cleanly(run_child("x@3", [] {
    mink::fail_point("x");
    mink::fail_point("x");
  })));
  BOOST_TEST(killed(run_child("x@3", [] {
    for (int i = 0; i < 3; ++i) mink::fail_point("x");
  })));
}

BOOST_AUTO_TEST_CASE(a_list_arms_each_name) {
  BOOST_TEST(killed(run_child("first,second@2", [] {
    mink::fail_point("second");
    mink::fail_point("first");
  })));
  BOOST_TEST(killed(run_child("first@5,second@2", [] {
    mink::fail_point("second");
    mink::fail_point("second");
  })));
}

BOOST_AUTO_TEST_CASE(unarmed_when_unset_or_malformed_count) {
  BOOST_TEST(exited_cleanly(run_child("", [] { mink::fail_point(""); })));
  // "@0" and "@x" are not counts: the name is armed at its first hit.
  BOOST_TEST(killed(run_child("y@0", [] { mink::fail_point("y"); })));
  BOOST_TEST(killed(run_child("y@x", [] { mink::fail_point("y"); })));
}

BOOST_AUTO_TEST_SUITE_END()
