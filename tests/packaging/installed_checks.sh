#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Runs inside the throw-away root after `apt-get install kelu_*.deb` (install_test.sh): what a
# technician relies on after installing the package on a bare box.
set -eu
deb=$1
fail() { echo "installed_checks: $*" >&2; exit 1; }
expect() {  # expect WHAT ACTUAL WANTED
  [ "$2" = "$3" ] || fail "$1: got '$2', expected '$3'"
}

version=$(dpkg-deb -f "$deb" Version)
kelu --version | grep -q "$version" || fail "kelu --version does not say $version: $(kelu --version)"
kelu config validate /etc/kelu/kelu.json || fail "the shipped /etc/kelu/kelu.json does not validate"

# The agent's own user, with no login, owning the data directory; the configuration readable by it
# and by root only (it may hold MQTT credentials).
getent passwd kelu >/dev/null || fail "no kelu user"
expect "kelu's home and shell" "$(getent passwd kelu | cut -d: -f6,7)" "/var/lib/kelu:/usr/sbin/nologin"
expect "/var/lib/kelu" "$(stat -c '%U:%G %a' /var/lib/kelu)" "kelu:kelu 750"
expect "/etc/kelu/kelu.json" "$(stat -c '%U:%G %a' /etc/kelu/kelu.json)" "root:kelu 640"
dpkg-query -W -f='${Conffiles}\n' kelu | grep -q '^ /etc/kelu/kelu.json ' || fail "kelu.json is not a conffile"
# As the agent's user. setpriv, not runuser: runuser keeps a PAM session in between, which would
# answer the SIGTERM meant for the agent itself below.
as_kelu() { setpriv --reuid=kelu --regid=kelu --init-groups "$@"; }
as_kelu kelu config validate /etc/kelu/kelu.json || fail "the kelu user cannot read its configuration"
# A first install leaves the service off until the sample store is replaced.
[ ! -e /etc/systemd/system/multi-user.target.wants/kelu.service ] || fail "a first install enabled the service"
# The updater's path unit is on from the start: it acts only on a request the agent writes.
[ -L /etc/systemd/system/paths.target.wants/kelu-update.path ] || fail "kelu-update.path is not enabled"

# A mistake in the file is named by file and line, and the command fails.
sed 's/"time_zone": "UTC"/"time_zone": "Mars\/Olympus_Mons"/' /etc/kelu/kelu.json >/tmp/bad.json
if kelu config validate /tmp/bad.json 2>/tmp/bad.out; then fail "an unknown time zone validated"; fi
grep -q '/tmp/bad.json:[0-9]' /tmp/bad.out || fail "the error names no file and line: $(cat /tmp/bad.out)"

# The agent starts as its user with the unit's command line, makes its database under
# /var/lib/kelu, and stops cleanly on SIGTERM (ports 0: nothing on this machine is disturbed;
# no broker: the outbox keeps everything).
sed -e 's/"port": [0-9]*/"port": 0/' -e 's/"listen": "0.0.0.0"/"listen": "127.0.0.1"/' \
    -e 's|"uri": "tcp://localhost:1883"|"uri": "tcp://127.0.0.1:9"|' /etc/kelu/kelu.json >/tmp/run.json
chmod 644 /tmp/run.json
# setpriv itself, not as_kelu: a backgrounded function is a subshell, and $! would be its pid.
setpriv --reuid=kelu --regid=kelu --init-groups kelu run --config /tmp/run.json >/tmp/run.log 2>&1 &
agent=$!
waited=0
until [ -s /var/lib/kelu/kelu.db ]; do
  kill -0 "$agent" 2>/dev/null || { cat /tmp/run.log; fail "the agent exited before making its database"; }
  [ "$waited" -lt 300 ] || { cat /tmp/run.log; fail "no /var/lib/kelu/kelu.db after 30 s"; }
  sleep 0.1; waited=$((waited + 1))
done
kill -TERM "$agent"
status=0; wait "$agent" || status=$?
[ "$status" -eq 0 ] || { cat /tmp/run.log; fail "the agent exited with $status on SIGTERM"; }
# The commands install.md has a technician run, as the agent's user so that nothing in
# /var/lib/kelu ends up owned by root where the agent could not open it.
as_kelu kelu qr -c /etc/kelu/kelu.json --png /tmp/qr.png >/dev/null || fail "kelu qr as kelu failed"
[ -s /tmp/qr.png ] || fail "kelu qr wrote no /tmp/qr.png"
as_kelu kelu report -c /etc/kelu/kelu.json >/dev/null || fail "kelu report as kelu failed"
not_kelu=$(find /var/lib/kelu ! -user kelu)
[ -z "$not_kelu" ] || fail "not owned by kelu: $not_kelu"

# A reinstall (as an upgrade would) keeps the technician's edits to the conffile.
sed -i 's/"name": ""/"name": "Pudong flagship"/' /etc/kelu/kelu.json
DEBIAN_FRONTEND=noninteractive dpkg -i --force-confold "$deb" >/dev/null
grep -q '"name": "Pudong flagship"' /etc/kelu/kelu.json || fail "reinstalling replaced the edited kelu.json"
expect "/etc/kelu/kelu.json after reinstall" "$(stat -c '%U:%G %a' /etc/kelu/kelu.json)" "root:kelu 640"

# Purge takes the configuration, the database and the permissions override with it.
dpkg --purge kelu >/dev/null
[ ! -e /etc/kelu/kelu.json ] || fail "purge left /etc/kelu/kelu.json"
[ ! -e /var/lib/kelu ] || fail "purge left /var/lib/kelu"
! dpkg-statoverride --list /etc/kelu/kelu.json >/dev/null || fail "purge left the statoverride"
[ ! -e /etc/systemd/system/paths.target.wants/kelu-update.path ] || fail "purge left kelu-update.path enabled"
echo "installed_checks: kelu $version: --version, config validate, user, permissions, start and stop as kelu, reinstall, purge: all good"
