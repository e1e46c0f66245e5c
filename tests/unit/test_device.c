/*
 * test_device.c - the device home: hub cards parsed strictly, device.json
 * round trip, the draft key (right passphrase opens, wrong one refused,
 * tampering refused), creating a home (private, refuses a second time),
 * retention settings, and how long Argon2id takes here.
 */
#include <sys/stat.h>
#include <time.h>

#include "check.h"
#include "test_store_util.h"

#define RECIP "age1kk27asuvd0m6x6h3xgtyjcg8gymdrauqpduen2rqfzmd2hn0u45s37zumk"
#define SIGNPK "RWQYvmnjczjhH1jbaw54Oi+Q9/t8kpURrtbeH+zE8fElNSVh63RaOZBp"

static int
card(const char *s, fk_hubcard *c, int *code)
{
	fk_err e = { 0 };
	int rc = fk_hubcard_parse((const uint8_t *)s, strlen(s), c, &e);

	*code = e.code;
	return rc;
}

static void
test_cards(void)
{
	fk_hubcard c;
	int code;
	char fp[40], kid[17];
	static const char *const bad[] = {
		"",
		"[]",
		"{",
		"{\"type\":\"fieldkit-hub-card\",\"version\":1,\"name\":\"Kyiv\",\"recipients\":[\"" RECIP
		"\"],\"sign_pubkey\":\"" SIGNPK "\",\"created\":\"2025-01-31T12:00:00Z\",\"extra\":1}",
		"{\"type\":\"fieldkit-hub-card\",\"version\":2,\"name\":\"Kyiv\",\"recipients\":[\"" RECIP
		"\"],\"sign_pubkey\":\"" SIGNPK "\",\"created\":\"2025-01-31T12:00:00Z\"}",
		"{\"type\":\"other\",\"version\":1,\"name\":\"Kyiv\",\"recipients\":[\"" RECIP
		"\"],\"sign_pubkey\":\"" SIGNPK "\",\"created\":\"2025-01-31T12:00:00Z\"}",
		"{\"type\":\"fieldkit-hub-card\",\"version\":\"1\",\"name\":\"Kyiv\",\"recipients\":[\"" RECIP
		"\"],\"sign_pubkey\":\"" SIGNPK "\",\"created\":\"2025-01-31T12:00:00Z\"}",
		"{\"type\":\"fieldkit-hub-card\",\"version\":1,\"name\":\"Kyiv\",\"recipients\":[],"
		"\"sign_pubkey\":\"" SIGNPK "\",\"created\":\"2025-01-31T12:00:00Z\"}",
		"{\"type\":\"fieldkit-hub-card\",\"version\":1,\"name\":\"Kyiv\",\"recipients\":\"" RECIP
		"\",\"sign_pubkey\":\"" SIGNPK "\",\"created\":\"2025-01-31T12:00:00Z\"}",
		"{\"type\":\"fieldkit-hub-card\",\"version\":1,\"name\":\"Kyiv\",\"recipients\":[\"age1xyz\"],"
		"\"sign_pubkey\":\"" SIGNPK "\",\"created\":\"2025-01-31T12:00:00Z\"}",
		"{\"type\":\"fieldkit-hub-card\",\"version\":1,\"name\":\"Kyiv\",\"recipients\":[\"" RECIP
		"\"],\"sign_pubkey\":\"RWQ\",\"created\":\"2025-01-31T12:00:00Z\"}",
		"{\"type\":\"fieldkit-hub-card\",\"version\":1,\"name\":\"Kyiv\",\"recipients\":[\"" RECIP
		"\"],\"sign_pubkey\":\"" SIGNPK "\\n\",\"created\":\"2025-01-31T12:00:00Z\"}",
		"{\"type\":\"fieldkit-hub-card\",\"version\":1,\"name\":\"Kyiv\",\"recipients\":[\"" RECIP
		"\"],\"sign_pubkey\":\"" SIGNPK "\",\"created\":\"2025-01-31 12:00:00\"}",
		"{\"type\":\"fieldkit-hub-card\",\"version\":1,\"name\":\"Kyiv\",\"recipients\":[\"" RECIP
		"\"],\"sign_pubkey\":\"" SIGNPK "\"}",
		"{\"type\":\"fieldkit-hub-card\",\"version\":1,\"name\":\"\",\"recipients\":[\"" RECIP
		"\"],\"sign_pubkey\":\"" SIGNPK "\",\"created\":\"2025-01-31T12:00:00Z\"}",
		"{\"type\":\"fieldkit-hub-card\",\"type\":\"fieldkit-hub-card\",\"version\":1,\"name\":\"K\","
		"\"recipients\":[\"" RECIP "\"],\"sign_pubkey\":\"" SIGNPK
		"\",\"created\":\"2025-01-31T12:00:00Z\"}",
		"{\"type\":\"fieldkit-hub-card\",\"version\":1,\"name\":\"K\xff\",\"recipients\":[\"" RECIP
		"\"],\"sign_pubkey\":\"" SIGNPK "\",\"created\":\"2025-01-31T12:00:00Z\"}",
		"{\"type\":\"fieldkit-hub-card\",\"version\":1,\"name\":\"K\\u0000x\",\"recipients\":[\"" RECIP
		"\"],\"sign_pubkey\":\"" SIGNPK "\",\"created\":\"2025-01-31T12:00:00Z\"}",
		NULL,
	};
	const char *good = "{\"type\":\"fieldkit-hub-card\",\"version\":1,\"name\":\"Kyiv hub\","
			   "\"recipients\":[\"" RECIP "\"],\"sign_pubkey\":\"" SIGNPK
			   "\",\"created\":\"2025-01-31T12:00:00Z\"}";
	size_t i, n;

	CHECK(card(good, &c, &code) == 0);
	CHECK(strcmp(c.hub.name, "Kyiv hub") == 0 && c.hub.nrecip == 1);
	CHECK(strcmp(c.hub.recip[0], RECIP) == 0 && strcmp(c.hub.sign_pubkey, SIGNPK) == 0);
	for (i = 0; bad[i] != NULL; i++)
		CHECK_MSG(card(bad[i], &c, &code) != 0 && code != FK_OK, "bad card %zu accepted", i);
	/* Every truncation of a good card is refused. */
	n = strlen(good);
	for (i = 0; i < n; i++) {
		fk_err e;
		CHECK_MSG(fk_hubcard_parse((const uint8_t *)good, i, &c, &e) != 0, "prefix %zu", i);
	}
	fk_fingerprint_recipient(RECIP, fp);
	CHECK(strlen(fp) == 19 && fp[4] == ' ');
	CHECK(fk_fingerprint_sign_pubkey(SIGNPK, kid) == 0 && strcmp(kid, "1FE13873E369BE18") == 0);
	{
		char out[FK_MINISIGN_PK_B64_LEN + 1];
		const char *file = "untrusted comment: minisign public key 1FE13873E369BE18\n" SIGNPK "\n";
		fk_err e;
		CHECK(fk_sign_pubkey_parse((const uint8_t *)file, strlen(file), out, &e) == 0);
		CHECK(strcmp(out, SIGNPK) == 0);
		CHECK(fk_sign_pubkey_parse((const uint8_t *)SIGNPK, strlen(SIGNPK), out, &e) == 0);
		CHECK(fk_sign_pubkey_parse((const uint8_t *)RECIP, strlen(RECIP), out, &e) != 0);
	}
}

