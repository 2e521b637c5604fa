# Windows x86-64: Debian's MinGW-w64 cross compiler (gcc-mingw-w64-x86-64-win32, or the
# gcc-mingw-w64-x86-64 metapackage) and zlib (libz-mingw-w64-dev). The tests run the
# .exe files under wine.
#   cmake -S . -B build-mingw -DCMAKE_TOOLCHAIN_FILE=cmake/toolchains/mingw-w64.cmake
set(CMAKE_SYSTEM_NAME Windows)
set(CMAKE_SYSTEM_PROCESSOR x86_64)
set(VX86_TRIPLET x86_64-w64-mingw32)
set(CMAKE_C_COMPILER ${VX86_TRIPLET}-gcc)

# Headers and libraries only from the MinGW tree, never the build machine's.
set(CMAKE_FIND_ROOT_PATH /usr/${VX86_TRIPLET})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
# pkg-config too: Debian packages no Check for MinGW, and the build machine's must not
# be mistaken for one.
set(ENV{PKG_CONFIG_LIBDIR} /usr/${VX86_TRIPLET}/lib/pkgconfig)
set(ENV{PKG_CONFIG_SYSROOT_DIR} "")

# WINEDEBUG=-all keeps wine's own notes out of the output the tests compare.
find_program(VX86_WINE wine)
if(VX86_WINE)
  set(CMAKE_CROSSCOMPILING_EMULATOR /usr/bin/env WINEDEBUG=-all ${VX86_WINE})
endif()
