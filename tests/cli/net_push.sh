#!/usr/bin/env bash
# Network sync through the command line: hub init --url, hub serve, push,
# receipt, acknowledgement and purge; push --status, --hub-card, hub url set,
# hub tls renew. Then the refusals, each leaving the hub unchanged and the
# device's records in place, with the exit status the issue asks for:
# an unregistered device (1), a revoked one (1), a hub with another TLS key
# (75), a captive portal answering 200 with HTML (75), a forged receipt (75),
# no hub listening (75), no network (75). Replays and tampered chunks are
# refused in tests/unit/test_net.c.
set -eu
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/net.inc"
cd "$T"
F=$FIELDKIT
export FIELDKIT_SCRYPT_LOGN=10 FIELDKIT_SCHEMAS=$FK_SRC/tests/data FIELDKIT_NET_STALL=5
FORM=$FK_SRC/tests/data/capture-test.json
printf 'pw of the tests\n' >pass && chmod 600 pass
# The hub's database is encrypted: its commands read the passphrase from here.
export FIELDKIT_PASSPHRASE_FILE="$PWD/pass"
# Each record its own (a line already sealed on a device is not sealed again).
rec() { printf '{"reporter_surname_cyr":"Коваленко","reporter_surname_lat":"Kovalenko %s","reporter_given_cyr":"Олена","report_date":"2026-09-01","children":[{"child_surname_cyr":"Коваленко"}]}\n' "$(date +%s%N)-$RANDOM"; }
capture() { for _ in $(seq "$2"); do rec; done | $F capture "$FORM" --from - --home "$1" >/dev/null 2>capture.err; }
snap() { $F hub sql --home "$1" 'select record_id, ct_hash from records order by 1' | sha256sum; }

$F hub init --home hub --name "Kyiv hub" --passphrase-file pass --url https://127.0.0.1:9 >/dev/null
python3 - hub/hub-card.json hub/tls.crt <<'PY' || fail "the card does not carry the URL and the TLS pin"
import base64, hashlib, json, subprocess, sys
c = json.load(open(sys.argv[1]))
assert list(c) == ["type", "version", "name", "recipients", "sign_pubkey", "url", "tls_pins", "created"], list(c)
assert c["url"] == "https://127.0.0.1:9" and len(c["tls_pins"]) == 1
# The pin is the SHA-256 of the certificate's SubjectPublicKeyInfo (as curl takes it).
pem = open(sys.argv[2]).read()
der = base64.b64decode("".join(l for l in pem.splitlines() if not l.startswith("-----")))
# Walk the DER: Certificate -> TBSCertificate -> the 7th element (SPKI).
def tlv(b, i):
    t, l = b[i], b[i + 1]; i += 2
    if l & 0x80:
        n = l & 0x7f; l = int.from_bytes(b[i:i + n], "big"); i += n
    return t, i, l
_, i, _ = tlv(der, 0); _, i, _ = tlv(der, i)
k = 0
while True:
    t, j, l = tlv(der, i)
    if t == 0xa0:
        i = j + l; continue
    k += 1
    if k == 6:
        spki = der[i:j + l]; break
    i = j + l
pin = "sha256//" + base64.b64encode(hashlib.sha256(spki).digest()).decode()
assert c["tls_pins"][0] == pin, (c["tls_pins"][0], pin)
PY
[ "$(stat -c %a hub/tls.key)" = 600 ] || fail "tls.key not 0600"
grep -q 'ENCRYPTED PRIVATE KEY' hub/tls.key || fail "tls.key is not encrypted"
ok "hub init --url: TLS key (encrypted, 0600), self-signed certificate, URL and SPKI pin in the card"

$F init --home dev --name "tablet 1" --hub hub/hub-card.json --passphrase-file pass >/dev/null
$F device-card --home dev --to dev.card --passphrase-file pass >/dev/null
$F hub devices add dev.card --home hub >/dev/null
capture dev 3
serve hub hub
$F hub url set "https://127.0.0.1:$hub_PORT" --home hub >/dev/null
$F push --home dev --hub-card hub/hub-card.json >/dev/null
grep -q "\"url\": \"https://127.0.0.1:$hub_PORT\"" dev/device.json || fail "push --hub-card did not take the URL"
grep -q '"tls_pins"' dev/device.json || fail "push --hub-card did not take the pins"
ok "hub url set; push --hub-card takes the hub's new address and pin"

