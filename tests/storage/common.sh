# Shared by the storage tests: skipping when a tool is missing, a scratch folder.
# A test that cannot run here exits 77, which ctest reports as skipped (SKIP_RETURN_CODE).
need_tools() {
  local t
  for t in "$@"; do
    if ! command -v "$t" >/dev/null 2>&1 && [ ! -e "$t" ]; then
      echo "SKIP: $t is not installed (scripts/deps.sh lists the packages of the storage tests)"
      exit 77
    fi
  done
}

# A scratch folder removed at exit.
work=$(mktemp -d "${TMPDIR:-/tmp}/vx86-storage.XXXXXX")
trap 'rm -rf "$work"' EXIT

# Writes TEXT at the start of 512-byte sector N of FILE (the rest of the sector zero).
put_marker() {
  local file=$1 sector=$2 text=$3
  printf '%s\0' "$text" | dd of="$file" bs=512 seek="$sector" conv=notrunc status=none
}

fail() {
  echo "FAIL: $*"
  exit 1
}
