/*
 * fuzz_text.c - libFuzzer entry over the small text parsers of outside input,
 * each with a property that must hold, not only "no crash". The first byte
 * picks the parser; the rest is its input:
 *   0: the escaper (text.h): the result is plain text (escaping it again
 *      changes nothing), valid UTF-8 without a byte a terminal acts on, and
 *      no longer than FK_ESC_BUF; fk_text_plain agrees with it;
 *      UTF-8 validation and counting agree with decoding;
 *   1: transliteration (translit.h): fails exactly on invalid UTF-8, else the
 *      result is valid UTF-8 within the documented bound;
 *   2: a short reference as typed (shortref.h): a valid one normalizes to a
 *      reference that is valid and formats/normalizes back to itself;
 *   3: RFC 3339 times (util.h) round-trip exactly; dates and date-times of
 *      answers (expr.h) are parsed;
 *   4: a passphrase file (pass.h);
 *   5: the lengths line of bundles and signed files (wire.h), hex, UUIDs,
 *      device ids, retention settings, QR error levels;
 *   6: age recipients and identity files, Bech32 (age.h, bech32.h);
 *   7: Base45 (base45.h), strict round trip, and the QR text receiver
 *      (qr.h fk_qr_receive_text: one frame per line).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "age.h"
#include "base45.h"
#include "bech32.h"
#include "device.h"
#include "expr.h"
#include "fuzz_util.h"
#include "pass.h"
#include "qr.h"
#include "shortref.h"
#include "text.h"
#include "translit.h"
#include "util.h"
#include "wire.h"

static char *
cstr(const uint8_t *p, size_t n)
{
	char *s = malloc(n + 1);

	if (s == NULL)
		abort();
	memcpy(s, p, n);
	s[n] = 0;
	return s;
}

static void
escaper(const uint8_t *p, size_t n)
{
	size_t len = fk_escape_display(p, n, NULL, 0), i, k, off;
	char *a = malloc(len + 1), *b;
	uint32_t c;

	if (a == NULL)
		abort();
	if (fk_escape_display(p, n, a, len + 1) != len || strlen(a) != len ||
	    len > FK_ESC_BUF(n) - 1)
		abort();
	if (!fk_text_plain(a, len) || !fk_utf8_valid((const uint8_t *)a, len, NULL))
		abort();
	for (i = 0; i < len; i++)
		if ((uint8_t)a[i] < 0x20 || (uint8_t)a[i] == 0x7f)
			abort();
	if ((b = fk_escape_dup(a, len)) == NULL || strcmp(a, b) != 0)
		abort();
	free(b);
	if (fk_text_plain(p, n) != (len == n && memcmp(a, p, n) == 0))
		abort();
	/* Truncation: a prefix of whole escapes, always terminated. */
	if (len > 0) {
		char small[16];
		fk_escape_display(p, n, small, 1 + p[0] % sizeof small);
		if (strncmp(small, a, strlen(small)) != 0)
			abort();
	}
	free(a);
	/* Validation agrees with decoding. */
	for (off = 0, i = 1; off < n; off += k) {
		if ((k = fk_utf8_decode(p + off, n - off, &c)) == 0) {
			i = 0;
			break;
		}
	}
	if (fk_utf8_valid(p, n, NULL) != (int)i)
		abort();
	(void)fk_utf8_count(p, n, 100);
}

static void
translit(const uint8_t *p, size_t n)
{
	fk_buf out = {0};
	fk_err e;
	int ok = fk_translit_uk(p, n, &out, &e) == 0;

	if (ok != fk_utf8_valid(p, n, NULL))
		abort();
	if (ok && (out.len > 4 * n + 1 || !fk_utf8_valid(out.p, out.len, NULL)))
		abort();
	fk_buf_free(&out);
}

static void
shortref(const uint8_t *p, size_t n)
{
	char ref[FK_SHORTREF_LEN + 1], again[FK_SHORTREF_LEN + 1], shown[10];

	if (fk_shortref_normalize((const char *)p, n, ref) != 0)
		return;
	if (!fk_shortref_valid(ref))
		abort();
	fk_shortref_format(ref, shown);
	if (fk_shortref_normalize(shown, strlen(shown), again) != 0 || strcmp(ref, again) != 0)
		abort();
}

