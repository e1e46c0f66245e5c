/*
 * test_qr_fountain.c - GF(256), Base45, the fountain code (any k+2 frames,
 * whatever the loss pattern) and in-memory stream round trips with loss,
 * foreign, corrupted, forged and replayed frames.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "base45.h"
#include "fountain.h"
#include "gf256.h"
#include "qr.h"

static uint64_t rng_state = 0x9E3779B97F4A7C15ull;

static uint32_t
rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (uint32_t)(rng_state >> 16);
}

static void
rnd_bytes(uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = (uint8_t)rnd();
}

static void
test_gf(void)
{
	unsigned a, b, c, bad = 0;
	uint8_t x[256], y[256];

	fk_gf_init();
	CHECK(fk_gf_mul(2, 0x80) == 0x1D);
	CHECK(fk_gf_mul(0, 77) == 0 && fk_gf_mul(77, 1) == 77);
	for (a = 1; a < 256; a++)
		if (fk_gf_mul((uint8_t)a, fk_gf_inv((uint8_t)a)) != 1)
			bad++;
	CHECK_MSG(bad == 0, "%u inverses wrong", bad);
	for (a = 0; a < 256; a++)
		for (b = 0; b < 256; b++) {
			c = (a * 7 + b * 13) & 0xFF;
			if (fk_gf_mul((uint8_t)a, (uint8_t)b) != fk_gf_mul((uint8_t)b, (uint8_t)a) ||
			    fk_gf_mul((uint8_t)a, (uint8_t)(b ^ c)) !=
			    (fk_gf_mul((uint8_t)a, (uint8_t)b) ^ fk_gf_mul((uint8_t)a, (uint8_t)c)) ||
			    fk_gf_mul(fk_gf_mul((uint8_t)a, (uint8_t)b), (uint8_t)c) !=
			    fk_gf_mul((uint8_t)a, fk_gf_mul((uint8_t)b, (uint8_t)c)))
				bad++;
		}
	CHECK_MSG(bad == 0, "%u field law violations", bad);
	/* Region operations agree with the scalar ones. */
	rnd_bytes(x, sizeof x);
	memcpy(y, x, sizeof y);
	fk_gf_scale(y, 0x53, sizeof y);
	for (a = 0; a < 256 && y[a] == fk_gf_mul(x[a], 0x53); a++)
		;
	CHECK(a == 256);
	fk_gf_addmul(y, x, 0x53, sizeof y);
	for (a = 0; a < 256 && y[a] == 0; a++)
		;
	CHECK(a == 256);
}

static void
b45_enc(const char *in, const char *want)
{
	char out[64];
	uint8_t back[64];
	size_t n = strlen(in), m = fk_base45_enclen(n);
	long r;

	fk_base45_encode((const uint8_t *)in, n, out);
	CHECK_MSG(m == strlen(want) && memcmp(out, want, m) == 0, "base45(%s)", in);
	r = fk_base45_decode(want, strlen(want), back);
	CHECK_MSG(r == (long)n && memcmp(back, in, n) == 0, "unbase45(%s)", want);
}

static void
test_base45(void)
{
	uint8_t out[16], all[256];
	char txt[400];
	long r;
	int i;

	/* RFC 9285 section 4. */
	b45_enc("AB", "BB8");
	b45_enc("Hello!!", "%69 VD92EX0");
	b45_enc("base-45", "UJCLQE7W581");
	b45_enc("ietf!", "QED8WEX0");
	b45_enc("", "");
	CHECK(fk_base45_decode("GGW", 3, out) == -1);   /* 65536 */
	CHECK(fk_base45_decode(":::", 3, out) == -1);
	CHECK(fk_base45_decode("FGW", 3, out) == 2);    /* 65535 */
	CHECK(fk_base45_decode("V5", 2, out) == -1);    /* 31 + 5 * 45 = 256 */
	CHECK(fk_base45_decode("U5", 2, out) == 1 && out[0] == 255);
	CHECK(fk_base45_decode("Q5", 2, out) == 1 && out[0] == 251);
	CHECK(fk_base45_decode("BB8B", 4, out) == -1);  /* length 1 mod 3 */
	CHECK(fk_base45_decode("bb8", 3, out) == -1);   /* lower case */
	CHECK(fk_base45_decode("BB\n", 3, out) == -1);
	for (i = 0; i < 256; i++)
		all[i] = (uint8_t)i;
	fk_base45_encode(all, 256, txt);
	{
		uint8_t back[256];

		r = fk_base45_decode(txt, fk_base45_enclen(256), back);
		CHECK(r == 256 && memcmp(back, all, 256) == 0);
	}
}