push_rc --home dev
[ "$RC" = 0 ] || fail "push: exit $RC: $(cat push.err)"
grep -q "3 records delivered" push.out || fail "push: $(cat push.out)"
[ "$(hub_count hub)" = 3 ] || fail "hub holds $(hub_count hub) records"
[ "$(pending dev)" = 0 ] || fail "device still has pending records"
[ "$(sqlite3 dev/store.db 'select count(*) from records where ct is not null')" = 0 ] ||
	fail "records not purged"
[ -z "$(ls dev/outbox)" ] || fail "outbox not empty: $(ls dev/outbox)"
ok "push: 3 records delivered, receipt verified, acknowledged and purged (exit 0)"
push_rc --home dev
[ "$RC" = 0 ] && grep -q "nothing to push" push.out || fail "second push: $RC $(cat push.out)"
$F push --status --home dev | grep -q "nothing waiting" || fail "status after delivery"
ok "a second push has nothing to do; --status says so"
grep -q "imported bundle" hub.log || fail "no import in the log"
if grep -E 'Коваленко|127\.0\.0\.1|tablet' hub.log; then fail "personal detail or address in the log"; fi
ok "the hub's log says what happened, without names or addresses"

# An unregistered device: refused (1), nothing changes.
$F init --home dev2 --name "tablet 2" --hub hub/hub-card.json --passphrase-file pass >/dev/null
capture dev2 2
before=$(snap hub)
push_rc --home dev2
[ "$RC" = 1 ] || fail "unregistered: exit $RC"
grep -q "not registered" push.err || fail "unregistered: $(cat push.err)"
[ "$(snap hub)" = "$before" ] && [ "$(pending dev2)" = 2 ] || fail "unregistered: state changed"
$F push --status --home dev2 | grep -q "refused: this device is not registered" ||
	fail "status: $($F push --status --home dev2)"
ok "unregistered device refused (exit 1), hub unchanged, records kept, --status shows why"

# A revoked device.
$F device-card --home dev2 --to dev2.card --passphrase-file pass >/dev/null
$F hub devices add dev2.card --home hub >/dev/null
DEV2=$(python3 -c 'import json;print(json.load(open("dev2/device.json"))["device_id"])')
$F hub devices revoke "$DEV2" --home hub --yes >/dev/null
push_rc --home dev2
[ "$RC" = 1 ] && grep -q "revoked at this hub: ask its operator" push.err || fail "revoked: exit $RC $(cat push.err)"
LANGUAGE=uk $F push --home dev2 2>&1 >/dev/null | grep -q "відкликано" ||
	fail "revoked, in Ukrainian: $(LANGUAGE=uk $F push --home dev2 2>&1)"
[ "$(snap hub)" = "$before" ] && [ "$(pending dev2)" = 2 ] || fail "revoked: state changed"
ok "revoked device refused (exit 1), hub unchanged, records kept"

# A hub with another TLS key (a man in the middle): 75, nothing changes.
$F hub init --home hub2 --name "Kyiv hub" --passphrase-file pass >/dev/null
SERVE1=$SERVE_PID
serve hub2 other
capture dev 2
push_rc --home dev --url "https://127.0.0.1:$other_PORT"
[ "$RC" = 75 ] && grep -q "TLS key is not the one in its card: if the hub renewed its key, take its new card" push.err ||
	fail "other key: exit $RC $(cat push.err)"
grep -q "the next run resumes" push.err && fail "other key: told a retry resumes: $(cat push.err)"
[ "$(pending dev)" = 2 ] && [ "$(hub_count hub2)" = 0 ] || fail "other key: state changed"
$F push --status --home dev | grep -q "last failure: TLS pin mismatch" || fail "status: pin"
ok "a hub with another TLS key: exit 75, says to take the hub's new card (or an interception), records kept, --status says TLS pin mismatch"

