/*
 * device.c - see device.h.
 *
 * Hub cards and device.json are parsed strictly: exact key sets, exact types,
 * every key checked. The signing key is made through sync/minisign.h; while
 * that module is not linked in (it is written in parallel), init says so
 * and goes on without a signing key.
 */
#include "device.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <sodium.h>

#include "minisign.h"
#include "pass.h"
#include "store.h"
#include "text.h"

static const uint8_t DRAFTKEY_MAGIC[8] = { 'F', 'K', 'D', 'R', 'A', 'F', 'T', '1' };

int
fk_device_home(const char *opt, char **out, fk_err *e)
{
	const char *v;
	char buf[4096];

	*out = NULL;
	if (opt != NULL && *opt != '\0')
		snprintf(buf, sizeof buf, "%s", opt);
	else if ((v = getenv("FIELDKIT_HOME")) != NULL && *v != '\0')
		snprintf(buf, sizeof buf, "%s", v);
	else if ((v = getenv("XDG_DATA_HOME")) != NULL && *v == '/')
		snprintf(buf, sizeof buf, "%s/fieldkit", v);
	else if ((v = getenv("HOME")) != NULL && *v != '\0')
		snprintf(buf, sizeof buf, "%s/.local/share/fieldkit", v);
	else
		return fk_fail(e, FK_EUSAGE,
		    _("cannot tell where the device home is; give it with --home DIR"));
	*out = strdup(buf);
	if (*out == NULL)
		return fk_fail(e, FK_ENOMEM, _("out of memory"));
	return 0;
}

/* --- fingerprints and keys --- */

void
fk_fingerprint_recipient(const char *recip, char out[40])
{
	uint8_t h[FK_SHA256_LEN];
	static const char hex[] = "0123456789ABCDEF";
	int i, j = 0;

	crypto_hash_sha256(h, (const uint8_t *)recip, strlen(recip));
	for (i = 0; i < 8; i++) {
		if (i > 0 && i % 2 == 0)
			out[j++] = ' ';
		out[j++] = hex[h[i] >> 4];
		out[j++] = hex[h[i] & 15];
	}
	out[j] = '\0';
}

static int
sign_pubkey_decode(const char *b64, size_t len, uint8_t raw[42])
{
	size_t n = 0;

	if (len != FK_MINISIGN_PK_B64_LEN)
		return -1;
	if (sodium_base642bin(raw, 42, b64, len, NULL, &n, NULL,
		sodium_base64_VARIANT_ORIGINAL) != 0 || n != 42)
		return -1;
	if (raw[0] != 'E' || raw[1] != 'd')
		return -1;
	return 0;
}

int
fk_fingerprint_sign_pubkey(const char *b64, char out[17])
{
	uint8_t raw[42];
	static const char hex[] = "0123456789ABCDEF";
	int i;

	if (sign_pubkey_decode(b64, strlen(b64), raw) != 0)
		return -1;
	/* minisign prints the 8-byte key number as a little-endian integer. */
	for (i = 0; i < 8; i++) {
		out[2 * i] = hex[raw[2 + 7 - i] >> 4];
		out[2 * i + 1] = hex[raw[2 + 7 - i] & 15];
	}
	out[16] = '\0';
	return 0;
}

int
fk_sign_pubkey_parse(const uint8_t *p, size_t n, char out[FK_MINISIGN_PK_B64_LEN + 1],
    fk_err *e)
{
	const uint8_t *line = p, *end = p + n, *nl;
	uint8_t raw[42];
	size_t len;

	/* A .pub file: "untrusted comment: ...\n<base64>\n"; or a bare key. */
	if (n > 19 && memcmp(p, "untrusted comment: ", 19) == 0) {
		nl = memchr(p, '\n', n);
		if (nl == NULL)
			return fk_fail(e, FK_EKEY, _("the hub signing key file has no key line"));
		line = nl + 1;
	}
	nl = memchr(line, '\n', (size_t)(end - line));
	len = (size_t)((nl ? nl : end) - line);
	if (len > 0 && line[len - 1] == '\r')
		len--;
	if (nl != NULL) {
		const uint8_t *q;
		for (q = nl + 1; q < end; q++)
			if (*q != '\n' && *q != '\r')
				return fk_fail(e, FK_EKEY,
				    _("the hub signing key has extra text after the key line"));
	}
	if (sign_pubkey_decode((const char *)line, len, raw) != 0)
		return fk_fail(e, FK_EKEY,
		    _("the hub signing key is not a minisign public key (56 base64 characters starting with RW)"));
	memcpy(out, line, len);
	out[len] = '\0';
	return 0;
}

