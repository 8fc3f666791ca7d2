# SPDX-License-Identifier: Apache-2.0
# Cross-compiling for 64-bit ARM boxes (Raspberry Pi 4/5, RK3568): scripts/cross-build arm64.
set(KELU_CROSS_TRIPLET aarch64-linux-gnu)
set(KELU_CROSS_PROCESSOR aarch64)
set(KELU_CROSS_DEB_ARCH arm64)
set(KELU_CROSS_QEMU qemu-aarch64)
include(${CMAKE_CURRENT_LIST_DIR}/debian-cross.cmake)
