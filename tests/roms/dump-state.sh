#!/usr/bin/env bash
# -dump-state FILE writes the final state at exit; two -icount runs of the same ROM give
# the same file, byte for byte.   dump-state.sh ROM VX86...
# (VX86 may be several words: a cross build's vx86 runs behind wine or qemu-user.)
set -u
rom=$1
shift
vx86=("$@")
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
run() { "${vx86[@]}" -bios "$rom" -display none -icount -timeout 60 -serial stdio -dump-state "$1" >/dev/null 2>>"$dir/stderr" </dev/null; }
fail=0
run "$dir/a.txt"; status=$?
[ $status -eq 0 ] || { echo "FAIL: exit status $status"; cat "$dir/stderr"; fail=1; }
run "$dir/b.txt"
# The ROM prints on COM1 and halts with interrupts off, in real mode at F000:xxxx.
for line in "vx86 state 1" "cpu 386 halted" "cs   F000 base 000F0000 limit 0000FFFF rights 009B valid" \
            "a20 on" "ram 33554432 bytes crc32 "; do
  grep -q "^$line" "$dir/a.txt" || { echo "FAIL: no line '$line'"; fail=1; }
done
# Then one CRC-32 line per component of the board, the VGA's among them.
for part in pit rtc com1 com2 com3 com4 ps2kbd ps2mouse kbc sysctrl postcode vga pic; do
  grep -Eq "^component $part crc32 [0-9A-F]{8}\$" "$dir/a.txt" || { echo "FAIL: no CRC line for '$part'"; fail=1; }
done
# The PIC's line ends the dump (the board restores it last).
tail -n 1 "$dir/a.txt" | grep -Eq "^component pic crc32 [0-9A-F]{8}$" || { echo "FAIL: the dump does not end with the PIC's line"; fail=1; }
cmp -s "$dir/a.txt" "$dir/b.txt" || { echo "FAIL: two runs gave different dumps"; diff "$dir/a.txt" "$dir/b.txt"; fail=1; }
[ $fail -eq 0 ] && echo "ok: the final state dumped, the same in two runs" || { echo "---- dump ----"; cat "$dir/a.txt"; }
exit $fail
