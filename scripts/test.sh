#!/usr/bin/env bash
# The whole test suite: an optimized build and an AddressSanitizer + UBSan build, each
# running every registered test (unit tests, CPU vectors, differential tests, ROMs), then
# every other host (tests/hosts.sh: clang, Windows under wine, s390x and aarch64 under
# qemu-user).   scripts/test.sh [--native]   (--native: the two native builds only)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/deps.sh
vx86_install_deps

jobs=$(nproc)
status=0
run_build() {
  local dir=$1; shift
  echo "== $dir: configure and build"
  cmake -S . -B "$dir" "$@" >/dev/null
  cmake --build "$dir" -j"$jobs"
  echo "== $dir: tests"
  (cd "$dir" && ctest --output-on-failure -j"$jobs") || status=1
}

run_build build -DCMAKE_BUILD_TYPE=Release
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
run_build build-sanitize -DCMAKE_BUILD_TYPE=Debug -DVX86_SANITIZE=ON
unset ASAN_OPTIONS UBSAN_OPTIONS
if [ "${1:-}" != "--native" ]; then
  echo "== every host"
  bash tests/hosts.sh || status=1
fi
exit $status
