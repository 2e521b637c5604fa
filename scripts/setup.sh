#!/usr/bin/env bash
# One command from a fresh Debian machine: install what is missing, build vx86, and run
# its main job: the CPU checked against the hardware-captured 8086 and 80286 vectors,
# then the PC started headless on its built-in firmware (which prints its banner on
# COM1 and halts: booting disks comes with the disk and BIOS-services work).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/deps.sh
vx86_install_deps

cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j"$(nproc)"

shared=${VX86_SHARED:-../shared}
if [ -d "$shared/cpu-tests" ]; then
  echo "== vx86 CPU against the hardware vectors"
  ./build/vx86-cputest --cpu 8086 "$shared"/cpu-tests/8086/*.json.gz | tail -n 1
  ./build/vx86-cputest --cpu 286 "$shared"/cpu-tests/80286/*.json.gz | tail -n 1
else
  echo "vx86: no test vectors found at $shared/cpu-tests"
fi
echo "== vx86 -nographic (the built-in firmware on COM1)"
./build/vx86 -nographic -timeout 30
