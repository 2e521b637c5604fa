# Linux on another CPU with Debian's cross compiler (gcc-TRIPLET), included by the
# per-target files, which set VX86_TRIPLET, CMAKE_SYSTEM_PROCESSOR and VX86_QEMU.
#
# The target's libraries are Debian's own -dev packages for that architecture (zlib1g-dev,
# check, libsubunit-dev), unpacked by tests/hosts.sh into VX86_TARGET_ROOT rather than
# installed through multiarch: installing them would also have to replace packages of the
# build machine (linux-libc-dev, libssl3, ...) with versions of the target's suite. A
# root filled by `apt-get install zlib1g-dev:ARCH ...` works as well: -DVX86_TARGET_ROOT=/.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_C_COMPILER ${VX86_TRIPLET}-gcc)
set(CMAKE_LIBRARY_ARCHITECTURE ${VX86_TRIPLET})

if(NOT VX86_TARGET_ROOT)
  if(DEFINED ENV{VX86_TARGET_ROOT})
    set(VX86_TARGET_ROOT $ENV{VX86_TARGET_ROOT})
  else()
    set(VX86_TARGET_ROOT /)
  endif()
endif()
# try_compile projects see it too.
list(APPEND CMAKE_TRY_COMPILE_PLATFORM_VARIABLES VX86_TARGET_ROOT)

# The C library from the cross toolchain (libc6-dev-TRIPLET-cross), everything else from
# the target root; never the build machine's own headers or libraries.
set(CMAKE_FIND_ROOT_PATH /usr/${VX86_TRIPLET} ${VX86_TARGET_ROOT})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
set(ENV{PKG_CONFIG_LIBDIR} ${VX86_TARGET_ROOT}/usr/lib/${VX86_TRIPLET}/pkgconfig:${VX86_TARGET_ROOT}/usr/share/pkgconfig)
set(ENV{PKG_CONFIG_SYSROOT_DIR} ${VX86_TARGET_ROOT})

# The binaries are static (VX86_STATIC is on when cross compiling), so qemu-user runs
# them without a target C library around.
find_program(VX86_QEMU_PATH ${VX86_QEMU})
if(VX86_QEMU_PATH)
  set(CMAKE_CROSSCOMPILING_EMULATOR ${VX86_QEMU_PATH})
endif()
