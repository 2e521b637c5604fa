#!/usr/bin/env bash
# Installs the Debian packages vx86 needs to build and test, if any are missing.
# Sourced by setup.sh and test.sh; safe to run again.
set -euo pipefail

VX86_PACKAGES=(
  build-essential cmake pkg-config   # the compiler and build system
  nasm                               # assembles the firmware and the test ROMs
  zlib1g-dev                         # compressed images, snapshots and the test vectors
  libsdl2-dev                        # the display and input frontend
  check                              # the unit-test framework
  libunicorn-dev                     # the reference CPU for the differential tester (tests only)
  # the storage tests' images (tests only): SYSLINUX/ISOLINUX, FAT, partitions, ISO 9660
  syslinux syslinux-common isolinux mtools dosfstools fdisk xorriso
)

# Installs the named packages that are missing (apt-get; root or sudo). Also used by
# tests/hosts.sh for the cross toolchains.
vx86_install_packages() {
  local missing=()
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "vx86: installing missing packages: ${missing[*]}"
  local sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

vx86_install_deps() {
  vx86_install_packages "${VX86_PACKAGES[@]}"
}
