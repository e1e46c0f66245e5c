/*
 * net.c - see net.h.
 *
 * One curl handle per client: the connection and the TLS session are reused
 * between requests, and a TLS session resumes after a break. Each request
 * sets every option afresh (curl_easy_reset keeps connections and sessions).
 */
#include "net.h"

#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <sodium.h>

#include "bundle.h"
#include "card.h"
#include "receipt.h"

#define MIN_CHUNK (4u << 10)
#define MAX_BODY (FK_SIGNED_MAX_BODY + 8192)

struct fk_net_client {
	CURL *curl;
	char *url, *pins, *cainfo, *hub_name;
	fk_minisign_pk hub_pk;
	char hub_keyid[17];
	char device_id[FK_ID_MAX + 1];
	const fk_minisign_sk *sk;
	int64_t skew;
	int max_stuck, stall_secs;
	uint64_t chunk;
	uint64_t interval;         /* bytes between breaks, as seen (0: none seen) */
	fk_net_progress_fn progress;
	void *pctx;
	uint64_t pbase, ptotal;
};

struct xfer {
	fk_net_client *c;
	int fd;
	const uint8_t *mem;
	uint64_t off, left;
	uint64_t *sent;
	uint64_t given;            /* body bytes handed to curl */
	fk_net_raw_resp *r;
	int toobig;
};

void
fk_net_result_free(fk_net_result *r)
{
	free(r->receipt);
	r->receipt = NULL;
	r->receipt_len = 0;
}

static int curl_ready;

fk_net_client *
fk_net_client_new(const fk_net_target *t, const char *device_id, const fk_minisign_sk *sk,
    fk_err *e)
{
	fk_net_client *c = calloc(1, sizeof *c);
	size_t l;

	if (c == NULL) {
		fk_fail(e, FK_ENOMEM, _("out of memory"));
		return NULL;
	}
	if (!curl_ready) {
		if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0) {
			free(c);
			fk_fail(e, FK_EIO, _("cannot start libcurl"));
			return NULL;
		}
		curl_ready = 1;
	}
	if (strncmp(t->url, "https://", 8) != 0) {
		free(c);
		fk_fail(e, FK_EUSAGE, _("the hub URL must start with https:// (%.100s)"), t->url);
		return NULL;
	}
	c->url = strdup(t->url);
	c->pins = t->pins && t->pins[0] ? strdup(t->pins) : NULL;
	c->cainfo = t->cainfo ? strdup(t->cainfo) : NULL;
	c->hub_name = strdup(t->hub_name ? t->hub_name : "");
	c->curl = curl_easy_init();
	if (c->url == NULL || c->hub_name == NULL || c->curl == NULL ||
	    (t->pins && t->pins[0] && c->pins == NULL) || (t->cainfo && c->cainfo == NULL)) {
		fk_net_client_free(c);
		fk_fail(e, FK_ENOMEM, _("out of memory"));
		return NULL;
	}
	l = strlen(c->url);
	while (l > 8 && c->url[l - 1] == '/')
		c->url[--l] = 0;
	c->hub_pk = t->hub_pk;
	fk_net_hub_keyid(&c->hub_pk, c->hub_keyid);
	snprintf(c->device_id, sizeof c->device_id, "%s", device_id);
	c->sk = sk;
	c->max_stuck = 3;
	c->stall_secs = 60;
	c->chunk = 64u << 10;
	return c;
}

void
fk_net_client_free(fk_net_client *c)
{
	if (c == NULL)
		return;
	if (c->curl != NULL)
		curl_easy_cleanup(c->curl);
	free(c->url);
	free(c->pins);
	free(c->cainfo);
	free(c->hub_name);
	free(c);
}

void
fk_net_set_progress(fk_net_client *c, fk_net_progress_fn fn, void *ctx)
{
	c->progress = fn;
	c->pctx = ctx;
}

