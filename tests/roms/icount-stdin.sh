#!/usr/bin/env bash
# With -icount, input on stdin reaches the guest at the same guest time however late the
# host delivers it: the UART ROM echoes the same text, and ends in the same final state
# (instruction count, guest time), whether "hello." is there at once or comes 0.5 s
# later.   icount-stdin.sh ROM VX86...
set -u
rom=$1
shift
vx86=("$@")
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
run() { "${vx86[@]}" -bios "$rom" -display none -icount -timeout 60 -serial stdio -dump-state "$dir/$1.state" \
          >"$dir/$1.out" 2>&1; echo "exit status $?" >>"$dir/$1.out"; }
printf 'hello.' | run at-once
(sleep 0.5; printf 'hello.') | run late
fail=0
grep -q "^hello\.$" "$dir/at-once.out" || { echo "FAIL: no echo"; cat "$dir/at-once.out"; fail=1; }
for f in out state; do
  cmp -s "$dir/at-once.$f" "$dir/late.$f" || { echo "FAIL: the runs' $f differ"; diff "$dir/at-once.$f" "$dir/late.$f"; fail=1; }
done
[ $fail -eq 0 ] && echo "ok: the same output and final state with the input at once and 0.5 s late"
exit $fail
