#!/usr/bin/env bash
# A run cut anywhere and resumed from its state file is the run that was never cut.
#
#   resume.sh NAME INPUT "N1 N2 ..." EXPECT -- VX86... -- ARGS...
#
# Runs VX86 ARGS under -icount to the end (stdin from the text INPUT, written to a
# file); then, for each N, runs the same with -stop-after N -state-out S and resumes
# from S with -state-in S and the same ARGS and input. The two halves' output (what
# the ARGS send to stdout: serial, debug console, POST codes) joined must equal the
# whole run's, the second half's exit status the whole run's, and its final state
# (-dump-state) the whole run's, byte for byte. EXPECT names the conditions the cut
# points must cover between them (a comma-separated subset of halted, irq, rep, event:
# the CPU halted; an interrupt handler running, the PIC's in-service register not
# zero; inside a REP string instruction, EIP on it and ECX moved since N-1; a device
# event pending), so a ROM that changes cannot quietly stop testing them; "-" for none.
# VX86 may be several words (a cross build runs behind wine or qemu-user). With
# RESUME_KEEP=DIR the state files are left in DIR (tests/hosts.sh resumes them on the
# other hosts).
set -u
name=$1 input=$2 cuts=$3 expect=$4
shift 4
[ "$1" = -- ] || { echo "usage: resume.sh NAME INPUT CUTS EXPECT -- VX86... -- ARGS..."; exit 2; }
shift
vx86=()
while [ $# -gt 0 ] && [ "$1" != -- ]; do vx86+=("$1"); shift; done
shift
args=("$@")
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
printf '%b' "$input" >"$dir/in"
run() { "${vx86[@]}" "${args[@]}" -display none -icount -timeout 120 "$@" <"$dir/in" 2>>"$dir/stderr"; }
# The state file as state-info reads it, for the classification.
info() { "${vx86[@]}" state-info "$1" 2>>"$dir/stderr" | tr -d '\r'; }

run -dump-state "$dir/A" >"$dir/whole.out"
whole_status=$?
[ -s "$dir/A" ] || { echo "FAIL: $name: the whole run left no final state (status $whole_status)"; cat "$dir/stderr"; exit 1; }
fail=0 resumed=0 covered=""
for n in $cuts; do
  run -stop-after "$n" -state-out "$dir/S$n" -dump-state "$dir/D$n" >"$dir/h1.out"
  s1=$?
  run -state-in "$dir/S$n" -dump-state "$dir/B$n" >"$dir/h2.out"
  s2=$?
  why=""
  [ $s1 -eq 0 ] || why+=" first half exit status $s1;"
  [ $s2 -eq $whole_status ] || why+=" second half exit status $s2, the whole run's $whole_status;"
  cat "$dir/h1.out" "$dir/h2.out" | cmp -s - "$dir/whole.out" || why+=" output differs;"
  cmp -s "$dir/B$n" "$dir/A" || why+=" final state differs;"
  if [ -n "$why" ]; then
    echo "FAIL: $name cut at $n:$why"
    diff "$dir/A" "$dir/B$n" | head -10
    fail=1
    continue
  fi
  resumed=$((resumed + 1))
  # What the cut point was like.
  text=$(info "$dir/S$n")
  grep -q "^cpu: halted" <<<"$text" && covered+=" halted"
  grep -Eq "^pic: in service ([0-9A-F][1-9A-F]|[1-9A-F][0-9A-F])" <<<"$text" && covered+=" irq"
  grep -q "^events: .* at +" <<<"$text" && covered+=" event"
  if [ "$n" -gt 1 ]; then
    run -stop-after $((n - 1)) -dump-state "$dir/P" >/dev/null
    eip() { sed -n 's/^eip *\([0-9A-F]*\).*/\1/p' "$1"; }
    ecx() { sed -n 's/.* ecx \([0-9A-F]*\).*/\1/p' "$1"; }
    [ -n "$(eip "$dir/D$n")" ] && [ "$(eip "$dir/P")" = "$(eip "$dir/D$n")" ] &&
      [ "$(ecx "$dir/P")" != "$(ecx "$dir/D$n")" ] && covered+=" rep"
  fi
  [ -n "${RESUME_KEEP:-}" ] && mkdir -p "$RESUME_KEEP" && cp "$dir/S$n" "$RESUME_KEEP/$name.$n.vx86state"
done
covered=$(tr ' ' '\n' <<<"$covered" | grep . | sort -u | paste -sd, -)
if [ "$expect" != - ]; then
  for want in ${expect//,/ }; do
    grep -qw "$want" <<<"${covered//,/ }" || { echo "FAIL: $name: no cut point was '$want' (covered: ${covered:-nothing})"; fail=1; }
  done
fi
[ $fail -eq 0 ] && echo "ok: $name: $resumed cut points resumed identically (covered: ${covered:-nothing})"
[ $fail -eq 0 ] || { echo "---- stderr ----"; head -20 "$dir/stderr"; }
exit $fail
