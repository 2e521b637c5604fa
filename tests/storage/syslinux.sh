#!/usr/bin/env bash
# Boots images made here from Debian's SYSLINUX packages, through our BIOS:
#   syslinux.sh VX86 -- hd     an 80 MiB disk: MBR (mbr.bin), FAT16 at 1 MiB,
#                                         SYSLINUX; booted with -hda, read through INT 13h
#   syslinux.sh VX86 -- edd    a 10 GiB sparse disk whose FAT16 partition
#                                         starts at 9 GiB, past what CHS reaches: the MBR
#                                         and SYSLINUX must read it through EDD (AH=42h)
#   syslinux.sh VX86 -- iso    an ISO (xorriso) with ISOLINUX, no-emulation El
#                                         Torito; booted with -cdrom FILE -boot d
#   syslinux.sh VX86 -- resume the hd boot cut at several points (inside the
#                                         BIOS's and SYSLINUX's disk reads) and resumed
#                                         from its state file: the same run (resume.sh)
#   syslinux.sh - -- image FILE  only makes the hd image, into FILE (for
#                                         tests/hosts.sh's identical-output runs)
# The banner and the "boot:" prompt (printed once SYSLINUX has read its configuration
# file from the disk) are checked on the VGA text screen (-screen-dump). The
# configuration also says SERIAL 0, so they are on COM1 too (tests/hosts.sh compares
# that output across hosts).
set -u
here=$(cd "$(dirname "$0")" && pwd)
source "$here/common.sh"
# The command that runs vx86 comes first, ended by "--" (a cross build's has the
# emulator in front of it), then this script's own arguments.
vx86=(); while [ $# -gt 0 ] && [ "$1" != -- ]; do vx86+=("$1"); shift; done; shift
mode=$1
syslinux_mbr=/usr/lib/syslinux/mbr/mbr.bin
isolinux_bin=/usr/lib/ISOLINUX/isolinux.bin
ldlinux_c32=/usr/lib/syslinux/modules/bios/ldlinux.c32

config=$work/syslinux.cfg
printf 'SERIAL 0 115200\nPROMPT 1\nTIMEOUT 0\n' > "$config"

# A FAT16 file system of 64 MiB with SYSLINUX installed, for a partition at sector $1.
make_fat() {
  local start=$1 fs=$2
  mkfs.fat -F 16 -n VX86 -h "$start" -C "$fs" 65536 >/dev/null || fail "mkfs.fat"
  mcopy -i "$fs" "$config" ::syslinux.cfg || fail "mcopy"
  syslinux --install "$fs" || fail "syslinux --install"
}

# A disk of SIZE with one bootable FAT16 partition at sector START, the MBR of SYSLINUX.
# The file system is built apart and copied in (syslinux --offset takes 32 bits only).
make_disk() {
  local image=$1 size=$2 start=$3
  truncate -s "$size" "$image"
  echo "start=$start, size=131072, type=6, bootable" | sfdisk -q "$image" || fail "sfdisk"
  make_fat "$start" "$work/fs.img"
  dd if="$work/fs.img" of="$image" bs=512 seek="$start" conv=notrunc,sparse status=none
  dd if="$syslinux_mbr" of="$image" bs=440 count=1 conv=notrunc status=none
}

case $mode in
hd | edd | image | resume)
  need_tools mkfs.fat mcopy syslinux sfdisk "$syslinux_mbr"
  image=$work/disk.img
  if [ "$mode" != edd ]; then
    make_disk "$image" 80M 2048
  else
    make_disk "$image" 10G $((9 * 1024 * 1024 * 2))
  fi
  if [ "$mode" = image ]; then
    cp --sparse=always "$image" "${2:?syslinux.sh - -- image FILE}" || fail "cp"
    exit 0
  fi
  if [ "$mode" = resume ]; then
    # 1200000 lands inside the PIO read of a sector (the IDE buffer half read)
    bash "$here/../roms/resume.sh" syslinux "" "400000 1200000 3000000 3000500 9000000" - -- "${vx86[@]}" -- \
      -hda "$image" -snapshot -serial stdio -exit-on "boot:"
    exit
  fi
  boot=(-hda "$image" -boot c)
  banner="SYSLINUX [0-9]"
  ;;
iso)
  need_tools xorriso "$isolinux_bin" "$ldlinux_c32"
  mkdir -p "$work/iso/isolinux"
  cp "$isolinux_bin" "$ldlinux_c32" "$work/iso/isolinux/"
  cp "$config" "$work/iso/isolinux/isolinux.cfg"
  xorriso -as mkisofs -quiet -o "$work/cd.iso" -b isolinux/isolinux.bin -c isolinux/boot.cat \
    -no-emul-boot -boot-load-size 4 -boot-info-table "$work/iso" 2>/dev/null || fail "xorriso"
  boot=(-cdrom "$work/cd.iso" -boot d)
  banner="ISOLINUX [0-9]"
  ;;
*)
  echo "usage: syslinux.sh VX86... -- hd|edd|iso|resume, or syslinux.sh - -- image FILE" >&2
  exit 2
  ;;
esac

screen=$work/screen.txt
out=$("${vx86[@]}" "${boot[@]}" -display none -icount -timeout 120 -exit-on "boot:" -screen-dump "$screen" 2>&1 </dev/null)
status=$?
if [ $status -ne 0 ] || ! grep -Eq "$banner.*Copyright" "$screen" || ! grep -q "^boot:" "$screen"; then
  echo "FAIL: exit status $status, expected 0 with the $banner banner and boot: on the screen"
  echo "---- screen ----"
  cat "$screen" 2>/dev/null
  echo "---- output ----"
  printf '%s\n' "$out" | head -c 4000
  exit 1
fi
grep -E "$banner" "$screen"
echo "ok: $mode boots to the SYSLINUX prompt"