static void
times(const uint8_t *p, size_t n)
{
	char *s = cstr(p, n), back[FK_TIME_BUF];
	int64_t t;
	int y, m, d;

	if (fk_time_parse_rfc3339(s, &t) == 0) {
		fk_time_rfc3339(t, back);
		if (strcmp(back, s) != 0)
			abort();
	}
	(void)fk_date_parse(s, n, &y, &m, &d);
	(void)fk_datetime_parse(s, n);
	free(s);
}

static void
passphrase(const uint8_t *p, size_t n)
{
	fk_secret s = {0};
	fk_err e;

	if (fk_pass_from_bytes(p, n, &s, &e) == 0) {
		if (s.len == 0 || s.len > n || memchr(s.p, '\n', s.len) != NULL)
			abort();
		fk_secret_free(&s);
	}
}

static void
small(const uint8_t *p, size_t n)
{
	char *s = cstr(p, n);
	size_t a, b;
	uint8_t raw[64];
	int purge, days;
	fk_err e;

	if (fk_lengths_parse((const char *)p, n, 1u << 30, 1u << 20, &a, &b) == 0 &&
	    (a == 0 || b == 0 || a > 1u << 30 || b > 1u << 20))
		abort();
	(void)fk_unhex(s, raw, n / 2 < sizeof raw ? n / 2 : sizeof raw);
	(void)fk_uuid_valid(s);
	(void)fk_device_id_valid(s);
	(void)fk_retention_parse(s, &purge, &days, &e);
	(void)fk_qr_parse_level(s);
	(void)fk_sig_canonical(p, n, "fieldkit signed document");
	free(s);
}

static void
age_text(const uint8_t *p, size_t n)
{
	fk_age_recipients r = {0};
	fk_age_identities ids = {0};
	uint8_t key[FK_KEY_LEN], data[128];
	char hrp[32];
	size_t dl;
	fk_err e;

	(void)fk_age_parse_recipient((const char *)p, n, key, &e);
	(void)fk_age_parse_identity((const char *)p, n, key, &e);
	(void)fk_bech32_decode((const char *)p, n, hrp, sizeof hrp, data, sizeof data, &dl);
	(void)fk_age_recipients_parse(&r, p, n, &e);
	fk_age_recipients_free(&r);
	(void)fk_age_identities_parse(&ids, p, n, &e);
	fk_age_identities_free(&ids);
}

static void
base45(const uint8_t *p, size_t n)
{
	uint8_t *out = malloc(n / 3 * 2 + 2);
	char *re;
	long k;
	fk_buf file = {0};
	fk_err e;

	if (out == NULL)
		abort();
	k = fk_base45_decode((const char *)p, n, out);
	if (k >= 0) {
		/* Strict: what decodes re-encodes to the same text. */
		if ((re = malloc(fk_base45_enclen((size_t)k) + 1)) == NULL)
			abort();
		fk_base45_encode(out, (size_t)k, re);
		if (fk_base45_enclen((size_t)k) != n || memcmp(re, p, n) != 0)
			abort();
		free(re);
	}
	free(out);
	if (fk_qr_receive_text(p, n, &file, &e) == 0)
		fk_buf_free(&file);
}

int LLVMFuzzerInitialize(int *argc, char ***argv);

/* Before the corpus is read, so that the seeds are in it. */
int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if (sodium_init() < 0)
		abort();
	{
		fz_seed_tagged("escape", 0, "a\x1b[2Jb\xe2\x80\xae\xc2\x9b\xff", 11);
		fz_seed_tagged("translit", 1, "Згурський Юрій", strlen("Згурський Юрій"));
		fz_seed_tagged("shortref", 2, "akas-3ych", 9);
		fz_seed_tagged("time", 3, "2026-01-31T12:00:00Z", 20);
		fz_seed_tagged("datetime", 3, "2024-02-29T23:59:59.5+02:00", 27);
		fz_seed_tagged("pass", 4, "correct horse\r\nmore", 19);
		fz_seed_tagged("lengths", 5, "123 456", 7);
		fz_seed_tagged("recipient", 6,
		    "# c\nage1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p\n", 66);
		fz_seed_tagged("base45", 7, "BB8", 3);
	}
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	data++;
	size--;
	switch (data[-1] % 8) {
	case 0: escaper(data, size); break;
	case 1: translit(data, size); break;
	case 2: shortref(data, size); break;
	case 3: times(data, size); break;
	case 4: passphrase(data, size); break;
	case 5: small(data, size); break;
	case 6: age_text(data, size); break;
	default: base45(data, size); break;
	}
	return 0;
}
