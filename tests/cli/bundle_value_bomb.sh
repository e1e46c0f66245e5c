#!/usr/bin/env bash
# A 6 KB unsigned bundle whose manifest expands to 63 MB of tiny JSON values
# (33 million of them): `bundle info` reads manifests without a key, so it must
# refuse it before building them, in bounded memory (found by the fuzzing work).
set -eu
. "$(dirname "$0")/lib/common.sh"
expect_fail "manifest of 33 million values" /usr/bin/time -f "%M" -o "$T/mem" \
    "$FIELDKIT" bundle info "$FK_TESTDATA/bundle/value-bomb.fkb"
kb=$(tail -1 "$T/mem")
[ "$kb" -lt 262144 ] || fail "peak memory $kb KB (want < 256 MiB)"
ok "refused with peak memory $((kb / 1024)) MiB"
finish
