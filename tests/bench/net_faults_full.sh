#!/usr/bin/env bash
# Benchmark-sized run of tests/cli/net_faults.sh (the same script and paths
# as the suite's, full size): a 50 MiB bundle through a link cut about every
# MiB and throttled to 256 kbit/s (about half an hour), then 1,000 randomized
# interruptions (cuts, stalls, kill -9 of `hub serve`) under three devices
# pushing with --watch. Prints the figures the suite's run prints.
# Usage: tests/bench/net_faults_full.sh [BUILD_DIR] [MIB] [INTERRUPTIONS]
set -eu
src=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$src/build}
mkdir -p "$build/tmp"
FIELDKIT=$build/fieldkit FK_SRC=$src TMPDIR=$build/tmp FIELDKIT_LOCALEDIR=$build/locale \
FK_NET_BIG_MIB=${2:-50} FK_NET_RATE=32000 FK_NET_INTERRUPTIONS=${3:-1000} \
	bash "$src/tests/cli/net_faults.sh"
