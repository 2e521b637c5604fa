#!/usr/bin/env bash
# A state file comes from anywhere: every kind of bad file -state-in is given is refused
# with exit status 1 and a message naming the file, the section and what is wrong; vx86
# never crashes (no status of 128 or more, no sanitizer report) and never writes to the
# file it reads. state-info says WRONG for a section whose CRC is wrong.
#   state-bad-input.sh ROM STATETOOL -- VX86...
# (VX86 may be several words: a cross build's vx86 runs behind wine or qemu-user.)
set -u
rom=$1
statetool=$2
shift 2
[ "${1:-}" = "--" ] && shift
vx86=("$@")
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
good=$dir/good.vx86state
fail=0
cases=0

if ! "${vx86[@]}" -bios "$rom" -display none -icount -debugcon none -stop-after 30000 -state-out "$good" </dev/null; then
    echo "FAIL: cannot save the state to start from"
    exit 1
fi
# It loads as it is: the damage below is all that is wrong with the others.
"${vx86[@]}" -state-in "$good" -display none -icount -debugcon none -timeout 5 </dev/null >/dev/null 2>&1 ||
    { echo "FAIL: the good state does not load"; exit 1; }

# expect_refused NAME FILE PATTERN...: -state-in FILE gives status 1, a message with the
# file's name and every pattern (grep -E), no crash, and FILE as it was.
expect_refused() {
    local name=$1 file=$2
    shift 2
    cases=$((cases + 1))
    local copy=$dir/copy
    [ -f "$file" ] && cp "$file" "$copy"
    local out status
    out=$("${vx86[@]}" -state-in "$file" -display none -icount -debugcon none -timeout 5 2>&1 </dev/null)
    status=$?
    local ok=1
    if [ $status -ne 1 ]; then
        echo "FAIL: $name: exit status $status (1 expected)"
        ok=0
    fi
    if grep -qE 'Sanitizer|runtime error|LeakSanitizer' <<<"$out"; then
        echo "FAIL: $name: a sanitizer report"
        ok=0
    fi
    if ! grep -qF -- "$file" <<<"$out"; then
        echo "FAIL: $name: the message does not name the file"
        ok=0
    fi
    for p in "$@"; do
        if ! grep -qE -- "$p" <<<"$out"; then
            echo "FAIL: $name: the message lacks /$p/"
            ok=0
        fi
    done
    if [ -f "$file" ] && ! cmp -s "$file" "$copy"; then
        echo "FAIL: $name: vx86 changed the file it read"
        ok=0
    fi
    if [ $ok -eq 0 ]; then
        echo "  vx86 said: $out"
        fail=1
    fi
}

# edit NAME COMMAND ARGS...: $dir/NAME.vx86state, the good file edited by the statetool.
edit() {
    local name=$1
    shift
    "$statetool" "$good" "$dir/$name.vx86state" "$@" || { echo "FAIL: $statetool $* failed"; fail=1; }
}

# payload_at NAME: where the section's payload starts in the good file.
payload_at() { "$statetool" "$good" list | awk -v s="$1" '$1 == s { print $NF }'; }
bios_at=$(payload_at bios)
[ -n "$bios_at" ] || { echo "FAIL: statetool list shows no bios section"; exit 1; }

# Truncated: in the header, in a section's header, in a payload.
edit cut-header truncate 10
expect_refused "truncated in the header" "$dir/cut-header.vx86state" 'truncated' 'inside its header'
edit cut-section-header truncate $((bios_at - 5))
expect_refused "truncated in a section header" "$dir/cut-section-header.vx86state" 'truncated' 'header of section 2' "after section 'machine'"
edit cut-payload truncate $((bios_at + 10))
expect_refused "truncated in a payload" "$dir/cut-payload.vx86state" 'truncated' "section 'bios' claims [0-9]+ bytes"
size=$(wc -c <"$good")
edit cut-last truncate $((size - 1))
expect_refused "truncated by one byte" "$dir/cut-last.vx86state" 'truncated' "section 'session'"

edit magic poke-raw 0 58583836
expect_refused "wrong magic" "$dir/magic.vx86state" 'not a vx86 state file' 'VX86STAT'
edit format set-format 2
expect_refused "a future format version" "$dir/format.vx86state" 'format version 2' 'reads format versions 1 to 1'
edit section-version set-section-version pit 2
expect_refused "a future section version" "$dir/section-version.vx86state" "section 'pit'" 'version 2' 'reads versions 1 to 1'
edit ram-version set-section-version ram 7
expect_refused "a future version of the RAM" "$dir/ram-version.vx86state" "section 'ram'" 'version 7'

