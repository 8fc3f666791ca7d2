#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# A software update from HQ on a bare Debian 12 box, with the real pieces: HQ's signed repository
# (scripts/hq-repo) served over HTTP on loopback, HQ's broker (mosquitto on a free loopback port),
# the package installed from the repository, the agent running as kelu, HQ's retained
# software/desired, and root's `kelu update apply` as kelu-update.service runs it (no systemd in a
# chroot: the agent is started and restarted by a small script, as the unit would).
#   tests/packaging/update_test.sh OLD.deb NEW.deb
# OLD updates to NEW and passes the health gate; then NEW is asked to update to a broken release
# (NEW repacked with a binary that does not start) and rolls back to NEW. The figures printed at
# the end (update and rollback times) are the ones docs/fleet.md quotes.
# Needs root (a chroot), mmdebstrap, aptly, gpg, mosquitto; exits 77 without them.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
old=$(realpath "${1:?usage: update_test.sh OLD.deb NEW.deb}")
new=$(realpath "${2:?usage: update_test.sh OLD.deb NEW.deb}")
[ "$(id -u)" -eq 0 ] || { echo "update_test: needs root for the chroot" >&2; exit 2; }
for tool in mmdebstrap aptly gpg mosquitto python3; do
  command -v "$tool" >/dev/null || { echo "update_test: $tool is not installed (scripts/setup installs it)"; exit 77; }
done
source "$here/fresh_root.sh"
arch=$(dpkg-deb -f "$new" Architecture)
[ "$arch" = "$(dpkg --print-architecture)" ] || { echo "update_test: $arch package on $(dpkg --print-architecture): skipped"; exit 77; }
work=$(mktemp -d /tmp/kelu-update.XXXXXX)
server= broker=
trap '[ -n "$server" ] && kill "$server" 2>/dev/null; [ -n "$broker" ] && kill "$broker" 2>/dev/null; rm -rf "$work"' EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
wait_port() { for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.1; done; return 1; }

# The broken release: NEW's package with a binary that cannot start on this box.
new_version=$(dpkg-deb -f "$new" Version)
bad_version="$new_version+broken"
dpkg-deb -R "$new" "$work/bad"
sed -i "s/^Version: .*/Version: $bad_version/" "$work/bad/DEBIAN/control"
printf '#!/bin/sh\necho "kelu: Illegal instruction (a stand-in for a broken release)" >&2\nexit 132\n' >"$work/bad/usr/bin/kelu"
dpkg-deb --root-owner-group -b "$work/bad" "$work/kelu_${bad_version}_$arch.deb" >/dev/null

"$here/../../scripts/hq-repo" init "$work/repo" >/dev/null
"$here/../../scripts/hq-repo" add "$work/repo" "$old" "$new" "$work/kelu_${bad_version}_$arch.deb" >/dev/null
repo_port=$(free_port)
python3 -m http.server --bind 127.0.0.1 --directory "$work/repo/public" "$repo_port" >"$work/http.log" 2>&1 &
server=$!
broker_port=$(free_port)
printf 'listener %s 127.0.0.1\nallow_anonymous true\npersistence false\n' "$broker_port" >"$work/mosquitto.conf"
mosquitto -c "$work/mosquitto.conf" >"$work/mosquitto.log" 2>&1 &
broker=$!
wait_port "$repo_port" && wait_port "$broker_port" || { echo "update_test: the repository or the broker did not start" >&2; exit 1; }

root=$work/root
start=$(date +%s)
fresh_root "$arch" "$root" "$work/root.log" \
  --customize-hook="copy-in $work/repo/public/kelu-hq.gpg $here/update_checks.sh /tmp" \
  --customize-hook="chroot \"\$1\" sh /tmp/update_checks.sh $(dpkg-deb -f "$old" Version) $new_version $bad_version $repo_port $broker_port"
grep -q '^update_checks: ' "$work/root.log" || exit 1
echo "update_test: checked in a fresh Debian 12 root in $(($(date +%s) - start)) s"
