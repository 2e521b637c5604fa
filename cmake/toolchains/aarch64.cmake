# Little-endian Linux on 64-bit ARM: gcc-aarch64-linux-gnu, run under qemu-aarch64.
#   cmake -S . -B build-aarch64 -DCMAKE_TOOLCHAIN_FILE=cmake/toolchains/aarch64.cmake -DVX86_TARGET_ROOT=DIR
set(VX86_TRIPLET aarch64-linux-gnu)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(VX86_QEMU qemu-aarch64)
include(${CMAKE_CURRENT_LIST_DIR}/debian-linux-cross.cmake)