/* Feeds `n` distinct frames (given indices) to a fresh decoder; 1 if it rebuilt msg. */
static int
try_decode(const uint8_t *msg, uint32_t k, size_t chunk, const uint8_t *sid,
    const uint32_t *idx, uint32_t n)
{
	fk_fountain_dec *d = fk_fountain_dec_new(k, chunk, sid);
	uint8_t *pl = malloc(chunk), *scr = malloc(k);
	const uint8_t *m;
	uint32_t i;
	int ok;

	for (i = 0; i < n; i++) {
		fk_fountain_encode(msg, k, chunk, sid, idx[i], pl, scr);
		if (fk_fountain_dec_add(d, idx[i], pl) < 0)
			break;
	}
	m = fk_fountain_dec_message(d);
	ok = m != NULL && memcmp(m, msg, (size_t)k * chunk) == 0;
	fk_fountain_dec_free(d);
	free(pl);
	free(scr);
	return ok;
}

/* Picks n distinct indices from [lo, hi). */
static void
pick(uint32_t *idx, uint32_t n, uint32_t lo, uint32_t hi)
{
	uint32_t i, j, v;

	for (i = 0; i < n; i++) {
		do {
			v = lo + rnd() % (hi - lo);
			for (j = 0; j < i && idx[j] != v; j++)
				;
		} while (j < i);
		idx[i] = v;
	}
}

static void
test_k_plus_2(void)
{
	static const uint32_t ks[] = {1, 2, 3, 5, 10, 20, 40};
	const size_t chunk = 8;
	uint32_t idx[64], t, ki, k, trials, ok2, ok0, okrep;
	uint8_t msg[40 * 8], sid[8];

	for (ki = 0; ki < sizeof ks / sizeof ks[0]; ki++) {
		k = ks[ki];
		trials = k <= 10 ? 2000 : 500;
		ok2 = ok0 = okrep = 0;
		for (t = 0; t < trials; t++) {
			rnd_bytes(msg, k * chunk);
			rnd_bytes(sid, 8);
			/* Random loss pattern: k+2 of the first 4k+8 frames. */
			pick(idx, k + 2, 0, 4 * k + 8);
			ok2 += (uint32_t)try_decode(msg, k, chunk, sid, idx, k + 2);
			/* Worst pattern: every source frame lost. */
			pick(idx, k + 2, k, 100000);
			okrep += (uint32_t)try_decode(msg, k, chunk, sid, idx, k + 2);
			/* Exactly k frames: succeeds ~99.6% of the time. */
			pick(idx, k, 0, 4 * k + 8);
			ok0 += (uint32_t)try_decode(msg, k, chunk, sid, idx, k);
		}
		CHECK_MSG(ok2 * 1000 >= trials * 999, "k=%u: k+2 random %u/%u", k, ok2, trials);
		CHECK_MSG(okrep * 1000 >= trials * 999, "k=%u: k+2 repair-only %u/%u", k, okrep,
		    trials);
		CHECK_MSG(ok0 * 100 >= trials * 97, "k=%u: k frames %u/%u", k, ok0, trials);
		printf("k=%2u: k+2 frames %u/%u, repair only %u/%u, exactly k %u/%u\n", k, ok2,
		    trials, okrep, trials, ok0, trials);
	}
}

