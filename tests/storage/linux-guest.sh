#!/usr/bin/env bash
# The Debian guest's disk (../shared/guests/linux/build.sh OUT: MBR, FAT16, SYSLINUX, the
# kernel and an initrd) boots through our BIOS's INT 13h: SYSLINUX's banner, then the
# kernel it loaded (5.6 MiB through EDD) starts: its real-mode setup speaks (today to
# say that it wants a 586 on older -cpu levels; on the default P6, Linux itself: the run
# stops at its banner).
#   tests/storage/linux-guest.sh VX86... -- DIR     (DIR holds disk.img; skipped without it)
set -u
# The command that runs vx86 comes first, ended by "--" (a cross build's has the
# emulator in front of it), then this script's own arguments.
vx86=(); while [ $# -gt 0 ] && [ "$1" != -- ]; do vx86+=("$1"); shift; done; shift
dir=$1
if [ ! -f "$dir/disk.img" ]; then
  echo "SKIP: no $dir/disk.img (build it with ../shared/guests/linux/build.sh $dir)"
  exit 77
fi
screen=$(mktemp)
trap 'rm -f "$screen"' EXIT
out=$("${vx86[@]}" -hda "$dir/disk.img" -snapshot -nographic -icount -timeout 120 -screen-dump "$screen" \
  -exit-on "Linux version" -m 256 2>&1 </dev/null)
# -exit-on sees the kernel's banner on the screen or on COM1, whichever comes first.
if ! grep -q "SYSLINUX [0-9]" "$screen" ||
   ! grep -Eq "This kernel requires|Linux version|GUEST-BOOTED" <<<"$out$(cat "$screen")"; then
  echo "FAIL: no SYSLINUX banner on the screen, or the kernel did not start"
  cat "$screen"
  printf '%s\n' "$out" | head -c 4000
  exit 1
fi
grep -E "SYSLINUX|kernel" "$screen"
echo "ok: the Linux guest's disk boots to SYSLINUX and its kernel"
