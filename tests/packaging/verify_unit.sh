#!/usr/bin/env bash
# systemd's own check of packaging/kelu.service: every key known, every value parsed, the
# commands executable (pointed at the built binary, as the package puts it at /usr/bin/kelu).
# systemd-analyze exits 0 even when it ignores a line, so any output at all is a failure.
#   verify_unit.sh UNIT KELU_BINARY
set -euo pipefail
unit=$1 kelu=$2
command -v systemd-analyze >/dev/null || { echo "no systemd-analyze (package systemd)"; exit 77; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
sed "s|/usr/bin/kelu|$kelu|g" "$unit" >"$work/kelu.service"
out=$(systemd-analyze verify "$work/kelu.service" 2>&1 || true)
if [ -n "$out" ]; then
  echo "$out"
  exit 1
fi
for key in Type=notify WatchdogSec= Restart=on-failure User=kelu ProtectSystem=strict ReadWritePaths=/var/lib/kelu \
           NoNewPrivileges=yes PrivateTmp=yes MemoryMax=; do
  grep -q "^$key" "$unit" || { echo "kelu.service: no $key"; exit 1; }
done
# A pre-start check would keep a box with a broken file down instead of in safe or minimal mode.
if grep -q '^ExecStartPre=' "$unit"; then echo "kelu.service: ExecStartPre would stop safe mode"; exit 1; fi
echo "kelu.service verifies"
