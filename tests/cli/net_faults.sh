#!/usr/bin/env bash
# Network sync over a flaky link (tests/cli/lib/faultproxy.py; netem is not
# available here):
#  1. a large bundle through a link cut about every MiB and throttled: it
#     completes, with at most 5% of the bundle's size sent again (counted on
#     the link: everything the client sent, headers and TLS included);
#  2. randomized interruptions - cuts at random points, resets, stalls longer
#     than the client's stall limit, and `kill -9` of `hub serve` while chunks
#     are in flight - under devices pushing with `push --watch` while they
#     capture: at the end every record is at the hub exactly once, with no
#     gap or conflict, and every device holds a verified receipt for all of
#     its records (none pending, the outbox empty).
# Sizes are scaled for the suite (FK_NET_BIG_MIB, FK_NET_INTERRUPTIONS);
# tests/bench/net_faults_full.sh runs the full-size ones (50 MiB at 256 kbit/s,
# 1,000 interruptions) through this same script.
set -eu
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/net.inc"
cd "$T"
F=$FIELDKIT
export FIELDKIT_SCRYPT_LOGN=10 FIELDKIT_SCHEMAS=$FK_SRC/tests/data
FORM=$FK_SRC/tests/data/capture-test.json
BIG_MIB=${FK_NET_BIG_MIB:-8}
RATE=${FK_NET_RATE:-2000000}
WANT=${FK_NET_INTERRUPTIONS:-80}
NDEV=${FK_NET_DEVICES:-3}
printf 'pw of the tests\n' >pass && chmod 600 pass
# The hub's database is encrypted: its commands read the passphrase from here.
export FIELDKIT_PASSPHRASE_FILE="$PWD/pass"
# Each record its own (a line already sealed on a device is not sealed again).
rec() { printf '{"reporter_surname_cyr":"Коваленко","reporter_surname_lat":"Kovalenko %s","reporter_given_cyr":"Олена","report_date":"2026-09-01","children":[{"child_surname_cyr":"Коваленко"}]}\n' "$(date +%s%N)-$RANDOM"; }

$F hub init --home hub --name "Kyiv hub" --passphrase-file pass >/dev/null
for d in $(seq "$NDEV"); do
	$F init --home dev$d --name "tablet $d" --hub hub/hub-card.json --passphrase-file pass >/dev/null
	$F device-card --home dev$d --to dev$d.card --passphrase-file pass >/dev/null
	$F hub devices add dev$d.card --home hub >/dev/null
done

# 1. The large bundle, cut about every MiB, throttled.
serve hub hub
HUB_PORT=$hub_PORT
HUB_PID=$SERVE_PID
if [ "$BIG_MIB" -gt 0 ]; then
n=$(( (BIG_MIB + 7) / 8 ))
for i in $(seq "$n"); do
	{ printf '\377\330\377\340'; head -c $(( BIG_MIB * 1048576 / n )) /dev/urandom; } >big$i.jpg  # a JPEG by its head
	rec | $F capture "$FORM" --from - --attach photo=big$i.jpg --home dev1 >/dev/null 2>&1
done
proxy "$HUB_PORT" link --cut-every 1048576 --rate "$RATE" --seed 11
start=$(date +%s.%N)
push_rc --home dev1 --url "https://127.0.0.1:$link_PORT"
secs=$(echo "$(date +%s.%N) - $start" | bc)
{ kill "$PROXY_PID" && wait "$PROXY_PID"; } 2>/dev/null || true
NET_PIDS=$(echo "$NET_PIDS" | sed "s/ $PROXY_PID\b//")
[ "$RC" = 0 ] || fail "large bundle: exit $RC: $(cat push.err)"
size=$(grep -o 'bytes sent for [0-9]*' push.out | grep -o '[0-9]*$' || true)
[ -n "$size" ] || fail "no resume figures: $(cat push.out)"
python3 - link.stats "$size" "$secs" <<'PY' || fail "more than 5% sent again"
import json, sys
s = json.load(open(sys.argv[1]))
size = int(sys.argv[2])
again = (s["up_in"] - size) / size * 100
print("ok - %.1f MiB through %d cuts in %.0f s: %.2f%% sent again on the link (everything the"
      " client sent, headers and TLS included), %d connections" % (size / 1048576, s["cuts"],
      float(sys.argv[3]), again, s["conns"]))
assert s["cuts"] >= 3, s
assert again <= 5.0, again
PY
[ "$(hub_count hub)" = "$n" ] && [ "$(pending dev1)" = 0 ] || fail "large bundle: records"
pass=$((pass + 1))
fi

