#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Runs inside update_test.sh's throw-away root: a box installed from HQ's repository, updated by
# HQ's software/desired through `kelu update apply`, then rolled back from a broken release.
#   update_checks.sh OLD NEW BAD REPO_PORT BROKER_PORT
set -eu
old=$1 new=$2 bad=$3 repo_port=$4 broker_port=$5
topic=kelu/v1/acme/store-001
fail() {
  echo "update_checks: $*" >&2
  echo "--- agent log" >&2; tail -40 /tmp/agent.log >&2 || true
  echo "--- updater" >&2; cat /tmp/update.log >&2 || true
  exit 1
}

# The box trusts HQ's repository and installs from it, as docs/install.md has a technician do.
cp /tmp/kelu-hq.gpg /usr/share/keyrings/kelu-hq.gpg
echo "deb [signed-by=/usr/share/keyrings/kelu-hq.gpg] http://127.0.0.1:$repo_port kelu main" >/etc/apt/sources.list.d/kelu-hq.list
apt-get update -q >/dev/null
DEBIAN_FRONTEND=noninteractive apt-get install -y -q "kelu=$old" mosquitto-clients >/tmp/install.log 2>&1 ||
  { cat /tmp/install.log; fail "kelu $old did not install from HQ's repository"; }
[ -e /etc/systemd/system/paths.target.wants/kelu-update.path ] || fail "the package did not enable kelu-update.path"
# The technician's settings (the conffile): HQ's broker, ports that disturb nothing here.
sed -i -e 's/"port": [0-9]*/"port": 0/' -e 's/"listen": "0.0.0.0"/"listen": "127.0.0.1"/' \
    -e "s|\"uri\": \"tcp://localhost:1883\"|\"uri\": \"tcp://127.0.0.1:$broker_port\"|" /etc/kelu/kelu.json

# The agent as kelu.service runs it (no systemd in a chroot).
cat >/tmp/agentctl <<'SH'
#!/bin/sh
pidfile=/tmp/agent.pid
alive() { s=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null); [ -n "$s" ] && [ "$s" != Z ]; }
stop() {
  [ -f $pidfile ] || return 0
  pid=$(cat $pidfile); kill -TERM "$pid" 2>/dev/null || true
  n=0; while alive "$pid" && [ $n -lt 300 ]; do sleep 0.1; n=$((n + 1)); done
  rm -f $pidfile
}
start() {
  setpriv --reuid=kelu --regid=kelu --init-groups /usr/bin/kelu run --config /etc/kelu/kelu.json >>/tmp/agent.log 2>&1 </dev/null &
  echo $! >$pidfile
}
case $1 in start) start ;; stop) stop ;; restart) stop; start ;; esac
SH
# HQ's view: the retained software/reported, polled until it matches.
reported() { mosquitto_sub -h 127.0.0.1 -p "$broker_port" -t "$topic/software/reported" -C 1 -W 3 2>/dev/null || true; }
wait_reported() {  # PATTERN...: every one in the same message
  n=0
  while [ $n -lt 60 ]; do
    r=$(reported); ok=1
    for p in "$@"; do echo "$r" | grep -q -- "$p" || ok=0; done
    [ $ok = 1 ] && { echo "$r"; return 0; }
    n=$((n + 1)); sleep 0.5
  done
  fail "software/reported never said $*: $r"
}
wait_request() {
  n=0; while [ ! -e /var/lib/kelu/update/request.json ] && [ $n -lt 300 ]; do sleep 0.1; n=$((n + 1)); done
  [ -e /var/lib/kelu/update/request.json ] || fail "the agent wrote no request"
}
# As kelu-update.service runs it, with the agent's restart as this root can do it.
apply() { kelu update apply --config /etc/kelu/kelu.json --restart "sh /tmp/agentctl restart" --start-allowance 10 >>/tmp/update.log 2>&1 || fail "kelu update apply failed"; }
took() { echo "$1" | sed -n 's/.*"took_s":\([0-9.]*\).*/\1/p'; }

sh /tmp/agentctl start
wait_reported '"state":"current"' "\"version\":\"$old\"" >/dev/null
mosquitto_pub -h 127.0.0.1 -p "$broker_port" -r -q 1 -t kelu/v1/acme/software/desired -m "{\"version\":\"$new\",\"window\":\"any\",\"gate_s\":30}"
wait_request
apply
[ "$(dpkg-query -W -f='${Version}' kelu)" = "$new" ] || fail "kelu $new is not installed after the update"
kelu --version | grep -q "$new" || fail "kelu --version is not $new: $(kelu --version)"
r=$(wait_reported '"state":"current"' "\"version\":\"$new\"" '"outcome":"updated"')
updated_in=$(took "$r")
grep -q "tcp://127.0.0.1:$broker_port" /etc/kelu/kelu.json || fail "the update replaced the technician's kelu.json"
ls /var/lib/kelu-update/kelu_"$old"_*.deb >/dev/null 2>&1 || fail "no copy of $old was kept to roll back to"

# A broken release asked for this store alone (its own software/desired wins over the estate's).
mosquitto_pub -h 127.0.0.1 -p "$broker_port" -r -q 1 -t "$topic/software/desired" -m "{\"version\":\"$bad\",\"window\":\"any\",\"gate_s\":30}"
wait_request
apply
[ "$(dpkg-query -W -f='${Version}' kelu)" = "$new" ] || fail "kelu $new was not reinstalled after the broken release"
r=$(wait_reported '"state":"held"' "\"version\":\"$new\"" '"outcome":"rolled_back"' 'no health verdict')
rolled_back_in=$(took "$r")
sh /tmp/agentctl stop
echo "update_checks: $old -> $new from HQ's signed repository, health gate passed: updated in $updated_in s;" \
  "$new -> $bad (does not start): rolled back to $new in $rolled_back_in s (gate 30 s + 10 s start allowance)"
echo "update_checks: HQ reads: $(echo "$r" | sed 's/\\"/'"'"'/g' | grep -o '"reason":"[^"]*"' | head -1)"