static void
test_redundant(void)
{
	uint8_t msg[5 * 4], sid[8] = {1, 2, 3, 4, 5, 6, 7, 8}, pl[4], scr[5];
	fk_fountain_dec *d;

	rnd_bytes(msg, sizeof msg);
	d = fk_fountain_dec_new(5, 4, sid);
	fk_fountain_encode(msg, 5, 4, sid, 2, pl, scr);
	CHECK(fk_fountain_dec_add(d, 2, pl) == 1);
	CHECK(fk_fountain_dec_add(d, 2, pl) == 0);
	fk_fountain_encode(msg, 5, 4, sid, 9, pl, scr);
	CHECK(fk_fountain_dec_add(d, 9, pl) == 1);
	CHECK(fk_fountain_dec_add(d, 9, pl) == 0);
	CHECK(fk_fountain_dec_rank(d) == 2 && fk_fountain_dec_message(d) == NULL);
	fk_fountain_dec_free(d);
	CHECK(fk_fountain_dec_new(0, 4, sid) == NULL);
}

/* Streams of frames, as a sender shows them, for the in-memory round trips. */
static size_t
frame_sym(fk_qr_stream *s, uint32_t i, uint8_t *out, int b45)
{
	uint8_t fr[FK_QRF_MAX];
	size_t n = fk_qr_stream_frame(s, i, fr);

	if (!b45) {
		memcpy(out, fr, n);
		return n;
	}
	fk_base45_encode(fr, n, (char *)out);
	return fk_base45_enclen(n);
}

static void
roundtrip(size_t len, unsigned loss, int b45)
{
	uint8_t *data = malloc(len + 1), sym[8192];
	fk_qr_opts o;
	fk_qr_stream s;
	fk_qr_rx *rx;
	fk_buf out = {0};
	fk_err e;
	uint32_t i, shown = 0, used = 0;
	int st = 0;

	rnd_bytes(data, len);
	fk_qr_opts_default(&o);
	CHECK(fk_qr_stream_init(&s, data, len, &o, &e) == 0);
	rx = fk_qr_rx_new(0, &e);
	for (i = 0; st != FK_QR_FEED_DONE && i < 4 * s.k + 100; i++) {
		shown++;
		if (rnd() % 100 < loss)
			continue;
		used++;
		st = fk_qr_rx_feed(rx, sym, frame_sym(&s, i, sym, b45), &e);
	}
	CHECK_MSG(st == FK_QR_FEED_DONE, "len %zu loss %u: not done", len, loss);
	CHECK(fk_qr_rx_take(rx, &out, &e) == 0);
	CHECK_MSG(out.len == len && (len == 0 || memcmp(out.p, data, len) == 0),
	    "len %zu loss %u: differs", len, loss);
	printf("%7zu bytes, loss %2u%%, %s: k = %4u, received %4u frames (%.3f k), shown %u\n",
	    len, loss, b45 ? "base45" : "binary", s.k, used, (double)used / s.k, shown);
	fk_buf_free(&out);
	fk_qr_rx_free(rx);
	fk_qr_stream_free(&s);
	free(data);
}

