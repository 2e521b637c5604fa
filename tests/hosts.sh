#!/usr/bin/env bash
# Builds and tests vx86 on every host it supports, one after the other:
#
#   gcc        Linux x86-64 with gcc (the reference for the comparison below)
#   clang      Linux x86-64 with clang
#   mingw-w64  Windows x86-64 (MinGW-w64), run under wine
#   s390x      big-endian Linux on IBM Z, run under qemu-user
#   aarch64    little-endian Linux on 64-bit ARM, run under qemu-user
#
#   tests/hosts.sh [HOST...]        (default: all of them; gcc always runs first)
#
# For each host it installs what is missing (apt-get, Debian's packages only), builds in
# build-hosts/HOST, runs that build's ctest (through the emulator for the cross hosts),
# then runs the same test ROMs with -icount and checks that their output and their final
# machine state (-dump-state) are byte for byte the gcc host's. One line per host; the last line is "hosts: N passed, M failed".
# A host whose emulator cannot run here, or whose packages cannot be installed, is
# skipped with the reason; a build or a test that fails is a failure.
set -uo pipefail
cd "$(dirname "$0")/.."
source scripts/deps.sh
root=$PWD
out=$root/build-hosts
mkdir -p "$out"
jobs=$(nproc)
shared=${VX86_SHARED:-$root/../shared}

