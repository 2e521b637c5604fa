#!/usr/bin/env bash
# Runs the same command twice and checks that the output is byte-identical.
set -u
a=$("$@" 2>&1 </dev/null; echo "status $?")
b=$("$@" 2>&1 </dev/null; echo "status $?")
if [ "$a" != "$b" ]; then
  echo "FAIL: the two runs differ"; diff <(printf '%s\n' "$a") <(printf '%s\n' "$b") | head -20; exit 1
fi
printf 'ok: identical output (%s bytes)\n' "${#a}"
