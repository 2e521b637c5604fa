#!/usr/bin/env bash
# Runs the CPU benchmark ROM (bench/cpu-bench.asm) in vx86, QEMU (TCG) and Bochs in one
# run and prints wall time, guest MIPS and the ratios. The workload is fixed, so every
# correct emulator executes the same instructions and prints the same checksum; vx86's
# -stats gives the instruction count, which the peers' MIPS are computed from.
# Usage: bench/run.sh [--runs N]   (the best of N runs per emulator, default 3)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=3
[ "${1:-}" = "--runs" ] && runs=$2

# The peers are for comparison only; vx86 never uses them.
need=()
command -v qemu-system-i386 >/dev/null || need+=(qemu-system-x86)
command -v bochs-bin >/dev/null || need+=(bochs bochsbios)
# Bochs dies at start-up (SIGSEGV) without its VGA BIOS, a separate package.
[ -e /usr/share/bochs/VGABIOS-lgpl-latest ] || need+=(vgabios)
if [ ${#need[@]} -gt 0 ]; then
  sudo=""; [ "$(id -u)" -ne 0 ] && sudo=sudo
  $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j"$(nproc)" --target vx86 bench-rom >/dev/null
rom=$PWD/build/bench/cpu-bench.bin
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

now() { date +%s.%N; }

# Starts a peer with its debug-port output going to $work/out, returns the seconds until
# the checksum line is complete, then stops the peer (neither QEMU nor Bochs exits on HLT).
time_peer() {
  local out=$work/out start end
  rm -f "$out"
  start=$(now)
  "$@" >"$out.log" 2>&1 &
  local pid=$!
  for _ in $(seq 1 12000); do
    if grep -aq "checksum [0-9A-F]\{8\}" "$out" "$out.log" 2>/dev/null; then break; fi
    kill -0 $pid 2>/dev/null || break
    sleep 0.01
  done
  end=$(now)
  kill $pid 2>/dev/null; wait $pid 2>/dev/null || true
  checksum=$(cat "$out" "$out.log" 2>/dev/null | grep -ao "checksum [0-9A-F]\{8\}" | head -1 | cut -d' ' -f2 || true)
  echo "$end - $start" | bc
}

run_qemu() {
  time_peer qemu-system-i386 -accel tcg,thread=single -M isapc -m 16 -bios "$rom" -display none \
    -debugcon "file:$work/out" -monitor none -no-reboot -nic none
}

run_bochs() {
  cat > "$work/bochsrc" <<CONF
megs: 16
romimage: file=$rom
cpu: count=1, ips=100000000
clock: sync=none
port_e9_hack: enabled=1
display_library: rfb, options="timeout=0"
log: /dev/null
sound: waveoutdrv=dummy, waveindrv=dummy, midioutdrv=dummy
speaker: enabled=0
CONF
  echo c > "$work/bochs.rc"
  # Bochs prints port E9h output on its stdout ($work/out.log).
  time_peer bochs-bin -q -f "$work/bochsrc" -rc "$work/bochs.rc"
}

run_vx86() {
  local start end
  start=$(now)
  ./build/vx86 -bios "$rom" -display none -icount -debugcon "file:$work/vx86.out" -stats 2>"$work/vx86.err"
  end=$(now)
  insns=$(sed -n 's/^vx86: \([0-9]*\) instructions.*/\1/p' "$work/vx86.err")
  checksum=$(grep -ao "checksum [0-9A-F]\{8\}" "$work/vx86.out" | cut -d' ' -f2 || true)
  echo "$end - $start" | bc
}

best() { # best of $runs timings of a runner; sets best_time and best_checksum
  best_time=""
  for _ in $(seq 1 "$runs"); do
    local t; t=$("$1")
    if [ -z "$best_time" ] || [ "$(echo "$t < $best_time" | bc)" = 1 ]; then best_time=$t; fi
  done
  best_checksum=$checksum
}

# Each runner sets $checksum in a subshell, so run it once more in this shell for it.
run_vx86 >/dev/null; vx86_sum=$checksum; count=$insns
best run_vx86; vx86_time=$best_time
run_qemu >/dev/null; qemu_sum=$checksum
best run_qemu; qemu_time=$best_time
run_bochs >/dev/null; bochs_sum=$checksum
best run_bochs; bochs_time=$best_time

mips() { echo "scale=1; $count / $1 / 1000000" | bc; }
printf '%-6s %10s %10s %10s\n' emulator "wall s" MIPS checksum
printf '%-6s %10.3f %10s %10s\n' vx86 "$vx86_time" "$(mips "$vx86_time")" "$vx86_sum"
printf '%-6s %10.3f %10s %10s\n' qemu "$qemu_time" "$(mips "$qemu_time")" "$qemu_sum"
printf '%-6s %10.3f %10s %10s\n' bochs "$bochs_time" "$(mips "$bochs_time")" "$bochs_sum"
echo "instructions: $count (best of $runs runs; wall time includes each emulator's start-up)"
echo "vx86 speed relative to QEMU:  $(echo "scale=2; $qemu_time / $vx86_time" | bc)x"
echo "vx86 speed relative to Bochs: $(echo "scale=2; $bochs_time / $vx86_time" | bc)x"
if [ "$vx86_sum" != "$qemu_sum" ] || [ "$vx86_sum" != "$bochs_sum" ]; then
  echo "WARNING: the checksums differ: an emulator computed something else" >&2
  exit 1
fi
