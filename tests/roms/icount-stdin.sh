#!/usr/bin/env bash
# With -icount, input for -serial stdio that comes from a file is there from the start,
# so it reaches the guest at the same guest time in every run and on every host: two
# runs of the UART ROM with stdin from the same file echo the same text and end in the
# same final state (instruction count, guest time, RAM).   icount-stdin.sh ROM VX86...
set -u
rom=$1
shift
vx86=("$@")
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
printf 'hello.' >"$dir/input"
run() { "${vx86[@]}" -bios "$rom" -display none -icount -timeout 60 -serial stdio -dump-state "$dir/$1.state" \
          <"$dir/input" >"$dir/$1.out" 2>&1; echo "exit status $?" >>"$dir/$1.out"; }
run first
run second
fail=0
grep -q "^hello\.$" "$dir/first.out" || { echo "FAIL: no echo"; cat "$dir/first.out"; fail=1; }
for f in out state; do
  cmp -s "$dir/first.$f" "$dir/second.$f" || { echo "FAIL: the runs' $f differ"; diff "$dir/first.$f" "$dir/second.$f"; fail=1; }
done
[ $fail -eq 0 ] && echo "ok: the same output and final state in both runs"
exit $fail
