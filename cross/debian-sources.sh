# SPDX-License-Identifier: Apache-2.0
# Sourced: sets $mirror and $security to the Debian mirror this machine's apt uses (deb822
# .sources or one-line sources.list) and its security suite (empty if none), so that a sysroot
# or a throw-away root comes from where this machine's packages came from.
sources=$(cat /etc/apt/sources.list.d/*.sources /etc/apt/sources.list 2>/dev/null || true)
uris=$(grep -E '^(URIs:|deb )' <<<"$sources" | sed -E 's/^URIs: *//; s/^deb (\[[^]]*\] )?//; s/ .*//' || true)
mirror=$(grep -v security <<<"$uris" | head -1 || true)
security=$(grep security <<<"$uris" | head -1 || true)
mirror=${mirror:-http://deb.debian.org/debian}
