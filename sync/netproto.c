/*
 * netproto.c - see netproto.h.
 */
#include "netproto.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#define SIG_MAGIC "fieldkit-request v1"

static int
has_ctl(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 1;
	return 0;
}

int
fk_net_sig_base(const fk_net_req *r, const char *device_id, int64_t created,
    const char *nonce, fk_buf *out, fk_err *e)
{
	const char *f[] = { r->method, r->path, r->hub_keyid, device_id, nonce,
		r->upload_length, r->upload_offset, r->upload_metadata, r->upload_checksum,
		r->content_length };
	char line[8192];
	size_t i;
	int n;

	for (i = 0; i < sizeof f / sizeof f[0]; i++)
		if (f[i] == NULL || has_ctl(f[i]) || strlen(f[i]) > 2048)
			return fk_fail(e, FK_EINPUT, _("a signed request field is malformed"));
	n = snprintf(line, sizeof line, SIG_MAGIC "\n%s\n%s\nhub %s\ndevice %s\ncreated %lld\n"
	    "nonce %s\nupload-length %s\nupload-offset %s\nupload-metadata %s\n"
	    "upload-checksum %s\ncontent-length %s", r->method, r->path, r->hub_keyid,
	    device_id, (long long)created, nonce, r->upload_length, r->upload_offset,
	    r->upload_metadata, r->upload_checksum, r->content_length);
	if (n < 0 || (size_t)n >= sizeof line)
		return fk_fail(e, FK_EINPUT, _("a signed request field is malformed"));
	out->len = 0;
	return fk_buf_append(out, line, (size_t)n, e);
}

