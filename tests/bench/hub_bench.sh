#!/usr/bin/env bash
# Benchmark (not a test): hub import rate for a 10,000-record bundle against
# the cost of the X25519 operations alone on the same machine (one per record:
# the rate is bounded by it), statistics-like queries over those records, and
# peak memory importing a 200 MB bundle of photos (aim: flat, under 32 MB).
# Run it on a build before and after a change to the hub database to see what
# the change costs (docs/keys.md has the figures for the encryption at rest).
# Usage: tests/bench/hub_bench.sh [BUILD_DIR] [RECORDS] [PHOTO_MB]
set -eu
src=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$src/build}
nrec=${2:-10000}
photo_mb=${3:-200}
F=$build/fieldkit
G=$build/test_bundle_gen
[ -x "$F" ] && [ -x "$G" ] || { echo "build first: $F / $G not found" >&2; exit 1; }
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
cd "$T"
export FIELDKIT_QUIET=1 FIELDKIT_SCRYPT_LOGN=14
printf 'pw of the tests\n' >pass && chmod 600 pass
# Every hub command of an encrypted hub needs the passphrase.
export FIELDKIT_PASSPHRASE_FILE="$T/pass"

# X25519 alone: crypto_scalarmult per second, one core.
cat >x.c <<'C'
#include <sodium.h>
#include <stdio.h>
#include <time.h>
int main(void) {
	unsigned char sk[32], pk[32], out[32];
	struct timespec a, b;
	long n = 0; double s;
	if (sodium_init() < 0) return 1;
	randombytes_buf(sk, 32); crypto_scalarmult_base(pk, sk);
	clock_gettime(CLOCK_MONOTONIC, &a);
	do {
		for (int i = 0; i < 200; i++) { if (crypto_scalarmult(out, sk, pk) != 0) return 1; pk[0] ^= out[0] & 1; }
		n += 200; clock_gettime(CLOCK_MONOTONIC, &b);
		s = (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9;
	} while (s < 2.0);
	printf("%.0f\n", n / s);
	return 0;
}
C
cc -O2 -o x x.c $(pkg-config --cflags --libs libsodium)
x25519=$(./x)

# A form for the generated records.
mkdir -p hub
new_hub() {
	rm -rf hub && $F hub init --home hub --name bench --passphrase-file pass >/dev/null
	mkdir -p hub/forms
	cat >hub/forms/bench.json <<'J'
{"fieldkit_form": 1, "id": "bench", "version": 1, "languages": ["uk", "en"],
 "title": {"uk": "Тест", "en": "Bench"},
 "fields": [
  {"name": "surname_cyr", "type": "text", "label": {"uk": "Прізвище", "en": "Surname"}},
  {"name": "n", "type": "integer", "label": {"uk": "Номер", "en": "Number"}}]}
J
}

new_hub
rm -rf gen && mkdir gen
b=$($G hub/hub-card.json gen "$nrec" 0)
$F hub devices add gen/device.card --home hub >/dev/null
size=$(stat -c %s "$b")
/usr/bin/time -f "%e %M" -o tm $F hub import --home hub --passphrase-file pass "$b" >imp.out
read -r secs kb <tm
grep -q "$nrec new" imp.out || { cat imp.out; echo "import failed" >&2; exit 1; }
rate=$(echo "$nrec / $secs" | bc -l)
dec=$($G --decrypt-rate hub/identity.age pass "$b")
printf 'X25519 alone (1 core):         %8.0f ops/s\n' "$x25519"
printf 'fk_age_decrypt_buf alone:      %8.0f records/s (the X25519 plus age.c per-file costs)\n' "$dec"
printf 'import %d records (%d bytes): %6.2f s  %8.0f records/s  (%.0f%% of the X25519 rate; aim >= 50%%)  peak %.1f MiB\n' \
	"$nrec" "$size" "$secs" "$rate" "$(echo "100 * $rate / $x25519" | bc -l)" "$(echo "$kb / 1024" | bc -l)"
printf '                               (%.0f%% of the fk_age_decrypt_buf rate)\n' "$(echo "100 * $rate / $dec" | bc -l)"
/usr/bin/time -f "%e %M" -o tm $F hub import --home hub --passphrase-file pass "$b" >imp.out
read -r secs kb <tm
printf 're-import (all duplicates):    %6.2f s  peak %.1f MiB\n' "$secs" "$(echo "$kb / 1024" | bc -l)"

# Statistics-like queries over the 10,000 records: through `hub sql` (the
# encrypted database), or the sqlite3 shell on a build whose hub.db is plain.
# Best of three; "open" is the cost of starting and unlocking with no query.
q() {
	if $F hub sql --help >/dev/null 2>&1; then
		$F hub sql --home hub --passphrase-file pass "$1"
	else
		sqlite3 hub/hub.db "$1"
	fi
}
best1() {
	local i t0 t1 t b=1000
	for i in 1 2 3; do
		t0=$(date +%s.%N); q "$1" >/dev/null; t1=$(date +%s.%N)
		t=$(echo "$t1 - $t0" | bc -l)
		if [ "$(echo "$t < $b" | bc -l)" = 1 ]; then b=$t; fi
	done
	echo "$b"
}
printf 'hub.db: %d bytes\n' "$(stat -c %s hub/hub.db)"
open=$(best1 "select 1")
printf 'open (start, unlock, select 1): %6.3f s\n' "$open"
for sql in "select form_id, count(*) from records group by form_id" \
	"select json_extract(body, '\$.answers.surname_cyr') s, count(*) from records group by s order by 2 desc limit 10" \
	"select count(*) from records where json_extract(body, '\$.answers.n') % 7 = 0" \
	"select device_id, min(seq), max(seq), count(*) from records group by device_id"; do
	t=$(best1 "$sql")
	printf 'query %6.3f s (%6.3f s past open): %s\n' "$t" "$(echo "$t - $open" | bc -l)" "$sql"
done

# 200 MB of photos: 1 MB attachments.
new_hub
rm -rf gen && mkdir gen
b=$($G hub/hub-card.json gen "$photo_mb" 1048576)
$F hub devices add gen/device.card --home hub >/dev/null
size=$(stat -c %s "$b")
/usr/bin/time -f "%e %M" -o tm $F hub import --home hub --passphrase-file pass "$b" >imp.out
read -r secs kb <tm
grep -q "$photo_mb new" imp.out || { cat imp.out; echo "import failed" >&2; exit 1; }
printf 'import %d MB bundle of photos:  %6.2f s  %6.1f MB/s  peak %.1f MiB (aim: flat, < 32)\n' \
	"$((size / 1000000))" "$secs" "$(echo "$size / 1000000 / $secs" | bc -l)" "$(echo "$kb / 1024" | bc -l)"
/usr/bin/time -f "%e %M" -o tm $F bundle verify "$b" --hub hub >/dev/null
read -r secs kb <tm
printf 'bundle verify of it:           %6.2f s  peak %.1f MiB\n' "$secs" "$(echo "$kb / 1024" | bc -l)"
