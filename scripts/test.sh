#!/usr/bin/env bash
# Runs every test of mink from a fresh checkout: installs what is missing (as root), builds with
# warnings as errors, runs the unit, integration, end-to-end and install tests, then rebuilds with
# AddressSanitizer + UndefinedBehaviorSanitizer and runs the unit and integration tests again.
# Integration tests start their own PostgreSQL (embedded_postgres); the end-to-end tests start the
# minkd program (with its embedded PostgreSQL) on loopback; nothing else is needed.
#
#   scripts/test.sh
#
# Environment: MINK_TEST_SKIP_SANITIZERS=1 skips the sanitizer pass (quicker local runs).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
started=$(date +%s)

# The end-to-end suites (label e2e): the real minkd binary of the build in $1, driven over HTTP.
run-e2e() {
  (cd "$1" && ctest -L e2e --output-on-failure --no-tests=error)
}

"$here/setup.sh" "$root/build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMINK_WARNINGS_AS_ERRORS=ON
(cd "$root/build" && ctest -L 'unit|integration' --output-on-failure --no-tests=error)
run-e2e "$root/build"
(cd "$root/build" && ctest -L install --output-on-failure --no-tests=error)

if [[ "${MINK_TEST_SKIP_SANITIZERS:-0}" != 1 ]]; then
  "$here/setup.sh" "$root/build-sanitize" -DCMAKE_BUILD_TYPE=Debug -DMINK_WARNINGS_AS_ERRORS=ON \
    -DMINK_SANITIZE=address,undefined -DMINK_BUILD_EXAMPLES=OFF -DMINK_BUILD_BENCHMARKS=OFF
  # Leak checking stays on; halt on the first UB report so a sanitizer finding fails the run.
  export ASAN_OPTIONS="detect_leaks=1:abort_on_error=0"
  export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
  (cd "$root/build-sanitize" && ctest -L 'unit|integration' --output-on-failure --no-tests=error)
fi

echo "mink: all tests passed in $(( $(date +%s) - started )) s"
