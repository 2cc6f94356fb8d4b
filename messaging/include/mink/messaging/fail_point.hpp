#pragma once
// Fail points: named places in the code where a test can make the process die on purpose, to
// prove that what was committed before the crash is enough to recover.

#include <string_view>

namespace mink {

/// Kills the process with SIGKILL when `name` is armed, and otherwise does nothing.
///
/// Arming is by the environment variable MINK_FAIL_POINT, read once, at the first call (see also reload_fail_points):
/// a comma-separated list of `name` (die at the first hit) or `name@N` (die at the N-th hit,
/// N >= 1), e.g. `MINK_FAIL_POINT=saga.after_command@3`. SIGKILL, rather than exit or abort,
/// because it is what a crash looks like to the rest of the system: no destructor runs, no buffer
/// is flushed, no transaction is rolled back by the client; PostgreSQL sees the connection drop.
///
/// When MINK_FAIL_POINT is unset or empty the cost of a call is one atomic load and a test.
/// Thread-safe. The names used by mink are listed in docs/testing.md.
void fail_point(std::string_view name) noexcept;

/// Reads MINK_FAIL_POINT again, with fresh hit counts: for a test that sets the variable in a
/// forked child whose parent had already read it. Not for production code.
void reload_fail_points();

/// True when MINK_FAIL_POINT arms at least one name (for programs that report their test mode).
bool fail_points_armed() noexcept;

}  // namespace mink
