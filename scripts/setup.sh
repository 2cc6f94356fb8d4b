#!/usr/bin/env bash
# Installs what mink needs on Debian 12 (when missing), then configures and builds.
#
#   scripts/setup.sh [BUILD_DIR] [extra CMake arguments...]
#
# Installing packages needs root; everything else works as any user. Environment:
#   MINK_JOBS      parallel compile jobs (default: number of cores)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
build_dir="${1:-$root/build}"
shift || true

packages=(
  cmake ninja-build ccache g++ pkg-config
  libboost1.81-dev libboost-json1.81-dev libboost-test1.81-dev libboost-url1.81-dev
  libboost-program-options1.81-dev
  libpq-dev postgresql-15
  wrk
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]} > 0)); then
  if [[ $(id -u) -ne 0 ]]; then
    echo "mink: missing Debian packages: ${missing[*]}" >&2
    echo "mink: run this script as root (sudo) once to install them." >&2
    exit 1
  fi
  echo "mink: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

jobs="${MINK_JOBS:-$(nproc)}"
cmake -S "$root" -B "$build_dir" -G Ninja "$@" >/dev/null
start=$(date +%s)
cmake --build "$build_dir" -j "$jobs"
echo "mink: built $build_dir in $(( $(date +%s) - start )) s"
