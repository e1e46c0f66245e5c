/*
 * wire.c - see wire.h.
 */
#include "wire.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sodium.h>
#include <zstd.h>

int
fk_device_id_valid(const char *s)
{
	size_t i, n = strlen(s);

	if (n == 0 || n > FK_ID_MAX)
		return 0;
	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '-' && s[i] != '_' && s[i] != '.')
			return 0;
	return 1;
}

/* Decimal s[0..n): digits only (a NUL or anything else refused), no leading zero. */
static int
parse_len(const char *s, size_t n, size_t max, size_t *out)
{
	size_t v = 0, i;

	if (n == 0 || (s[0] == '0' && n > 1))
		return -1;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (size_t)(s[i] - '0');
		if (v > max)
			return -1;
	}
	*out = v;
	return 0;
}

/* Whether base64 line l (n chars) decodes to want bytes and re-encodes to itself. */
static int
canon_b64(const uint8_t *l, size_t n, size_t want)
{
	uint8_t bin[128];
	char re[256];
	size_t got;

	if (n >= sizeof re || sodium_base642bin(bin, sizeof bin, (const char *)l, n, NULL,
	    &got, NULL, sodium_base64_VARIANT_ORIGINAL) != 0 || got != want)
		return 0;
	sodium_bin2base64(re, sizeof re, bin, got, sodium_base64_VARIANT_ORIGINAL);
	return strlen(re) == n && memcmp(re, l, n) == 0;
}

/*
 * The signature text must be exactly what we write: four lines ending in
 * newlines, our untrusted comment, canonical base64. Minisign does not sign
 * the untrusted comment, so without this a changed byte there would pass.
 */
int
fk_sig_canonical(const uint8_t *p, size_t len, const char *untrusted)
{
	char l1[FK_MINISIGN_UNTRUSTED_MAX + 32];
	const uint8_t *l[4], *end = p + len, *q = p;
	size_t ll[4], n1;
	int k;

	n1 = (size_t)snprintf(l1, sizeof l1, "untrusted comment: %s\n", untrusted);

	for (k = 0; k < 4; k++) {
		const uint8_t *nl = memchr(q, '\n', (size_t)(end - q));
		if (nl == NULL)
			return 0;
		l[k] = q;
		ll[k] = (size_t)(nl - q);
		q = nl + 1;
	}
	return q == end && ll[0] + 1 == n1 && memcmp(p, l1, n1) == 0 &&
	    canon_b64(l[1], ll[1], 74) && canon_b64(l[3], ll[3], 64) &&
	    memchr(l[2], '\r', ll[2]) == NULL;
}

int
fk_lengths_parse(const char *line, size_t n, size_t max_a, size_t max_b, size_t *a, size_t *b)
{
	const char *sp = memchr(line, ' ', n);

	if (sp == NULL || parse_len(line, (size_t)(sp - line), max_a, a) != 0 ||
	    parse_len(sp + 1, n - (size_t)(sp + 1 - line), max_b, b) != 0 || *a == 0 || *b == 0)
		return -1;
	return 0;
}

int
fk_zstd_inflate(const uint8_t *p, size_t n, size_t max, fk_buf *out, fk_err *e)
{
	ZSTD_DCtx *d = ZSTD_createDCtx();
	ZSTD_inBuffer in = {p, n, 0};
	uint8_t tmp[65536];
	size_t ret = 1;
	int rc = -1;

	if (d == NULL)
		return fk_fail(e, FK_ENOMEM, _("out of memory"));
	ZSTD_DCtx_setParameter(d, ZSTD_d_windowLogMax, 24);
	out->max = max;
	while (ret != 0) {
		ZSTD_outBuffer o = {tmp, sizeof tmp, 0};
		size_t before = in.pos;
		ret = ZSTD_decompressStream(d, &o, &in);
		if (ZSTD_isError(ret)) {
			fk_fail(e, FK_EINPUT, _("corrupt compressed data"));
			goto fail;
		}
		if (fk_buf_append(out, tmp, o.pos, e) != 0) {
			fk_fail(e, FK_ELIMIT, _("decompresses to more than %zu MB (compression "
			    "bomb?)"), max >> 20);
			goto fail;
		}
		if (ret != 0 && in.pos == before && o.pos == 0) {
			fk_fail(e, FK_EINPUT, _("compressed data truncated"));
			goto fail;
		}
	}
	if (in.pos != in.size) {
		fk_fail(e, FK_EINPUT, _("data after the compressed data"));
		goto fail;
	}
	rc = 0;
fail:
	sodium_memzero(tmp, sizeof tmp);
	ZSTD_freeDCtx(d);
	return rc;
}
