/*
 * qr_bench.c - figures for the QR stream (printed, never asserted):
 *   1. frames received / k until decoding, at k = 10, 100, 1000 and 0-50% loss
 *   2. zbar frames decoded per second on 1280x720 images, per version/mode
 *   3. file bytes carried per frame at each QR version vs its byte capacity
 *   4. encode/decode time of a 500 KB stream in memory
 * Built and run by tests/bench/qr_bench.sh.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>
#include <zbar.h>

#include "base45.h"
#include "fountain.h"
#include "image.h"
#include "qr.h"

static uint64_t st = 0x853c49e6748fea9bull;

static uint32_t
rnd(void)
{
	st ^= st << 13;
	st ^= st >> 7;
	st ^= st << 17;
	return (uint32_t)(st >> 11);
}

static double
now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void
bench_overhead(void)
{
	static const uint32_t ks[] = {10, 100, 1000};
	static const unsigned losses[] = {0, 10, 30, 50};
	const size_t chunk = 16;
	size_t a, b;

	printf("1. frames received / k until decoded (random loss, frames shown in order)\n");
	printf("   %5s %5s %7s %9s %9s %9s %9s\n", "k", "loss", "trials", "mean", "max",
	    "extra>=2", "shown/k");
	for (a = 0; a < 3; a++)
		for (b = 0; b < 4; b++) {
			uint32_t k = ks[a], trials = k == 10 ? 2000 : k == 100 ? 300 : 12, t, i;
			uint8_t *msg = malloc((size_t)k * chunk), pl[16], *scr = malloc(k), sid[8];
			double sum = 0, shown = 0, mx = 0;
			unsigned over2 = 0;

			for (t = 0; t < trials; t++) {
				fk_fountain_dec *d;
				uint32_t got = 0;

				randombytes_buf(msg, (size_t)k * chunk);
				randombytes_buf(sid, 8);
				d = fk_fountain_dec_new(k, chunk, sid);
				for (i = 0; fk_fountain_dec_message(d) == NULL; i++) {
					if (rnd() % 100 < losses[b])
						continue;
					fk_fountain_encode(msg, k, chunk, sid, i, pl, scr);
					fk_fountain_dec_add(d, i, pl);
					got++;
				}
				sum += (double)got / k;
				shown += (double)i / k;
				if ((double)got / k > mx)
					mx = (double)got / k;
				over2 += got > k + 2;
				fk_fountain_dec_free(d);
			}
			printf("   %5u %4u%% %7u %9.4f %9.4f %9u %9.3f\n", k, losses[b], trials,
			    sum / trials, mx, over2, shown / trials);
			free(msg);
			free(scr);
		}
}

static void
bench_capacity(void)
{
	static const int vs[] = {5, 10, 15, 20, 25, 30, 40};
	static const char lv[] = "LMQH";
	size_t i, cb, ca;
	int l;

	printf("\n3. file bytes per frame (payload) vs the version's byte-mode capacity\n");
	printf("   %3s %2s %8s %8s %7s %8s %7s\n", "ver", "ec", "capacity", "binary", "share",
	    "base45", "share");
	for (i = 0; i < sizeof vs / sizeof vs[0]; i++)
		for (l = 0; l < 2; l++) {
			size_t cap;

			if (fk_qr_chunk_size(vs[i], l, 1, &cb, NULL) != 0 ||
			    fk_qr_chunk_size(vs[i], l, 0, &ca, NULL) != 0)
				continue;
			cap = cb + FK_QRF_OVERHEAD;
			printf("   %3d %2c %8zu %8zu %6.1f%% %8zu %6.1f%%\n", vs[i], lv[l], cap, cb,
			    100.0 * cb / cap, ca, 100.0 * ca / cap);
		}
}

/* A frame shown on a 1280x720 capture, code side `px`, decoded by zbar. */
static void
bench_zbar(void)
{
	static const struct { int v, l, bin, px; } cs[] = {
		{15, 1, 0, 555}, {20, 1, 0, 555}, {20, 1, 1, 555}, {25, 0, 0, 555}, {25, 0, 1, 555},
		{30, 0, 0, 650}, {40, 0, 0, 700}};
	uint8_t *data = malloc(200000);
	size_t i;

	randombytes_buf(data, 200000);
	printf("\n2. zbar on 1280x720 grayscale captures (code scaled to the given width)\n");
	printf("   %3s %2s %6s %5s %8s %9s %8s\n", "ver", "ec", "mode", "px", "decoded",
	    "ms/frame", "fps");
	for (i = 0; i < sizeof cs / sizeof cs[0]; i++) {
		fk_qr_opts o;
		fk_qr_stream s;
		fk_qr_rx *rx;
		fk_image cap;
		int f, n = 30, ok = 0, x, y, mod;
		double t0, t = 0;
		QRcode *c;

		fk_qr_opts_default(&o);
		o.version = cs[i].v;
		o.level = cs[i].l;
		o.binary = cs[i].bin;
		if (fk_qr_stream_init(&s, data, 200000, &o, NULL) != 0)
			continue;
		rx = fk_qr_rx_new(0, NULL);
		for (f = 0; f < n; f++) {
			c = fk_qr_stream_code(&s, (uint32_t)f, NULL);
			mod = cs[i].px / (c->width + 8);
			if (fk_image_alloc(&cap, 1280, 720, 150, NULL) != 0)
				break;
			x = (1280 - (c->width + 8) * mod) / 2;
			y = (720 - (c->width + 8) * mod) / 2;
			fk_image_fill(&cap, x, y, (c->width + 8) * mod, (c->width + 8) * mod, 255);
			fk_qr_code_draw(c, mod, &cap, x + 4 * mod, y + 4 * mod);
			QRcode_free(c);
			t0 = now();
			ok += fk_qr_rx_scan(rx, &cap, NULL) == 1;
			t += now() - t0;
			fk_image_free(&cap);
		}
		printf("   %3d %2c %6s %5d %5d/%-2d %9.1f %8.1f\n", cs[i].v, "LMQH"[cs[i].l],
		    cs[i].bin ? "binary" : "base45", cs[i].px, ok, n, 1000 * t / n, n / t);
		fk_qr_rx_free(rx);
		fk_qr_stream_free(&s);
	}
	free(data);
}

