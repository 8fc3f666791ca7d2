#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Installs a kelu .deb into a throw-away Debian 12 root, as on a bare store box: apt resolves the
# package's Depends from the mirror, the maintainer scripts run, then installed_checks.sh runs in
# the root (the binary and its libraries, the user, permissions, the conffile across a
# reinstall, the agent starting as its own user, purge).
#   tests/packaging/install_test.sh build/deb-amd64/packages/kelu_0.2.0_amd64.deb
# Needs root (a chroot) and mmdebstrap. An ARM package is installed into an ARM root, which needs
# qemu-user-static registered with binfmt_misc (not done by our scripts: it changes how the whole
# machine runs foreign binaries); without it the script says so and exits 77.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
deb=$(realpath "${1:?usage: install_test.sh KELU_DEB}")
[ "$(id -u)" -eq 0 ] || { echo "install_test: needs root for the chroot" >&2; exit 2; }
source "$here/fresh_root.sh"

arch=$(dpkg-deb -f "$deb" Architecture)
if [ "$arch" != "$(dpkg --print-architecture)" ] &&
   ! grep -qs '^flags: .*F' /proc/sys/fs/binfmt_misc/qemu-"$(case $arch in arm64) echo aarch64 ;; armhf) echo arm ;; *) echo "$arch" ;; esac)"; then
  echo "install_test: $arch root needs qemu-user-static registered with binfmt_misc: skipped" >&2
  exit 77
fi
root=$(mktemp -d /tmp/kelu-root.XXXXXX)
log=$(mktemp)
trap 'rm -rf "$root" "$log"' EXIT
name=$(basename "$deb")
start=$(date +%s)
fresh_root "$arch" "$root" "$log" \
  --customize-hook="copy-in $deb $here/installed_checks.sh /tmp" \
  --customize-hook="chroot \"\$1\" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q /tmp/$name" \
  --customize-hook="chroot \"\$1\" sh /tmp/installed_checks.sh /tmp/$name"
echo "install_test: $name installed and checked in a fresh Debian 12 root in $(($(date +%s) - start)) s"
