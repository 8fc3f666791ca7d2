#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# scripts/hq-ca on its own (the broker side is tests/integration/broker_acl_test.cpp): a box's
# certificate names its store and is for client authentication only; names that could reach an MQTT
# ACL as wildcards are refused; `check` passes a fresh CA and fails one whose CRL is about to expire
# (the broker would then refuse every box) or whose box certificate is.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
ca=$here/../../scripts/hq-ca
command -v openssl >/dev/null || { echo "hq_ca_test: openssl is not installed (scripts/setup installs it)"; exit 77; }
work=$(mktemp -d /tmp/kelu-ca.XXXXXX)
trap 'rm -rf "$work"' EXIT
fail() { echo "hq_ca_test: $*" >&2; exit 1; }
dir=$work/ca

"$ca" init "$dir" >/dev/null
cert=$("$ca" issue "$dir" acme sh-001)
[ "$(openssl x509 -in "$cert" -noout -subject)" = "subject=CN = acme/sh-001" ] || fail "wrong subject: $(openssl x509 -in "$cert" -noout -subject)"
openssl x509 -in "$cert" -noout -ext extendedKeyUsage | grep -q "TLS Web Client Authentication" || fail "not a client certificate"
openssl verify -CAfile "$dir/ca.pem" "$cert" >/dev/null || fail "the box's certificate does not chain to the CA"
"$ca" init "$dir" 2>/dev/null && fail "init overwrote an existing CA"
for bad in "sh/002" "sh+" "#" "a b" ""; do
  if "$ca" issue "$dir" acme "$bad" 2>"$work/err"; then fail "store \"$bad\" was accepted"; fi
  grep -q "letters, digits" "$work/err" || fail "store \"$bad\": no reason given: $(cat "$work/err")"
done

"$ca" check "$dir" >"$work/check" || fail "a fresh CA fails its check: $(cat "$work/check")"
"$ca" crl "$dir" 2 >/dev/null
if "$ca" check "$dir" >"$work/check"; then fail "a CRL expiring in 2 days passed"; fi
grep -q "^FAIL crl: .* in [12] days" "$work/check" || fail "no CRL warning: $(cat "$work/check")"
"$ca" crl "$dir" >/dev/null

# As the CA's records stand 800 days on: the box's certificate has 25 days left.
soon=$(date -u -d "+25 days" +%y%m%d%H%M%SZ)
sed -i "s/^V\t[0-9]*Z/V\t$soon/" "$dir/index.txt"
if "$ca" check "$dir" >"$work/check"; then fail "a certificate expiring in 25 days passed"; fi
grep -q "^FAIL acme/sh-001 (serial 1000) expires in 2[45] days" "$work/check" || fail "no certificate warning: $(cat "$work/check")"

"$ca" revoke "$dir" "$cert" >/dev/null
openssl crl -in "$dir/crl.pem" -noout -text | grep -q "Serial Number: 1000" || fail "the revoked serial is not in the CRL"
"$ca" check "$dir" >"$work/check" || fail "a revoked certificate still counts as expiring: $(cat "$work/check")"
echo "hq_ca_test: subjects, client-only usage, refused names, CRL and certificate expiry checks, revocation: all good"