all_hosts=(gcc clang mingw-w64 s390x aarch64)
hosts=("$@")
[ ${#hosts[@]} -eq 0 ] && hosts=("${all_hosts[@]}")
[[ " ${hosts[*]} " == *" gcc "* ]] || hosts=(gcc "${hosts[@]}")

total_pass=0 total_fail=0

# ---- what each host needs ----------------------------------------------------------

# The target's -dev packages for a Linux cross host, unpacked into build-hosts/root-ARCH
# (see cmake/toolchains/debian-linux-cross.cmake for why they are not installed). The
# shared libraries' links are removed: the cross builds link statically.
TARGET_PACKAGES=(zlib1g-dev check libsubunit-dev)
target_root() {
  local arch=$1 dir=$out/root-$1
  if [ -f "$dir/.unpacked" ] && [ "$(cat "$dir/.unpacked")" = "${TARGET_PACKAGES[*]}" ]; then
    return 0
  fi
  local sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  if ! dpkg --print-foreign-architectures | grep -qx "$arch"; then
    $sudo dpkg --add-architecture "$arch" && $sudo apt-get update -qq || return 1
  fi
  rm -rf "$dir" && mkdir -p "$dir/debs"
  (cd "$dir/debs" && apt-get download "${TARGET_PACKAGES[@]/%/:$arch}") >"$dir/download.log" 2>&1 ||
    { $sudo apt-get update -qq && (cd "$dir/debs" && apt-get download "${TARGET_PACKAGES[@]/%/:$arch}") \
        >"$dir/download.log" 2>&1; } || return 1
  for deb in "$dir"/debs/*.deb; do dpkg-deb -x "$deb" "$dir" || return 1; done
  find "$dir/usr/lib" -name '*.so' -delete
  echo "${TARGET_PACKAGES[*]}" >"$dir/.unpacked"
}

# Per host: packages, cmake arguments, the command that runs its programs, a description.
host_setup() {
  local host=$1
  cmake_args=(-DCMAKE_BUILD_TYPE=Release) run=() exe="" packages=("${VX86_PACKAGES[@]}")
  case $host in
  gcc)
    describe="Linux x86-64, gcc" ;;
  clang)
    describe="Linux x86-64, clang"; packages+=(clang); cmake_args+=(-DCMAKE_C_COMPILER=clang) ;;
  mingw-w64)
    describe="Windows x86-64, MinGW-w64 under wine"
    packages=(cmake nasm pkg-config gcc-mingw-w64-x86-64 libz-mingw-w64-dev wine wine64)
    cmake_args+=(-DCMAKE_TOOLCHAIN_FILE="$root/cmake/toolchains/mingw-w64.cmake")
    run=(env WINEDEBUG=-all wine) exe=.exe ;;
  s390x | aarch64)
    local arch=$host triplet=$host-linux-gnu
    [ "$host" = aarch64 ] && arch=arm64
    describe="Linux $host ($( [ "$host" = s390x ] && echo big || echo little)-endian) under qemu-user"
    packages=(cmake nasm pkg-config "gcc-$triplet" "libc6-dev-$arch-cross" qemu-user)
    cmake_args+=(-DCMAKE_TOOLCHAIN_FILE="$root/cmake/toolchains/$host.cmake" -DVX86_TARGET_ROOT="$out/root-$arch")
    run=("qemu-$host")
    target_arch=$arch ;;
  *)
    echo "tests/hosts.sh: unknown host '$host' (hosts: ${all_hosts[*]})" >&2; exit 2 ;;
  esac
}

# ---- the -icount comparison ----------------------------------------------------------

# ROM runs whose output depends on guest time only: the chips' ROMs, the built-in BIOS,
# and one round of the CPU benchmark (32-bit protected mode with paging, 5.4 M
# instructions). The ROM images are the gcc host's, so every host runs the same bytes.
ICOUNT_RUNS=(pic_pit rtc uart kbc builtin_bios cpu_bench)
icount_args() {
  local roms=$out/gcc/tests/roms
  input=""
  case $1 in
  pic_pit) argv=(-bios "$roms/pic_pit.bin" -debugcon stdio -post stdio) ;;
  rtc) argv=(-bios "$roms/rtc.bin" -debugcon stdio) ;;
  uart) argv=(-bios "$roms/uart.bin" -serial stdio); input="hello." ;;
  kbc) argv=(-bios "$roms/kbc.bin" -debugcon stdio -send-keys 'ab\n' -send-keys-after "type now") ;;
  builtin_bios) argv=(-serial stdio -post stdio) ;;
  cpu_bench) argv=(-bios "$roms/cpu_bench_1.bin" -debugcon stdio) ;;
  esac
}

# Runs every ICOUNT_RUNS entry with one build's vx86 into DIR/NAME.out: stdout (serial,
# debug console, POST codes) and the exit status; and DIR/NAME.state: the final machine
# state (-dump-state: registers, descriptor caches, control registers, instruction count,
# CRC-32 of RAM). stderr, which carries no guest output, goes to NAME.err.
icount_runs() {
  local vx86=$1 dir=$2 name input argv
  rm -rf "$dir" && mkdir -p "$dir"
  for name in "${ICOUNT_RUNS[@]}"; do
    icount_args "$name"
    { printf '%s' "$input" | timeout 300 "${run[@]}" "$vx86" "${argv[@]}" -display none -icount -timeout 120 \
        -dump-state "$dir/$name.state" 2>"$dir/$name.err"; echo "exit status $?"; } >"$dir/$name.out"
  done
}

# One run is the same as the reference if its output and its final state both are, byte
# for byte; a run with no state dump (vx86 failed before the end) never is.
same_run() {
  local ref=$1 dir=$2 name=$3
  [ -s "$ref/$name.state" ] && cmp -s "$ref/$name.out" "$dir/$name.out" && cmp -s "$ref/$name.state" "$dir/$name.state"
}

# ---- one host ------------------------------------------------------------------------

run_host() {
  local host=$1 dir=$out/$1 start=$SECONDS
  host_setup "$host"
  local log=$dir.log
  : >"$log"
  if ! vx86_install_packages "${packages[@]}" >>"$log" 2>&1; then
    printf '%-10s %-46s skipped: cannot install %s (see %s)\n' "$host" "$describe" "${packages[*]}" "$log"
    return
  fi
  if [ -n "${target_arch:-}" ] && ! target_root "$target_arch" >>"$log" 2>&1; then
    printf '%-10s %-46s skipped: cannot get the %s packages %s (see %s)\n' "$host" "$describe" "$target_arch" \
      "${TARGET_PACKAGES[*]}" "$log"
    unset target_arch
    return
  fi
  unset target_arch
  if [ "$host" = mingw-w64 ]; then
    export WINEPREFIX=${WINEPREFIX:-$out/wine}
    WINEDEBUG=-all timeout 300 wineboot -i >>"$log" 2>&1
  fi

  if ! cmake -S . -B "$dir" "${cmake_args[@]}" -DVX86_SHARED="$shared" >>"$log" 2>&1 ||
     ! cmake --build "$dir" -j"$jobs" >>"$log" 2>&1; then
    printf '%-10s %-46s FAILED to build (see %s)\n' "$host" "$describe" "$log"
    total_fail=$((total_fail + 1))
    return
  fi
  # What the configure left out on this host, as it said it.
  local notes
  notes=$(sed -nE 's/^-- vx86: left out: //p' "$log" | sort -u | paste -sd '|' - | sed 's/|/, /g')

  # The emulator must be able to run a program at all before its tests mean anything.
  local probe
  if ! probe=$(timeout 120 "${run[@]}" "$dir/vx86$exe" -help 2>&1 >/dev/null </dev/null); then
    printf '%-10s %-46s skipped: %s cannot run its programs here: %s\n' "$host" "$describe" \
      "${run[*]:-the host}" "$(head -n 1 <<<"$probe")"
    return
  fi

  (cd "$dir" && ctest -j"$jobs" --output-on-failure) >>"$log" 2>&1
  # ctest's summary: "100% tests passed, 0 tests failed out of 36". None: ctest failed.
  local summary passed failed count=0 failed_tests=0
  summary=$(grep -E "tests passed, [0-9]+ tests failed out of" "$log" | tail -n 1)
  if [ -n "$summary" ]; then
    failed_tests=$(sed -E 's/.* ([0-9]+) tests failed out of .*/\1/' <<<"$summary")
    count=$(sed -E 's/.* tests failed out of ([0-9]+).*/\1/' <<<"$summary")
  fi
  passed=$((count - failed_tests)) failed=$failed_tests
  [ -z "$summary" ] && failed=1

  icount_runs "$dir/vx86$exe" "$dir/icount"
  local same=0 differ=() what name
  if [ "$host" = gcc ]; then
    what="the reference"
    for name in "${ICOUNT_RUNS[@]}"; do
      [ -s "$dir/icount/$name.state" ] || differ+=("$name")
    done
    [ ${#differ[@]} -gt 0 ] && what+=" (no final state: ${differ[*]}; see $dir/icount)"
    failed=$((failed + ${#differ[@]}))
  else
    for name in "${ICOUNT_RUNS[@]}"; do
      if same_run "$out/gcc/icount" "$dir/icount" "$name"; then
        same=$((same + 1))
      else
        differ+=("$name")
      fi
    done
    what="$same/${#ICOUNT_RUNS[@]} identical to gcc's"
    [ ${#differ[@]} -gt 0 ] && what+=" (differ: ${differ[*]}; see $dir/icount)"
    passed=$((passed + same)) failed=$((failed + ${#differ[@]}))
  fi
  total_pass=$((total_pass + passed)) total_fail=$((total_fail + failed))
  printf '%-10s %-46s %d passed, %d failed (ctest %d/%d; -icount output and final state: %s; %ds)%s\n' \
    "$host" "$describe" "$passed" "$failed" $((count - failed_tests)) "$count" "$what" $((SECONDS - start)) \
    "${notes:+; left out: $notes}"
}

for host in "${hosts[@]}"; do
  run_host "$host"
done
echo "hosts: $total_pass passed, $total_fail failed"
[ "$total_fail" -eq 0 ]
