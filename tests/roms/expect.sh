#!/usr/bin/env bash
# Runs a command and checks its exit status and output.
#   expect.sh STATUS PATTERN [--stdin TEXT] -- COMMAND ARGS...
# PATTERN is an extended regular expression that the combined stdout+stderr must match
# (use "" for none). On failure, prints what happened, and the text screen if the
# command wrote one with -screen-dump FILE.
set -u
status=$1 pattern=$2
shift 2
input=""
if [ "${1:-}" = "--stdin" ]; then input=$2; shift 2; fi
[ "${1:-}" = "--" ] && shift
output=$(printf '%b' "$input" | "$@" 2>&1)
got=$?
# Under wine (the Windows host), wine itself may add a line of its own on stderr when
# its server lags ("wine client error:..."): that is the emulator's, not vx86's output.
output=$(printf '%s\n' "$output" | grep -v '^wine client error:')
ok=1
[ "$got" -eq "$status" ] || { echo "FAIL: exit status $got, expected $status"; ok=0; }
# grep takes a pattern with newlines as several patterns, any of which may match: the
# newlines of both become \001 first, so a multi-line pattern must match as a whole.
one_line() { tr '\n' '\001'; }
if [ -n "$pattern" ] && ! grep -Ezq -- "$(printf '%s' "$pattern" | one_line)" < <(printf '%s\n' "$output" | one_line); then
  echo "FAIL: output does not match: $pattern"; ok=0
fi
if [ $ok -eq 0 ]; then
  echo "command: $*"; echo "---- output ----"; printf '%s\n' "$output" | head -c 4000
  # A run that dumped its text screen shows it: what a person would have seen.
  args=("$@")
  for ((i = 0; i + 1 < ${#args[@]}; i++)); do
    if [ "${args[i]}" = -screen-dump ] && [ -f "${args[i + 1]}" ]; then
      echo "---- screen (${args[i + 1]}) ----"; cat "${args[i + 1]}"
    fi
  done
  exit 1
fi
echo "ok: exit status $got"
