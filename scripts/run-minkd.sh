#!/usr/bin/env bash
# Starts minkd, the e-commerce system as an HTTP server: installs what is missing (as root),
# builds, and runs build/examples/minkd/minkd with the arguments given (see --help). Without
# --database-url it starts a private PostgreSQL (in --data-dir when given, else a temporary one).
#
#   scripts/run-minkd.sh [--listen 127.0.0.1:8080] [--fulfillment auto|manual] [...]
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"

"$here/setup.sh" "$root/build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
exec "$root/build/examples/minkd/minkd" "$@"