static void
test_draftkey(void)
{
	uint8_t key[32], file[FK_DRAFTKEY_FILE_LEN], bad[FK_DRAFTKEY_FILE_LEN];
	fk_secret got;
	fk_err e;
	struct timespec t0, t1;
	double ms;

	randombytes_buf(key, sizeof key);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	CHECK(fk_draftkey_wrap(key, (const uint8_t *)"correct horse", 13, FK_DRAFTKEY_OPSLIMIT,
	    FK_DRAFTKEY_MEMLIMIT, file, &e) == 0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
	printf("argon2id ops=%d mem=%u MiB: %.0f ms\n", FK_DRAFTKEY_OPSLIMIT,
	    FK_DRAFTKEY_MEMLIMIT >> 20, ms);
	CHECK(fk_draftkey_unwrap(file, sizeof file, (const uint8_t *)"correct horse", 13, &got,
	    &e) == 0);
	CHECK(got.len == 32 && memcmp(got.p, key, 32) == 0);
	fk_secret_free(&got);
	CHECK(fk_draftkey_unwrap(file, sizeof file, (const uint8_t *)"correct horsE", 13, &got,
	    &e) != 0 && e.code == FK_EPASS);
	memcpy(bad, file, sizeof bad);
	bad[100] ^= 1;
	CHECK(fk_draftkey_unwrap(bad, sizeof bad, (const uint8_t *)"correct horse", 13, &got,
	    &e) != 0);
	memcpy(bad, file, sizeof bad);
	bad[8] = 1; /* opslimit changed: authenticated as associated data */
	CHECK(fk_draftkey_unwrap(bad, sizeof bad, (const uint8_t *)"correct horse", 13, &got,
	    &e) != 0);
	memcpy(bad, file, sizeof bad);
	bad[23] = 0x7f; /* absurd memlimit refused before any work */
	CHECK(fk_draftkey_unwrap(bad, sizeof bad, (const uint8_t *)"correct horse", 13, &got,
	    &e) != 0 && e.code == FK_EKEY);
	CHECK(fk_draftkey_unwrap(file, sizeof file - 1, (const uint8_t *)"correct horse", 13,
	    &got, &e) != 0 && e.code == FK_EKEY);
}

static void
test_home(void)
{
	char *dir = tu_tmpdir("device"), home[1024], path[1100], pf[1100];
	fk_device d, l;
	fk_age_identities ids;
	fk_secret k;
	fk_err e;
	struct stat st;
	FILE *f;
	int p, days;

	snprintf(home, sizeof home, "%s/home", dir);
	tu_device(&d, home, &ids);
	snprintf(d.name, sizeof d.name, "field laptop 3");
	CHECK(fk_device_create(&d, (const uint8_t *)"pass word", 9, &e) == 0);
	CHECK(stat(home, &st) == 0 && (st.st_mode & 0777) == 0700);
	snprintf(path, sizeof path, "%s/draft.key", home);
	CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600);
	CHECK(fk_device_create(&d, (const uint8_t *)"pass word", 9, &e) != 0 && e.code == FK_ESTATE);
	CHECK(fk_device_load(&l, home, &e) == 0);
	CHECK(strcmp(l.device_id, d.device_id) == 0 && strcmp(l.name, "field laptop 3") == 0);
	CHECK(l.nhubs == 1 && strcmp(l.hubs[0].recip[0], d.hubs[0].recip[0]) == 0);
	CHECK(l.att_limit == FK_DEVICE_DEFAULT_ATT_LIMIT && l.purge == FK_RETAIN_NOW);
	fk_device_free(&l);
	snprintf(pf, sizeof pf, "%s/pass", dir);
	f = fopen(pf, "w");
	fputs("pass word\n", f);
	fclose(f);
	chmod(pf, 0600);
	CHECK(fk_device_unlock_drafts(home, pf, &k, &e) == 0 && k.len == 32);
	fk_secret_free(&k);
	f = fopen(pf, "w");
	fputs("pass wort\n", f);
	fclose(f);
	CHECK(fk_device_unlock_drafts(home, pf, &k, &e) != 0 && e.code == FK_EPASS);
	CHECK(fk_device_load(&l, dir, &e) != 0 && e.code == FK_ESTATE);
	fk_device_free(&l);

	CHECK(fk_retention_parse("now", &p, &days, &e) == 0 && p == FK_RETAIN_NOW);
	CHECK(fk_retention_parse("never", &p, &days, &e) == 0 && p == FK_RETAIN_NEVER);
	CHECK(fk_retention_parse("days:30", &p, &days, &e) == 0 && p == FK_RETAIN_DAYS && days == 30);
	CHECK(fk_retention_parse("days:", &p, &days, &e) != 0);
	CHECK(fk_retention_parse("days:-1", &p, &days, &e) != 0);
	CHECK(fk_retention_parse("days:1x", &p, &days, &e) != 0);
	CHECK(fk_retention_parse("soon", &p, &days, &e) != 0);
	fk_age_identities_free(&ids);
	fk_device_free(&d);
	tu_rmrf(dir);
	free(dir);
}