void
fk_net_tune(fk_net_client *c, int max_stuck, int stall_secs, uint64_t first_chunk)
{
	if (max_stuck > 0)
		c->max_stuck = max_stuck;
	if (stall_secs > 0)
		c->stall_secs = stall_secs;
	if (first_chunk >= MIN_CHUNK && first_chunk <= FK_NET_MAX_CHUNK)
		c->chunk = first_chunk;
}

/* ---- one request ---- */

static size_t
on_header(char *p, size_t size, size_t n, void *ctx)
{
	struct xfer *x = ctx;
	fk_net_raw_resp *r = x->r;
	size_t len = size * n, nl, vl;
	const char *colon, *v;

	if (len >= 5 && memcmp(p, "HTTP/", 5) == 0) {
		/* A status line (also of a 100 Continue): forget what came before. */
		r->is_hub = 0;
		r->error[0] = r->offset[0] = r->ctype[0] = 0;
		r->hub_time = 0;
		return len;
	}
	nl = len;
	while (nl > 0 && (p[nl - 1] == '\n' || p[nl - 1] == '\r'))
		nl--;
	if ((colon = memchr(p, ':', nl)) == NULL)
		return len;
	v = colon + 1;
	while (v < p + nl && (*v == ' ' || *v == '\t'))
		v++;
	vl = (size_t)(p + nl - v);
#define IS(name) ((size_t)(colon - p) == sizeof name - 1 && strncasecmp(p, name, sizeof name - 1) == 0)
#define COPY(dst) snprintf(dst, sizeof dst, "%.*s", (int)(vl < sizeof dst ? vl : sizeof dst - 1), v)
	if (IS("Fieldkit-Protocol"))
		r->is_hub = vl == 1 && v[0] == '1';
	else if (IS("Fieldkit-Error"))
		COPY(r->error);
	else if (IS("Upload-Offset"))
		COPY(r->offset);
	else if (IS("Content-Type"))
		COPY(r->ctype);
	else if (IS("Fieldkit-Time")) {
		uint64_t t;
		if (fk_net_u64_parse(v, vl, 1ull << 40, &t) == 0)
			r->hub_time = (int64_t)t;
	} else if (IS("Retry-After")) {
		uint64_t t;
		if (fk_net_u64_parse(v, vl, 86400, &t) == 0)
			r->curl_code = -(int)t; /* kept here until the request ends */
	}
#undef IS
#undef COPY
	return len;
}

static size_t
on_body(char *p, size_t size, size_t n, void *ctx)
{
	struct xfer *x = ctx;
	size_t len = size * n;

	if (x->r->body.len + len > MAX_BODY || fk_buf_append(&x->r->body, p, len, NULL) != 0) {
		x->toobig = 1;
		return 0;
	}
	return len;
}

static size_t
on_read(char *p, size_t size, size_t n, void *ctx)
{
	struct xfer *x = ctx;
	size_t want = size * n;
	ssize_t got;

	if (want > x->left)
		want = (size_t)x->left;
	if (want == 0)
		return 0;
	if (x->mem != NULL) {
		memcpy(p, x->mem + x->off, want);
		got = (ssize_t)want;
	} else {
		got = pread(x->fd, p, want, (off_t)x->off);
		if (got <= 0)
			return CURL_READFUNC_ABORT;
	}
	x->off += (uint64_t)got;
	x->left -= (uint64_t)got;
	x->given += (uint64_t)got;
	return (size_t)got;
}

static int
on_progress(void *ctx, curl_off_t dt, curl_off_t dn, curl_off_t ut, curl_off_t un)
{
	struct xfer *x = ctx;
	fk_net_client *c = x->c;

	(void)dt;
	(void)dn;
	(void)ut;
	if (c->progress != NULL && c->ptotal > 0)
		c->progress(c->pctx, c->pbase + (uint64_t)un, c->ptotal);
	return 0;
}

static void
hadd(struct curl_slist **h, int *bad, const char *fmt, ...) FK_PRINTF(3, 4);

static void
hadd(struct curl_slist **h, int *bad, const char *fmt, ...)
{
	char line[400];
	struct curl_slist *n;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	if (*bad || (n = curl_slist_append(*h, line)) == NULL)
		*bad = 1;
	else
		*h = n;
}

