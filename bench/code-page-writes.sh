#!/usr/bin/env bash
# Stores beside decoded code (bench/code-page-writes.asm): the same real-mode loop of
# 20 million counter increments with the counter on the loop's own 4 KiB page and on
# another page, timed in vx86 and, when installed, in Bochs and QEMU. A store that
# touches no decoded instruction must not cost a re-decode: vx86's same-page loop must
# take at most twice the other-page loop's time (the script fails otherwise).
# Usage: bench/code-page-writes.sh [--runs N] [--peers]   (best of N runs, default 3)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=3 peers=0
while [ $# -gt 0 ]; do
  case $1 in
    --runs) runs=$2; shift 2 ;;
    --peers) peers=1; shift ;;
    *) echo "usage: $0 [--runs N] [--peers]" >&2; exit 2 ;;
  esac
done
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j"$(nproc)" --target vx86 >/dev/null
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for same in 1 0; do
  nasm -f bin -DSAME_PAGE=$same -o "$work/loop$same.bin" bench/code-page-writes.asm
done
now() { date +%s.%N; }

run_vx86() { # rom; prints seconds, checks the counter
  local start end
  start=$(now)
  ./build/vx86 -bios "$1" -display none -icount -debugcon "file:$work/out" >/dev/null 2>&1
  end=$(now)
  grep -q "counter 01312D00" "$work/out" || { echo "vx86: wrong or no counter" >&2; exit 1; }
  echo "$end - $start" | bc
}

# The peers do not exit on HLT: poll for the counter line, then stop them.
run_peer() { # rom command...
  local rom=$1 out=$work/peer.out start end; shift
  rm -f "$out"
  start=$(now)
  "$@" >"$out.log" 2>&1 &
  local pid=$!
  for _ in $(seq 1 12000); do
    grep -aq "counter 01312D00" "$out" "$out.log" 2>/dev/null && break
    kill -0 $pid 2>/dev/null || break
    sleep 0.01
  done
  end=$(now)
  kill $pid 2>/dev/null; wait $pid 2>/dev/null || true
  echo "$end - $start" | bc
}
run_qemu() {
  run_peer "$1" qemu-system-i386 -accel tcg,thread=single -M isapc -m 16 -bios "$1" -display none \
    -debugcon "file:$work/peer.out" -monitor none -no-reboot -nic none
}
run_bochs() {
  cat > "$work/bochsrc" <<CONF
megs: 16
romimage: file=$1
cpu: count=1, ips=100000000
clock: sync=none
port_e9_hack: enabled=1
display_library: rfb, options="timeout=0"
log: /dev/null
speaker: enabled=0
CONF
  echo c > "$work/bochs.rc"
  run_peer "$1" bochs-bin -q -f "$work/bochsrc" -rc "$work/bochs.rc"
}

best() { # runner rom
  local best_t="" t
  for _ in $(seq 1 "$runs"); do
    t=$("$1" "$2")
    if [ -z "$best_t" ] || [ "$(echo "$t < $best_t" | bc)" = 1 ]; then best_t=$t; fi
  done
  echo "$best_t"
}

emulators=(vx86)
if [ $peers = 1 ]; then
  command -v bochs-bin >/dev/null && emulators+=(bochs)
  command -v qemu-system-i386 >/dev/null && emulators+=(qemu)
fi
printf '%-6s %12s %12s %8s\n' emulator "same page s" "other page s" ratio
for emu in "${emulators[@]}"; do
  same=$(best "run_$emu" "$work/loop1.bin")
  other=$(best "run_$emu" "$work/loop0.bin")
  ratio=$(echo "scale=2; $same / $other" | bc)
  printf '%-6s %12.3f %12.3f %8s\n' "$emu" "$same" "$other" "$ratio"
  [ "$emu" = vx86 ] && vx86_ratio=$ratio
done
echo "(best of $runs runs; wall time includes start-up; 20,000,000 iterations of 3 instructions)"
if [ "$(echo "$vx86_ratio > 2" | bc)" = 1 ]; then
  echo "FAIL: vx86's same-page loop takes more than twice the other-page loop's time" >&2
  exit 1
fi