# A captive portal (or a proxy) answering 200 with a login page, even with the
# hub's own certificate: not a success.
portal hub html portal
push_rc --home dev --url "https://127.0.0.1:$portal_PORT"
[ "$RC" = 75 ] && grep -q "not a fieldkit hub" push.err || fail "portal: exit $RC $(cat push.err)"
[ "$(pending dev)" = 2 ] || fail "portal: records gone"
portal hub receipt forged
push_rc --home dev --url "https://127.0.0.1:$forged_PORT"
[ "$RC" = 75 ] && grep -q "receipt does not verify" push.err || fail "forged: exit $RC $(cat push.err)"
[ "$(pending dev)" = 2 ] || fail "forged receipt: records gone"
ok "200 with HTML and 200 with a forged receipt are never delivery (exit 75, records kept)"

push_rc --home dev --url "https://127.0.0.1:1"
[ "$RC" = 75 ] && grep -q "hub unreachable" push.err || fail "no hub: exit $RC $(cat push.err)"
push_rc --home dev --url "https://fieldkit-hub.invalid"
[ "$RC" = 75 ] && grep -qE "offline|hub unreachable" push.err || fail "offline: exit $RC $(cat push.err)"
ok "no hub listening, no name resolution: exit 75"

# The real hub again: the queued bundle goes, nothing twice.
push_rc --home dev
[ "$RC" = 0 ] && [ "$(hub_count hub)" = 5 ] && [ "$(pending dev)" = 0 ] ||
	fail "after the failures: exit $RC, $(hub_count hub) at the hub"
ok "the next push delivers what the failed ones kept (5 records, each once)"

