#!/usr/bin/env bash
# One command from a fresh Debian machine: install what is missing, build vx86, and run
# its main job: the CPU checked against the hardware-captured 8086 and 80286 vectors,
# then a guest booted headless: FreeDOS from its diskette in ../shared/guests, to its
# prompt, where it types VER (the screen is printed at the end); without the diskette,
# the built-in BIOS on COM1.
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
freedos=$shared/guests/freedos/freedos-720k.img
if [ -f "$freedos" ]; then
  echo "== vx86 boots FreeDOS from $freedos (-snapshot: the image is not written)"
  # VER, then REM: once REM's prompt line shows, VER's output is on the screen above it.
  ./build/vx86 -fda "$freedos" -snapshot -display none -timeout 60 -send-keys 'ver\nrem\n' \
    -send-keys-after 'A:\>' -exit-on 'A:\>rem' -screen-dump "build/freedos-screen.txt"
  grep -v '^$' build/freedos-screen.txt
else
  echo "== vx86 -nographic (the built-in firmware on COM1; no FreeDOS diskette at $freedos)"
  ./build/vx86 -nographic -timeout 30
fi