# A bad CRC: the last byte of the events section's payload changed, its CRC not fixed.
offset=$(payload_at events)
[ -n "$offset" ] || { echo "FAIL: statetool list shows no events section"; fail=1; offset=0; }
edit crc poke-raw "$offset" FF
expect_refused "a bad CRC" "$dir/crc.vx86state" "section 'events'" 'CRC-32' 'damaged'
cases=$((cases + 1))
info=$("${vx86[@]}" state-info "$dir/crc.vx86state" 2>&1 </dev/null)
status=$?
if [ $status -ne 1 ] || ! grep -qE '^events .*WRONG' <<<"$info" || grep -qE '^pit .*WRONG' <<<"$info"; then
    echo "FAIL: state-info on a bad CRC: status $status (1 expected), events WRONG and no other:"
    echo "$info"
    fail=1
fi

edit long resize-section pit 1
expect_refused "a section too long" "$dir/long.vx86state" "section 'pit'" 'too long'
edit short resize-section kbc -1
expect_refused "a section too short" "$dir/short.vx86state" "section 'kbc'" 'too short'
edit events-long resize-section events 3
expect_refused "the events too long" "$dir/events-long.vx86state" "section 'events'" 'too long'
edit events-short resize-section events -3
expect_refused "the events too short" "$dir/events-short.vx86state" "section 'events'" 'too short'
edit ram-long resize-section ram 1
expect_refused "the RAM too long" "$dir/ram-long.vx86state" "section 'ram'" 'after its compressed data'
edit ram-short resize-section ram -8
expect_refused "the RAM too short" "$dir/ram-short.vx86state" "section 'ram'" 'damaged'
edit session-short resize-section session -1
expect_refused "the session too short" "$dir/session-short.vx86state" "section 'session'" 'too short'
edit unknown add-section soundblaster 00
expect_refused "an unknown section" "$dir/unknown.vx86state" "unknown section 'soundblaster'"
edit missing rename-section rtc clock
expect_refused "a missing section" "$dir/missing.vx86state" "section 'rtc' is missing"

# Fields out of range. A page-granular segment whose limit does not end in FFFh:
edit descriptor set cpu 'seg[SEG_CS].rights' 0x8093
"$statetool" "$dir/descriptor.vx86state" "$dir/descriptor.vx86state" set cpu 'seg[SEG_CS].limit' 0x10000 || fail=1
expect_refused "an impossible descriptor cache" "$dir/descriptor.vx86state" "section 'cpu'" 'CS' 'descriptor cache'
# A 286 has no D/B bit: a 32-bit data segment in a 286's state.
if "${vx86[@]}" -bios "$rom" -cpu 286 -display none -icount -debugcon none -stop-after 30000 \
        -state-out "$dir/good286.vx86state" </dev/null; then
    "$statetool" "$dir/good286.vx86state" "$dir/big286.vx86state" set cpu 'seg[SEG_DS].rights' 0x4093 || fail=1
    expect_refused "a 32-bit segment on a 286" "$dir/big286.vx86state" "section 'cpu'" 'DS' 'on a 286'
else
    echo "FAIL: cannot save a 286's state"
    fail=1
fi
edit cpu-state set cpu state 9
expect_refused "an unknown run state" "$dir/cpu-state.vx86state" "section 'cpu'" 'run state 9'
edit ram-size set machine ram_mb 4000
expect_refused "too much RAM" "$dir/ram-size.vx86state" "section 'machine'" '4000 MiB' 'at most 3584 MiB'
edit cpu-level set machine cpu_level 7
expect_refused "a CPU that does not exist" "$dir/cpu-level.vx86state" "section 'machine'" 'CPU level 7'
edit event-device rename-event 1 soundblaster
expect_refused "an event for a device that is not there" "$dir/event-device.vx86state" "section 'events'" "'soundblaster'" 'no such device'
# An armed event due before the saved guest time (30000 instructions in).
edit event-past set-event 1 1 5
expect_refused "an event in the past" "$dir/event-past.vx86state" "section 'events'" 'due at 5 ns' 'before the saved guest time'

: >"$dir/empty.vx86state"
expect_refused "a zero-length file" "$dir/empty.vx86state" 'empty'
mkdir "$dir/folder.vx86state"
expect_refused "a directory" "$dir/folder.vx86state" 'directory'
expect_refused "a file that is not there" "$dir/nonexistent.vx86state" 'cannot open'

[ $fail -eq 0 ] && echo "ok: $cases bad state files refused, each with its message, none changed"
exit $fail
