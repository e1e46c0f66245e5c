#!/usr/bin/env bash
# probe.sh BUILD_DIR PROBE [HEADER]: builds the object target probe_PROBE.
# With HEADER: the build must fail, and fail because HEADER (a higher layer's)
# cannot be found from this layer. Without: the build must succeed.
set -u
build=$1 probe=$2 header=${3:-}
out=$(cmake --build "$build" --target "probe_$probe" 2>&1)
rc=$?
if [ -z "$header" ]; then
	[ $rc -eq 0 ] || { echo "$out"; echo "FAIL: probe $probe should compile"; exit 1; }
	echo "ok: $probe compiles"
	exit 0
fi
if [ $rc -eq 0 ]; then
	echo "FAIL: $probe compiled: a lower layer can include $header"
	exit 1
fi
if ! grep -q "$header: No such file or directory" <<<"$out"; then
	echo "$out"
	echo "FAIL: $probe failed, but not because $header is out of its reach"
	exit 1
fi
echo "ok: $probe: $header is out of reach"
