#!/usr/bin/env bash
# Fuzzes the CPU with libFuzzer under ASan + UBSan for a while (not part of CI):
#   tests/fuzz/run.sh [SECONDS]    (default 600)
# Builds build-fuzz with clang, then runs vx86-fuzz-cpu on one core per job, starting
# from the committed corpus (tests/fuzz/corpus) and adding what it finds to
# build-fuzz/corpus. A crash leaves its input as build-fuzz/crash-*: fix the bug, then
# copy the input into tests/fuzz/corpus so the replay test keeps it fixed.
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/deps.sh
vx86_install_packages "${VX86_PACKAGES[@]}" clang
seconds=${1:-600}
cmake -S . -B build-fuzz -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=RelWithDebInfo -DVX86_FUZZ=ON >/dev/null
cmake --build build-fuzz -j"$(nproc)" --target vx86-fuzz-cpu
mkdir -p build-fuzz/corpus
cd build-fuzz
./vx86-fuzz-cpu -max_total_time="$seconds" -max_len=4096 -timeout=10 -jobs="$(nproc)" -workers="$(nproc)" \
  corpus ../tests/fuzz/corpus
