#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The stand-in for systemd's filters refuses what the unit refuses, and only that: a program under
# kelu-syscall-jail with the unit's lists gets EPERM for memory both writable and executable and
# for a privileged call (setuid), while ordinary calls and @resources (thread affinity) work, and
# the reporter names each refusal. Without this the jailed runs could pass by jailing nothing.
#   syscall_jail_test.sh UNIT JAIL REPORTER
set -euo pipefail
unit=$1 jail=$2 reporter=$3
command -v python3 >/dev/null || { echo "no python3"; exit 77; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$(dirname "$0")/unit_syscalls.sh" "$unit" >"$work/allowed" || exit $?  # 77: no systemd-analyze
cat >"$work/probe.py" <<'PY'
import mmap, os
def tried(what, f):
    try:
        f()
        print(what, "allowed")
    except OSError as e:
        print(what, "refused" if e.errno == 1 else "failed: %s" % e)
tried("read-execute map", lambda: mmap.mmap(-1, 4096, prot=mmap.PROT_READ | mmap.PROT_EXEC))
tried("write-execute map", lambda: mmap.mmap(-1, 4096, prot=mmap.PROT_WRITE | mmap.PROT_EXEC))
tried("thread affinity", lambda: os.sched_setaffinity(0, os.sched_getaffinity(0)))
tried("setuid", lambda: os.setuid(os.getuid()))
PY
KELU_JAIL_REPORT=$work/refused LD_PRELOAD=$reporter "$jail" "$work/allowed" --deny-write-execute -- \
  "$(command -v python3)" "$work/probe.py" >"$work/out"
cat "$work/out"
expected='read-execute map allowed
write-execute map refused
thread affinity allowed
setuid refused'
[ "$(cat "$work/out")" = "$expected" ] || { echo "expected:"; echo "$expected"; exit 1; }
echo "reported: $(sort -u "$work/refused" | tr '\n' ' ')"
grep -qx mmap "$work/refused" && grep -qx setuid "$work/refused" || { echo "the reporter missed a refusal"; exit 1; }
