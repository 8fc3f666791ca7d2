#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Runs a test binary whose daemons (`kelu run`, `kelu hq enroll-server`, `kelu-hq sink`, started
# through tests/support/process.hpp) run under the system call filter and MemoryDenyWriteExecute=
# of UNIT, as systemd would load them (tests/support/syscall_jail.cpp). The tests must pass as they
# do unjailed, and the daemons (and what they start) must not have been refused a single call: a
# refusal is listed by name and fails the run, even when the test passed (a library taking EPERM
# as "not here" would otherwise hide it).
#   jailed_run.sh UNIT JAIL REPORTER TEST_BINARY [ARGS...]
set -euo pipefail
unit=$1 jail=$2 reporter=$3
shift 3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$(dirname "$0")/unit_syscalls.sh" "$unit" >"$work/allowed" || exit $?  # 77: no systemd-analyze
wx=()
grep -qE '^MemoryDenyWriteExecute=(yes|true)' "$unit" && wx=(--deny-write-execute)
export KELU_TEST_AGENT_JAIL="$jail $work/allowed ${wx[*]}"
export KELU_TEST_AGENT_JAIL_PRELOAD=$reporter
export KELU_JAIL_REPORT=$work/refused
# LeakSanitizer stops the world with ptrace, which the unit refuses as it should; the same tests
# unjailed are the leak check. The reporter is preloaded ahead of ASan's runtime, as the fault
# tests' shims are.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0:verify_asan_link_order=0"
echo "jailed: $(grep -c . "$work/allowed") system calls allowed${wx[*]:+, no writable and executable memory}"
status=0
"$@" || status=$?
# As root (CI, this machine), SQLite hands each journal it creates to the database's owner with
# fchown; under the unit the agent is the kelu user, for whom SQLite does not, so those refusals
# are the test's own making.
chowns='fchown|fchownat|chown|lchown'
if [ "$(id -u)" -eq 0 ] && [ -s "$work/refused" ]; then
  grep -cxE "$chowns" "$work/refused" | sed 's/^/excused as root: chown calls: /' || true
  grep -vxE "$chowns" "$work/refused" >"$work/left" || true
  mv "$work/left" "$work/refused"
fi
if [ -s "$work/refused" ]; then
  echo "what $(basename "$unit") runs made system calls it refuses (count, name):"
  sort "$work/refused" | uniq -c | sort -rn
  exit 1
fi
exit "$status"
