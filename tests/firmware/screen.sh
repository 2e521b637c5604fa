#!/usr/bin/env bash
# The BIOS's messages on the text screen (not only COM1): runs vx86 with -screen-dump
# and checks the dump line by line against PATTERN (an extended regular expression
# over the whole dump).
#   screen.sh PATTERN -- VX86 ARGS...
set -u
pattern=$1
shift
[ "${1:-}" = "--" ] && shift
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
"$@" -screen-dump "$dir/screen.txt" >"$dir/out" 2>&1 </dev/null
status=$?
if [ $status -ne 0 ] || ! grep -Ezq -- "$pattern" "$dir/screen.txt"; then
  echo "FAIL: exit status $status, or the screen does not match: $pattern"
  echo "---- screen ----"; cat "$dir/screen.txt" 2>/dev/null
  echo "---- output ----"; head -c 2000 "$dir/out"
  exit 1
fi
echo "ok"
