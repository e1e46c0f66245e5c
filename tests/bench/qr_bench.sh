#!/bin/sh
# qr_bench.sh - builds and runs tests/bench/qr_bench.c against the QR stream
# sources; prints figures (frames needed / k, zbar speed on 720p captures,
# bytes per frame per QR version, 500 KB stream timing). Run from the source
# root: sh tests/bench/qr_bench.sh [sections, e.g. 123]
set -eu
src=${FK_SRC:-$(dirname "$0")/../..}
out=${TMPDIR:-/tmp}/qr_bench.$$
trap 'rm -f "$out"' EXIT
cc -O2 -std=gnu11 -D_GNU_SOURCE -I"$src/common" -I"$src/sync" -o "$out" \
	"$src/tests/bench/qr_bench.c" "$src/common/fk.c" "$src/common/io.c" \
	"$src"/sync/gf256.c "$src"/sync/fountain.c "$src"/sync/base45.c \
	"$src"/sync/qrframe.c "$src"/sync/qr.c "$src"/sync/qrrx.c "$src"/sync/image.c \
	$(pkg-config --cflags --libs libsodium libqrencode zbar libpng libjpeg zlib) -lpthread
echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
"$out" "$@"
