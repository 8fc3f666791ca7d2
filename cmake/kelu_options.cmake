# SPDX-License-Identifier: Apache-2.0
# Warnings and sanitizers are INTERFACE targets so that only our own targets opt in;
# third-party headers come in as SYSTEM includes through their imported targets and stay quiet.
add_library(kelu_warnings INTERFACE)
add_library(kelu::warnings ALIAS kelu_warnings)
target_compile_options(kelu_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wsign-conversion -Wnon-virtual-dtor
  -Wold-style-cast -Woverloaded-virtual -Wdouble-promotion -Wformat=2
  -Wimplicit-fallthrough -Wcast-align -Wunused -Wmisleading-indentation
  $<$<CXX_COMPILER_ID:GNU>:-Wduplicated-cond -Wduplicated-branches -Wlogical-op>
  # Not -Wnull-dereference: at -O3 it fires inside Boost.Asio's inlined scheduler code.
  # GCC 12 at -O3 reports -Wrestrict inside libstdc++ for "literal" + std::string&&
  # (GCC bug 105329, a false positive fixed in GCC 13).
  $<$<AND:$<CXX_COMPILER_ID:GNU>,$<VERSION_LESS:$<CXX_COMPILER_VERSION>,13>>:-Wno-restrict>
  # With optimisation GCC 12 also takes Boost.Asio's coroutine frames (allocated by their promise's
  # operator new, freed by its operator delete) for a mismatched new/delete pair.
  $<$<AND:$<CXX_COMPILER_ID:GNU>,$<VERSION_LESS:$<CXX_COMPILER_VERSION>,13>>:-Wno-mismatched-new-delete>
  # A unity build includes our .cpp files into one file; GCC then takes each file's anonymous
  # namespace as the included file's and warns about every class that uses one.
  $<$<AND:$<CXX_COMPILER_ID:GNU>,$<BOOL:${CMAKE_UNITY_BUILD}>>:-Wno-subobject-linkage>
  $<$<BOOL:${KELU_WARNINGS_AS_ERRORS}>:-Werror>)

add_library(kelu_sanitizers INTERFACE)
add_library(kelu::sanitizers ALIAS kelu_sanitizers)
if(KELU_FUZZ)
  # libFuzzer instruments everything it links, so the sanitizers go on every target here.
  target_compile_options(kelu_sanitizers INTERFACE -fsanitize=fuzzer-no-link,address,undefined
    -fno-sanitize-recover=undefined -fno-omit-frame-pointer)
  target_link_options(kelu_sanitizers INTERFACE -fsanitize=address,undefined)
elseif(KELU_SANITIZE)
  # UBSan without three of its checks, for CI's minutes: `alignment` instruments every load and
  # store and was 30 % of the compile time of a Beast-heavy unit (89 s with all checks, 49 s
  # without these three); `null` is what ASan reports anyway, as the SEGV it is; `vptr` (bad
  # downcasts) another 10 %. The fuzz preset (clang) keeps every check on the parsers.
  target_compile_options(kelu_sanitizers INTERFACE
    -fsanitize=address,undefined -fno-sanitize=alignment,null,vptr -fno-omit-frame-pointer
    -fno-sanitize-recover=undefined)
  target_link_options(kelu_sanitizers INTERFACE -fsanitize=address,undefined)
elseif(KELU_SANITIZE_THREAD)
  # -O1: TSan's shadow checks make -O0 code several times slower still, and the threaded tests
  # wait on each other's progress. -Wno-tsan: Boost.Asio's recycling allocator fences
  # (std::atomic_thread_fence), which TSan does not model; GCC warns in every file including it.
  target_compile_options(kelu_sanitizers INTERFACE -fsanitize=thread -fno-omit-frame-pointer -O1
    $<$<CXX_COMPILER_ID:GNU>:-Wno-tsan>)
  target_link_options(kelu_sanitizers INTERFACE -fsanitize=thread)
endif()

# Every kelu target links this one: warnings plus, in the asan preset, the sanitizers.
add_library(kelu_project_options INTERFACE)
add_library(kelu::project_options ALIAS kelu_project_options)
target_link_libraries(kelu_project_options INTERFACE kelu::warnings kelu::sanitizers)

# lld in the test presets: they link some 40 executables, each with the whole agent, and GNU ld took
# 19 s for the ASan `kelu` where lld takes 4 (a 2-core CI machine links two at a time).
if(KELU_LINKER)
  include(CheckLinkerFlag)
  check_linker_flag(CXX "-fuse-ld=${KELU_LINKER}" KELU_LINKER_WORKS)
  if(NOT KELU_LINKER_WORKS)
    message(FATAL_ERROR "KELU_LINKER=${KELU_LINKER}: the compiler cannot link with it (scripts/setup installs lld)")
  endif()
  add_link_options("-fuse-ld=${KELU_LINKER}")
endif()
