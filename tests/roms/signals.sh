#!/usr/bin/env bash
# SIGTERM and SIGINT (Ctrl+C) end a run cleanly: "vx86: stopped by SIGTERM", exit
# status 143 (SIGINT: 130), and the outputs asked for are saved: a -dump-state file
# that existed is replaced by the whole dump, and the -cmos file is written.
#   signals.sh IDLE_ROM VX86...
set -u
set -m   # background jobs of their own: a script's would ignore SIGINT
rom=$1
shift
vx86=("$@")
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
fail=0
for sig in TERM INT; do
  want=$([ $sig = TERM ] && echo 143 || echo 130)
  printf 'old state\n' > "$dir/$sig.txt"
  # The idle ROM runs 10 s of guest time in real time: the signal comes first.
  "${vx86[@]}" -bios "$rom" -display none -timeout 30 -serial stdio -dump-state "$dir/$sig.txt" \
    -cmos "$dir/$sig.cmos" >"$dir/$sig.out" 2>&1 </dev/null &
  pid=$!
  sleep 0.7
  kill -$sig $pid
  wait $pid
  status=$?
  [ $status -eq $want ] || { echo "FAIL: SIG$sig: exit status $status, expected $want"; fail=1; }
  grep -q "^vx86: stopped by SIG$sig$" "$dir/$sig.out" || { echo "FAIL: SIG$sig: no message"; fail=1; }
  grep -q "^idle start$" "$dir/$sig.out" || { echo "FAIL: SIG$sig: the guest's output was lost"; fail=1; }
  # Whole: the CPU's 22 lines, then the components' CRCs, the PIC's last.
  tail -n 1 "$dir/$sig.txt" | grep -Eq "^component pic crc32 [0-9A-F]{8}$" &&
    grep -q "^ram 33554432 bytes crc32 " "$dir/$sig.txt" ||
    { echo "FAIL: SIG$sig: the -dump-state file is not a whole dump:"; cat "$dir/$sig.txt"; fail=1; }
  [ "$(wc -c < "$dir/$sig.cmos" 2>/dev/null)" = 128 ] || { echo "FAIL: SIG$sig: no -cmos file"; fail=1; }
  [ -z "$(ls "$dir" | grep tmp-)" ] || { echo "FAIL: SIG$sig: temporary files left: $(ls "$dir")"; fail=1; }
  [ $fail -eq 0 ] || { echo "---- output ----"; cat "$dir/$sig.out"; }
done
[ $fail -eq 0 ] && echo "ok: SIGTERM 143, SIGINT 130, the outputs saved"
exit $fail
