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
# First it installs whatever the hosts need and is missing, in one apt-get (Debian's
# packages only; root, or sudo). Then, per host, it builds in build-hosts/HOST, runs that
# build's ctest (through wine or qemu-user for the cross hosts: unit tests where Check
# exists, the CPU vector runner over every file in ../shared/cpu-tests, the test ROMs),
# and runs the same test ROMs with -icount: their output and their final machine state
# (-dump-state) must be byte for byte the gcc host's. One line per host, then
# "hosts: N passed, M failed, K skipped". A host that cannot be set up here (packages
# that cannot be installed, an emulator that cannot run) is skipped with the reason, and
# a skipped host fails the run unless VX86_HOSTS_ALLOW_SKIP=1: CI must not pass on a
# host that never ran.
set -uo pipefail
cd "$(dirname "$0")/.."
source scripts/deps.sh
set +e   # deps.sh sets -e; here a failing step is counted and reported, not fatal
root=$PWD
out=$root/build-hosts
mkdir -p "$out"
jobs=$(nproc)
shared=${VX86_SHARED:-$root/../shared}

all_hosts=(gcc clang mingw-w64 s390x aarch64)
hosts=("$@")
[ ${#hosts[@]} -eq 0 ] && hosts=("${all_hosts[@]}")
[[ " ${hosts[*]} " == *" gcc "* ]] || hosts=(gcc "${hosts[@]}")

total_pass=0 total_fail=0 total_skip=0
vector_files=$(find "$shared/cpu-tests" -name '*.json.gz' 2>/dev/null | wc -l)

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
  add_architecture "$arch" || return 1
  # The lists may predate the architecture: on failure, fetch them and try again.
  rm -rf "$dir" && mkdir -p "$dir/debs"
  (cd "$dir/debs" && apt-get download "${TARGET_PACKAGES[@]/%/:$arch}") >"$dir/download.log" 2>&1 ||
    { $sudo apt-get update -qq && (cd "$dir/debs" && apt-get download "${TARGET_PACKAGES[@]/%/:$arch}") \
        >"$dir/download.log" 2>&1; } || return 1
  for deb in "$dir"/debs/*.deb; do dpkg-deb -x "$deb" "$dir" || return 1; done
  find "$dir/usr/lib" -name '*.so' -delete
  echo "${TARGET_PACKAGES[*]}" >"$dir/.unpacked"
}

# apt-get download needs the architecture known to dpkg (no package of it is installed)
# and its package lists, which the next apt-get update fetches.
add_architecture() {
  local arch=$1 sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  dpkg --print-foreign-architectures | grep -qx "$arch" || $sudo dpkg --add-architecture "$arch"
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
    # The win32-threads compiler alone: vx86 uses Windows threads, not winpthreads, and
    # the gcc-mingw-w64-x86-64 metapackage would add the posix-threads one too.
    packages=(cmake nasm pkg-config gcc-mingw-w64-x86-64-win32 libz-mingw-w64-dev wine wine64)
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
# one round of the CPU benchmark (32-bit protected mode with paging, 5.4 M
# instructions), string instructions over host memory, and self-modifying code against
# the block cache, and text written to the VGA and scrolled, watched on the screen. The
# ROM images are the gcc host's, so every host runs the same bytes. syslinux: our BIOS
# boots a SYSLINUX disk (tests/storage/syslinux.sh makes it once, for every host)
# through INT 13h and the IDE disk to its prompt, 16 M instructions.
ICOUNT_RUNS=(pic_pit rtc uart kbc builtin_bios cpu_bench strings smc vga_text syslinux)
# FreeDOS from its boot diskette, to the prompt and through a typed VER, when
# ../shared/guests has it (the diskette under -snapshot: never written).
freedos_image=$shared/guests/freedos/freedos-720k.img
if [ -f "$freedos_image" ]; then ICOUNT_RUNS+=(freedos freedos_ver); fi
# Each also has a cut point (cut=N) for the resumed runs: a state saved there by one host
# is resumed on another (see resume_runs).
icount_args() {
  local roms=$out/gcc/tests/roms
  input=""
  case $1 in
  pic_pit) argv=(-bios "$roms/pic_pit.bin" -debugcon stdio -post stdio); cut=3000000 ;;
  rtc) argv=(-bios "$roms/rtc.bin" -debugcon stdio); cut=607746 ;;  # in the IRQ 8 handler
  uart) argv=(-bios "$roms/uart.bin" -serial stdio); input="hello."; cut=100000 ;;
  kbc) argv=(-bios "$roms/kbc.bin" -debugcon stdio -send-keys 'ab\n' -send-keys-after "type now"); cut=600000 ;;
  builtin_bios) argv=(-serial stdio -post stdio); cut=300000 ;;
  cpu_bench) argv=(-bios "$roms/cpu_bench_1.bin" -debugcon stdio); cut=2000000 ;;
  strings) argv=(-bios "$roms/strings.bin" -debugcon stdio); cut=21729 ;;  # inside a REP MOVSB
  smc) argv=(-bios "$roms/smc.bin" -debugcon stdio); cut=200000 ;;
  vga_text) argv=(-bios "$roms/vga_text.bin" -debugcon stdio -exit-on "line 02" -exit-on "line 27"); cut=3000000 ;;
  syslinux) argv=(-hda "$out/storage/syslinux.img" -snapshot -serial stdio -exit-on "boot:"); cut=3000000 ;;
  freedos) argv=(-fda "$freedos_image" -snapshot -exit-on 'A:\>'); cut=2600000 ;;  # reading the diskette
  freedos_ver) argv=(-fda "$freedos_image" -snapshot -send-keys 'ver\nrem\n' -send-keys-after 'A:\>'
                     -exit-on 'A:\>rem'); cut=4000000 ;;
  esac
}

# Runs every ICOUNT_RUNS entry with one build's vx86 into DIR/NAME.out: stdout (serial,
# debug console, POST codes) and the exit status; and DIR/NAME.state: the final machine
# state (-dump-state: registers, descriptor caches, control registers, instruction count,
# CRC-32 of RAM, of each device's state); and DIR/NAME.screen: the text screen at the
# end (-screen-dump). stderr, which carries no guest output, goes to NAME.err.
icount_runs() {
  local vx86=$1 dir=$2 name input argv
  rm -rf "$dir" && mkdir -p "$dir"
  for name in "${ICOUNT_RUNS[@]}"; do
    icount_args "$name"
    # The input comes from a file: it is there from the start, so it reaches the guest at
    # the same guest time on every host (a pipe's bytes come when the host sends them).
    printf '%s' "$input" >"$dir/$name.in"
    { timeout 300 "${run[@]}" "$vx86" "${argv[@]}" -display none -icount -timeout 120 \
        -dump-state "$dir/$name.state" -screen-dump "$dir/$name.screen" <"$dir/$name.in" 2>"$dir/$name.err"
      echo "exit status $?"; } >"$dir/$name.out"
    # The first half, to its cut point, saved for the other hosts to resume.
    timeout 300 "${run[@]}" "$vx86" "${argv[@]}" -display none -icount -timeout 120 -stop-after "$cut" \
      -state-out "$dir/$name.vx86state" <"$dir/$name.in" >"$dir/$name.h1" 2>>"$dir/$name.err"
  done
}

# Resumes every state file of FROM (an icount_runs directory) with VX86 (run through
# the words in RUNNER, if any) into DIR/NAME.resumed.{out,state}; prints how many of the
# resumed runs equal the uninterrupted ones of REF: the first half's output and the
# resumed run's joined, with its exit status, and the final state, byte for byte.
resume_runs() {
  local vx86=$1 from=$2 dir=$3 ref=$4 name input argv cut same=0 differ=()
  shift 4
  local runner=("$@")
  for name in "${ICOUNT_RUNS[@]}"; do
    icount_args "$name"
    { cat "$from/$name.h1"; timeout 300 "${runner[@]}" "$vx86" "${argv[@]}" -display none -icount -timeout 120 \
        -state-in "$from/$name.vx86state" -dump-state "$dir/$name.resumed.state" \
        -screen-dump "$dir/$name.resumed.screen" <"$from/$name.in" \
        2>"$dir/$name.resumed.err"; echo "exit status $?"; } >"$dir/$name.resumed.out"
    if [ -s "$from/$name.vx86state" ] && cmp -s "$ref/$name.out" "$dir/$name.resumed.out" &&
       cmp -s "$ref/$name.state" "$dir/$name.resumed.state" && cmp -s "$ref/$name.screen" "$dir/$name.resumed.screen"; then
      same=$((same + 1))
    else
      differ+=("$name")
    fi
  done
  echo "$same ${differ[*]}"
}

# One run is the same as the reference if its output, its final state and its screen
# are, byte for byte; a run with no state dump (vx86 failed before the end) never is.
same_run() {
  local ref=$1 dir=$2 name=$3
  [ -s "$ref/$name.state" ] && cmp -s "$ref/$name.out" "$dir/$name.out" && cmp -s "$ref/$name.state" "$dir/$name.state" &&
    cmp -s "$ref/$name.screen" "$dir/$name.screen"
}

# ---- one host ------------------------------------------------------------------------

skip() {
  printf '%-10s %-46s skipped: %s\n' "$host" "$describe" "$1"
  total_skip=$((total_skip + 1))
}

run_host() {
  local host=$1 dir=$out/$1 start=$SECONDS
  host_setup "$host"
  local log=$dir.log
  : >"$log"
  # Installed up front with every other host's; this only retries what is still missing.
  if ! vx86_install_packages "${packages[@]}" >>"$log" 2>&1; then
    skip "cannot install ${packages[*]} (see $log)"
    return
  fi
  if [ -n "${target_arch:-}" ] && ! target_root "$target_arch" >>"$log" 2>&1; then
    skip "cannot get the $target_arch packages ${TARGET_PACKAGES[*]} (see $log)"
    unset target_arch
    return
  fi
  unset target_arch
  if [ "$host" = mingw-w64 ]; then
    # A prefix of its own; no Mono or Gecko (nothing here needs .NET or HTML, and their
    # installers would ask on a display).
    export WINEPREFIX=${WINEPREFIX:-$out/wine}
    # One wineserver for all the host's programs, kept until its tests are done: by
    # default it exits a few seconds after its last client, and a program that starts
    # while it shuts down fails ("wine client error: recvmsg: Connection reset by peer").
    # It starts before wineboot, so that the services wineboot starts (which then live
    # as long as the server) hold the log, not the output of a test.
    wineserver -k >/dev/null 2>&1
    wineserver -p >>"$log" 2>&1
    WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml=" timeout 300 wineboot -i >>"$log" 2>&1
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
    skip "${run[*]:-the host} cannot run its programs here: $(head -n 1 <<<"$probe")"
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

  # The vector runner must have gone through every file of ../shared/cpu-tests: ctest
  # keeps each test's output in LastTest.log (one line per file, a total per suite).
  local last=$dir/Testing/Temporary/LastTest.log files=0 cases=0 case_total=0 vectors
  if [ -f "$last" ]; then
    read -r files cases case_total < <(awk '
      /^[0-9]+\/[0-9]+ Test: / { vectors = $3 ~ /^cpu-vectors-/ }
      vectors && /^(8086|80286)\/[^ ]+\.json\.gz: / { files++ }
      vectors && /^[0-9]+ passed, [0-9]+ failed$/ { passed += $1; total += $1 + $3 }
      END { print files + 0, passed + 0, total + 0 }' "$last")
  fi
  vectors="vectors: $files/$vector_files files, $cases/$case_total cases"
  if [ ! -d "$shared/cpu-tests" ]; then
    # As in the build (tests/CMakeLists.txt): no vectors here, nothing to run them on.
    vectors="vectors: none ($shared/cpu-tests not found; set VX86_SHARED)"
  elif [ "$vector_files" -eq 0 ] || [ "$files" -ne "$vector_files" ]; then
    vectors+=" (NOT all files ran)"
    failed=$((failed + 1))
  fi

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
  # Saved on one host, resumed on another: gcc's states here (gcc: its own), and this
  # host's states on gcc (the native x86-64 build), each equal to gcc's uninterrupted run.
  local result resumed_same resumed_differ n=${#ICOUNT_RUNS[@]}
  result=$(resume_runs "$dir/vx86$exe" "$out/gcc/icount" "$dir/icount" "$out/gcc/icount" "${run[@]}")
  read -r resumed_same resumed_differ <<<"$result"
  what+="; resumed from gcc's states: $resumed_same/$n identical${resumed_differ:+ (differ: $resumed_differ)}"
  passed=$((passed + resumed_same)) failed=$((failed + n - resumed_same))
  if [ "$host" != gcc ]; then
    mkdir -p "$dir/icount/on-gcc"
    result=$(resume_runs "$out/gcc/vx86" "$dir/icount" "$dir/icount/on-gcc" "$out/gcc/icount")
    read -r resumed_same resumed_differ <<<"$result"
    what+=", its states resumed on gcc: $resumed_same/$n${resumed_differ:+ (differ: $resumed_differ)}"
    passed=$((passed + resumed_same)) failed=$((failed + n - resumed_same))
  fi
  total_pass=$((total_pass + passed)) total_fail=$((total_fail + failed))
  printf '%-10s %-46s %d passed, %d failed (ctest %d/%d; %s; -icount output and final state: %s; %ds)%s\n' \
    "$host" "$describe" "$passed" "$failed" $((count - failed_tests)) "$count" "$vectors" "$what" \
    $((SECONDS - start)) "${notes:+; left out: $notes}"
}

# ---- every host ----------------------------------------------------------------------

# Everything the hosts need, in one apt-get (one update, one download): the foreign
# architectures first, so that the same update fetches their lists for target_root. If
# that fails, each host retries its own packages and is skipped if they cannot be had.
start=$SECONDS
: >"$out/packages.log"
needed=()
for host in "${hosts[@]}"; do
  target_arch=""
  host_setup "$host"
  needed+=("${packages[@]}")
  [ -n "$target_arch" ] && { add_architecture "$target_arch" >>"$out/packages.log" 2>&1 ||
    echo "tests/hosts.sh: could not add the $target_arch architecture to dpkg (see $out/packages.log)" >&2; }
done
unset target_arch
if ! vx86_install_packages "${needed[@]}" >>"$out/packages.log" 2>&1; then
  echo "tests/hosts.sh: could not install every package at once (see $out/packages.log); trying host by host" >&2
fi
echo "packages: ready in $((SECONDS - start))s"

rm -rf "$out/gcc/icount"   # never compare with a reference from an earlier run
mkdir -p "$out/storage"
bash tests/storage/syslinux.sh - -- image "$out/storage/syslinux.img" ||
  echo "tests/hosts.sh: could not make the SYSLINUX disk; its runs will differ" >&2
for host in "${hosts[@]}"; do
  run_host "$host"
done
# The mingw-w64 host's persistent wineserver, if it started one.
[ -n "${WINEPREFIX:-}" ] && command -v wineserver >/dev/null && wineserver -k >/dev/null 2>&1
echo "hosts: $total_pass passed, $total_fail failed, $total_skip skipped (${SECONDS}s)"
[ "$total_fail" -eq 0 ] && { [ "$total_skip" -eq 0 ] || [ "${VX86_HOSTS_ALLOW_SKIP:-0}" = 1 ]; }
