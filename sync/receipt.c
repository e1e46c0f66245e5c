/*
 * receipt.c - see receipt.h.
 */
#include "receipt.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "card.h"
#include "util.h"

int
fk_receipt_encode(const char *hub, const char *device_id, json_t *records,
    const fk_minisign_sk *sk, fk_buf *out, fk_err *e)
{
	json_t *j;
	char when[FK_TIME_BUF], tc[256], *body = NULL;
	int rc = -1;

	fk_now_rfc3339(when);
	j = json_pack("{s:s, s:i, s:s, s:s, s:s, s:O}", "type", "fieldkit-receipt", "version",
	    1, "hub", hub, "device_id", device_id, "created", when, "records", records);
	if (j == NULL || (body = json_dumps(j, JSON_COMPACT)) == NULL) {
		fk_fail(e, FK_ENOMEM, _("out of memory"));
		goto fail;
	}
	snprintf(tc, sizeof tc, "fieldkit-receipt hub=%.100s device=%s", hub, device_id);
	rc = fk_signed_encode(FK_RECEIPT_MAGIC, (const uint8_t *)body, strlen(body), sk, tc,
	    out, e);
fail:
	json_decref(j);
	free(body);
	return rc;
}

void
fk_receipt_free(fk_receipt *r)
{
	free(r->ids);
	free(r->ct);
	memset(r, 0, sizeof *r);
}

static int
parse_body(const uint8_t *body, size_t blen, fk_receipt *r, fk_err *e)
{
	json_t *j = json_loadb((const char *)body, blen, JSON_REJECT_DUPLICATES, NULL), *recs;
	const char *t, *hub, *dev, *cr;
	int64_t when;
	size_t i;
	int rc = -1;

	if (j == NULL)
		return fk_fail(e, FK_EINPUT, _("malformed receipt"));
	t = json_string_value(json_object_get(j, "type"));
	hub = json_string_value(json_object_get(j, "hub"));
	dev = json_string_value(json_object_get(j, "device_id"));
	cr = json_string_value(json_object_get(j, "created"));
	recs = json_object_get(j, "records");
	if (t == NULL || strcmp(t, "fieldkit-receipt") != 0 || hub == NULL ||
	    strlen(hub) > FK_NAME_MAX || dev == NULL || strlen(dev) > FK_ID_MAX ||
	    cr == NULL || strlen(cr) >= sizeof r->created || fk_time_parse_rfc3339(cr, &when) ||
	    !json_is_array(recs) ||
	    json_integer_value(json_object_get(j, "version")) != 1) {
		fk_fail(e, FK_EINPUT, _("malformed receipt"));
		goto fail;
	}
	snprintf(r->hub, sizeof r->hub, "%s", hub);
	snprintf(r->device_id, sizeof r->device_id, "%s", dev);
	snprintf(r->created, sizeof r->created, "%s", cr);
	r->n = json_array_size(recs);
	r->ids = calloc(r->n + 1, sizeof *r->ids);
	r->ct = calloc(r->n + 1, sizeof *r->ct);
	if (r->ids == NULL || r->ct == NULL) {
		fk_fail(e, FK_ENOMEM, _("out of memory"));
		goto fail;
	}
	for (i = 0; i < r->n; i++) {
		json_t *x = json_array_get(recs, i);
		const char *id = json_string_value(json_array_get(x, 0));
		const char *h = json_string_value(json_array_get(x, 1));
		if (json_array_size(x) != 2 || id == NULL || !fk_uuid_valid(id) || h == NULL ||
		    fk_unhex(h, r->ct[i], FK_SHA256_LEN) != 0) {
			fk_fail(e, FK_EINPUT, _("malformed receipt"));
			goto fail;
		}
		memcpy(r->ids[i], id, FK_UUID_BUF);
	}
	rc = 0;
fail:
	json_decref(j);
	return rc;
}

int
fk_receipt_check(const uint8_t *p, size_t len, const fk_minisign_pk *pks,
    const char *const *names, size_t npk, const char *device_id, fk_receipt *r, fk_err *e)
{
	const uint8_t *body, *sig;
	size_t blen, slen, i;

	memset(r, 0, sizeof *r);
	if (fk_signed_split(FK_RECEIPT_MAGIC, p, len, &body, &blen, &sig, &slen, e) != 0)
		return -1;
	for (i = 0; i < npk; i++)
		if (fk_signed_verify(&pks[i], body, blen, sig, slen, e) == 0)
			break;
	if (i == npk)
		return fk_fail(e, FK_ESIG, _("the receipt is not signed by any hub this device "
		    "sends to (another hub's receipt, or altered or forged)"));
	if (parse_body(body, blen, r, e) != 0)
		goto fail;
	if (strcmp(r->hub, names[i]) != 0) {
		fk_fail(e, FK_ESIG, _("the receipt names hub %s but is signed by hub %s"),
		    r->hub, names[i]);
		goto fail;
	}
	if (strcmp(r->device_id, device_id) != 0) {
		fk_fail(e, FK_ESTATE, _("the receipt is for device %s, not this one (%s)"),
		    r->device_id, device_id);
		goto fail;
	}
	return 0;
fail:
	fk_receipt_free(r);
	return -1;
}
