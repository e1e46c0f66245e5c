#!/usr/bin/env bash
# Benchmark (not a test): network sync end to end on loopback, `hub serve`
# against many devices at once (tests/bench/net_load.c: one thread per device,
# each pushing its bundles one after the other: request signing, TLS with the
# pinned key, upload, the hub's verify and import in one transaction, the
# receipt back and verified).
#   1. bundles per second from DEVICES devices at once, bundles of <= 10 records
#      (aim: >= 100/s on 2 cores; ODK Central: ~41 submissions/s on 2 GB);
#   2. p50/p95 latency of a one-record bundle (aim: p95 <= 100 ms), same load;
#   3. MB/s for one large bundle (aim: >= 50 MB/s).
# Usage: tests/bench/net_bench.sh [BUILD_DIR] [DEVICES] [BUNDLES_PER_DEVICE] [LARGE_MB]
set -eu
src=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$src/build}
ndev=${2:-100}
nb=${3:-5}
large=${4:-200}
F=$build/fieldkit
cmake --build "$build" --target net_load >/dev/null
L=$build/net_load
T=$(mktemp -d)
pids=""
trap 'for p in $pids; do kill $p 2>/dev/null || true; done; rm -rf "$T"' EXIT
cd "$T"
export FIELDKIT_QUIET=1 FIELDKIT_SCRYPT_LOGN=10 FIELDKIT_SCHEMAS=$src/tests/data
FORM=$src/tests/data/capture-test.json
printf 'pw of the tests\n' >pass && chmod 600 pass
# Each record its own (a line already sealed on a device is not sealed again).
n_rec=0
rec() { n_rec=$((n_rec + 1)); printf '{"reporter_surname_cyr":"Коваленко","reporter_surname_lat":"Kovalenko %s","reporter_given_cyr":"Олена","report_date":"2026-09-01","reporter_age":41,"children":[{"child_surname_cyr":"Коваленко","child_sex":"f","child_dob":"2014-03-02"}]}\n' "$n_rec-$RANDOM$RANDOM"; }

echo "setting up a hub and $ndev devices ..." >&2
$F hub init --home hub --name "Bench hub" --passphrase-file pass >/dev/null
mk_device() {
	d=$1
	$F init --home "$d" --name "$d" --hub hub/hub-card.json --passphrase-file pass >/dev/null
	$F device-card --home "$d" --to "$d.card" --passphrase-file pass >/dev/null
}
batch=""
for i in $(seq "$ndev"); do
	mk_device dev$i &
	batch="$batch $!"
	if [ $((i % 2)) = 0 ]; then wait $batch; batch=""; fi
done
wait $batch
for i in $(seq "$ndev"); do $F hub devices add dev$i.card --home hub >/dev/null; done

# bundles: of 10 records (run 1) and of one record (run 2), exported by size
one=$(mktemp)
for k in $(seq $((nb * 10))); do rec; done >"$one"
for i in $(seq "$ndev"); do
	$F capture "$FORM" --from "$one" --home dev$i >/dev/null 2>&1
done
size10=$( $F export --home dev1 --to probe --passphrase-file pass >/dev/null && stat -c %s probe/*.fkb )
rm -rf probe
per=$(( size10 / (nb * 10) ))
for i in $(seq "$ndev"); do
	$F export --home dev$i --to dev$i/bench --max-size $(( per * 10 + 600 )) --passphrase-file pass >/dev/null &
	batch="$batch $!"
	if [ $((i % 2)) = 0 ]; then wait $batch; batch=""; fi
done
wait $batch

$F hub serve --home hub --passphrase-file pass --listen 127.0.0.1:0 --port-file port -q \
	--per-ip 1000 --max-connections 1000 >serve.out 2>serve.log &
pids="$pids $!"
while [ ! -s port ]; do sleep 0.1; done
sleep 1
URL=https://127.0.0.1:$(cat port)
homes=$(for i in $(seq "$ndev"); do printf 'dev%s ' "$i"; done)
echo "run 1: $ndev devices at once, bundles of up to 10 records" >&2
# shellcheck disable=SC2086
r1=$($L "$URL" pass $homes)
echo "$r1" | awk -v n="$ndev" '{ for (i = 1; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
	printf "%d devices, %d bundles of %.1f records: %.1f bundles/s end to end (p50 %s ms, p95 %s ms per bundle), %d failed\n",
	    n, v["bundles"], v["records"] / v["bundles"], v["rate"], v["p50_ms"], v["p95_ms"], v["failed"] }'

# run 2: one-record bundles under the same load
for i in $(seq "$ndev"); do
	rm -rf dev$i/bench
	for k in $(seq "$nb"); do rec; done | $F capture "$FORM" --from - --home dev$i >/dev/null 2>&1
	$F export --home dev$i --to dev$i/bench --max-size $(( per + 3000 )) --passphrase-file pass >/dev/null &
	batch="$batch $!"
	if [ $((i % 2)) = 0 ]; then wait $batch; batch=""; fi
done
wait $batch
echo "run 2: $ndev devices at once, one-record bundles" >&2
# shellcheck disable=SC2086
r2=$($L "$URL" pass $homes)
echo "$r2" | awk '{ for (i = 1; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
	printf "one-record bundles: p50 %s ms, p95 %s ms, max %s ms (%.1f bundles/s, %d failed)\n",
	    v["p50_ms"], v["p95_ms"], v["max_ms"], v["rate"], v["failed"] }'

# run 3: one large bundle
echo "run 3: one bundle of about $large MB" >&2
$F init --home big --name big --hub hub/hub-card.json --passphrase-file pass >/dev/null
python3 - big/device.json <<'PY'
import json, sys
d = json.load(open(sys.argv[1])); d["attachment_limit"] = 64 << 20
json.dump(d, open(sys.argv[1], "w"), indent=2)
PY
$F device-card --home big --to big.card --passphrase-file pass >/dev/null
$F hub devices add big.card --home hub >/dev/null
n=$(( (large + 31) / 32 ))
for k in $(seq "$n"); do
	{ printf '\377\330\377\340'; head -c $(( large * 1000000 / n )) /dev/urandom; } >p.jpg  # a JPEG by its head
	rec | $F capture "$FORM" --from - --attach photo=p.jpg --home big >/dev/null 2>&1
done
rm -f p.jpg
$F export --home big --to big/bench --max-size 1G --passphrase-file pass >/dev/null
r3=$($L "$URL" pass big)
bytes=$(stat -c %s big/bench/*.fkb)
echo "$r3" | awk -v b="$bytes" '{ for (i = 1; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
	printf "one bundle of %.1f MB: %.1f s, %.1f MB/s end to end (upload, verify, import, receipt)\n",
	    b / 1e6, v["seconds"], b / 1e6 / v["seconds"] }'
