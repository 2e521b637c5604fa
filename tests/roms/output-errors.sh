#!/usr/bin/env bash
# Every file vx86 writes: nothing lost, and errors are errors (POSIX: /dev/full, pipes,
# FIFOs, permissions).   output-errors.sh PIC_PIT_ROM IDLE_ROM VX86...
#  - a write error on a -debugcon/-serial/-post file or on stdout ends the run with exit
#    status 1 and a message naming the file (or stdout) and the reason;
#  - so does a closed pipe on stdout (no silent death by SIGPIPE);
#  - an existing -dump-state or -cmos file survives a start-up that fails, unchanged;
#  - a -cmos file that cannot be written at exit: exit status 1, the file and reason;
#  - -serial file:FIFO with no reader ends at -timeout (status 3, a message), and
#    with a reader that comes later, the output reaches it.
set -u
pic_pit=$1 idle=$2
shift 2
vx86=("$@")
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
fail=0
# expect NAME STATUS PATTERN OUTPUT STATUS_GOT
expect() {
  [ "$5" -eq "$2" ] || { echo "FAIL: $1: exit status $5, expected $2: $4"; fail=1; }
  grep -Eq -- "$3" <<<"$4" || { echo "FAIL: $1: no message matching '$3': $4"; fail=1; }
}
run() { "${vx86[@]}" -bios "$pic_pit" -display none -icount -timeout 60 "$@"; }

out=$(run -debugcon file:/dev/full 2>&1 </dev/null); expect debugcon-full 1 "^vx86: -debugcon file:/dev/full: write error: No space left on device" "$out" $?
out=$(run -serial file:/dev/full 2>&1 </dev/null); expect serial-full 1 "^vx86: -serial file:/dev/full: write error: " "$out" $?
out=$("${vx86[@]}" -display none -icount -timeout 60 -post file:/dev/full 2>&1 </dev/null); expect post-full 1 "^vx86: -post file:/dev/full: write error: " "$out" $?
out=$(run -debugcon stdio 2>&1 >/dev/full </dev/null); expect stdout-full 1 "^vx86: stdout: write error: No space left on device" "$out" $?
out=$("${vx86[@]}" -help 2>&1 >/dev/full); expect help-stdout-full 1 "^vx86: stdout: write error: " "$out" $?
# A pipe whose reader has gone: the reader ends at once, vx86 starts writing later.
{ sleep 0.5; run -debugcon stdio -dump-state "$dir/pipe.txt" 2>"$dir/pipe.err" </dev/null; echo $? >"$dir/pipe.status"; } | true
out=$(cat "$dir/pipe.err"); expect closed-pipe 1 "^vx86: stdout: write error: Broken pipe" "$out" "$(cat "$dir/pipe.status")"
tail -n 1 "$dir/pipe.txt" | grep -Eq "^component pic crc32 [0-9A-F]{8}$" ||
  { echo "FAIL: closed-pipe: the -dump-state file is not the whole dump"; fail=1; }

# Start-up fails (no such BIOS): the old files are as they were, and nothing is left.
mkdir "$dir/keep"
printf 'old state\n' > "$dir/keep/state.txt"
head -c 128 /dev/zero | tr '\0' 'C' > "$dir/keep/cmos.bin"
cp "$dir/keep/cmos.bin" "$dir/cmos.orig"
out=$("${vx86[@]}" -bios "$dir/none.bin" -display none -cmos "$dir/keep/cmos.bin" -dump-state "$dir/keep/state.txt" 2>&1 </dev/null)
expect startup-fails 1 "cannot open" "$out" $?
[ "$(cat "$dir/keep/state.txt")" = "old state" ] || { echo "FAIL: a failed start-up changed the -dump-state file"; fail=1; }
cmp -s "$dir/keep/cmos.bin" "$dir/cmos.orig" || { echo "FAIL: a failed start-up changed the -cmos file"; fail=1; }
[ "$(ls "$dir/keep" | wc -l)" -eq 2 ] || { echo "FAIL: files left behind: $(ls "$dir/keep")"; fail=1; }

# -cmos that cannot be written at exit: its name turns into a folder during the run.
"${vx86[@]}" -bios "$idle" -display none -timeout 30 -cmos "$dir/cmos-dir.bin" >/dev/null 2>"$dir/cmos.err" </dev/null &
pid=$!
sleep 0.5
mkdir "$dir/cmos-dir.bin"
kill -TERM $pid
wait $pid
status=$?
out=$(cat "$dir/cmos.err"); expect cmos-unwritable 1 "^vx86: -cmos $dir/cmos-dir.bin: cannot write it: Is a directory" "$out" $status
[ -z "$(ls "$dir" | grep tmp-)" ] || { echo "FAIL: the temporary CMOS file was left: $(ls "$dir")"; fail=1; }

# A read-only folder (root writes anyway: only as another user).
if [ "$(id -u)" -ne 0 ]; then
  mkdir "$dir/ro"; chmod 555 "$dir/ro"
  out=$(run -dump-state "$dir/ro/state.txt" 2>&1 </dev/null); expect readonly-dump 1 "^vx86: -dump-state $dir/ro/state.txt: cannot create: Permission denied" "$out" $?
  out=$(run -cmos "$dir/ro/cmos.bin" 2>&1 </dev/null); expect readonly-cmos 1 "^vx86: -cmos $dir/ro/cmos.bin: cannot write it: Permission denied" "$out" $?
  chmod 755 "$dir/ro"
else
  echo "(as root: the read-only folder cases are left out)"
fi

# A FIFO with no reader: the -timeout counts from the start, not from a blocked open.
mkfifo "$dir/fifo"
start=$SECONDS
out=$(run -timeout 2 -serial "file:$dir/fifo" 2>&1 </dev/null); status=$?
expect fifo-no-reader 3 "no reader on the FIFO -serial file:$dir/fifo" "$out" $status
[ $((SECONDS - start)) -le 10 ] || { echo "FAIL: fifo-no-reader took $((SECONDS - start)) s"; fail=1; }
# ... and one that comes late gets the output.
( sleep 0.5; cat "$dir/fifo" > "$dir/fifo.out" ) &
out=$(run -debugcon "file:$dir/fifo" 2>&1 </dev/null); expect fifo-late-reader 0 "" "$out" $?
wait
grep -q "pic-pit done" "$dir/fifo.out" || { echo "FAIL: the FIFO's reader got: $(cat "$dir/fifo.out")"; fail=1; }

[ $fail -eq 0 ] && echo "ok: write errors are exit status 1 with the file and the reason; nothing is lost"
exit $fail