# 2. Randomized interruptions under push --watch, with kill -9 of the hub.
export FIELDKIT_NET_STALL=1 FIELDKIT_NET_BACKOFF_MS=20 FIELDKIT_NET_BACKOFF_MAX_MS=300 \
	FIELDKIT_NET_IDLE_MS=100 FIELDKIT_NET_RETRIES=4
proxy "$HUB_PORT" flaky --cut-every 131072 --stall-prob 0.01 --stall-secs 1.5 --seed 5
watchers=""
for d in $(seq "$NDEV"); do
	$F push --watch --home dev$d --passphrase-file pass --url "https://127.0.0.1:$flaky_PORT" \
		>watch$d.out 2>watch$d.err &
	watchers="$watchers $!"
	NET_PIDS="$NET_PIDS $!"
done
kills=0
rounds=0
interruptions() {
	python3 -c 'import json,sys; s=json.load(open(sys.argv[1])); print(s["cuts"] + s["stalls"] + int(sys.argv[2]))' \
		flaky.stats "$kills" 2>/dev/null || echo 0
}
{ printf '\377\330\377\340'; head -c 300000 /dev/urandom; } >small.jpg  # a JPEG by its head
t0=$(date +%s)
while [ "$(interruptions)" -lt "$WANT" ]; do
	rounds=$((rounds + 1))
	for d in $(seq "$NDEV"); do
		# A record with a photo now and then, else one without; captures
		# stop while a device is far behind (the link sets the pace).
		[ "$(pending dev$d)" -lt 30 ] || continue
		if [ $(( (rounds + d) % 4)) != 0 ]; then
			rec | $F capture "$FORM" --from - --attach photo=small.jpg --home dev$d >/dev/null 2>&1
		else
			rec | $F capture "$FORM" --from - --home dev$d >/dev/null 2>&1
		fi
	done
	if [ $((rounds % 4)) = 0 ]; then
		# kill -9 while bundles are in flight, then the hub comes back on its port.
		sleep "0.$(( RANDOM % 9 + 1 ))"
		{ kill -9 "$HUB_PID" && wait "$HUB_PID"; } 2>/dev/null || true
		NET_PIDS=$(echo "$NET_PIDS" | sed "s/ $HUB_PID\b//")
		kills=$((kills + 1))
		"$F" hub serve --home hub --passphrase-file pass --listen "127.0.0.1:$HUB_PORT" \
			>>hub.out 2>>hub.log &
		HUB_PID=$!
		NET_PIDS="$NET_PIDS $HUB_PID"
	fi
	sleep 0.2
	[ $(( $(date +%s) - t0 )) -lt 600 ] || fail "interruptions: only $(interruptions) in 600 s"
done
total=$(interruptions)
# Let everything drain (the proxy keeps cutting; the hub stays up now).
i=0
while :; do
	left=0
	for d in $(seq "$NDEV"); do
		left=$(( left + $(pending dev$d) + $(ls dev$d/outbox | grep -c 'fkb$' || true) ))
	done
	[ "$left" = 0 ] && break
	i=$((i + 1))
	[ "$i" -lt 1200 ] || fail "not delivered after 120 s: $left left; $(tail -3 watch1.err)"
	sleep 0.1
done
for p in $watchers; do kill "$p"; done
for p in $watchers; do wait "$p" 2>/dev/null || true; done
captured=0
for d in $(seq "$NDEV"); do
	c=$(sqlite3 dev$d/store.db 'select count(*) from records')
	captured=$((captured + c))
	[ "$(sqlite3 dev$d/store.db 'select count(*) from records where state = 0')" = 0 ] ||
		fail "dev$d holds records without a receipt"
	[ "$($F hub sql --home hub "select count(*) from records r join devices d using(device_id) where d.name = 'tablet $d'")" = "$c" ] ||
		fail "dev$d: $c captured, $($F hub sql --home hub "select count(*) from records r join devices d using(device_id) where d.name = 'tablet $d'") at the hub"
done
[ "$(hub_count hub)" = "$captured" ] || fail "$captured captured, $(hub_count hub) at the hub"
[ "$($F hub sql --home hub 'select count(*) from conflicts')" = 0 ] || fail "conflicts at the hub"
$F hub gaps --home hub | grep -q "no gaps" || fail "gaps: $($F hub gaps --home hub)"
cuts=$(python3 -c 'import json,sys; s=json.load(open(sys.argv[1])); print(s["cuts"], s["stalls"])' flaky.stats)
ok "$total interruptions (cuts, stalls: $cuts; kill -9 of the hub: $kills) in $(( $(date +%s) - t0 )) s: $captured records from $NDEV devices at the hub exactly once, no gap, every record covered by a verified receipt"
finish