# A lost receipt: the same bundle uploaded again gets the receipt again.
capture dev 1
push_rc --home dev --url "https://127.0.0.1:1"
cp dev/outbox/*.fkb lost.fkb
push_rc --home dev
[ "$RC" = 0 ] || fail "push: $RC"
cp lost.fkb dev/outbox/
push_rc --home dev
[ "$RC" = 0 ] && grep -q "1 queued bundle was delivered another way (a USB receipt): not sent again" push.out &&
	[ "$(hub_count hub)" = 6 ] && [ -z "$(ls dev/outbox/*.fkb 2>/dev/null)" ] ||
	fail "a queued bundle whose records were delivered: exit $RC $(cat push.out) $(hub_count hub)"
ok "a queued bundle whose records were all delivered is dropped, not sent again (a lost receipt: net_faults)"
# A bundle queued by a push that failed, its records then taken by USB and
# acknowledged: the next push does not send it again (it sent the whole bundle).
capture dev 1
push_rc --home dev --url "https://127.0.0.1:1"
[ -n "$(ls dev/outbox/*.fkb 2>/dev/null)" ] || fail "nothing queued"
$F export --home dev --to usb --passphrase-file pass >/dev/null
$F hub import --home hub usb >/dev/null
$F hub receipt --home hub --device "$($F hub devices list --home hub | awk 'NR==1{print $1}')" --to usb >/dev/null
$F ack --home dev usb/*.fkr >/dev/null
[ "$(pending dev)" = 0 ] || fail "the USB receipt did not deliver"
$F push --status --home dev --passphrase-file pass | grep -q "delivered another way (a USB receipt): the next push drops it" ||
	fail "--status of a queued bundle delivered by USB: $($F push --status --home dev --passphrase-file pass)"
push_rc --home dev
[ "$RC" = 0 ] && grep -q "delivered another way" push.out && [ -z "$(ls dev/outbox/*.fkb 2>/dev/null)" ] ||
	fail "USB then push: exit $RC $(cat push.out)"
ok "records taken by USB while their bundle was queued: the bundle is dropped, not uploaded again"
# One push at a time on a device (two at once sent a bundle twice): the second
# is told and exits 75, sending nothing.
capture dev 1
python3 -c 'import fcntl, sys, time; f = open(sys.argv[1], "a"); fcntl.flock(f, fcntl.LOCK_EX); time.sleep(30)' dev/outbox/.lock &
HOLD=$!
sleep 0.3
push_rc --home dev
kill $HOLD 2>/dev/null || true
wait $HOLD 2>/dev/null || true
[ "$RC" = 75 ] && grep -q "another push is running on this device" push.err && [ "$(pending dev)" = 1 ] ||
	fail "a second push at once: exit $RC $(cat push.err)"
push_rc --home dev
[ "$RC" = 0 ] && [ "$(pending dev)" = 0 ] || fail "push after the other ended: exit $RC $(cat push.err)"
ok "a second push while one runs: told, exit 75, nothing sent; then it goes"
# A push killed mid-run (kill -9 during a TLS handshake that never ends) still
# shows in --status as an attempt (it said "0 attempts (last -)").
capture dev 1
python3 -c 'import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen()
print(s.getsockname()[1], flush=True); c = s.accept(); time.sleep(30)' >stall.port &
STALL=$!
for _ in $(seq 50); do [ -s stall.port ] && break; sleep 0.1; done
$F push --home dev --passphrase-file pass --url "https://127.0.0.1:$(cat stall.port)" >/dev/null 2>&1 &
PUSH=$!
sleep 1.5
kill -9 $PUSH 2>/dev/null || true
wait $PUSH 2>/dev/null || true
kill $STALL 2>/dev/null || true
$F push --status --home dev >st.out
grep -q "; 1 attempt (last [0-9]" st.out || fail "a killed push is not an attempt: $(cat st.out)"
push_rc --home dev
[ "$RC" = 0 ] && [ "$(pending dev)" = 0 ] || fail "push after a killed one: exit $RC $(cat push.err)"
ok "a push killed mid-run counts as an attempt in --status; the next one delivers"
# A bundle larger than a hub's whole upload space: refused as too large, with
# what to do (it was "hub busy", exit 75, on every run for ever).
SERVE_OPTS="--quota 1K" serve hub tiny
capture dev 3
push_rc --home dev --url "https://127.0.0.1:$tiny_PORT"
[ "$RC" = 1 ] && grep -q "take these records on a USB stick" push.err ||
	fail "a bundle larger than the quota: exit $RC $(cat push.err)"
grep -q "larger than the upload space" tiny.log || fail "the hub's log: $(cat tiny.log)"
ok "a bundle larger than the hub's whole upload space: refused with what to do (exit 1), not 'busy'"

# TLS renewal: the same key keeps the pin; a new key needs the new card.
pin0=$(cat hub/tls.pins)
$F hub tls renew --home hub --passphrase-file pass >/dev/null
[ "$(cat hub/tls.pins)" = "$pin0" ] || fail "renew changed the pin"
$F hub tls renew --home hub --passphrase-file pass --new-key >/dev/null
[ "$(cat hub/tls.pins)" != "$pin0" ] || fail "--new-key kept the pin"
grep -q "$(cat hub/tls.pins)" hub/hub-card.json || fail "the card lacks the new pin"
{ kill "$SERVE1" && wait "$SERVE1"; } 2>/dev/null || true
NET_PIDS=$(echo "$NET_PIDS" | sed "s/ $SERVE1\\b//")
serve hub hub
capture dev 1
push_rc --home dev --url "https://127.0.0.1:$hub_PORT"
[ "$RC" = 75 ] && grep -q "take its new card (.fieldkit push --hub-card CARD.)" push.err || fail "old card: exit $RC"
$F push --home dev --hub-card hub/hub-card.json >/dev/null
push_rc --home dev --url "https://127.0.0.1:$hub_PORT"
[ "$RC" = 0 ] || fail "new card: exit $RC $(cat push.err)"
ok "hub tls renew keeps the pin; --new-key changes it, devices follow with the new card"

$F push --help | grep -q -- "--watch" || fail "push --help"
$F hub serve --help | grep -q -- "--listen" || fail "hub serve --help"
$F hub tls --help | grep -q -- "--new-key" || fail "hub tls --help"
$F hub url --help | grep -q "url set" || fail "hub url --help"
$F hub --help | grep -q "serve" || fail "hub --help"
expect_fail "push with a bad URL" $F push --home dev --url http://127.0.0.1:1
expect_fail "hub url set with a bad URL" $F hub url set ftp://x --home hub
# A port out of range was taken modulo 65536 (99999 listened on 34463).
for port in 99999 65536 -1 8x; do
	expect_fail "hub serve --listen 127.0.0.1:$port" timeout 20 $F hub serve --home hub --listen "127.0.0.1:$port"
	grep -q "the port is a number from 1 to 65535" "$T/err" || fail "--listen :$port: $(cat "$T/err")"
done
ok "--help everywhere"
finish
