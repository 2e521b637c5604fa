#!/usr/bin/env bash
# make-floppy.sh FILE SECTORS: a diskette image of SECTORS 512-byte sectors, each
# beginning with its LBA as "LBA" and four hex digits, the rest of it dots; the tests
# of the diskette BIOS (floppy.asm) read them back and know which sector they got.
set -eu
file=$1 sectors=$2
pad=$(printf '%505s' '' | tr ' ' '.')
{
  for ((lba = 0; lba < sectors; lba++)); do
    printf 'LBA%04X%s' "$lba" "$pad"
  done
} >"$file.tmp"
mv "$file.tmp" "$file"
