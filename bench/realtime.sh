#!/usr/bin/env bash
# The real-time clock on an idle guest: tests/roms/idle.asm sleeps with HLT between
# 1 kHz timer interrupts for 10,000 ticks (10 s of guest time). In real time, vx86 must
# take 10 s of host time (within 1%) and use little host CPU (under 10% of a core),
# because HLT sleeps until the next event instead of spinning.
set -euo pipefail
cd "$(dirname "$0")/.."
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j"$(nproc)" --target vx86 test-roms >/dev/null
TIMEFORMAT='%R %U %S'
{ time ./build/vx86 -bios build/tests/roms/idle.bin -display none -serial none -debugcon none \
    -exit-on "idle done" -timeout 30 >/dev/null; } 2>"${TMPDIR:-/tmp}/vx86-realtime.$$" || true
read -r wall user sys < <(tail -n 1 "${TMPDIR:-/tmp}/vx86-realtime.$$")
rm -f "${TMPDIR:-/tmp}/vx86-realtime.$$"
error=$(echo "scale=3; ($wall - 10) * 100 / 10" | bc)
cpu=$(echo "scale=1; ($user + $sys) * 100 / $wall" | bc)
echo "guest time 10.000 s, host time $wall s (error ${error}%), host CPU ${cpu}% of one core"
ok=$(echo "define abs(x) { if (x < 0) return -x; return x; }; abs($error) <= 1 && $cpu < 10" | bc)
[ "$ok" = 1 ] && echo "ok: within 1% and under 10% CPU" || { echo "FAIL: the targets are 1% and 10%"; exit 1; }
