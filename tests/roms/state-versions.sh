#!/usr/bin/env bash
# The version policy: state files of every format version vx86 has shipped still load
# and resume (tests/states holds files of format 1, saved mid-run by the rtc, kbc and
# tsc ROMs, the last a P6 with the cpu section's version 2; they carry their ROM, so
# they need nothing else), and a file from a future
# format version is refused, naming the version it is and the versions this vx86 reads.
#   state-versions.sh STATES_DIR VX86...
set -u
states=$1
shift
vx86=("$@")
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
fail=0
check() { # NAME EXPECTED-STATUS PATTERN OUTPUT-FILE STATUS
  if [ "$5" -ne "$2" ] || ! grep -q -- "$3" "$4"; then
    echo "FAIL: $1: status $5 (expected $2), output:"; sed 's/^/  /' "$4" | head -10; fail=1
  else
    echo "ok: $1"
  fi
}
"${vx86[@]}" -state-in "$states/rtc-format1.vx86state" -display none -icount -timeout 60 -debugcon stdio \
  </dev/null >"$dir/out" 2>&1
check "format 1: rtc resumes in its IRQ 8 handler and finishes" 0 "^rtc done" "$dir/out" $?
grep -q "01-01 00:00:02$" "$dir/out" || { echo "FAIL: rtc: the clock did not go on from the saved time"; fail=1; }
"${vx86[@]}" -state-in "$states/kbc-286-format1.vx86state" -display none -icount -timeout 60 -debugcon stdio \
  -send-keys 'ab\n' -send-keys-after "type now" </dev/null >"$dir/out" 2>&1
check "format 1: a 286 kbc run resumes mid-line, its key script going on" 0 "^keys 1E 9E 30 B0 1C 9C" "$dir/out" $?
# A P6 (cpu section version 2: CR4 and the MSRs) saved inside the tsc ROM's timed loop,
# between its two RDTSCs: the counter goes on exactly, as if the run had not been cut.
"${vx86[@]}" -state-in "$states/tsc-p6-format1.vx86state" -display none -icount -timeout 60 -debugcon stdio \
  </dev/null >"$dir/out" 2>&1
check "format 1, cpu version 2: a P6 resumes between two RDTSCs" 0 "^tsc delta 00001F60" "$dir/out" $?
grep -q "^tsc after wrmsr 0000000100000008$" "$dir/out" || { echo "FAIL: tsc: WRMSR after the resume"; fail=1; }
"${vx86[@]}" state-info "$states/rtc-format1.vx86state" >"$dir/out" 2>&1
check "format 1: state-info" 0 "format version 1, written by vx86" "$dir/out" $?
grep -q "every checksum is right" "$dir/out" || { echo "FAIL: state-info: checksums"; fail=1; }

# Format version 99: the four bytes after the magic.
cp "$states/rtc-format1.vx86state" "$dir/future.vx86state"
printf '\143\000\000\000' | dd of="$dir/future.vx86state" bs=1 seek=8 conv=notrunc 2>/dev/null
cp "$dir/future.vx86state" "$dir/copy"
"${vx86[@]}" -state-in "$dir/future.vx86state" -display none -icount </dev/null >"$dir/out" 2>&1
check "a future format is refused with its version" 1 "future.vx86state: format version 99; this vx86 reads format versions 1 to 1" "$dir/out" $?
cmp -s "$dir/future.vx86state" "$dir/copy" || { echo "FAIL: the refused file was changed"; fail=1; }
exit $fail
