#!/usr/bin/env bash
# El Torito floppy emulation: a CD (xorriso) whose boot image is a 1.44 MB diskette;
# booted with -cdrom FILE -boot d, the image is drive 00h. Its boot sector
# (eltorito-floppy.asm) reads its own sectors through INT 13h; this checks each line.
#   tests/storage/eltorito.sh VX86 NASM
set -u
here=$(cd "$(dirname "$0")" && pwd)
source "$here/common.sh"
# The command that runs vx86 comes first, ended by "--" (a cross build's has the
# emulator in front of it), then this script's own arguments.
vx86=(); while [ $# -gt 0 ] && [ "$1" != -- ]; do vx86+=("$1"); shift; done; shift
nasm=$1
need_tools "$nasm" xorriso

floppy=$work/iso/floppy.img
mkdir -p "$work/iso"
"$nasm" -f bin -o "$work/boot.bin" "$here/eltorito-floppy.asm" || fail "nasm"
truncate -s 1474560 "$floppy"
dd if="$work/boot.bin" of="$floppy" conv=notrunc status=none
for n in 3 4 22 2879; do put_marker "$floppy" "$n" "S$n."; done
# A 1.44 MB boot image without -no-emul-boot: floppy emulation, media type 2.
xorriso -as mkisofs -quiet -o "$work/cd.iso" -b floppy.img -c boot.cat "$work/iso" 2>/dev/null || fail "xorriso"

expected=$(cat <<END
booted from drive 00
AH=00 CF=0 AL=02
S3.
S4.
AH=00 CF=0 AL=01
S22.
AH=00 CF=0 AL=01
S2879.
AH=04 CF=1 AL=00
AH=03 CF=1 AL=00
parameters 04 4F12 01 01
AH=00 CF=0 AL=01
spec 13 02 00 4F 12 01
floppy emulation done
END
)
out=$("${vx86[@]}" -cdrom "$work/cd.iso" -boot d -display none -icount -timeout 60 -debugcon stdio 2>&1 </dev/null)
status=$?
[ $status -eq 0 ] || fail "exit status $status; output:"$'\n'"$out"
[ "$out" = "$expected" ] || { echo "FAIL: the output differs"; diff <(echo "$expected") <(echo "$out"); exit 1; }
echo "ok: El Torito floppy emulation"
