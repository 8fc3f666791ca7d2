# SPDX-License-Identifier: Apache-2.0
# Read by cpack when it makes the package. Cross-compiled, dpkg-shlibdeps cannot help: the
# sysroot's packages were extracted, not installed, so no dpkg database says which package holds
# a library. cross/make-sysroot keeps those packages' shlibs files instead, and deb-depends maps
# each library the binary and the camera module need to the package (and least version) they name.
if(CPACK_KELU_SHLIBS)
  execute_process(
    COMMAND ${CPACK_KELU_DEPENDS_SCRIPT} ${CPACK_KELU_SHLIBS} ${CPACK_KELU_READELF} ${CPACK_KELU_BINARY}
      ${CPACK_KELU_MODULE}
    OUTPUT_VARIABLE libraries OUTPUT_STRIP_TRAILING_WHITESPACE
    ERROR_VARIABLE problem RESULT_VARIABLE failed)
  if(failed)
    message(FATAL_ERROR "deb-depends: ${problem}")
  endif()
  set(CPACK_DEBIAN_PACKAGE_DEPENDS "${CPACK_DEBIAN_PACKAGE_DEPENDS}, ${libraries}")
endif()
