# Big-endian Linux on IBM Z (s390x): gcc-s390x-linux-gnu, run under qemu-s390x.
#   cmake -S . -B build-s390x -DCMAKE_TOOLCHAIN_FILE=cmake/toolchains/s390x.cmake -DVX86_TARGET_ROOT=DIR
set(VX86_TRIPLET s390x-linux-gnu)
set(CMAKE_SYSTEM_PROCESSOR s390x)
set(VX86_QEMU qemu-s390x)
include(${CMAKE_CURRENT_LIST_DIR}/debian-linux-cross.cmake)
