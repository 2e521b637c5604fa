#!/usr/bin/env bash
# freedos-ver.sh VX86 ARGS...: boots FreeDOS (ARGS name the diskette), types VER and a
# REM at the prompt, stops when the REM line is on the screen, and checks the
# screen: the VER command, then FreeCom's version line, then the REM, in that order.
set -u
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
"$@" -send-keys 'ver\nrem\n' -send-keys-after 'A:\>' -exit-on 'FreeCom version' \
  -exit-on 'A:\>rem' -screen-dump "$dir/screen" >"$dir/out" 2>&1
status=$?
# The line after the typed VER (blank lines aside) is its output; the REM comes after.
in_order() {
  awk 'prev == "A:\\>ver" && index($0, "FreeCom version ") == 1 { answered = NR }
       answered && NR > answered && $0 == "A:\\>rem" { ok = 1 }
       $0 != "" { prev = $0 } END { exit !ok }' "$dir/screen"
}
if [ $status -ne 0 ] || ! in_order; then
  echo "FAIL: exit status $status; the screen does not show VER's output after the command:"
  cat "$dir/out"; echo "---- screen ----"; cat "$dir/screen"
  exit 1
fi
echo "ok: VER answered"
grep 'FreeCom version' "$dir/screen"