/* --- strict JSON helpers --- */

static int
only_keys(json_t *o, const char *const *keys, const char *what, fk_err *e)
{
	const char *k;
	json_t *v;
	size_t i;

	json_object_foreach(o, k, v) {
		for (i = 0; keys[i] != NULL; i++)
			if (strcmp(k, keys[i]) == 0)
				break;
		if (keys[i] == NULL)
			return fk_fail(e, FK_EINPUT, _("%s: unknown key \"%.64s\""), what, k);
	}
	return 0;
}

static int
get_str(json_t *o, const char *key, char *out, size_t cap, int required, const char *what,
    fk_err *e)
{
	json_t *v = json_object_get(o, key);
	size_t len;

	if (v == NULL) {
		if (required)
			return fk_fail(e, FK_EINPUT, _("%s: \"%s\" is missing"), what, key);
		out[0] = '\0';
		return 0;
	}
	if (!json_is_string(v))
		return fk_fail(e, FK_EINPUT, _("%s: \"%s\" must be a string"), what, key);
	len = json_string_length(v);
	if (len >= cap || memchr(json_string_value(v), '\0', len) != NULL)
		return fk_fail(e, FK_EINPUT, _("%s: \"%s\" is too long"), what, key);
	memcpy(out, json_string_value(v), len + 1);
	return 0;
}

/* --- network sync: a hub's URL and TLS pins --- */

