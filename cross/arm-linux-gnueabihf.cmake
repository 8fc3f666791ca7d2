# Cross-compiling for 32-bit ARMv7 boxes (hard float): scripts/cross-build armhf.
set(KELU_CROSS_TRIPLET arm-linux-gnueabihf)
set(KELU_CROSS_PROCESSOR armv7l)
set(KELU_CROSS_DEB_ARCH armhf)
set(KELU_CROSS_QEMU qemu-arm)
include(${CMAKE_CURRENT_LIST_DIR}/debian-cross.cmake)
