#!/usr/bin/env bash
# The main job: installs what is missing (as root), builds, and runs the mink-ecommerce scenarios against
# an embedded PostgreSQL that it starts and stops itself. Arguments go to the example program.
#
#   scripts/run-main.sh [--database-url URL] [--data-dir DIR]
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"

"$here/setup.sh" "$root/build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
exec "$root/build/examples/ecommerce/mink-ecommerce" "$@"
