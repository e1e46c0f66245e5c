/*
 * test_bundle_big.c - a manifest as big as a bundle may be: N records with
 * an attachment each (250,000 here: 2.5 million JSON values, over the old
 * limit of 2 million, and 28 MB compressed, over the old 16 MB), signed, is
 * read entry by entry with memory that grows with the manifest, not with its
 * JSON tree. FK_BIG_RECORDS=500000 gives the largest bundle the format allows;
 * tests/bench/manifest_bench.sh writes it with FK_BIG_WRITE=FILE and reads it
 * in a process of its own with FK_BIG_READ=FILE, to see the reader's peak
 * memory alone.
 */
#include "check.h"
#include "hub_fixture.h"

#include <sys/resource.h>
#include <time.h>
#include <zstd.h>

#include "bundle.h"

static fk_minisign_pk devpk;

static int
keyfn(void *ctx, const char *device_id, fk_minisign_pk *pk, fk_err *e)
{
	(void)ctx;
	(void)device_id;
	(void)e;
	*pk = devpk;
	return 0;
}

static long
peak_kb(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_maxrss;
}

/* "fieldkit-bundle v1\n<M> <S>\n" + zstd(manifest of n records) + signature;
 * no payload (the manifest is what is tested). */
static void
make_head(size_t n, fk_minisign_sk *sk, fk_buf *out, size_t *textlen)
{
	fk_buf t = {0};
	fk_err e;
	char line[400], h1[FK_SHA256_HEX + 1], h2[FK_SHA256_HEX + 1], tc[200];
	uint8_t r[64];
	size_t i, zc, zl;
	uint8_t *z;
	fk_buf sig = {0};

	snprintf(line, sizeof line, "{\"type\":\"fieldkit-bundle\",\"version\":1,\"device_id\":"
	    "\"big-device\",\"bundle_id\":\"00000000-0000-4000-8000-000000000001\",\"created\":"
	    "\"2026-09-21T10:05:00Z\",\"records\":[");
	if (fk_buf_append(&t, line, strlen(line), &e) != 0)
		abort();
	for (i = 0; i < n; i++) {
		randombytes_buf(r, sizeof r);
		fk_hex(r, 32, h1);
		fk_hex(r + 32, 32, h2);
		snprintf(line, sizeof line, "%s{\"id\":\"%08zx-0000-4000-8000-%012zx\",\"seq\":%zu,"
		    "\"ct\":\"%s\",\"len\":%zu,%s\"att\":[{\"id\":\"%08zx-1111-4000-8000-%012zx\","
		    "\"ct\":\"%s\",\"len\":%zu}]}", i ? "," : "", i, i, i + 1, h1, 300 + i % 1000,
		    i ? "" : "\"prev\":\"" "0000000000000000000000000000000000000000000000000000000000000000" "\",",
		    i, i, h2, 50000 + i);
		if (fk_buf_append(&t, line, strlen(line), &e) != 0)
			abort();
	}
	if (fk_buf_append(&t, "]}", 2, &e) != 0)
		abort();
	*textlen = t.len;
	zc = ZSTD_compressBound(t.len);
	if ((z = malloc(zc)) == NULL)
		abort();
	zl = ZSTD_compress(z, zc, t.p, t.len, 3);
	fk_buf_free(&t);
	if (ZSTD_isError(zl))
		abort();
	snprintf(tc, sizeof tc, FK_BUNDLE_TC_PREFIX "big-device bundle="
	    "00000000-0000-4000-8000-000000000001 records=%zu", n);
	if (fk_minisign_sign_buf(sk, z, zl, tc, FK_BUNDLE_UNTRUSTED, &sig, &e) != 0)
		abort();
	snprintf(line, sizeof line, FK_BUNDLE_MAGIC "%zu %zu\n", zl, sig.len);
	if (fk_buf_append(out, line, strlen(line), &e) != 0 || fk_buf_append(out, z, zl, &e) != 0 ||
	    fk_buf_append(out, sig.p, sig.len, &e) != 0)
		abort();
	free(z);
	fk_buf_free(&sig);
}

int
main(void)
{
	const char *env = getenv("FK_BIG_RECORDS");
	size_t n = env ? (size_t)strtoul(env, NULL, 10) : 250000, textlen;
	fk_minisign_sk *sk;
	fk_bundle_reader *r;
	fk_buf head = {0};
	fk_memsrc ms;
	fk_err e = {0};
	long before;
	struct timespec t0, t1;

	check_init();
	CHECK(fk_minisign_keygen(&sk, &devpk, &e) == 0);
	if (getenv("FK_BIG_READ") != NULL) {
		/* the head written by FK_BIG_WRITE; its key travels in the file's name */
		char kp[4200];
		snprintf(kp, sizeof kp, "%s.pub", getenv("FK_BIG_READ"));
		CHECK(fk_read_file(getenv("FK_BIG_READ"), (size_t)1 << 30, &head, &e) == 0);
		CHECK(fk_minisign_pk_load(kp, &devpk, &e) == 0);
		textlen = 0;
	} else {
		make_head(n, sk, &head, &textlen);
	}
	if (getenv("FK_BIG_WRITE") != NULL) {
		fk_buf pub = {0};
		char kp[4200];
		snprintf(kp, sizeof kp, "%s.pub", getenv("FK_BIG_WRITE"));
		CHECK(fk_write_file_atomic(getenv("FK_BIG_WRITE"), head.p, head.len, 0644, &e) == 0);
		CHECK(fk_minisign_pk_encode(&devpk, &pub, &e) == 0 &&
		    fk_write_file_atomic(kp, pub.p, pub.len, 0644, &e) == 0);
		fk_buf_free(&pub);
		fk_buf_free(&head);
		fk_minisign_sk_free(sk);
		return check_done("bundle_big");
	}
	before = peak_kb();
	clock_gettime(CLOCK_MONOTONIC, &t0);
	r = fk_bundle_open(fk_memsrc_init(&ms, head.p, head.len), keyfn, NULL, &e);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	CHECK_MSG(r != NULL, "%zu records with an attachment each refused: %s", n, e.msg);
	if (r != NULL) {
		const fk_bundle_manifest *m = fk_bundle_manifest_of(r);
		CHECK(fk_bundle_signed(r));
		CHECK(m->n == n && m->rec[n - 1].natt == 1 && m->rec[n - 1].seq == (int64_t)n);
		CHECK(m->rec[n - 1].prev[0] == m->rec[n - 2].ct_hash[0]);
	}
	printf("bundle_big: %zu records with an attachment each: manifest %zu bytes, %zu "
	    "compressed; opened in %.2f s, peak memory +%ld MB (to %ld MB)\n", n, textlen,
	    head.len, (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9,
	    (peak_kb() - before) / 1024, peak_kb() / 1024);
	fk_bundle_close(r);
	fk_buf_free(&head);
	fk_minisign_sk_free(sk);
	return check_done("bundle_big");
}
