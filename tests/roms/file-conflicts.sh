#!/usr/bin/env bash
# No file may be named by two options when vx86 writes it: -cmos X -dump-state X, or
# -serial file:ROM -bios ROM, is a usage error (exit status 1) that names both options,
# and both files are left exactly as they were; the same file spelled two ways counts
# too. Inputs may share a file, and a device may be named twice.
#   file-conflicts.sh ROM VX86...
# (VX86 may be several words: a cross build's vx86 runs behind wine or qemu-user.)
set -u
rom=$1
shift
vx86=("$@")
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
fail=0
cp "$rom" "$dir/rom.bin"
printf 'old state\n' > "$dir/state.txt"
head -c 128 "$rom" > "$dir/cmos.bin"
cp "$dir/rom.bin" "$dir/rom.orig"; cp "$dir/cmos.bin" "$dir/cmos.orig"
# conflict NAME PATTERN ARGS...: exit status 1, the message, and every file untouched.
conflict() {
  local name=$1 pattern=$2
  shift 2
  local out status
  out=$(cd "$dir" && "${vx86[@]}" -display none -icount -timeout 60 "$@" 2>&1 </dev/null); status=$?
  [ $status -eq 1 ] || { echo "FAIL: $name: exit status $status, expected 1"; fail=1; }
  grep -Eq -- "$pattern" <<<"$out" || { echo "FAIL: $name: no message matching '$pattern': $out"; fail=1; }
  cmp -s "$dir/rom.bin" "$dir/rom.orig" || { echo "FAIL: $name: the ROM was changed"; fail=1; }
  cmp -s "$dir/cmos.bin" "$dir/cmos.orig" || { echo "FAIL: $name: the CMOS file was changed"; fail=1; }
  [ "$(cat "$dir/state.txt")" = "old state" ] || { echo "FAIL: $name: the state file was changed"; fail=1; }
  [ -z "$(ls "$dir" | grep -v -E '^(rom|cmos)\.(bin|orig)$|^state\.txt$')" ] ||
    { echo "FAIL: $name: files left behind: $(ls "$dir")"; fail=1; }
}
conflict serial-bios "-bios rom\.bin and -serial \(COM1\) rom\.bin are the same file" -bios rom.bin -serial file:rom.bin
conflict bios-debugcon "-bios rom\.bin and -debugcon \./rom\.bin are the same file" -bios rom.bin -debugcon file:./rom.bin
conflict bios-post "-bios rom\.bin and -post .*rom\.bin are the same file" -bios rom.bin -post "file:$dir/rom.bin"
conflict cmos-dump "-cmos cmos\.bin and -dump-state cmos\.bin are the same file" -bios rom.bin -cmos cmos.bin -dump-state cmos.bin
conflict cmos-serial "-cmos cmos\.bin and -serial \(COM2\) cmos\.bin" -bios rom.bin -cmos cmos.bin -serial none -serial file:cmos.bin
conflict dump-debugcon "-dump-state state\.txt and -debugcon state\.txt" -bios rom.bin -dump-state state.txt -debugcon file:state.txt
conflict bios-dump "-bios rom\.bin and -dump-state rom\.bin" -bios rom.bin -dump-state rom.bin
conflict dump-screen "-dump-state state\.txt and -screen-dump state\.txt" -bios rom.bin -dump-state state.txt -screen-dump state.txt
conflict screen-bios "-bios rom\.bin and -screen-dump rom\.bin" -bios rom.bin -screen-dump rom.bin
# Files that do not exist yet: compared by their folder and name.
conflict new-files "-serial \(COM1\) new\.txt and -post \./new\.txt are the same file" \
  -bios rom.bin -serial file:new.txt -post file:./new.txt
conflict new-dump "-dump-state new\.txt and -debugcon new\.txt" -bios rom.bin -dump-state new.txt -debugcon file:new.txt
# Two inputs, or one option's own file, are fine: the ROM as -bios and the CMOS file
# read and written by -cmos alone.
out=$(cd "$dir" && "${vx86[@]}" -bios rom.bin -display none -icount -timeout 60 -cmos cmos.bin -dump-state state2.txt 2>&1 </dev/null)
status=$?
[ $status -eq 0 ] || { echo "FAIL: no conflict, but exit status $status: $out"; fail=1; }
[ -s "$dir/state2.txt" ] || { echo "FAIL: no -dump-state file"; fail=1; }
[ $fail -eq 0 ] && echo "ok: every output named twice is refused, and nothing was written"
exit $fail
