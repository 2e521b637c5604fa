#!/usr/bin/env bash
# The text screen for headless runs: -screen-dump writes it as UTF-8 (compared with an
# expected file), and -exit-on, -fail-on and -send-keys-after see the text on it, also
# lines that have scrolled off the top by the end of the run.
#   screen.sh ROM EXPECTED VX86...
# (VX86 may be several words: a cross build's vx86 runs behind wine or qemu-user.)
set -u
rom=$1 expected=$2
shift 2
vx86=("$@")
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
fail=0
run() { "${vx86[@]}" -bios "$rom" -display none -icount -timeout 60 "$@" </dev/null >"$dir/out" 2>&1; }
check() { # check WHAT STATUS ARGS...
  local what=$1 want=$2
  shift 2
  run "$@"
  local got=$?
  if [ $got -ne "$want" ]; then
    echo "FAIL: $what: exit status $got, expected $want"; cat "$dir/out"; fail=1
  fi
}

check "the screen dumped" 0 -screen-dump "$dir/screen.txt"
if ! cmp -s "$dir/screen.txt" "$expected"; then
  echo "FAIL: -screen-dump differs from $expected:"; diff "$expected" "$dir/screen.txt"; fail=1
fi
# "line 02" scrolled off before the end: it was seen while it was on the screen.
# (Texts in ASCII: a Windows build under wine gets its arguments through a code page;
# the dump above checks the UTF-8.)
check "a line that scrolled off" 0 -exit-on "line 02" -exit-on "done "
check "rows read as lines" 0 -exit-on $'line 03\nline 04\n'
check "a row overwritten in place" 0 -exit-on $'rewritten\n'
check "-fail-on on the screen" 4 -fail-on "line 05"
check "a text never shown" 5 -exit-on "line 99"
# Trailing spaces are trimmed: a text that ends in one never matches at a line's end.
check "trailing spaces trimmed" 5 -exit-on $'line 27 \n'
# The dump of a run cut short by -exit-on shows the screen at that moment.
check "dump at -exit-on" 0 -exit-on "line 10" -screen-dump "$dir/early.txt"
if [ "$(tail -n 1 "$dir/early.txt")" != "line 10" ]; then
  echo "FAIL: the screen at -exit-on 'line 10' ends in '$(tail -n 1 "$dir/early.txt")'"; cat "$dir/early.txt"; fail=1
fi
# Two runs, the same screen and the same final state.
run -screen-dump "$dir/again.txt"
cmp -s "$dir/screen.txt" "$dir/again.txt" || { echo "FAIL: two runs dumped different screens"; fail=1; }
if [ $fail -eq 0 ]; then echo "ok: the screen dumped and watched"; else echo "---- screen ----"; cat "$dir/screen.txt"; fi
exit $fail
