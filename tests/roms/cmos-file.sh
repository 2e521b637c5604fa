#!/usr/bin/env bash
# -cmos FILE keeps the CMOS RAM across runs; a file of the wrong size is refused with a
# message and left as it was.   cmos-file.sh ROM VX86...
# (VX86 may be several words: a cross build's vx86 runs behind wine or qemu-user.)
set -u
rom=$1
shift
vx86=("$@")
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
run() { "${vx86[@]}" -bios "$rom" -display none -icount -serial stdio -cmos "$dir/cmos.bin" 2>&1 </dev/null; }
first=$(run); second=$(run)
size=$(wc -c < "$dir/cmos.bin")
fail=0
[[ "$first" == *"cmos 40h = 00"* ]] || { echo "FAIL: first run: $first"; fail=1; }
[[ "$second" == *"cmos 40h = 01"* ]] || { echo "FAIL: second run: $second"; fail=1; }
[ "$size" -eq 128 ] || { echo "FAIL: the CMOS file has $size bytes"; fail=1; }
printf 'not a cmos image' > "$dir/cmos.bin"
bad=$(run); status=$?
[ $status -eq 1 ] || { echo "FAIL: a 16-byte CMOS file gave exit status $status"; fail=1; }
[[ "$bad" == *"a CMOS image is 128 bytes"* ]] || { echo "FAIL: no message for the bad file: $bad"; fail=1; }
[ "$(cat "$dir/cmos.bin")" = "not a cmos image" ] || { echo "FAIL: the bad file was overwritten"; fail=1; }
[ $fail -eq 0 ] && echo "ok: CMOS kept across runs; a bad file refused and untouched"
exit $fail
