/*
 * card.c - see card.h.
 */
#include "card.h"

#include <stdio.h>
#include <string.h>

#include <jansson.h>
#include <sodium.h>

#include "text.h"
#include "util.h"

#define SIGNED_UNTRUSTED "fieldkit signed document"
#define DEVICE_MAGIC "fieldkit-device-card v1"

void
fk_card_pk_b64(const fk_minisign_pk *pk, char out[64])
{
	uint8_t raw[42];

	memcpy(raw, "Ed", 2);
	memcpy(raw + 2, pk->keynum, 8);
	memcpy(raw + 10, pk->pk, 32);
	sodium_bin2base64(out, 64, raw, sizeof raw, sodium_base64_VARIANT_ORIGINAL);
}

static int
dump(json_t *j, fk_buf *out, fk_err *e)
{
	char *s = j ? json_dumps(j, JSON_COMPACT) : NULL;
	int rc;

	json_decref(j);
	if (s == NULL)
		return fk_fail(e, FK_ENOMEM, _("out of memory"));
	rc = fk_buf_append(out, s, strlen(s), e);
	free(s);
	return rc;
}

int
fk_card_hub_encode(const char *name, const char *recipient, const fk_minisign_pk *pk,
    const char *created, fk_buf *out, fk_err *e)
{
	char b64[64];

	fk_card_pk_b64(pk, b64);
	if (dump(json_pack("{s:s, s:i, s:s, s:[s], s:s, s:s}", "type", "fieldkit-hub-card",
	    "version", 1, "name", name, "recipients", recipient, "sign_pubkey", b64,
	    "created", created), out, e) != 0)
		return -1;
	return fk_buf_append(out, "\n", 1, e);
}

int
fk_card_hub_encode_net(const char *name, const char *const *recipients, size_t nrecip,
    const char *sign_pubkey, const char *url, const char *const *pins, size_t npins,
    const char *created, fk_buf *out, fk_err *e)
{
	json_t *j = json_pack("{s:s, s:i, s:s}", "type", "fieldkit-hub-card", "version", 1,
	    "name", name), *a = json_array(), *p = npins ? json_array() : NULL;
	size_t i;
	int bad = j == NULL || a == NULL || (npins && p == NULL);

	for (i = 0; !bad && i < nrecip; i++)
		bad = json_array_append_new(a, json_string(recipients[i])) != 0;
	for (i = 0; !bad && i < npins; i++)
		bad = json_array_append_new(p, json_string(pins[i])) != 0;
	if (!bad)
		bad = json_object_set(j, "recipients", a) != 0 ||
		    json_object_set_new(j, "sign_pubkey", json_string(sign_pubkey)) != 0 ||
		    (url && url[0] && json_object_set_new(j, "url", json_string(url)) != 0) ||
		    (npins && json_object_set(j, "tls_pins", p) != 0) ||
		    json_object_set_new(j, "created", json_string(created)) != 0;
	json_decref(a);
	json_decref(p);
	if (bad) {
		json_decref(j);
		return fk_fail(e, FK_ENOMEM, _("out of memory"));
	}
	if (dump(j, out, e) != 0)
		return -1;
	return fk_buf_append(out, "\n", 1, e);
}

int
fk_signed_encode(const char *magic, const uint8_t *body, size_t n,
    const fk_minisign_sk *sk, const char *trusted, fk_buf *out, fk_err *e)
{
	fk_buf sig = {0};
	char line[64];
	int rc = -1;

	if (fk_minisign_sign_buf(sk, body, n, trusted, SIGNED_UNTRUSTED, &sig, e) != 0)
		goto fail;
	snprintf(line, sizeof line, "%zu %zu\n", n, sig.len);
	if (fk_buf_append(out, magic, strlen(magic), e) != 0 ||
	    fk_buf_append(out, "\n", 1, e) != 0 ||
	    fk_buf_append(out, line, strlen(line), e) != 0 ||
	    fk_buf_append(out, body, n, e) != 0 || fk_buf_append(out, sig.p, sig.len, e) != 0)
		goto fail;
	rc = 0;
fail:
	fk_buf_free(&sig);
	return rc;
}

int
fk_signed_split(const char *magic, const uint8_t *p, size_t n, const uint8_t **body,
    size_t *blen, const uint8_t **sig, size_t *slen, fk_err *e)
{
	size_t ml = strlen(magic), off;
	const uint8_t *nl;
	size_t a, b, most = 64; /* the lengths line is short: look no further */

	if (n < ml + 1 || memcmp(p, magic, ml) != 0 || p[ml] != '\n')
		return fk_fail(e, FK_EINPUT, _("not a %s file"), magic);
	off = ml + 1;
	nl = memchr(p + off, '\n', n - off < most ? n - off : most);
	/* the bytes as they are: "181 286\0" once passed a C-string parse */
	if (nl == NULL || fk_lengths_parse((const char *)p + off, (size_t)(nl - (p + off)),
	    FK_SIGNED_MAX_BODY, FK_BUNDLE_MAX_SIG, &a, &b) != 0)
		return fk_fail(e, FK_EINPUT, _("malformed %s file"), magic);
	off = (size_t)(nl + 1 - p);
	if (n - off != a + b)
		return fk_fail(e, FK_EINPUT, _("%s file is truncated or has extra bytes"), magic);
	*body = p + off;
	*blen = (size_t)a;
	*sig = p + off + a;
	*slen = (size_t)b;
	return 0;
}

