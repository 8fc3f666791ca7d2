#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# A unit's exposure as `systemd-analyze security` scores it (0.0: every protection systemd knows is
# on, 10.0: none), offline: no running systemd needed. Fails above MAX, given in tenths as
# --threshold takes it, listing what is still open so the change that raised it is plain to see.
#   unit_exposure.sh UNIT MAX_TENTHS
set -euo pipefail
unit=$1 max=$2
command -v systemd-analyze >/dev/null || { echo "no systemd-analyze (package systemd)"; exit 77; }
out=$(systemd-analyze security --offline=true --no-pager "$unit" 2>&1) || true
echo "$out" | tail -1
if ! systemd-analyze security --offline=true --threshold="$max" "$unit" >/dev/null 2>&1; then
  echo "$(basename "$unit"): exposure above the floor of $((max / 10)).$((max % 10)); still open:"
  echo "$out" | grep '✗' || true
  exit 1
fi