int
fk_hub_url_valid(const char *s)
{
	const char *p = s + 8, *host = p;
	long port;
	char *end;

	if (strlen(s) > FK_HUB_URL_MAX || strncmp(s, "https://", 8) != 0)
		return 0;
	if (*p == '[') {
		for (p++; (*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f') ||
		    (*p >= 'A' && *p <= 'F') || *p == ':' || *p == '.'; p++)
			;
		if (*p != ']' || p == host + 1)
			return 0;
		p++;
	} else {
		for (; (*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'z') ||
		    (*p >= 'A' && *p <= 'Z') || *p == '-' || *p == '.'; p++)
			;
		if (p == host)
			return 0;
	}
	if (*p == ':') {
		if (p[1] < '1' || p[1] > '9')
			return 0;
		port = strtol(p + 1, &end, 10);
		if (port < 1 || port > 65535)
			return 0;
		p = end;
	}
	if (*p == '/')
		p++;
	return *p == 0;
}

int
fk_hub_pin_valid(const char *s)
{
	uint8_t raw[FK_SHA256_LEN];
	size_t got = 0;
	const char *end;

	if (strlen(s) != FK_HUB_PIN_LEN || strncmp(s, "sha256//", 8) != 0)
		return 0;
	return sodium_base642bin(raw, sizeof raw, s + 8, FK_HUB_PIN_LEN - 8, NULL, &got, &end,
	    sodium_base64_VARIANT_ORIGINAL) == 0 && got == sizeof raw && end == s + FK_HUB_PIN_LEN;
}

/* The optional "url" and "tls_pins" of a hub. */
static int
parse_hub_net(json_t *o, fk_hub *h, const char *what, fk_err *e)
{
	json_t *v = json_object_get(o, "url"), *p;
	size_t i;

	h->url[0] = 0;
	h->npins = 0;
	if (v != NULL) {
		if (!json_is_string(v) || strlen(json_string_value(v)) != json_string_length(v) ||
		    !fk_hub_url_valid(json_string_value(v)))
			return fk_fail(e, FK_EINPUT, _("%s: \"url\" must be https://HOST[:PORT]"),
			    what);
		snprintf(h->url, sizeof h->url, "%s", json_string_value(v));
	}
	v = json_object_get(o, "tls_pins");
	if (v == NULL)
		return 0;
	if (!json_is_array(v) || json_array_size(v) == 0 ||
	    json_array_size(v) > FK_HUB_MAX_PINS)
		return fk_fail(e, FK_EINPUT, _("%s: \"tls_pins\" must be a list of 1 to %d pins"),
		    what, FK_HUB_MAX_PINS);
	json_array_foreach(v, i, p) {
		const char *s = json_string_value(p);
		if (s == NULL || !fk_hub_pin_valid(s))
			return fk_fail(e, FK_EINPUT, _("%s: TLS pin %zu is not sha256//<base64>"),
			    what, i + 1);
		memcpy(h->pins[h->npins++], s, FK_HUB_PIN_LEN + 1);
	}
	return 0;
}

static int
hub_net_encode(json_t *h, const fk_hub *hub)
{
	json_t *p;
	size_t i;

	if (hub->url[0] && json_object_set_new(h, "url", json_string(hub->url)) != 0)
		return -1;
	if (hub->npins == 0)
		return 0;
	if ((p = json_array()) == NULL || json_object_set_new(h, "tls_pins", p) != 0)
		return -1;
	for (i = 0; i < hub->npins; i++)
		if (json_array_append_new(p, json_string(hub->pins[i])) != 0)
			return -1;
	return 0;
}

static int
parse_hub(json_t *o, fk_hub *h, const char *what, fk_err *e)
{
	json_t *r, *v;
	size_t i;
	uint8_t pk[FK_KEY_LEN];

	if (get_str(o, "name", h->name, sizeof h->name, 1, what, e) != 0)
		return -1;
	if (h->name[0] == '\0')
		return fk_fail(e, FK_EINPUT, _("%s: the hub name is empty"), what);
	r = json_object_get(o, "recipients");
	if (!json_is_array(r) || json_array_size(r) == 0)
		return fk_fail(e, FK_EINPUT, _("%s: \"recipients\" must be a list of age1... keys"),
		    what);
	if (json_array_size(r) > FK_HUB_MAX_RECIPIENTS)
		return fk_fail(e, FK_ELIMIT, _("%s: more than %d recipients"), what,
		    FK_HUB_MAX_RECIPIENTS);
	h->nrecip = 0;
	json_array_foreach(r, i, v) {
		const char *s = json_string_value(v);
		if (s == NULL || json_string_length(v) != FK_AGE_RECIPIENT_LEN ||
		    fk_age_parse_recipient(s, json_string_length(v), pk, e) != 0)
			return fk_fail(e, FK_EKEY, _("%s: recipient %zu is not an age1... public key"),
			    what, i + 1);
		memcpy(h->recip[h->nrecip++], s, FK_AGE_RECIPIENT_LEN + 1);
	}
	v = json_object_get(o, "sign_pubkey");
	if (!json_is_string(v) ||
	    fk_sign_pubkey_parse((const uint8_t *)json_string_value(v), json_string_length(v),
		h->sign_pubkey, e) != 0 ||
	    strlen(h->sign_pubkey) != json_string_length(v))
		return fk_fail(e, FK_EKEY,
		    _("%s: \"sign_pubkey\" must be a minisign public key (base64, as in a .pub file's 2nd line)"),
		    what);
	return parse_hub_net(o, h, what, e);
}

static json_t *
load_json(const uint8_t *p, size_t n, const char *what, fk_err *e)
{
	json_error_t je;
	json_t *root;

	root = json_loadb((const char *)p, n, JSON_REJECT_DUPLICATES, &je);
	if (root == NULL) {
		fk_json_err_strip(je.text); /* never a byte of the file itself */
		fk_fail(e, FK_EINPUT, _("%s is not valid JSON (line %d: %s)"), what, je.line, je.text);
		return NULL;
	}
	if (!json_is_object(root)) {
		json_decref(root);
		fk_fail(e, FK_EINPUT, _("%s must be a JSON object"), what);
		return NULL;
	}
	return root;
}

int
fk_hubcard_parse(const uint8_t *p, size_t n, fk_hubcard *out, fk_err *e)
{
	static const char *const keys[] = { "type", "version", "name", "recipients",
		"sign_pubkey", "url", "tls_pins", "created", NULL };
	const char *what = _("hub card");
	char type[64];
	json_t *root, *v;
	int64_t t;
	int rc = -1;

	memset(out, 0, sizeof *out);
	if (n > FK_DEVICE_MAX_JSON)
		return fk_fail(e, FK_ELIMIT, _("the hub card is larger than %d bytes"),
		    FK_DEVICE_MAX_JSON);
	if ((root = load_json(p, n, what, e)) == NULL)
		return -1;
	if (only_keys(root, keys, what, e) != 0 ||
	    get_str(root, "type", type, sizeof type, 1, what, e) != 0)
		goto out;
	if (strcmp(type, "fieldkit-hub-card") != 0) {
		fk_fail(e, FK_EINPUT, _("%s: this is not a fieldkit hub card (type \"%s\")"), what,
		    type);
		goto out;
	}
	v = json_object_get(root, "version");
	if (!json_is_integer(v) || json_integer_value(v) != 1) {
		fk_fail(e, FK_EINPUT, _("%s: unsupported version (this fieldkit reads version 1)"),
		    what);
		goto out;
	}
	if (parse_hub(root, &out->hub, what, e) != 0 ||
	    get_str(root, "created", out->created, sizeof out->created, 1, what, e) != 0)
		goto out;
	/* The name is shown when the device is set up and in its status: no control
	 * characters (a device.json written before this check still loads). */
	if (!fk_text_plain(out->hub.name, strlen(out->hub.name))) {
		char shown[FK_ESC_BUF(sizeof out->hub.name)];
		fk_escape_str(out->hub.name, shown, sizeof shown);
		fk_fail(e, FK_EINPUT, _("%s: the hub name \"%s\" holds control characters; "
		    "refused (ask the hub operator for a card with a plain name)"), what, shown);
		goto out;
	}
	if (fk_time_parse_rfc3339(out->created, &t) != 0) {
		fk_fail(e, FK_EINPUT, _("%s: \"created\" is not a UTC time like 2025-01-31T12:00:00Z"),
		    what);
		goto out;
	}
	rc = 0;
out:
	json_decref(root);
	return rc;
}

/* --- retention --- */

int
fk_retention_parse(const char *s, int *purge, int *days, fk_err *e)
{
	char *end;
	long n;

	*days = 0;
	if (strcmp(s, "now") == 0) {
		*purge = FK_RETAIN_NOW;
		return 0;
	}
	if (strcmp(s, "never") == 0) {
		*purge = FK_RETAIN_NEVER;
		return 0;
	}
	if (strncmp(s, "days:", 5) == 0 && s[5] >= '0' && s[5] <= '9') {
		errno = 0;
		n = strtol(s + 5, &end, 10);
		if (*end == '\0' && errno == 0 && n >= 0 && n <= 36500) {
			*purge = FK_RETAIN_DAYS;
			*days = (int)n;
			return 0;
		}
	}
	return fk_fail(e, FK_EINPUT, _("retention must be \"now\", \"days:N\" or \"never\", not \"%.32s\""),
	    s);
}

void
fk_retention_format(int purge, int days, char out[32])
{
	if (purge == FK_RETAIN_DAYS)
		snprintf(out, 32, "days:%d", days);
	else
		snprintf(out, 32, "%s", purge == FK_RETAIN_NEVER ? "never" : "now");
}

/* --- device.json --- */

int
fk_device_parse(const uint8_t *p, size_t n, fk_device *d, fk_err *e)
{
	static const char *const keys[] = { "type", "version", "device_id", "name", "created",
		"purge", "attachment_limit", "hubs", NULL };
	static const char *const hubkeys[] = { "name", "recipients", "sign_pubkey", "url",
		"tls_pins", NULL };
	const char *what = FK_DEVICE_JSON;
	char type[64], purge[FK_TIME_BUF];
	json_t *root, *v, *h;
	size_t i;
	int64_t t;
	int rc = -1;

	if ((root = load_json(p, n, what, e)) == NULL)
		return -1;
	if (only_keys(root, keys, what, e) != 0 ||
	    get_str(root, "type", type, sizeof type, 1, what, e) != 0)
		goto out;
	v = json_object_get(root, "version");
	if (strcmp(type, "fieldkit-device") != 0 || !json_is_integer(v) ||
	    json_integer_value(v) != 1) {
		fk_fail(e, FK_EINPUT, _("%s: not a fieldkit device file of version 1"), what);
		goto out;
	}
	if (get_str(root, "device_id", d->device_id, sizeof d->device_id, 1, what, e) != 0 ||
	    get_str(root, "name", d->name, sizeof d->name, 0, what, e) != 0 ||
	    get_str(root, "created", d->created, sizeof d->created, 1, what, e) != 0 ||
	    get_str(root, "purge", purge, sizeof purge, 1, what, e) != 0 ||
	    fk_retention_parse(purge, &d->purge, &d->purge_days, e) != 0)
		goto out;
	if (strlen(d->device_id) != 36 || fk_time_parse_rfc3339(d->created, &t) != 0) {
		fk_fail(e, FK_EINPUT, _("%s: device_id or created is malformed"), what);
		goto out;
	}
	v = json_object_get(root, "attachment_limit");
	if (!json_is_integer(v) || json_integer_value(v) < 0) {
		fk_fail(e, FK_EINPUT, _("%s: \"attachment_limit\" must be a number of bytes"), what);
		goto out;
	}
	d->att_limit = (uint64_t)json_integer_value(v);
	v = json_object_get(root, "hubs");
	if (!json_is_array(v) || json_array_size(v) > FK_DEVICE_MAX_HUBS) {
		fk_fail(e, FK_EINPUT, _("%s: \"hubs\" must be a list of at most %d hubs"), what,
		    FK_DEVICE_MAX_HUBS);
		goto out;
	}
	d->nhubs = 0;
	json_array_foreach(v, i, h) {
		if (!json_is_object(h) || only_keys(h, hubkeys, what, e) != 0 ||
		    parse_hub(h, &d->hubs[d->nhubs], what, e) != 0) {
			if (!json_is_object(h))
				fk_fail(e, FK_EINPUT, _("%s: a hub must be an object"), what);
			goto out;
		}
		d->nhubs++;
	}
	rc = 0;
out:
	json_decref(root);
	return rc;
}

static int
dump_buf(const char *p, size_t n, void *ctx)
{
	return fk_buf_append(ctx, p, n, NULL);
}

int
fk_device_encode(const fk_device *d, fk_buf *out, fk_err *e)
{
	json_t *root, *hubs, *h, *r;
	char purge[FK_TIME_BUF];
	size_t i, j;
	int rc = -1;

	fk_retention_format(d->purge, d->purge_days, purge);
	root = json_pack("{s:s, s:i, s:s, s:s, s:s, s:s, s:I}", "type", "fieldkit-device",
	    "version", 1, "device_id", d->device_id, "name", d->name, "created", d->created,
	    "purge", purge, "attachment_limit", (json_int_t)d->att_limit);
	hubs = json_array();
	if (root == NULL || hubs == NULL)
		goto nomem;
	for (i = 0; i < d->nhubs; i++) {
		r = json_array();
		for (j = 0; r != NULL && j < d->hubs[i].nrecip; j++)
			json_array_append_new(r, json_string(d->hubs[i].recip[j]));
		h = json_pack("{s:s, s:o, s:s}", "name", d->hubs[i].name, "recipients", r,
		    "sign_pubkey", d->hubs[i].sign_pubkey);
		if (h == NULL || hub_net_encode(h, &d->hubs[i]) != 0 ||
		    json_array_append_new(hubs, h) != 0)
			goto nomem;
	}
	if (json_object_set_new(root, "hubs", hubs) != 0) {
		hubs = NULL;
		goto nomem;
	}
	hubs = NULL;
	rc = json_dump_callback(root, dump_buf, out, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	if (rc == 0)
		rc = fk_buf_append(out, "\n", 1, e);
	json_decref(root);
	return rc == 0 ? 0 : fk_fail(e, FK_ENOMEM, _("out of memory"));
nomem:
	json_decref(hubs);
	json_decref(root);
	return fk_fail(e, FK_ENOMEM, _("out of memory"));
}

int
fk_device_load(fk_device *d, const char *home, fk_err *e)
{
	fk_buf b = { 0 };
	char *path;
	int rc;

	memset(d, 0, sizeof *d);
	if ((d->home = strdup(home)) == NULL || (path = fk_path_join(home, FK_DEVICE_JSON)) == NULL)
		return fk_fail(e, FK_ENOMEM, _("out of memory"));
	if (access(path, F_OK) != 0) {
		free(path);
		return fk_fail(e, FK_ESTATE,
		    _("no fieldkit device is set up in %s; run 'fieldkit init' first"), home);
	}
	rc = fk_read_file(path, FK_DEVICE_MAX_JSON, &b, e);
	if (rc == 0)
		rc = fk_device_parse(b.p, b.len, d, e);
	if (rc == 0 && d->nhubs == 0)
		rc = fk_fail(e, FK_ESTATE, _("%s names no hub to encrypt to"), path);
	fk_buf_free(&b);
	free(path);
	return rc;
}

int
fk_device_save(const fk_device *d, fk_err *e)
{
	fk_buf b = { 0 };
	char *path = fk_path_join(d->home, FK_DEVICE_JSON);
	int rc;

	if (path == NULL)
		return fk_fail(e, FK_ENOMEM, _("out of memory"));
	rc = fk_device_encode(d, &b, e);
	if (rc == 0)
		rc = fk_write_file_atomic(path, b.p, b.len, 0600, e);
	fk_buf_free(&b);
	free(path);
	return rc;
}

void
fk_device_free(fk_device *d)
{
	free(d->home);
	d->home = NULL;
}

int
fk_device_recipients(const fk_device *d, fk_age_recipients *r, fk_err *e)
{
	uint8_t pk[FK_KEY_LEN];
	size_t i, j;

	memset(r, 0, sizeof *r);
	for (i = 0; i < d->nhubs; i++)
		for (j = 0; j < d->hubs[i].nrecip; j++) {
			if (fk_age_parse_recipient(d->hubs[i].recip[j], FK_AGE_RECIPIENT_LEN, pk,
				e) != 0 ||
			    fk_age_recipients_add(r, pk, e) != 0) {
				fk_age_recipients_free(r);
				return -1;
			}
		}
	if (r->n == 0)
		return fk_fail(e, FK_ESTATE, _("the device has no hub recipient to encrypt to"));
	return 0;
}

/* --- the draft key --- */

static void
put64(uint8_t *p, uint64_t v)
{
	int i;

	for (i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t
get64(const uint8_t *p)
{
	uint64_t v = 0;
	int i;

	for (i = 7; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
}

/* Layout: magic 8 | opslimit 8 | memlimit 8 | salt 16 | nonce 24 | ct 32+16. */
#define DK_AAD_LEN 40
#define DK_NONCE_OFF 40
#define DK_CT_OFF 64

static int
draftkey_kek(const uint8_t *pass, size_t passlen, const uint8_t *hdr, fk_secret *kek,
    fk_err *e)
{
	uint64_t ops = get64(hdr + 8), mem = get64(hdr + 16);

	if (ops < crypto_pwhash_OPSLIMIT_MIN || ops > 16 || mem < 8192 ||
	    mem > 1024ull * 1024 * 1024)
		return fk_fail(e, FK_EKEY, _("the draft key file has unsafe or corrupt parameters"));
	if (fk_secret_alloc(kek, 32, e) != 0)
		return -1;
	if (crypto_pwhash(kek->p, 32, (const char *)pass, passlen, hdr + 24,
		(unsigned long long)ops, (size_t)mem, crypto_pwhash_ALG_ARGON2ID13) != 0) {
		fk_secret_free(kek);
		return fk_fail(e, FK_ENOMEM, _("not enough memory to unlock the draft key"));
	}
	return 0;
}

int
fk_draftkey_wrap(const uint8_t key[FK_KEY_LEN], const uint8_t *pass, size_t passlen,
    unsigned long long ops, size_t mem, uint8_t out[FK_DRAFTKEY_FILE_LEN], fk_err *e)
{
	fk_secret kek;

	memcpy(out, DRAFTKEY_MAGIC, 8);
	put64(out + 8, ops);
	put64(out + 16, mem);
	randombytes_buf(out + 24, 16);
	randombytes_buf(out + DK_NONCE_OFF, 24);
	if (draftkey_kek(pass, passlen, out, &kek, e) != 0)
		return -1;
	crypto_aead_xchacha20poly1305_ietf_encrypt(out + DK_CT_OFF, NULL, key, 32, out,
	    DK_AAD_LEN, NULL, out + DK_NONCE_OFF, kek.p);
	fk_secret_free(&kek);
	return 0;
}

int
fk_draftkey_unwrap(const uint8_t *file, size_t n, const uint8_t *pass, size_t passlen,
    fk_secret *key, fk_err *e)
{
	fk_secret kek;
	int rc;

	key->p = NULL;
	if (n != FK_DRAFTKEY_FILE_LEN || memcmp(file, DRAFTKEY_MAGIC, 8) != 0)
		return fk_fail(e, FK_EKEY, _("the draft key file is not a fieldkit draft key"));
	if (draftkey_kek(pass, passlen, file, &kek, e) != 0)
		return -1;
	if (fk_secret_alloc(key, 32, e) != 0) {
		fk_secret_free(&kek);
		return -1;
	}
	rc = crypto_aead_xchacha20poly1305_ietf_decrypt(key->p, NULL, NULL, file + DK_CT_OFF,
	    48, file, DK_AAD_LEN, file + DK_NONCE_OFF, kek.p);
	fk_secret_free(&kek);
	if (rc != 0) {
		fk_secret_free(key);
		return fk_fail(e, FK_EPASS, _("wrong passphrase for this device (drafts stay locked)"));
	}
	return 0;
}

int
fk_device_unlock_drafts(const char *home, const char *passfile, fk_secret *key, fk_err *e)
{
	char *path = fk_path_join(home, FK_DEVICE_DRAFT_KEY);
	fk_secret file = { 0 }, pass = { 0 };
	int rc = -1, tries, asks = fk_pass_asks(passfile);

	key->p = NULL;
	if (path == NULL)
		return fk_fail(e, FK_ENOMEM, _("out of memory"));
	if (fk_read_secret_file(path, 4096, &file, e) != 0)
		goto out;
	/* Typed on the terminal: a mistyped passphrase is asked again, three
	 * tries in all (from a file: once). */
	for (tries = 0; tries < (asks ? 3 : 1); tries++) {
		if (fk_pass_get(tries == 0 ? _("Device passphrase: ") :
		    _("Wrong passphrase; try again: "), 0, passfile, &pass, e) != 0)
			goto out;
		rc = fk_draftkey_unwrap(file.p, file.len, pass.p, pass.len, key, e);
		fk_secret_free(&pass);
		if (rc == 0 || e->code != FK_EPASS)
			break;
	}
out:
	if (file.p != NULL)
		fk_secret_free(&file);
	if (pass.p != NULL)
		fk_secret_free(&pass);
	free(path);
	return rc;
}

/* --- creating a device home --- */

static int
write_home_file(const char *home, const char *name, const void *p, size_t n, int secret,
    fk_err *e)
{
	char *path = fk_path_join(home, name);
	int rc;

	if (path == NULL)
		return fk_fail(e, FK_ENOMEM, _("out of memory"));
	rc = secret ? fk_write_secret_file(path, p, n, 1, e) :
		      fk_write_file_atomic(path, p, n, 0644, e);
	free(path);
	return rc;
}

static int
make_sign_key(const char *home, const uint8_t *pass, size_t passlen, fk_err *e)
{
	fk_minisign_sk *sk = NULL;
	fk_minisign_pk pk;
	fk_secret enc = { 0 };
	fk_buf pub = { 0 };
	int rc = -1;

	if (fk_minisign_keygen(&sk, &pk, e) != 0)
		return -1;
	if (fk_minisign_sk_encode(sk, pass, passlen, &enc, e) != 0 ||
	    fk_minisign_pk_encode(&pk, &pub, e) != 0)
		goto out;
	if (write_home_file(home, FK_DEVICE_SIGN_KEY, enc.p, enc.len, 1, e) != 0 ||
	    write_home_file(home, FK_DEVICE_SIGN_PUB, pub.p, pub.len, 0, e) != 0)
		goto out;
	rc = 0;
out:
	if (enc.p != NULL)
		fk_secret_free(&enc);
	fk_buf_free(&pub);
	fk_minisign_sk_free(sk);
	return rc;
}

int
fk_device_home_free(const char *home, fk_err *e)
{
	char *path = fk_path_join(home, FK_DEVICE_JSON);
	int exists;

	if (path == NULL)
		return fk_fail(e, FK_ENOMEM, _("out of memory"));
	exists = access(path, F_OK) == 0;
	free(path);
	if (exists)
		return fk_fail(e, FK_ESTATE,
		    _("a device is already set up in %s; its records would be orphaned, so it is left as it is"),
		    home);
	return 0;
}

int
fk_device_create(fk_device *d, const uint8_t *pass, size_t passlen, fk_err *e)
{
	uint8_t wrapped[FK_DRAFTKEY_FILE_LEN];
	fk_secret key;
	fk_store *st = NULL;

	if (d->nhubs == 0)
		return fk_fail(e, FK_EUSAGE, _("a device needs at least one hub to encrypt to"));
	if (fk_device_home_free(d->home, e) != 0)
		return -1;
	if (fk_mkdirs(d->home, 0700, e) != 0)
		return -1;
	if (chmod(d->home, 0700) != 0)
		return fk_fail(e, FK_EIO, _("cannot make %s private: %s"), d->home, strerror(errno));
	fk_uuid(d->device_id);
	fk_time_rfc3339((int64_t)time(NULL), d->created);
	if (d->att_limit == 0)
		d->att_limit = FK_DEVICE_DEFAULT_ATT_LIMIT;
	if (make_sign_key(d->home, pass, passlen, e) != 0)
		return fk_prefix(e, _("signing key"));
	if (fk_secret_alloc(&key, 32, e) != 0)
		return -1;
	randombytes_buf(key.p, 32);
	if (fk_draftkey_wrap(key.p, pass, passlen, FK_DRAFTKEY_OPSLIMIT, FK_DRAFTKEY_MEMLIMIT,
		wrapped, e) != 0) {
		fk_secret_free(&key);
		return -1;
	}
	fk_secret_free(&key);
	if (write_home_file(d->home, FK_DEVICE_DRAFT_KEY, wrapped, sizeof wrapped, 1, e) != 0)
		return -1;
	if (fk_store_open(&st, d->home, FK_STORE_WRITE, e) != 0)
		return -1;
	fk_store_close(st);
	/* device.json last: its presence means the home is complete. */
	return fk_device_save(d, e);
}

int
fk_device_store_open(const fk_device *d, int mode, fk_store **s, fk_err *e)
{
	size_t purged;

	if (fk_store_open(s, d->home, mode, e) != 0)
		return -1;
	fk_store_set_retention(*s, d->purge, d->purge_days);
	if (mode == FK_STORE_WRITE &&
	    fk_store_purge_due(*s, (int64_t)time(NULL), &purged, e) != 0) {
		fk_store_close(*s);
		*s = NULL;
		return -1;
	}
	return 0;
}
