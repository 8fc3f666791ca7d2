#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Checks the kelu-hq .deb as dpkg will see it: control fields, exactly its files and their modes,
# the conffile, a stripped binary that runs, and systemd's own check of the sink member's unit.
#   tests/packaging/check_hq_deb.sh DEB
set -euo pipefail
deb=${1:?usage: check_hq_deb.sh DEB}
here=$(cd "$(dirname "$0")" && pwd)
fail() { echo "check_hq_deb: $(basename "$deb"): $*" >&2; exit 1; }
field() { dpkg-deb -f "$deb" "$1"; }

arch=$(dpkg --print-architecture)
[ "$(field Package)" = kelu-hq ] || fail "Package is $(field Package)"
[ "$(field Architecture)" = "$arch" ] || fail "Architecture is $(field Architecture)"
version=$(field Version)
[ "$(basename "$deb")" = "kelu-hq_${version}_$arch.deb" ] || fail "file name does not say kelu-hq_${version}_$arch.deb"
depends=$(field Depends)
names=$(tr ',' '\n' <<<"$depends" | sed 's/^ *//; s/ .*//')
for pkg in libc6 libstdc++6 libpq5; do
  grep -qxF "$pkg" <<<"$names" || fail "Depends lacks $pkg: $depends"
done
# The box's libraries have no business on HQ's servers.
for pkg in libopencv-core406 libsqlite3-0; do
  grep -qxF "$pkg" <<<"$names" && fail "Depends names the box's $pkg: $depends"
done

listing=$(dpkg-deb -c "$deb" | awk '{print $1, $2, $6}' | sed 's|/$||' | sort)
expected=$(sort <<'LIST'
drwxr-xr-x root/root .
drwxr-xr-x root/root ./etc
drwxr-xr-x root/root ./etc/kelu-hq
-rw-r----- root/root ./etc/kelu-hq/sink.env
drwxr-xr-x root/root ./usr
drwxr-xr-x root/root ./usr/bin
-rwxr-xr-x root/root ./usr/bin/kelu-hq
drwxr-xr-x root/root ./usr/lib
drwxr-xr-x root/root ./usr/lib/systemd
drwxr-xr-x root/root ./usr/lib/systemd/system
-rw-r--r-- root/root ./usr/lib/systemd/system/kelu-hq-sink@.service
drwxr-xr-x root/root ./usr/share
drwxr-xr-x root/root ./usr/share/doc
drwxr-xr-x root/root ./usr/share/doc/kelu-hq
-rw-r--r-- root/root ./usr/share/doc/kelu-hq/copyright
-rw-r--r-- root/root ./usr/share/doc/kelu-hq/hq.md
LIST
)
diff <(echo "$expected") <(echo "$listing") >&2 || fail "contents differ from the list above (< expected, > found)"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
dpkg-deb -x "$deb" "$work/root"
dpkg-deb -e "$deb" "$work/control"
[ "$(cat "$work/control/conffiles")" = /etc/kelu-hq/sink.env ] || fail "conffiles: $(cat "$work/control/conffiles")"
bin=$work/root/usr/bin/kelu-hq
file "$bin" | grep -q 'stripped' && ! file "$bin" | grep -q 'not stripped' || fail "kelu-hq is not stripped"
[ "$("$bin" --version)" = "kelu-hq $version" ] || fail "kelu-hq --version says $("$bin" --version)"
# The unit's settings are the sink's options: each variable the conffile sets is one it reads.
help=$("$bin" sink --help)
for var in $(sed -n 's/^#\?\(KELU_HQ_[A-Z_]*\)=.*/\1/p' "$work/root/etc/kelu-hq/sink.env"); do
  grep -q "$var" <<<"$help" || fail "sink.env sets $var, which kelu-hq sink does not read"
done
# /usr/bin/kelu-hq in the unit becomes the extracted binary.
"$here/verify_unit.sh" "$work/root/usr/lib/systemd/system/kelu-hq-sink@.service" "$work/root/usr/bin/kelu" \
  Type=exec Restart=on-failure DynamicUser=yes User=kelu-hq ProtectSystem=strict NoNewPrivileges=yes \
  EnvironmentFile=/etc/kelu-hq/sink.env MemoryMax= || fail "the sink unit does not verify"
echo "check_hq_deb: $(basename "$deb"): $(du -k "$deb" | cut -f1) KiB, kelu-hq $(du -k "$bin" | cut -f1) KiB stripped"
