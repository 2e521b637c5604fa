#!/usr/bin/env bash
# Disk images must be whole 512-byte sectors and ISO images whole 2048-byte ones: any
# other size is a start-up error naming the file (exit status 1), not a guest surprise.
#   tests/storage/image-sizes.sh VX86
set -u
here=$(cd "$(dirname "$0")" && pwd)
source "$here/common.sh"
# The command that runs vx86 comes first, ended by "--" (a cross build's has the
# emulator in front of it), then this script's own arguments.
vx86=(); while [ $# -gt 0 ] && [ "$1" != -- ]; do vx86+=("$1"); shift; done; shift

expect_refused() {
  local what=$1 file=$2 why=$3
  shift 3
  local out status
  out=$("${vx86[@]}" "$@" -display none -icount -timeout 10 2>&1 </dev/null)
  status=$?
  [ $status -eq 1 ] || fail "$what: exit status $status, expected 1; output: $out"
  grep -q "$file" <<<"$out" || fail "$what: the message does not name $file: $out"
  grep -q "$why" <<<"$out" || fail "$what: the message does not say why: $out"
}

head -c 1000 /dev/zero > "$work/odd.img"
expect_refused "a 1000-byte disk" "$work/odd.img" "whole number of 512-byte sectors" -hda "$work/odd.img"
head -c 3072 /dev/zero > "$work/odd.iso"
expect_refused "a 3072-byte ISO" "$work/odd.iso" "whole number of 2048-byte sectors" -cdrom "$work/odd.iso"
: > "$work/empty.img"
expect_refused "an empty disk" "$work/empty.img" "empty" -hda "$work/empty.img"
head -c 4096 /dev/zero > "$work/ok.iso"
out=$("${vx86[@]}" -cdrom "$work/ok.iso" -display none -icount -timeout 5 2>&1 </dev/null)
[ $? -ne 1 ] || fail "a 4096-byte ISO should be taken: $out"
echo "ok: image sizes checked at start-up"
