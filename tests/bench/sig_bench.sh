#!/usr/bin/env bash
# Peak memory and time of `fieldkit sig sign` / `verify` on a large file (a
# sparse file of SIZE, default 2G): memory must stay flat (a few MB) for any
# size, since the file is hashed as a stream.
# Usage: FIELDKIT=build/fieldkit tests/bench/sig_bench.sh [SIZE]
set -eu
: "${FIELDKIT:?FIELDKIT must point at the built binary}"
size=${1:-2G}
T=$(mktemp -d "${TMPDIR:-/tmp}/fk-bench.XXXXXX")
trap 'rm -rf "$T"' EXIT
cd "$T"
truncate -s "$size" big
"$FIELDKIT" sig keygen -W -p k.pub -s k.key >/dev/null
for step in "sign -s k.key -m big" "verify -q -p k.pub -m big"; do
	# shellcheck disable=SC2086
	/usr/bin/time -f "%e s, peak RSS %M KiB" "$FIELDKIT" sig $step 2>"$T/time" >/dev/null
	echo "sig ${step%% *} ($size): $(tail -1 "$T/time")"
done
