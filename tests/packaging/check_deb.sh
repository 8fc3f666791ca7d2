#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Checks a kelu .deb as dpkg will see it: control fields, the files and their modes, the conffile,
# the maintainer scripts, a stripped binary for the package's architecture, and that binary run
# on the shipped configuration (natively, or under qemu-user with the sysroot's libraries).
#   tests/packaging/check_deb.sh DEB ARCH [SYSROOT]
# Prints the sizes docs/BENCHMARKS.md's footprint table records.
set -euo pipefail
deb=${1:?usage: check_deb.sh DEB ARCH [SYSROOT]}
arch=${2:?usage: check_deb.sh DEB ARCH [SYSROOT]}
sysroot=${3:-}
fail() { echo "check_deb: $(basename "$deb"): $*" >&2; exit 1; }
field() { dpkg-deb -f "$deb" "$1"; }

case "$arch" in
  amd64) machine="Advanced Micro Devices X86-64"; run=() ;;
  arm64) machine=AArch64; run=(qemu-aarch64 -L "$sysroot") ;;
  armhf) machine=ARM; run=(qemu-arm -L "$sysroot") ;;
  *) fail "unknown architecture $arch" ;;
esac
[ "$(field Package)" = kelu ] || fail "Package is $(field Package)"
[ "$(field Architecture)" = "$arch" ] || fail "Architecture is $(field Architecture), expected $arch"
version=$(field Version)
[[ "$(basename "$deb")" = "kelu_${version}_$arch.deb" ]] || fail "file name does not say kelu_${version}_$arch.deb"
depends=$(field Depends)
names=$(tr ',' '\n' <<<"$depends" | sed 's/^ *//; s/ .*//')
# The libraries every build links, whichever way their packages were found.
for pkg in adduser libc6 libstdc++6 libsqlite3-0 libpaho-mqttpp3-1 libssl3 libopencv-core406 libopencv-dnn406; do
  grep -qxF "$pkg" <<<"$names" || fail "Depends lacks $pkg: $depends"
done
grep -q ':' <<<"$names" && fail "Depends names an architecture-qualified package: $depends"

# Exactly these files and directories, with these owners and modes.
listing=$(dpkg-deb -c "$deb" | awk '{print $1, $2, $6}' | sed 's|/$||' | sort)
expected=$(sort <<'LIST'
drwxr-xr-x root/root ./etc
drwxr-xr-x root/root ./etc/kelu
-rw-r--r-- root/root ./etc/kelu/kelu.json
drwxr-xr-x root/root ./usr
drwxr-xr-x root/root ./usr/bin
-rwxr-xr-x root/root ./usr/bin/kelu
drwxr-xr-x root/root ./usr/lib
drwxr-xr-x root/root ./usr/lib/kelu
-rw-r--r-- root/root ./usr/lib/kelu/kelu-camera.so
drwxr-xr-x root/root ./usr/lib/systemd
drwxr-xr-x root/root ./usr/lib/systemd/system
-rw-r--r-- root/root ./usr/lib/systemd/system/kelu.service
-rw-r--r-- root/root ./usr/lib/systemd/system/kelu-update.path
-rw-r--r-- root/root ./usr/lib/systemd/system/kelu-update.service
drwxr-xr-x root/root ./usr/share
drwxr-xr-x root/root ./usr/share/doc
drwxr-xr-x root/root ./usr/share/doc/kelu
-rw-r--r-- root/root ./usr/share/doc/kelu/README.md
-rw-r--r-- root/root ./usr/share/doc/kelu/changelog.gz
-rw-r--r-- root/root ./usr/share/doc/kelu/copyright
-rw-r--r-- root/root ./usr/share/doc/kelu/install.md
drwxr-xr-x root/root ./usr/share/kelu
drwxr-xr-x root/root ./usr/share/man
drwxr-xr-x root/root ./usr/share/man/man1
-rw-r--r-- root/root ./usr/share/man/man1/kelu.1.gz
drwxr-xr-x root/root ./usr/share/kelu/presets
drwxr-xr-x root/root ./usr/share/kelu/presets/csv
-rw-r--r-- root/root ./usr/share/kelu/presets/csv/uci-online-retail.json
-rw-r--r-- root/root ./usr/share/kelu/presets/csv/zh-lines.json
-rw-r--r-- root/root ./usr/share/kelu/presets/csv/zh-receipts.json
drwxr-xr-x root/root ./var
drwxr-xr-x root/root ./var/lib
drwxr-xr-x root/root ./var/lib/kelu
LIST
)
diff <(echo "$expected") <(echo "$listing") >&2 || fail "contents differ from the list above (< expected, > found)"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
dpkg-deb -x "$deb" "$work/root"
dpkg-deb -e "$deb" "$work/control"
[ "$(cat "$work/control/conffiles")" = /etc/kelu/kelu.json ] || fail "conffiles: $(cat "$work/control/conffiles")"
for script in postinst prerm postrm; do
  [ -x "$work/control/$script" ] || fail "no executable $script"
  sh -n "$work/control/$script" || fail "$script: syntax error"
