#!/usr/bin/env bash
# The BIOS's INT 13h on IDE disks and the CD-ROM, called by a program (int13.asm as an
# option ROM) on images made here, and -snapshot:
#   tests/storage/int13.sh VX86 NASM
# Checks every line the program prints against the geometry, sizes and markers the
# images have; then that with -snapshot the image is unchanged after the program's
# write, and without it the write is in the file.
set -u
here=$(cd "$(dirname "$0")" && pwd)
source "$here/common.sh"
# The command that runs vx86 comes first, ended by "--" (a cross build's has the
# emulator in front of it), then this script's own arguments.
vx86=(); while [ $# -gt 0 ] && [ "$1" != -- ]; do vx86+=("$1"); shift; done; shift
nasm=$1
need_tools "$nasm" xorriso cksum

"$nasm" -f bin -o "$work/int13.rom" "$here/int13.asm" || fail "nasm"
# the option ROM's checksum: the last byte makes the 4096 bytes sum to 0
sum=$(od -An -tu1 -v "$work/int13.rom" | awk '{ for (i = 1; i <= NF; i++) s += $i } END { print s % 256 }')
printf "\\$(printf '%03o' $(( (256 - sum) % 256 )))" | dd of="$work/int13.rom" bs=1 seek=4095 conv=notrunc status=none

disk=$work/disk80.img
truncate -s 64M "$disk"
put_marker "$disk" 1136 "LBA1136."
put_marker "$disk" 100000 "LBA100000."
big=$work/disk81.img
truncate -s 200G "$big"
put_marker "$big" $((0x10000005)) "LBA268435461."
mkdir "$work/cd"
echo "a file on the CD" > "$work/cd/readme.txt"
xorriso -as mkisofs -quiet -o "$work/cd.iso" "$work/cd" 2>/dev/null || fail "xorriso"
cd_sectors=$(( $(stat -c %s "$work/cd.iso") / 2048 ))

expected=$(cat <<END
disks 02
fdpt 0082 10 3F
fdpt 0400 FF 3F
geometry 813F 0F 02
type 03 0001FFE0
type 83 00
edd 30 AA55 0005
params 0042 0002 00000082 00000010 0000003F 0000000000020000 0200
path BEDD ISA ATA      01F0 00 00
chs read 01 LBA1136.
lba read 0001 LBA100000.
written 0001
lba read 0001 WRITTEN!
failed: CF=1 AH=04
beyond 04 0000
params 0042 0002 00000400 000000FF 0000003F 0000000019000000 0200
path BEDD ISA ATA      01F0 01 00
lba read 0001 LBA268435461.
cd edd 30 0007
params 0042 0074 00000000 00000000 00000000 $(printf '%016X' $cd_sectors) 0800
path BEDD ISA ATAPI    0170 00 00
cd read 01 CD001
spec 13 00 E0
int13 done
END
)

run() {
  "${vx86[@]}" -hda "$disk" -hdb "$big" -cdrom "$work/cd.iso" -option-rom "$work/int13.rom" \
    -display none -icount -timeout 60 -debugcon stdio "$@" 2>&1
}

before=$(cksum < "$disk")
out=$(run -snapshot) || fail "vx86 -snapshot: exit status $?; output:"$'\n'"$out"
[ "$out" = "$expected" ] || { echo "FAIL: the output differs"; diff <(echo "$expected") <(echo "$out"); exit 1; }
[ "$(cksum < "$disk")" = "$before" ] || fail "-snapshot: the guest's write reached the image"
cmp -s <(dd if="$disk" bs=512 skip=5 count=1 status=none | head -c 8) <(printf 'WRITTEN!') &&
  fail "-snapshot: sector 5 holds the guest's write"

out=$(run) || fail "vx86: exit status $?"
[ "$out" = "$expected" ] || { echo "FAIL: the output differs"; diff <(echo "$expected") <(echo "$out"); exit 1; }
cmp -s <(dd if="$disk" bs=512 skip=5 count=1 status=none | head -c 8) <(printf 'WRITTEN!') ||
  fail "without -snapshot: sector 5 does not hold the guest's write"
echo "ok: INT 13h on the disks and the CD-ROM, -snapshot"
