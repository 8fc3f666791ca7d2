# SPDX-License-Identifier: Apache-2.0
# Shared by the per-architecture toolchain files: Debian's cross compiler against a sysroot made
# by cross/make-sysroot (our -dev packages for the target), qemu-user to run what is built.
# The including file sets KELU_CROSS_TRIPLET, KELU_CROSS_PROCESSOR, KELU_CROSS_DEB_ARCH and
# KELU_CROSS_QEMU. The sysroot is KELU_SYSROOT (cache or environment), by default
# build/sysroot-<deb arch> in the source tree.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR ${KELU_CROSS_PROCESSOR})
set(CMAKE_C_COMPILER ${KELU_CROSS_TRIPLET}-gcc)
set(CMAKE_CXX_COMPILER ${KELU_CROSS_TRIPLET}-g++)

if(NOT KELU_SYSROOT)
  if(DEFINED ENV{KELU_SYSROOT})
    set(KELU_SYSROOT $ENV{KELU_SYSROOT})
  else()
    get_filename_component(KELU_SYSROOT "${CMAKE_CURRENT_LIST_DIR}/../build/sysroot-${KELU_CROSS_DEB_ARCH}" ABSOLUTE)
  endif()
endif()
if(NOT EXISTS ${KELU_SYSROOT}/usr/include)
  message(FATAL_ERROR "no sysroot at ${KELU_SYSROOT}: cross/make-sysroot ${KELU_CROSS_DEB_ARCH} ${KELU_SYSROOT}")
endif()
set(CMAKE_SYSROOT ${KELU_SYSROOT})
# try_compile projects read the toolchain file again: hand them the sysroot.
list(APPEND CMAKE_TRY_COMPILE_PLATFORM_VARIABLES KELU_SYSROOT)

set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

# pkg-config (libqrencode) from the sysroot, its paths prefixed with it.
set(ENV{PKG_CONFIG_SYSROOT_DIR} ${KELU_SYSROOT})
set(ENV{PKG_CONFIG_LIBDIR} "${KELU_SYSROOT}/usr/lib/${KELU_CROSS_TRIPLET}/pkgconfig:${KELU_SYSROOT}/usr/share/pkgconfig")

# The libraries our libraries need (OpenCV -> BLAS, GStreamer, ...) are found at link time in
# the sysroot's multiarch directories.
foreach(dir lib/${KELU_CROSS_TRIPLET} usr/lib/${KELU_CROSS_TRIPLET})
  string(APPEND CMAKE_EXE_LINKER_FLAGS_INIT " -Wl,-rpath-link,${KELU_SYSROOT}/${dir}")
  string(APPEND CMAKE_SHARED_LINKER_FLAGS_INIT " -Wl,-rpath-link,${KELU_SYSROOT}/${dir}")
endforeach()

# ctest and gtest_discover_tests run the target's binaries through qemu-user, with the
# sysroot as the root for the dynamic loader and the libraries.
set(CMAKE_CROSSCOMPILING_EMULATOR ${KELU_CROSS_QEMU} -L ${KELU_SYSROOT})
