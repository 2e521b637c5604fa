#!/usr/bin/env bash
# Fuzzes vx86 with libFuzzer under ASan + UBSan for a while (not part of CI):
#   tests/fuzz/run.sh [cpu|ports|vga|state] [SECONDS]    (default: cpu, 600 s)
#   cpu    the CPU: random code, descriptor tables and page tables (fuzz_cpu.c)
#   ports  the devices through their ports in a whole PC (fuzz_ports.c)
#   vga    the VGA's registers and memory window, its text screen and state (fuzz_vga.c)
#   state  the state-file loader, a whole PC restored from a file (fuzz_state.c)
# Builds build-fuzz with clang, then runs the target on one core per job, starting from
# the committed corpus (tests/fuzz/corpus-TARGET) and adding what it finds to
# build-fuzz/corpus-TARGET. A crash leaves its input as build-fuzz/crash-*: fix the bug,
# then copy the input into tests/fuzz/corpus-TARGET so the replay test keeps it fixed.
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/deps.sh
vx86_install_packages "${VX86_PACKAGES[@]}" clang
target=${1:-cpu}
seconds=${2:-600}
case $target in cpu | ports | vga) max_len=4096 ;; state) max_len=16384 ;; *) echo "tests/fuzz/run.sh: unknown target '$target' (cpu, ports, vga or state)" >&2; exit 2 ;; esac
cmake -S . -B build-fuzz -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=RelWithDebInfo -DVX86_FUZZ=ON >/dev/null
cmake --build build-fuzz -j"$(nproc)" --target "vx86-fuzz-$target"
mkdir -p "build-fuzz/corpus-$target"
cd build-fuzz
"./vx86-fuzz-$target" -max_total_time="$seconds" -max_len=$max_len -timeout=10 -jobs="$(nproc)" -workers="$(nproc)" \
  "corpus-$target" "../tests/fuzz/corpus-$target"