/* Random flips, insertions and cuts of a good card and a good device.json:
 * nothing crashes, and whatever is accepted is complete. */
static void
test_mutations(void)
{
	const char *card = "{\"type\":\"fieldkit-hub-card\",\"version\":1,\"name\":\"Kyiv hub\","
			   "\"recipients\":[\"" RECIP "\"],\"sign_pubkey\":\"" SIGNPK
			   "\",\"created\":\"2025-01-31T12:00:00Z\"}";
	fk_device d, *got = calloc(1, sizeof *got);
	fk_age_identities ids;
	fk_buf dev = { 0 };
	fk_hubcard c;
	uint8_t buf[4096];
	size_t n, k;
	int i, accepted = 0, bad = 0;
	fk_err e;

	tu_device(&d, "/nonexistent", &ids);
	CHECK(fk_device_encode(&d, &dev, &e) == 0);
	CHECK(fk_device_parse(dev.p, dev.len, got, &e) == 0);
	for (i = 0; i < 20000; i++) {
		const uint8_t *src = i % 2 ? (const uint8_t *)card : dev.p;
		size_t len = i % 2 ? strlen(card) : dev.len;
		memcpy(buf, src, len);
		n = len;
		for (k = 0; k < 1 + randombytes_uniform(3); k++) {
			size_t at = randombytes_uniform((uint32_t)n);
			switch (randombytes_uniform(3)) {
			case 0: buf[at] ^= (uint8_t)(1 + randombytes_uniform(255)); break;
			case 1: n = at; break;
			default: buf[at] = "{}[]\",:0\\ "[randombytes_uniform(11)]; break;
			}
		}
		if (i % 2) {
			if (fk_hubcard_parse(buf, n, &c, &e) == 0) {
				accepted++;
				bad += c.hub.nrecip == 0 || c.hub.name[0] == '\0' ||
				    strlen(c.hub.sign_pubkey) != FK_MINISIGN_PK_B64_LEN;
			}
		} else if (fk_device_parse(buf, n, got, &e) == 0) {
			accepted++;
			bad += strlen(got->device_id) != 36;
		}
	}
	CHECK_MSG(bad == 0, "%d accepted mutations are incomplete", bad);
	printf("mutations: 20000 tried, %d still valid (changed whitespace or names), none crashed\n",
	    accepted);
	fk_buf_free(&dev);
	fk_age_identities_free(&ids);
	fk_device_free(&d);
	free(got);
}

int
main(void)
{
	int64_t t;

	check_init();
	test_cards();
	test_draftkey();
	test_home();
	test_mutations();
	CHECK(fk_time_parse_rfc3339("2025-01-31T12:00:00Z", &t) == 0 && t == 1738324800);
	CHECK(fk_time_parse_rfc3339("2025-13-31T12:00:00Z", &t) != 0);
	CHECK(fk_time_parse_rfc3339("2025-01-31T12:00:00+01:00", &t) != 0);
	return check_done("device");
}
