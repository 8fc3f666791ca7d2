# SPDX-License-Identifier: Apache-2.0
# Cross-compiling for 32-bit ARMv7 boxes (hard float): scripts/cross-build armhf.
set(KELU_CROSS_TRIPLET arm-linux-gnueabihf)
set(KELU_CROSS_PROCESSOR armv7l)
set(KELU_CROSS_DEB_ARCH armhf)
set(KELU_CROSS_QEMU qemu-arm)
include(${CMAKE_CURRENT_LIST_DIR}/debian-cross.cmake)
# GCC notes on every std::map/initializer_list argument that their ARM EABI passing changed in
# GCC 7.1: about mixing objects built by GCC 6 and 7+, which a Debian 12 sysroot never does.
string(APPEND CMAKE_CXX_FLAGS_INIT " -Wno-psabi")
