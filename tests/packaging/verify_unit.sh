#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# systemd's own check of a unit: every key known, every value parsed, the commands executable
# (pointed at the built binary, as the package puts it at /usr/bin/kelu). systemd-analyze exits 0
# even when it ignores a line, so any output at all is a failure. KEYs: lines the unit must have
# (default: packaging/kelu.service's hardening and watchdog).
#   verify_unit.sh UNIT KELU_BINARY [KEY...]
set -euo pipefail
unit=$1 kelu=$2
shift 2
keys=("$@")
[ ${#keys[@]} -gt 0 ] || keys=(Type=notify WatchdogSec= Restart=on-failure User=kelu ProtectSystem=strict
  ReadWritePaths=/var/lib/kelu NoNewPrivileges=yes PrivateTmp=yes MemoryMax=)
name=$(basename "$unit")
command -v systemd-analyze >/dev/null || { echo "no systemd-analyze (package systemd)"; exit 77; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
sed "s|/usr/bin/kelu|$kelu|g" "$unit" >"$work/$name"
out=$(systemd-analyze verify "$work/$name" 2>&1 || true)
if [ -n "$out" ]; then
  echo "$out"
  exit 1
fi
for key in "${keys[@]}"; do
  grep -q "^$key" "$unit" || { echo "$name: no $key"; exit 1; }
done
# A pre-start check would keep a box with a broken file down instead of in safe or minimal mode.
if [ "$name" = kelu.service ] && grep -q '^ExecStartPre=' "$unit"; then
  echo "kelu.service: ExecStartPre would stop safe mode"
  exit 1
fi
echo "$name verifies"