int
fk_signed_verify(const fk_minisign_pk *pk, const uint8_t *body, size_t blen,
    const uint8_t *sig, size_t slen, fk_err *e)
{
	if (!fk_sig_canonical(sig, slen, SIGNED_UNTRUSTED))
		return fk_fail(e, FK_ESIG, _("malformed signature"));
	if (fk_minisign_verify_buf(pk, sig, slen, body, blen, NULL, 0, e) != 0)
		return fk_fail(e, FK_ESIG, _("the signature does not verify (altered or "
		    "forged)"));
	return 0;
}

int
fk_card_device_encode(const fk_device_card *c, const fk_minisign_sk *sk, fk_buf *out,
    fk_err *e)
{
	fk_buf body = {0};
	char b64[64], tc[128];
	int rc;

	fk_card_pk_b64(&c->pk, b64);
	if (dump(json_pack("{s:s, s:i, s:s, s:s, s:s, s:s}", "type", "fieldkit-device-card",
	    "version", 1, "device_id", c->device_id, "name", c->name, "sign_pubkey", b64,
	    "created", c->created), &body, e) != 0)
		return -1;
	snprintf(tc, sizeof tc, "fieldkit-device-card device=%s", c->device_id);
	rc = fk_signed_encode(DEVICE_MAGIC, body.p, body.len, sk, tc, out, e);
	fk_buf_free(&body);
	return rc;
}

int
fk_card_device_parse(const uint8_t *p, size_t n, fk_device_card *c, fk_err *e)
{
	const uint8_t *body, *sig;
	size_t blen, slen;
	json_t *j;
	const char *t, *id, *name, *pk, *cr;
	char shown[FK_ESC_BUF(64)];
	int64_t when;
	int rc = -1;

	memset(c, 0, sizeof *c);
	if (fk_signed_split(DEVICE_MAGIC, p, n, &body, &blen, &sig, &slen, e) != 0)
		return -1;
	if ((j = json_loadb((const char *)body, blen, JSON_REJECT_DUPLICATES, NULL)) == NULL)
		return fk_fail(e, FK_EINPUT, _("malformed device card"));
	t = json_string_value(json_object_get(j, "type"));
	id = json_string_value(json_object_get(j, "device_id"));
	name = json_string_value(json_object_get(j, "name"));
	pk = json_string_value(json_object_get(j, "sign_pubkey"));
	cr = json_string_value(json_object_get(j, "created"));
	if (t == NULL || strcmp(t, "fieldkit-device-card") != 0 || id == NULL ||
	    !fk_device_id_valid(id) || name == NULL || strlen(name) >= sizeof c->name ||
	    pk == NULL || cr == NULL || strlen(cr) >= sizeof c->created ||
	    json_integer_value(json_object_get(j, "version")) != 1) {
		fk_fail(e, FK_EINPUT, _("malformed device card"));
		goto fail;
	}
	/* A name is shown in lists and messages: no control characters (a tab or a
	 * newline would forge a row of `hub devices list`, ESC rewrite the screen). */
	if (json_string_length(json_object_get(j, "name")) != strlen(name) ||
	    !fk_text_plain(name, strlen(name))) {
		fk_escape_display(name, strlen(name), shown, sizeof shown);
		fk_fail(e, FK_EINPUT, _("device card: the device name \"%s\" holds control "
		    "characters; refused (set a plain name on the device and write its card again)"),
		    shown);
		goto fail;
	}
	if (fk_time_parse_rfc3339(cr, &when) != 0) {
		fk_fail(e, FK_EINPUT, _("malformed device card: \"created\" is not a UTC time"));
		goto fail;
	}
	if (fk_minisign_pk_parse((const uint8_t *)pk, strlen(pk), &c->pk, e) != 0)
		goto fail;
	if (fk_signed_verify(&c->pk, body, blen, sig, slen, e) != 0) {
		fk_prefix(e, _("device card"));
		goto fail;
	}
	snprintf(c->device_id, sizeof c->device_id, "%s", id);
	snprintf(c->name, sizeof c->name, "%s", name);
	snprintf(c->created, sizeof c->created, "%s", cr);
	rc = 0;
fail:
	json_decref(j);
	return rc;
}