/* Body source for request(): fd at off (fd >= 0) or memory. */
struct body {
	int fd;
	const uint8_t *mem;
	uint64_t off, len;
};

static int
request(fk_net_client *c, const char *method, const char *path, const char *ulength,
    const char *uoffset, const char *umeta, const char *uchecksum, const struct body *b,
    const char *sig, char sig_used[FK_NET_SIG_MAX], uint64_t *sent, fk_net_raw_resp *r,
    fk_err *e)
{
	struct curl_slist *h = NULL;
	char url[1200], line[400], mysig[FK_NET_SIG_MAX], clen[24] = "";
	fk_net_req q;
	struct xfer x;
	CURL *k = c->curl;
	CURLcode cc;
	int retry_after, bad = 0;

	(void)line;
	memset(r, 0, sizeof *r);
	memset(&x, 0, sizeof x);
	x.c = c;
	x.r = r;
	x.sent = NULL;
	x.fd = -1;
	if (b != NULL && b->len > 0) {
		x.fd = b->fd;
		x.mem = b->mem;
		x.off = b->off;
		x.left = b->len;
		snprintf(clen, sizeof clen, "%llu", (unsigned long long)b->len);
	}
	q.method = method;
	q.path = path;
	q.hub_keyid = c->hub_keyid;
	q.upload_length = ulength ? ulength : "";
	q.upload_offset = uoffset ? uoffset : "";
	q.upload_metadata = umeta ? umeta : "";
	q.upload_checksum = uchecksum ? uchecksum : "";
	q.content_length = clen;
	if (sig == NULL) {
		if (fk_net_sign(&q, c->device_id, c->sk, c->skew, mysig, e) != 0)
			return -1;
		sig = mysig;
	}
	if (sig_used != NULL)
		snprintf(sig_used, FK_NET_SIG_MAX, "%s", sig);
	snprintf(url, sizeof url, "%s%s", c->url, path);
	hadd(&h, &bad, "Tus-Resumable: 1.0.0");
	hadd(&h, &bad, "%s: %s", FK_NET_SIG_HEADER, sig);
	if (ulength)
		hadd(&h, &bad, "Upload-Length: %s", ulength);
	if (uoffset)
		hadd(&h, &bad, "Upload-Offset: %s", uoffset);
	if (umeta)
		hadd(&h, &bad, "Upload-Metadata: %s", umeta);
	if (uchecksum)
		hadd(&h, &bad, "Upload-Checksum: %s", uchecksum);
	if (clen[0])
		hadd(&h, &bad, "Content-Type: " FK_NET_CT_CHUNK);
	else if (strcmp(method, "POST") == 0)
		hadd(&h, &bad, "Content-Type:");
	if (!clen[0] || b->len <= (1u << 20))
		hadd(&h, &bad, "Expect:");
	hadd(&h, &bad, "Accept:");
	if (bad)
		goto nomem;
	curl_easy_reset(k);
	curl_easy_setopt(k, CURLOPT_URL, url);
	curl_easy_setopt(k, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(k, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1);
	curl_easy_setopt(k, CURLOPT_PROTOCOLS_STR, "https");
	curl_easy_setopt(k, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(k, CURLOPT_CONNECTTIMEOUT, 20L);
	curl_easy_setopt(k, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(k, CURLOPT_LOW_SPEED_TIME, (long)c->stall_secs);
	curl_easy_setopt(k, CURLOPT_TCP_KEEPALIVE, 1L);
	curl_easy_setopt(k, CURLOPT_TCP_KEEPIDLE, 30L);
	curl_easy_setopt(k, CURLOPT_TCP_KEEPINTVL, 10L);
	curl_easy_setopt(k, CURLOPT_USERAGENT, "fieldkit/" FK_VERSION);
	/* Little read-ahead: what a break loses is what was in flight. */
	curl_easy_setopt(k, CURLOPT_UPLOAD_BUFFERSIZE, 16384L);
	if (c->pins != NULL) {
		/* The hub's own key, pinned from its card: no authority, no host name. */
		curl_easy_setopt(k, CURLOPT_PINNEDPUBLICKEY, c->pins);
		curl_easy_setopt(k, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(k, CURLOPT_SSL_VERIFYHOST, 0L);
		/* ... so the system's authorities are not even read (parsing them
		 * took most of a handshake's time on the device). */
		curl_easy_setopt(k, CURLOPT_CAINFO, NULL);
		curl_easy_setopt(k, CURLOPT_CAPATH, NULL);
	} else if (c->cainfo != NULL)
		curl_easy_setopt(k, CURLOPT_CAINFO, c->cainfo);
	curl_easy_setopt(k, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(k, CURLOPT_HEADERDATA, &x);
	curl_easy_setopt(k, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(k, CURLOPT_WRITEDATA, &x);
	curl_easy_setopt(k, CURLOPT_XFERINFOFUNCTION, on_progress);
	curl_easy_setopt(k, CURLOPT_XFERINFODATA, &x);
	curl_easy_setopt(k, CURLOPT_NOPROGRESS, 0L);
	if (strcmp(method, "HEAD") == 0)
		curl_easy_setopt(k, CURLOPT_NOBODY, 1L);
	else if (strcmp(method, "POST") == 0) {
		curl_easy_setopt(k, CURLOPT_POST, 1L);
		if (clen[0]) {
			curl_easy_setopt(k, CURLOPT_READFUNCTION, on_read);
			curl_easy_setopt(k, CURLOPT_READDATA, &x);
			curl_easy_setopt(k, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)b->len);
		} else {
			curl_easy_setopt(k, CURLOPT_POSTFIELDS, "");
			curl_easy_setopt(k, CURLOPT_POSTFIELDSIZE, 0L);
		}
	} else {
		curl_easy_setopt(k, CURLOPT_UPLOAD, 1L);
		curl_easy_setopt(k, CURLOPT_CUSTOMREQUEST, method);
		curl_easy_setopt(k, CURLOPT_READFUNCTION, on_read);
		curl_easy_setopt(k, CURLOPT_READDATA, &x);
		curl_easy_setopt(k, CURLOPT_INFILESIZE_LARGE, (curl_off_t)(clen[0] ? b->len : 0));
	}
	cc = curl_easy_perform(k);
	r->uploaded = x.given;
	if (sent != NULL)
		*sent += x.given;
	retry_after = r->curl_code < 0 ? -r->curl_code : 0;
	r->curl_code = (int)cc;
	if (cc == CURLE_OK)
		curl_easy_getinfo(k, CURLINFO_RESPONSE_CODE, &r->status);
	else if (cc == CURLE_WRITE_ERROR && x.toobig)
		r->curl_code = CURLE_FILESIZE_EXCEEDED;
	r->hub_time = r->hub_time ? r->hub_time : 0;
	if (retry_after > 0 && r->status >= 400)
		r->curl_code = cc == CURLE_OK ? -retry_after : (int)cc;
	curl_slist_free_all(h);
	return 0;
nomem:
	curl_slist_free_all(h);
	return fk_fail(e, FK_ENOMEM, _("out of memory"));
}

int
fk_net_raw(fk_net_client *c, const char *method, const char *path, const char *ulength,
    const char *uoffset, const char *umeta, const char *uchecksum, const uint8_t *body,
    size_t n, const char *sig, char sig_used[FK_NET_SIG_MAX], fk_net_raw_resp *r,
    fk_err *e)
{
	struct body b = { -1, body, 0, n };

	return request(c, method, path, ulength, uoffset, umeta, uchecksum, n ? &b : NULL, sig,
	    sig_used, NULL, r, e);
}

/* ---- pushing a bundle ---- */

static const char *
curl_class(int cc)
{
	switch (cc) {
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY:
		return FK_NET_C_OFFLINE;
	case CURLE_COULDNT_CONNECT:
		return FK_NET_C_UNREACHABLE;
	case CURLE_OPERATION_TIMEDOUT:
		return FK_NET_C_STALLED;
	case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
		return FK_NET_C_PIN;
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CIPHER:
	case CURLE_USE_SSL_FAILED:
		return FK_NET_C_TLS;
	default:
		return FK_NET_C_BROKEN;
	}
}

/* What a break means for this call: 1 retry at once, 0 give up now. */
static int
retryable_class(const char *cls)
{
	/* A TLS handshake cut short looks like a TLS failure; a key that does not
	 * match its pin is told apart (FK_NET_C_PIN) and not retried. */
	return strcmp(cls, FK_NET_C_BROKEN) == 0 || strcmp(cls, FK_NET_C_STALLED) == 0 ||
	    strcmp(cls, FK_NET_C_TLS) == 0;
}

static void
set_fail(fk_net_result *res, int outcome, const char *cls, const char *reason)
{
	res->outcome = outcome;
	snprintf(res->cls, sizeof res->cls, "%s", cls);
	snprintf(res->reason, sizeof res->reason, "%s", reason ? reason : "");
}

/* The hub's one-line reason from a text body, made safe to show and keep. */
static void
reason_of(const fk_net_raw_resp *r, char *out, size_t cap)
{
	size_t i, n = r->body.len < cap - 1 ? r->body.len : cap - 1;

	for (i = 0; i < n; i++) {
		unsigned char ch = r->body.p[i];
		if (ch == '\n')
			break;
		out[i] = ch < 0x20 || ch == 0x7f ? ' ' : (char)ch;
	}
	out[i] = 0;
	if (i == 0)
		snprintf(out, cap, "HTTP %ld %s", r->status, r->error);
}

static int
file_info(const char *path, int *fd, uint64_t *len, uint8_t sha[32], char bundle_id[FK_UUID_BUF],
    fk_err *e)
{
	crypto_hash_sha256_state hs;
	uint8_t buf[65536];
	struct stat st;
	ssize_t n;
	FILE *f;
	fk_bundle_reader *br;

	if ((*fd = open(path, O_RDONLY | O_CLOEXEC)) < 0 || fstat(*fd, &st) != 0)
		return fk_fail(e, FK_EIO, _("cannot open %s: %s"), path, strerror(errno));
	*len = (uint64_t)st.st_size;
	crypto_hash_sha256_init(&hs);
	while ((n = read(*fd, buf, sizeof buf)) > 0)
		crypto_hash_sha256_update(&hs, buf, (size_t)n);
	crypto_hash_sha256_final(&hs, sha);
	if (n < 0)
		return fk_fail(e, FK_EIO, _("cannot read %s: %s"), path, strerror(errno));
	if ((f = fopen(path, "rb")) == NULL)
		return fk_fail(e, FK_EIO, _("cannot open %s: %s"), path, strerror(errno));
	br = fk_bundle_open(fk_file_source(f), NULL, NULL, e);
	if (br != NULL)
		snprintf(bundle_id, FK_UUID_BUF, "%s", fk_bundle_manifest_of(br)->bundle_id);
	fk_bundle_close(br);
	fclose(f);
	return br == NULL ? fk_prefix(e, "%s", path) : 0;
}

/* The Upload-Checksum of n bytes of fd at off. */
static int
chunk_sum(int fd, uint64_t off, uint64_t n, char ck[64])
{
	crypto_hash_sha256_state hs;
	uint8_t buf[65536], sum[32];
	uint64_t i;

	crypto_hash_sha256_init(&hs);
	for (i = 0; i < n;) {
		size_t want = n - i < sizeof buf ? (size_t)(n - i) : sizeof buf;
		if (pread(fd, buf, want, (off_t)(off + i)) != (ssize_t)want)
			return -1;
		crypto_hash_sha256_update(&hs, buf, want);
		i += want;
	}
	crypto_hash_sha256_final(&hs, sum);
	fk_net_checksum_encode(sum, ck);
	return 0;
}

static uint64_t
chunk_for(uint64_t interval)
{
	uint64_t c = MIN_CHUNK;

	while (c * 2 <= interval / 32 && c < FK_NET_MAX_CHUNK)
		c *= 2;
	return c;
}

static void
pause_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

/* A 200 with a receipt: delivered only when it verifies. */
static void
take_receipt(fk_net_client *c, fk_net_raw_resp *r, fk_net_result *res)
{
	fk_receipt rc = {0};
	const char *names[1] = { c->hub_name };
	fk_err e;

	if (strncmp(r->ctype, FK_NET_CT_RECEIPT, strlen(FK_NET_CT_RECEIPT)) != 0 ||
	    fk_receipt_check(r->body.p, r->body.len, &c->hub_pk, names, 1, c->device_id, &rc,
	    &e) != 0) {
		set_fail(res, FK_NET_TEMPFAIL, FK_NET_C_BADRECEIPT, NULL);
		return;
	}
	fk_receipt_free(&rc);
	res->outcome = FK_NET_DELIVERED;
	res->cls[0] = 0;
	res->hub_offset = res->length;
	res->receipt = r->body.p;
	res->receipt_len = r->body.len;
	r->body.p = NULL;
	r->body.len = r->body.cap = 0;
}

int
fk_net_push_file(fk_net_client *c, const char *path, fk_net_result *res, fk_err *e)
{
	uint8_t sha[32];
	char bundle_id[FK_UUID_BUF], id[FK_NET_UPLOAD_ID_LEN + 1], upath[128], meta[200];
	char slen[24], soff[24], ck[64];
	uint64_t off = 0, since = 0, chunk = c->chunk;
	int fd = -1, known = 0, stuck = 0, clock_tries = 0, done = 0;
	fk_net_raw_resp r = {0};
	struct body b;

	memset(res, 0, sizeof *res);
	if (file_info(path, &fd, &res->length, sha, bundle_id, e) != 0) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	fk_net_upload_id(bundle_id, sha, id);
	snprintf(upath, sizeof upath, "/v1/bundles/%s", id);
	fk_net_meta_encode(bundle_id, sha, meta, sizeof meta);
	snprintf(slen, sizeof slen, "%llu", (unsigned long long)res->length);
	c->ptotal = res->length;
	while (!done) {
		uint64_t before = known ? off : UINT64_MAX, n = 0;
		int post = !known;

		fk_buf_free(&r.body);
		if (post) {
			/* Create the upload, or learn where it stands. A bundle
			 * of one chunk goes in the same request (creation-with-
			 * upload): the whole of it on a first try, after a break
			 * only when it is tiny (the hub may hold some already). */
			n = res->length <= MIN_CHUNK || (res->breaks == 0 && res->length <= chunk) ?
			    res->length : 0;
			b.fd = fd;
			b.mem = NULL;
			b.off = 0;
			b.len = n;
			if (n > 0 && chunk_sum(fd, 0, n, ck) != 0) {
				fk_fail(e, FK_EIO, _("cannot read %s"), path);
				goto ioerr;
			}
			c->pbase = 0;
			if (request(c, "POST", "/v1/bundles", slen, NULL, meta, n ? ck : NULL,
			    n ? &b : NULL, NULL, NULL, &res->sent, &r, e) != 0)
				goto ioerr;
		} else {
			n = res->length - off < chunk ? res->length - off : chunk;
			if (chunk_sum(fd, off, n, ck) != 0) {
				fk_fail(e, FK_EIO, _("cannot read %s"), path);
				goto ioerr;
			}
			snprintf(soff, sizeof soff, "%llu", (unsigned long long)off);
			b.fd = fd;
			b.mem = NULL;
			b.off = off;
			b.len = n;
			c->pbase = off;
			if (request(c, "PATCH", upath, NULL, soff, NULL, n ? ck : NULL, &b, NULL, NULL,
			    &res->sent, &r, e) != 0)
				goto ioerr;
		}
		res->requests++;
		if (r.curl_code > 0) {
			const char *cls = r.curl_code == CURLE_FILESIZE_EXCEEDED ? FK_NET_C_NOTHUB :
			    curl_class(r.curl_code);
			res->breaks++;
			known = 0;
			if (!retryable_class(cls) || ++stuck >= c->max_stuck) {
				set_fail(res, FK_NET_TEMPFAIL, cls, NULL);
				break;
			}
			/* A link that breaks gets chunks of about 1/32 of the bytes
			 * it carries between breaks: a break then costs ~1.5%. */
			since += r.uploaded;
			c->interval = c->interval ? (c->interval + since) / 2 : since;
			chunk = chunk_for(c->interval);
			since = 0;
			if (stuck > 1)
				pause_ms(100L << (stuck - 2));
			continue;
		}
		if (!r.is_hub) {
			/* A captive portal, a proxy, anything but a fieldkit hub. */
			set_fail(res, FK_NET_TEMPFAIL, FK_NET_C_NOTHUB, NULL);
			break;
		}
		if (r.hub_time != 0)
			c->skew = r.hub_time - (int64_t)time(NULL);
		if (r.offset[0]) {
			uint64_t o;
			if (fk_net_u64_parse(r.offset, strlen(r.offset), res->length, &o) == 0) {
				off = o;
				known = 1;
				res->hub_offset = o;
			}
		}
		switch (r.status) {
		case 200:
			take_receipt(c, &r, res);
			done = 1;
			continue;
		case 201:
		case 204:
			if (!known) {
				set_fail(res, FK_NET_TEMPFAIL, FK_NET_C_NOTHUB, NULL);
				done = 1;
				continue;
			}
			if (before != UINT64_MAX && off > before) {
				since += off - before;
				stuck = 0;
				if (c->interval == 0 && since >= 8 * chunk) {
					/* No break seen: grow. */
					if (chunk < FK_NET_MAX_CHUNK)
						chunk *= 2;
				} else if (c->interval != 0 && since > 2 * c->interval) {
					/* The link got better. */
					c->interval = since;
					chunk = chunk_for(c->interval);
				}
			}
			if (off == res->length && ++stuck >= c->max_stuck) {
				/* All there, yet no receipt after asking again. */
				set_fail(res, FK_NET_TEMPFAIL, FK_NET_C_BUSY, NULL);
				done = 1;
			}
			continue;
		case 409:
			if (strcmp(r.error, "offset") == 0 && known) {
				if (++stuck >= c->max_stuck) {
					set_fail(res, FK_NET_TEMPFAIL, FK_NET_C_BUSY, NULL);
					done = 1;
				}
				continue;
			}
			break;
		case 460:
			known = 1;
			if (++stuck >= c->max_stuck) {
				set_fail(res, FK_NET_TEMPFAIL, FK_NET_C_BROKEN, NULL);
				done = 1;
			}
			continue;
		case 401:
			if ((strcmp(r.error, "clock") == 0 || strcmp(r.error, "replay") == 0) &&
			    ++clock_tries <= 3) {
				/* The skew is taken from Fieldkit-Time above. */
				known = 0;
				if (clock_tries > 1)
					pause_ms(1000);
				continue;
			}
			break;
		case 404:
			known = 0;
			if (++stuck >= c->max_stuck) {
				set_fail(res, FK_NET_TEMPFAIL, FK_NET_C_BUSY, NULL);
				done = 1;
			}
			continue;
		case 429:
		case 503:
		case 507:
			set_fail(res, FK_NET_TEMPFAIL, FK_NET_C_BUSY, NULL);
			res->retry_after = r.curl_code < 0 ? -r.curl_code : 0;
			done = 1;
			continue;
		default:
			break;
		}
		if (r.status >= 500) {
			set_fail(res, FK_NET_TEMPFAIL, FK_NET_C_BUSY, NULL);
			break;
		}
		{
			char why[300];
			reason_of(&r, why, sizeof why);
			set_fail(res, FK_NET_REFUSED, FK_NET_C_REFUSED, why);
			snprintf(res->token, sizeof res->token, "%s", r.error);
		}
		break;
	}
	c->chunk = chunk;
	fk_buf_free(&r.body);
	close(fd);
	return 0;
ioerr:
	fk_buf_free(&r.body);
	close(fd);
	return -1;
}
