#!/usr/bin/env bash
# Benchmark-sized run of tests/cli/net_faults.sh (the same script and paths
# as the suite's, full size): a 50 MiB bundle through a link cut about every
# MiB and throttled to 256 kbit/s (about half an hour), then 1,000 randomized
# interruptions (cuts, stalls, kill -9 of `hub serve`) under three devices
# pushing with --watch. Prints the figures the suite's run prints.
# The interruptions come faster than in the suite (a cut about every 64 KiB),
# with an hour to reach them and ten minutes to drain; FK_NET_* in the
# environment overrides (see tests/cli/net_faults.sh). MIB 0 skips the large
# bundle, INTERRUPTIONS 0 the interruptions: the two can run apart.
# Usage: tests/bench/net_faults_full.sh [BUILD_DIR] [MIB] [INTERRUPTIONS]
set -eu
src=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$src/build}
mkdir -p "$build/tmp"
FIELDKIT=$build/fieldkit FK_SRC=$src TMPDIR=$build/tmp FIELDKIT_LOCALEDIR=$build/locale \
FK_NET_BIG_MIB=${2:-50} FK_NET_RATE=32000 FK_NET_INTERRUPTIONS=${3:-1000} \
FK_NET_CUT=${FK_NET_CUT:-65536} FK_NET_SECS=${FK_NET_SECS:-3600} FK_NET_DRAIN=${FK_NET_DRAIN:-600} \
	bash "$src/tests/cli/net_faults.sh"
