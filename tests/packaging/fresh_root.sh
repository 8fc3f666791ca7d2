# SPDX-License-Identifier: Apache-2.0
# Sourced by install_test.sh and update_test.sh: a throw-away Debian 12 root made by mmdebstrap, with
# the caller's customize hooks run in it.
#   fresh_root ARCH ROOT LOG HOOK_ARG...     (e.g. --customize-hook="chroot \"\$1\" sh /tmp/x.sh")
# The root's archive cache is seeded with this machine's (hard links): the libraries CI has just
# installed are not fetched again. As in cross/make-sysroot, a security index caught mid-sync fails
# apt's update: the release and its updates are enough, so it is retried without, but only when
# kelu was not installed yet (a failed check is the answer, not a reason to try again).
source "$(dirname "${BASH_SOURCE[0]}")/../../cross/debian-sources.sh"

fresh_root() {
  local arch=$1 root=$2 log=$3
  shift 3
  local hooks=("$@")
  run() {
    rm -rf "$root"
    mmdebstrap --quiet --variant=apt --architectures="$arch" --skip=download/empty \
      --setup-hook='mkdir -p "$1/var/cache/apt/archives" && find /var/cache/apt/archives -maxdepth 1 -name "*.deb" -exec cp -l -t "$1/var/cache/apt/archives" {} + 2>/dev/null || true' \
      "${hooks[@]}" \
      bookworm "$root" "deb $mirror bookworm main" "deb $mirror bookworm-updates main" "$@" 2>&1 | tee "$log"
  }
  if [ -n "$security" ] && ! run "deb $security bookworm-security main"; then
    grep -q '^Setting up kelu ' "$log" && return 1
    echo "fresh_root: retrying without the security suite" >&2
    run
  elif [ -z "$security" ]; then
    run
  fi
}
