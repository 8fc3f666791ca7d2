#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# HQ's software repository (scripts/hq-repo) as a box's apt sees it, served over real HTTP on
# loopback: apt takes what HQ signed and sees a newer version once it is published; it refuses the
# repository when its key is not the one the box trusts, and a package index changed after signing.
# apt runs with a configuration and state of its own in a temp dir: this machine's apt is untouched.
# The packages are small stand-ins named kelu (what is tested is the repository, not the agent's
# package: install_test.sh installs that).
#   tests/packaging/hq_repo_test.sh
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
for tool in aptly gpg apt-get dpkg-deb python3; do
  command -v "$tool" >/dev/null || { echo "hq_repo_test: $tool is not installed (scripts/setup installs it)"; exit 77; }
done
work=$(mktemp -d /tmp/kelu-repo.XXXXXX)
server=
trap '[ -n "$server" ] && kill "$server" 2>/dev/null; rm -rf "$work"' EXIT
fail() { echo "hq_repo_test: $*" >&2; exit 1; }
arch=$(dpkg --print-architecture)

deb() {  # VERSION -> a package kelu_VERSION
  local d=$work/pkg-$1
  mkdir -p "$d/DEBIAN" "$d/usr/share/doc/kelu"
  printf 'Package: kelu\nVersion: %s\nArchitecture: %s\nSection: net\nPriority: optional\nMaintainer: Kelu <kelu@example.org>\nDescription: stand-in\n' \
    "$1" "$arch" >"$d/DEBIAN/control"
  echo "$1" >"$d/usr/share/doc/kelu/version"
  dpkg-deb --root-owner-group -b "$d" "$work/kelu_$1_$arch.deb" >/dev/null
}
deb 0.2.0
deb 0.2.1

repo=$work/repo
"$here/../../scripts/hq-repo" init "$repo" >/dev/null
"$here/../../scripts/hq-repo" add "$repo" "$work/kelu_0.2.0_$arch.deb" >/dev/null

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
python3 -m http.server --bind 127.0.0.1 --directory "$repo/public" "$port" >"$work/http.log" 2>&1 &
server=$!
for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done

# A box's apt, in a directory of its own.
box_apt() {  # TOOL KEYRING ARGS...
  local tool=$1 keyring=$2 a=$work/apt
  shift 2
  mkdir -p "$a/state/lists/partial" "$a/cache/archives/partial"
  [ -e "$a/status" ] || : >"$a/status"
  echo "deb [signed-by=$keyring] http://127.0.0.1:$port kelu main" >"$a/sources.list"
  "$tool" -q -o Dir::Etc::SourceList="$a/sources.list" -o Dir::Etc::SourceParts=/dev/null \
    -o Dir::State="$a/state" -o Dir::State::status="$a/status" -o Dir::Cache="$a/cache" \
    -o Debug::NoLocking=1 -o APT::Sandbox::User=root -o APT::Architecture="$arch" "$@"
}
# The version of kelu apt would install after an update with KEYRING; empty when none.
candidate() {
  box_apt apt-get "$1" -qq update >/dev/null 2>&1 || true
  box_apt apt-cache "$1" policy kelu 2>/dev/null | sed -n 's/^ *Candidate: \([^ ]*\)$/\1/p' | grep -v '(none)' || true
}

trusted=$repo/public/kelu-hq.gpg
[ "$(candidate "$trusted")" = 0.2.0 ] || fail "apt does not offer the published 0.2.0: $(box_apt apt-get "$trusted" update 2>&1)"
"$here/../../scripts/hq-repo" add "$repo" "$work/kelu_0.2.1_$arch.deb" >/dev/null
[ "$(candidate "$trusted")" = 0.2.1 ] || fail "apt does not see the newer 0.2.1"
mkdir "$work/fetched"
(cd "$work/fetched" && box_apt apt-get "$trusted" -qq download kelu >/dev/null) || fail "apt cannot fetch kelu 0.2.1"
cmp -s "$work/kelu_0.2.1_$arch.deb" "$work/fetched/kelu_0.2.1_$arch.deb" || fail "what apt fetched is not what HQ published"
# The older version stays: a box running it keeps a copy to roll back to before it updates.
(cd "$work/fetched" && box_apt apt-get "$trusted" -qq download kelu=0.2.0 >/dev/null) || fail "0.2.0 is gone once 0.2.1 is published"
cmp -s "$work/kelu_0.2.0_$arch.deb" "$work/fetched/kelu_0.2.0_$arch.deb" || fail "the 0.2.0 apt fetched is not what HQ published"

# Another repository's key: the box refuses the whole repository.
"$here/../../scripts/hq-repo" init "$work/other" >/dev/null
rm -rf "$work/apt"
box_apt apt-get "$work/other/public/kelu-hq.gpg" update >"$work/refused.log" 2>&1 || true
grep -q "NO_PUBKEY\|not signed\|signature" "$work/refused.log" || fail "no signature error: $(cat "$work/refused.log")"
rm -rf "$work/apt"
[ -z "$(candidate "$work/other/public/kelu-hq.gpg")" ] || fail "an untrusted repository's kelu is offered"

# An index changed after signing (a mirror or a man in the middle adding a package): refused.
index=$repo/public/dists/kelu/main/binary-$arch/Packages
sed -i 's/^Version: 0.2.1$/Version: 9.9.9/' "$index"
rm -f "$index".gz "$index".xz "$index".bz2
rm -rf "$work/apt"
if box_apt apt-get "$trusted" update >"$work/tampered.log" 2>&1; then :; fi
grep -qi "hash sum mismatch\|unexpected size\|Hashes" "$work/tampered.log" || fail "a changed index was not refused: $(cat "$work/tampered.log")"
[ -z "$(box_apt apt-cache "$trusted" policy kelu 2>/dev/null | grep 9.9.9)" ] || fail "the changed index's version is offered"
echo "hq_repo_test: signed repository served on loopback: 0.2.0 then 0.2.1 offered, both fetched intact; refused:"
grep -m1 "NO_PUBKEY\|not signed\|signature" "$work/refused.log"
grep -m1 -i "hash sum mismatch\|unexpected size\|Hashes" "$work/tampered.log"