static void
test_roundtrips(void)
{
	static const size_t sizes[] = {0, 1, 1000, 50000, 500000};
	static const unsigned losses[] = {0, 10, 30, 50};
	size_t i, j;

	for (i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
		for (j = 0; j < sizeof losses / sizeof losses[0]; j++)
			roundtrip(sizes[i], losses[j], (int)(i + j) % 2);
}

/* Frames of other streams, damaged, forged and replayed: never in the output. */
static void
test_hostile(void)
{
	size_t len = 20000, n;
	uint8_t *a = malloc(len), *b = malloc(len), *old = malloc(len), sym[4096], fr[FK_QRF_MAX];
	fk_qr_opts o;
	fk_qr_stream sa, sb, so;
	fk_qr_rx *rx;
	fk_buf out = {0};
	fk_err e;
	fk_qrframe f;
	uint32_t i;
	int st = 0, sawfail = 0;

	rnd_bytes(a, len);
	rnd_bytes(b, len);
	memcpy(old, a, len);
	old[100] ^= 1; /* the previous version of the same file */
	fk_qr_opts_default(&o);
	CHECK(fk_qr_stream_init(&sa, a, len, &o, &e) == 0);
	CHECK(fk_qr_stream_init(&sb, b, len, &o, &e) == 0);
	CHECK(fk_qr_stream_init(&so, old, len, &o, &e) == 0);
	CHECK(memcmp(sa.sid, so.sid, 8) != 0 && memcmp(sa.sid, sb.sid, 8) != 0);
	rx = fk_qr_rx_new(0, &e);
	for (i = 0; st != FK_QR_FEED_DONE && i < 10 * sa.k; i++) {
		/* Foreign stream and replayed old stream: valid frames, other ids. */
		if (i < sb.k / 2) {
			n = frame_sym(&sb, i, sym, 0);
			CHECK(fk_qr_rx_feed(rx, sym, n, &e) == FK_QR_FEED_USEFUL);
		}
		if (i % 2 == 0 && i / 2 + 3 < so.k) {
			n = frame_sym(&so, i / 2 + 3, sym, 1);
			CHECK(fk_qr_rx_feed(rx, sym, n, &e) == FK_QR_FEED_USEFUL);
		}
		/* A corrupted frame: one flipped byte, anywhere. */
		n = frame_sym(&sa, i + sa.k, sym, 0);
		sym[rnd() % n] ^= (uint8_t)(1 + rnd() % 255);
		CHECK(fk_qr_rx_feed(rx, sym, n, &e) == FK_QR_FEED_INVALID);
		/* A truncated frame. */
		n = frame_sym(&sa, i, sym, 1);
		CHECK(fk_qr_rx_feed(rx, sym, n - 1 - rnd() % 10, &e) == FK_QR_FEED_INVALID);
		/* The genuine stream loses every third frame. */
		if (i % 3 != 1)
			st = fk_qr_rx_feed(rx, sym, n, &e);
	}
	CHECK(st == FK_QR_FEED_DONE);
	CHECK(fk_qr_rx_take(rx, &out, &e) == 0 && out.len == len && memcmp(out.p, a, len) == 0);
	fk_buf_free(&out);
	fk_qr_rx_free(rx);

	/*
	 * A forged frame: right stream, valid CRC, wrong payload. The stream
	 * decodes wrong, fails verification, is reset, and then completes from
	 * genuine frames: the wrong bytes never come out.
	 */
	rx = fk_qr_rx_new(0, &e);
	n = fk_qr_stream_frame(&sa, 0, fr);
	CHECK(fk_qrframe_parse(fr, n, &f) == 0);
	fr[FK_QRF_HEADER + 5] ^= 0x40;
	f.payload = fr + FK_QRF_HEADER;
	fk_qrframe_build(&f, fr);
	CHECK(fk_qr_rx_feed(rx, fr, n, &e) == FK_QR_FEED_USEFUL);
	for (i = 1, st = 0; st != FK_QR_FEED_DONE && i < 3 * sa.k; i++) {
		n = fk_qr_stream_frame(&sa, i, fr);
		st = fk_qr_rx_feed(rx, fr, n, &e);
		if (st == FK_QR_FEED_FAILED) {
			sawfail = 1;
			CHECK(fk_qr_rx_take(rx, &out, &e) != 0 && out.len == 0);
		}
	}
	CHECK(sawfail);
	CHECK(st == FK_QR_FEED_DONE);
	CHECK(fk_qr_rx_take(rx, &out, &e) == 0 && out.len == len && memcmp(out.p, a, len) == 0);
	fk_buf_free(&out);
	fk_qr_rx_free(rx);

	/* An old stream replayed in full beside the new one: the receiver will not choose. */
	rx = fk_qr_rx_new(0, &e);
	for (i = 0; i < sa.k; i++) {
		CHECK(fk_qr_rx_feed(rx, fr, fk_qr_stream_frame(&so, i, fr), &e) >= FK_QR_FEED_USEFUL);
		CHECK(fk_qr_rx_feed(rx, fr, fk_qr_stream_frame(&sa, i, fr), &e) >= FK_QR_FEED_USEFUL);
	}
	CHECK(fk_qr_rx_done(rx));
	CHECK(fk_qr_rx_take(rx, &out, &e) != 0 && e.code == FK_EINPUT && out.len == 0);
	fk_qr_rx_free(rx);

	/* Absurd headers are refused before anything is allocated. */
	rx = fk_qr_rx_new(1000, &e);
	n = fk_qr_stream_frame(&sa, 1, fr);
	CHECK(fk_qr_rx_feed(rx, fr, n, &e) == FK_QR_FEED_REFUSED);
	CHECK(fk_qr_rx_take(rx, &out, &e) != 0 && e.code == FK_ESTATE);
	fk_qr_rx_free(rx);

	fk_qr_stream_free(&sa);
	fk_qr_stream_free(&sb);
	fk_qr_stream_free(&so);
	free(a);
	free(b);
	free(old);
}

/* Both streams complete: each receiver takes the first one finished, whole. */
static void
test_many_streams(void)
{
	uint8_t d[6][3000], sym[4096];
	fk_qr_stream s[6];
	fk_qr_opts o;
	fk_qr_rx *rx;
	fk_buf out = {0};
	fk_err e;
	uint32_t i;
	int j, st = 0;

	fk_qr_opts_default(&o);
	o.version = 5;
	for (j = 0; j < 6; j++) {
		rnd_bytes(d[j], sizeof d[j]);
		CHECK(fk_qr_stream_init(&s[j], d[j], sizeof d[j], &o, &e) == 0);
	}
	/* Six streams interleaved (more than the receiver keeps): stream 0 wins. */
	rx = fk_qr_rx_new(0, &e);
	for (i = 0; st != FK_QR_FEED_DONE && i < 10 * s[0].k; i++) {
		for (j = 1; j < 6; j++)
			if (rnd() % 2)
				fk_qr_rx_feed(rx, sym, frame_sym(&s[j], rnd() % 1000, sym, 0), &e);
		st = fk_qr_rx_feed(rx, sym, frame_sym(&s[0], i, sym, 0), &e);
	}
	CHECK(st == FK_QR_FEED_DONE);
	CHECK(fk_qr_rx_take(rx, &out, &e) == 0 && out.len == sizeof d[0] &&
	    memcmp(out.p, d[0], out.len) == 0);
	fk_buf_free(&out);
	fk_qr_rx_free(rx);
	for (j = 0; j < 6; j++)
		fk_qr_stream_free(&s[j]);
}

/* A camera sees each shown frame several times: repeats are cheap and harmless. */
static void
test_repeats(void)
{
	uint8_t data[30000], fr[FK_QRF_MAX];
	fk_qr_opts o;
	fk_qr_stream s;
	fk_qr_rx *rx;
	fk_buf out = {0};
	fk_err e;
	fk_qr_progress p;
	uint32_t i;
	size_t n;
	int st = 0, rep, redundant = 0;

	rnd_bytes(data, sizeof data);
	fk_qr_opts_default(&o);
	CHECK(fk_qr_stream_init(&s, data, sizeof data, &o, &e) == 0);
	rx = fk_qr_rx_new(0, &e);
	for (i = 0; st != FK_QR_FEED_DONE; i++) {
		if (i % 4 == 0)
			continue; /* and a quarter of the frames never seen */
		n = fk_qr_stream_frame(&s, i, fr);
		for (rep = 0; rep < 4 && st != FK_QR_FEED_DONE; rep++) {
			st = fk_qr_rx_feed(rx, fr, n, &e);
			redundant += rep > 0 && st == FK_QR_FEED_REDUNDANT;
		}
	}
	fk_qr_rx_progress(rx, &p);
	CHECK(p.done && p.useful == s.k && p.rank == s.k && p.k == s.k);
	CHECK(redundant > 0 && p.frames > 3 * p.useful);
	CHECK(fk_qr_rx_take(rx, &out, &e) == 0 && out.len == sizeof data &&
	    memcmp(out.p, data, sizeof data) == 0);
	/* Frames after completion change nothing. */
	CHECK(fk_qr_rx_feed(rx, fr, fk_qr_stream_frame(&s, 1, fr), &e) == FK_QR_FEED_REDUNDANT);
	fk_buf_free(&out);
	fk_qr_rx_free(rx);
	fk_qr_stream_free(&s);
}

int
main(void)
{
	check_init();
	test_gf();
	test_base45();
	test_redundant();
	test_k_plus_2();
	test_roundtrips();
	test_hostile();
	test_many_streams();
	test_repeats();
	return check_done("qr fountain");
}