int
fk_net_sign(const fk_net_req *r, const char *device_id, const fk_minisign_sk *sk,
    int64_t skew, char out[FK_NET_SIG_MAX], fk_err *e)
{
	uint8_t raw[16], sig[64];
	char nonce[FK_NET_NONCE_LEN + 2], sb64[90];
	fk_buf base = {0};
	int64_t now = (int64_t)time(NULL) + skew;
	int n;

	randombytes_buf(raw, sizeof raw);
	sodium_bin2base64(nonce, sizeof nonce, raw, sizeof raw,
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	if (!fk_device_id_valid(device_id))
		return fk_fail(e, FK_EINPUT, _("malformed device id"));
	if (fk_net_sig_base(r, device_id, now, nonce, &base, e) != 0)
		return -1;
	crypto_sign_detached(sig, NULL, base.p, base.len, sk->sk);
	fk_buf_free(&base);
	sodium_bin2base64(sb64, sizeof sb64, sig, sizeof sig, sodium_base64_VARIANT_ORIGINAL);
	n = snprintf(out, FK_NET_SIG_MAX, "v1 %s %lld %s %s", device_id, (long long)now,
	    nonce, sb64);
	if (n < 0 || n >= FK_NET_SIG_MAX)
		return fk_fail(e, FK_EINPUT, _("malformed device id"));
	return 0;
}

/* The next space-separated token of p[*off..n): at least 1 byte, at most cap-1. */
static int
token(const char *p, size_t n, size_t *off, char *out, size_t cap)
{
	size_t s = *off, i = s;

	while (i < n && p[i] != ' ')
		i++;
	if (i == s || i - s >= cap)
		return -1;
	memcpy(out, p + s, i - s);
	out[i - s] = 0;
	*off = i < n ? i + 1 : i;
	if (i < n && *off == n) /* a trailing space */
		return -1;
	return 0;
}

int
fk_net_sig_parse(const char *p, size_t n, fk_net_sig *s, fk_err *e)
{
	char v[4], t[24], sb[96];
	size_t off = 0, got = 0, i;
	uint64_t c;

	memset(s, 0, sizeof *s);
	if (n == 0 || n >= FK_NET_SIG_MAX)
		goto bad;
	if (token(p, n, &off, v, sizeof v) || strcmp(v, "v1") != 0 ||
	    token(p, n, &off, s->device_id, sizeof s->device_id) ||
	    !fk_device_id_valid(s->device_id) || token(p, n, &off, t, sizeof t) ||
	    fk_net_u64_parse(t, strlen(t), (uint64_t)1 << 40, &c) != 0 ||
	    token(p, n, &off, s->nonce, sizeof s->nonce) ||
	    strlen(s->nonce) != FK_NET_NONCE_LEN || token(p, n, &off, sb, sizeof sb) ||
	    off != n)
		goto bad;
	for (i = 0; i < FK_NET_NONCE_LEN; i++) {
		char ch = s->nonce[i];
		if (!((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
		    (ch >= '0' && ch <= '9') || ch == '-' || ch == '_'))
			goto bad;
	}
	if (strlen(sb) != 88 || sodium_base642bin(s->sig, sizeof s->sig, sb, 88, NULL, &got,
	    NULL, sodium_base64_VARIANT_ORIGINAL) != 0 || got != 64)
		goto bad;
	s->created = (int64_t)c;
	return 0;
bad:
	return fk_fail(e, FK_EINPUT, _("malformed %s header"), FK_NET_SIG_HEADER);
}

int
fk_net_sig_verify(const fk_net_req *r, const fk_net_sig *s, const fk_minisign_pk *pk,
    fk_err *e)
{
	fk_buf base = {0};
	int rc;

	if (fk_net_sig_base(r, s->device_id, s->created, s->nonce, &base, e) != 0)
		return -1;
	rc = crypto_sign_verify_detached(s->sig, base.p, base.len, pk->pk);
	fk_buf_free(&base);
	if (rc != 0)
		return fk_fail(e, FK_ESIG, _("the request signature does not verify"));
	return 0;
}

int
fk_net_meta_encode(const char *bundle_id, const uint8_t sha256[32], char *out, size_t cap)
{
	char a[64], b[64];
	int n;

	sodium_bin2base64(a, sizeof a, (const uint8_t *)bundle_id, strlen(bundle_id),
	    sodium_base64_VARIANT_ORIGINAL);
	sodium_bin2base64(b, sizeof b, sha256, 32, sodium_base64_VARIANT_ORIGINAL);
	n = snprintf(out, cap, "bundle_id %s,sha256 %s", a, b);
	return n < 0 || (size_t)n >= cap ? -1 : 0;
}

/* One "key b64" pair of p[0..n): decodes exactly into out (outlen bytes). */
static int
meta_pair(const char *p, size_t n, const char *key, uint8_t *out, size_t outlen)
{
	size_t kl = strlen(key), got = 0;
	const char *end;

	if (n <= kl + 1 || memcmp(p, key, kl) != 0 || p[kl] != ' ')
		return -1;
	p += kl + 1;
	n -= kl + 1;
	if (sodium_base642bin(out, outlen, p, n, NULL, &got, &end,
	    sodium_base64_VARIANT_ORIGINAL) != 0 || got != outlen || end != p + n)
		return -1;
	return 0;
}

int
fk_net_meta_parse(const char *p, size_t n, char bundle_id[FK_UUID_BUF], uint8_t sha256[32],
    fk_err *e)
{
	const char *comma = memchr(p, ',', n);
	size_t a, b;
	uint8_t id[FK_UUID_LEN];

	if (comma == NULL || memchr(comma + 1, ',', n - (size_t)(comma - p) - 1) != NULL)
		goto bad;
	a = (size_t)(comma - p);
	b = n - a - 1;
	if (!((meta_pair(p, a, "bundle_id", id, sizeof id) == 0 &&
	    meta_pair(comma + 1, b, "sha256", sha256, 32) == 0) ||
	    (meta_pair(p, a, "sha256", sha256, 32) == 0 &&
	    meta_pair(comma + 1, b, "bundle_id", id, sizeof id) == 0)))
		goto bad;
	memcpy(bundle_id, id, FK_UUID_LEN);
	bundle_id[FK_UUID_LEN] = 0;
	if (!fk_uuid_valid(bundle_id))
		goto bad;
	return 0;
bad:
	return fk_fail(e, FK_EINPUT, _("malformed Upload-Metadata (want bundle_id and sha256)"));
}

void
fk_net_checksum_encode(const uint8_t sha256[32], char out[64])
{
	memcpy(out, "sha256 ", 7);
	sodium_bin2base64(out + 7, 57, sha256, 32, sodium_base64_VARIANT_ORIGINAL);
}

int
fk_net_checksum_parse(const char *p, size_t n, uint8_t sha256[32], fk_err *e)
{
	if (meta_pair(p, n, "sha256", sha256, 32) != 0)
		return fk_fail(e, FK_EINPUT, _("malformed Upload-Checksum (want sha256 <base64>)"));
	return 0;
}

int
fk_net_u64_parse(const char *p, size_t n, uint64_t max, uint64_t *v)
{
	uint64_t x = 0;
	size_t i;

	if (n == 0 || n > 20 || (n > 1 && p[0] == '0'))
		return -1;
	for (i = 0; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return -1;
		if (x > (max - (uint64_t)(p[i] - '0')) / 10)
			return -1;
		x = x * 10 + (uint64_t)(p[i] - '0');
	}
	*v = x;
	return 0;
}

int
fk_net_hub_keyid(const fk_minisign_pk *pk, char out[17])
{
	fk_minisign_keyid_hex(pk->keynum, out);
	return 0;
}

void
fk_net_upload_id(const char *bundle_id, const uint8_t sha256[32],
    char out[FK_NET_UPLOAD_ID_LEN + 1])
{
	char hex[17];

	fk_hex(sha256, 8, hex);
	memcpy(out, bundle_id, FK_UUID_LEN);
	out[FK_UUID_LEN] = '-';
	memcpy(out + FK_UUID_LEN + 1, hex, 16);
	out[FK_NET_UPLOAD_ID_LEN] = 0;
}

int
fk_net_upload_id_valid(const char *s)
{
	char id[FK_UUID_BUF];
	size_t i;

	if (strlen(s) != FK_NET_UPLOAD_ID_LEN || s[FK_UUID_LEN] != '-')
		return 0;
	memcpy(id, s, FK_UUID_LEN);
	id[FK_UUID_LEN] = 0;
	if (!fk_uuid_valid(id))
		return 0;
	for (i = FK_UUID_LEN + 1; i < FK_NET_UPLOAD_ID_LEN; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return 1;
}