done
here=$(cd "$(dirname "$0")" && pwd)
cmp -s "$work/root/usr/lib/systemd/system/kelu.service" "$here/../../packaging/kelu.service" ||
  fail "the unit differs from packaging/kelu.service"

# As Debian judges a package: nothing from lintian but the maintainer's address, which the project
# leaves to whoever publishes it (packaging/CMakeLists.txt, KELU_MAINTAINER).
lintian_out=$(lintian --tag-display-limit 0 --allow-root --suppress-tags bogus-mail-host,bogus-mail-host-in-debian-changelog "$deb" 2>&1) ||
  fail "lintian: $lintian_out"
[ -z "$lintian_out" ] || fail "lintian: $lintian_out"

# The copyright file is Debian's machine-readable format, and every licence a Files stanza names
# has its text in a stanza of its own.
copyright=$work/root/usr/share/doc/kelu/copyright
cmp -s "$copyright" "$here/../../packaging/debian/copyright" || fail "usr/share/doc/kelu/copyright differs from packaging/debian/copyright"
[ "$(head -1 "$copyright")" = "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/" ] ||
  fail "copyright: not in the machine-readable format (DEP-5)"
awk '/^Files: \*$/{f=1} /^$/{f=0} f && /^License:/{print $2}' "$copyright" | grep -qx Apache-2.0 ||
  fail "copyright: Files: * is not Apache-2.0"
for licence in $(awk '/^Files:/{f=1} /^$/{f=0} f && /^License:/{print $2}' "$copyright" | sort -u); do
  awk -v l="License: $licence" 'prev == "" && $0 == l {getline; if (/^ /) found = 1} {prev = $0} END {exit !found}' \
    "$copyright" || fail "copyright: no text for licence $licence"
done

binary=$work/root/usr/bin/kelu
header=$(LC_ALL=C readelf -h "$binary")
grep -q "Machine: *$machine" <<<"$header" || fail "usr/bin/kelu is not for $machine: $(grep Machine <<<"$header")"
LC_ALL=C readelf -S "$binary" | grep -q '\.symtab' && fail "usr/bin/kelu is not stripped"
"${run[@]}" "$binary" --version | grep -q "$version" || fail "kelu --version does not say $version"
# The camera module: for this machine, stripped, exporting its entry point and nothing of kelu's
# own; the binary maps no OpenCV until a camera needs it (agent/camera_module.hpp).
module=$work/root/usr/lib/kelu/kelu-camera.so
grep -q "Machine: *$machine" <<<"$(LC_ALL=C readelf -h "$module")" || fail "usr/lib/kelu/kelu-camera.so is not for $machine"
LC_ALL=C readelf -S "$module" | grep -q '\.symtab' && fail "usr/lib/kelu/kelu-camera.so is not stripped"
exported=$(LC_ALL=C readelf --dyn-syms -W "$module" | awk '$7 != "UND" && $5 == "GLOBAL" && $4 == "FUNC" {print $8}')
[ "$exported" = kelu_camera_module_v1 ] || fail "kelu-camera.so exports functions other than its entry point: $exported"
LC_ALL=C readelf -d "$binary" | grep -q 'NEEDED.*libopencv' && fail "usr/bin/kelu links OpenCV (the camera module should)"
LC_ALL=C readelf -d "$module" | grep -q 'NEEDED.*libopencv_videoio' || fail "kelu-camera.so does not link OpenCV's video I/O"
# Installed, the binary finds the module (bin/../lib/kelu) and `kelu count` runs in it: the
# module's own answer to a missing video, not "not installed".
count_err=$("${run[@]}" "$binary" count --video "$work/none.avi" 2>&1 >/dev/null || true)
grep -q "no such video file" <<<"$count_err" || fail "kelu count did not run in the installed camera module: $count_err"
"${run[@]}" "$binary" config validate "$work/root/etc/kelu/kelu.json" >/dev/null ||
  fail "kelu config validate rejects the shipped /etc/kelu/kelu.json"
# Every shipped CSV preset loads under this binary's key table.
for preset in "$work"/root/usr/share/kelu/presets/csv/*.json; do
  printf '{"store":{"tenant":"t","id":"s"},"sources":{"csv":{"preset":"%s"}}}' "$preset" >"$work/preset.json"
  "${run[@]}" "$binary" config validate "$work/preset.json" >/dev/null || fail "the preset $(basename "$preset") does not load"
done
echo "check_deb: $(basename "$deb"): $(stat -c %s "$deb") bytes; usr/bin/kelu $(stat -c %s "$binary") bytes stripped;" \
     "Depends: $depends"