static void
bench_stream(void)
{
	size_t len = 500000;
	uint8_t *data = malloc(len), fr[FK_QRF_MAX];
	fk_qr_opts o;
	fk_qr_stream s;
	fk_qr_rx *rx;
	fk_buf out = {0};
	double t0, te = 0, td = 0;
	uint32_t i;
	int loss;

	randombytes_buf(data, len);
	fk_qr_opts_default(&o);
	printf("\n4. 500 KB stream in memory (V20-M base45 framing, no images)\n");
	for (loss = 0; loss <= 50; loss += 25) {
		size_t n;

		te = td = 0;
		if (fk_qr_stream_init(&s, data, len, &o, NULL) != 0)
			break;
		rx = fk_qr_rx_new(0, NULL);
		for (i = 0; !fk_qr_rx_done(rx); i++) {
			if ((int)(rnd() % 100) < loss)
				continue;
			t0 = now();
			n = fk_qr_stream_frame(&s, i, fr);
			te += now() - t0;
			t0 = now();
			fk_qr_rx_feed(rx, fr, n, NULL);
			td += now() - t0;
		}
		out.len = 0;
		printf("   loss %2d%%: k = %u, frames shown %u, encode %.2f s, decode %.2f s, %s\n",
		    loss, s.k, i, te, td,
		    fk_qr_rx_take(rx, &out, NULL) == 0 && out.len == len &&
		    memcmp(out.p, data, len) == 0 ? "ok" : "FAILED");
		fk_qr_rx_free(rx);
		fk_qr_stream_free(&s);
	}
	fk_buf_free(&out);
	free(data);
}

/* Test vectors for docs/qr-stream.md. */
static void
vectors(void)
{
	static const char file[] = "Ukrainian children come home. fieldkit QR stream test vector, "
	    "version 1 of the frame format.\n";
	fk_qr_opts o;
	fk_qr_stream s;
	uint8_t fr[FK_QRF_MAX], coef[8];
	char txt[2 * FK_QRF_MAX];
	size_t n, j;
	uint32_t i;

	fk_qr_opts_default(&o);
	o.version = 5;
	if (fk_qr_stream_init(&s, (const uint8_t *)file, sizeof file - 1, &o, NULL) != 0)
		return;
	printf("file (%u bytes): %s", s.len, file);
	printf("sha256: ");
	for (j = 0; j < 32; j++)
		printf("%02x", s.hash[j]);
	printf("\nchunk %zu (version 5-M, base45), k %u\nstream id: ", s.chunk, s.k);
	for (j = 0; j < 8; j++)
		printf("%02x", s.sid[j]);
	printf("\n");
	for (i = 0; i < s.k + 2; i++) {
		n = fk_qr_stream_frame(&s, i, fr);
		if (i >= s.k) {
			fk_fountain_coefs(s.sid, i, coef, s.k);
			printf("coefficients of frame %u:", i);
			for (j = 0; j < s.k; j++)
				printf(" %02x", coef[j]);
			printf("\n");
		}
		printf("frame %u (%zu bytes):\n", i, n);
		for (j = 0; j < n; j++)
			printf("%02x%s", fr[j], j % 32 == 31 || j + 1 == n ? "\n" : "");
		if (i == 0) {
			fk_base45_encode(fr, n, txt);
			printf("frame 0 as Base45 (%zu characters):\n%.*s\n", fk_base45_enclen(n),
			    (int)fk_base45_enclen(n), txt);
		}
	}
	fk_qr_stream_free(&s);
}

int
main(int argc, char **argv)
{
	if (sodium_init() < 0)
		return 1;
	if (argc < 2 || strchr(argv[1], '1'))
		bench_overhead();
	if (argc < 2 || strchr(argv[1], '2'))
		bench_zbar();
	if (argc < 2 || strchr(argv[1], '3'))
		bench_capacity();
	if (argc < 2 || strchr(argv[1], '4'))
		bench_stream();
	if (argc >= 2 && strchr(argv[1], 'v'))
		vectors();
	return 0;
}
