#!/usr/bin/env bash
# The conflict check on POSIX: files compared by identity (a symbolic link and a hard
# link are the file they name), while a device may be named by two outputs.
#   file-conflicts-posix.sh ROM VX86...
set -u
rom=$1
shift
vx86=("$@")
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
fail=0
cp "$rom" "$dir/rom.bin"
cp "$rom" "$dir/rom.orig"
ln -s rom.bin "$dir/link.bin"
ln "$dir/rom.bin" "$dir/hard.bin"
mkdir "$dir/sub"
check() {
  local name=$1 want=$2 pattern=$3
  shift 3
  local out status
  out=$(cd "$dir" && "${vx86[@]}" -display none -icount -timeout 60 "$@" 2>&1 </dev/null); status=$?
  [ $status -eq "$want" ] || { echo "FAIL: $name: exit status $status, expected $want: $out"; fail=1; }
  [ -z "$pattern" ] || grep -Eq -- "$pattern" <<<"$out" || { echo "FAIL: $name: no message '$pattern': $out"; fail=1; }
  cmp -s "$dir/rom.bin" "$dir/rom.orig" || { echo "FAIL: $name: the ROM was changed"; fail=1; }
}
check symlink 1 "-bios link\.bin and -serial \(COM1\) rom\.bin are the same file" -bios link.bin -serial file:rom.bin
check hardlink 1 "-bios hard\.bin and -debugcon rom\.bin are the same file" -bios hard.bin -debugcon file:rom.bin
check dotdot 1 "-bios sub/\.\./rom\.bin and -post rom\.bin" -bios sub/../rom.bin -post file:rom.bin
check new-dotdot 1 "-dump-state sub/\.\./new\.txt and -debugcon new\.txt" -bios rom.bin -dump-state sub/../new.txt -debugcon file:new.txt
check devices 0 "" -bios rom.bin -serial file:/dev/null -debugcon file:/dev/null -post file:/dev/null -dump-state /dev/null
[ $fail -eq 0 ] && echo "ok: links and spellings of one file are caught; devices may be shared"
exit $fail
