#!/usr/bin/env bash
# Sets the last byte of an option ROM so that all its bytes sum to 0 modulo 256, as the
# BIOS's option ROM scan requires (IBM PC/AT Technical Reference, POST, "ROM_CHECK").
#   romsum.sh ROM.bin
set -eu
rom=$1
size=$(wc -c <"$rom")
sum=$(od -An -v -tu1 -N $((size - 1)) "$rom" | tr -s ' \n' '\n\n' | awk '{ s += $1 } END { print s % 256 }')
fix=$(( (256 - sum) % 256 ))
printf "$(printf '\\%03o' "$fix")" | dd of="$rom" bs=1 seek=$((size - 1)) conv=notrunc 2>/dev/null
