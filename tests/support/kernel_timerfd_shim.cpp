// SPDX-License-Identifier: Apache-2.0
// LD_PRELOAD into `kelu run` before libfaketime by tests/faults/clock_fault_test.cpp: timerfd_settime
// goes straight to the kernel, past libfaketime's wrapper.
//
// Why: Boost.Asio arms its CLOCK_MONOTONIC timerfd with TFD_TIMER_ABSTIME and an expiry of 1 ns
// ("already due") whenever a handler is ready. libfaketime 0.9.10 shifts absolute timerfd expiries
// by its offset whatever the clock, FAKETIME_DONT_FAKE_MONOTONIC notwithstanding, so "due now" is no
// longer now: an agent started with a non-zero offset stopped running its timers (its io thread in
// epoll_wait with no timeout), and with this shim it runs them. The monotonic clock is not what the test
// fakes, so the kernel's own timerfd is what the agent would see on a real box whose wall clock is
// off.
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <unistd.h>

extern "C" int timerfd_settime(int fd, int flags, const struct itimerspec* value, struct itimerspec* old) {
  return static_cast<int>(::syscall(SYS_timerfd_settime, fd, flags, value, old));
}

extern "C" int timerfd_gettime(int fd, struct itimerspec* value) {
  return static_cast<int>(::syscall(SYS_timerfd_gettime, fd, value));
}
