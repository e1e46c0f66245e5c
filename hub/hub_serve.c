/*
 * hub_serve.c - see hub_serve.h. Uploads are kept by hub_uploads.c.
 *
 * libmicrohttpd calls the access handler first with the headers only: the
 * route, the signature, the device and the tus headers are checked there,
 * and a refusal is queued before any body byte is read. Then the handler
 * gets the body in pieces (written straight to the upload's file at its
 * offset, hashed as it goes), and a last time with no data: the chunk's
 * checksum is checked, the file fsynced, the offset recorded, and the
 * answer queued. Every connection has a thread of its own, so an import
 * (which holds the database) never stalls the other connections' I/O.
 *
 * Group commit: the hub database runs with synchronous=NORMAL here, so a
 * COMMIT writes the write-ahead log without waiting for the disk, and the
 * database is free for the next import at once. Before a receipt is
 * answered, the log is fsynced (wal_sync): one fsync, made outside the
 * database lock, covers every transaction committed before it began, so
 * imports that finish together share it. A receipt still never leaves
 * before its bundle's transaction is on disk. (With synchronous=NORMAL
 * SQLite itself syncs the log before a checkpoint and the database after
 * it: what a checkpoint moves is durable too.)
 */
#include "hub_serve.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>
#include <sodium.h>
#include <sqlite3.h>

#include "hub_int.h"
#include "hub_uploads.h"
#include "netproto.h"
#include "receipt.h"

#define NONCE_CAP (1u << 18)
#define PATH_BUNDLES "/v1/bundles"

struct nonce_slot {
	uint64_t h;
	int64_t exp;
};

struct fk_server {
	struct MHD_Daemon *d;
	fk_hubdb *h;
	pthread_mutex_t dbmu;      /* the hub handle: one user at a time */
	fk_upstore up;
	fk_serve_opts o;
	const fk_minisign_sk *sign;
	char hub_keyid[17];
	int64_t started;
	int port;
	int lsock;
	/* group commit of the database's write-ahead log */
	fk_group_sync gs;
	char *wal_path;
	fk_serve_log_fn log;
	void *lctx;
	pthread_mutex_t logmu;
	/* replay cache */
	pthread_mutex_t nmu;
	struct nonce_slot *nonces;
	size_t nn;
	uint8_t nkey[crypto_shorthash_KEYBYTES];
	char *key_pem, *crt_pem;   /* NUL-terminated copies for MHD (key: sodium memory) */
	size_t key_len;
};

enum { R_OPTIONS = 1, R_POST, R_HEAD, R_PATCH };

struct req {
	int kind;
	int queued;                /* an answer was queued in the first call */
	fk_upload *u;
	unsigned gen;
	uint64_t start, got, clen;
	uint8_t want[32];
	crypto_hash_sha256_state hs;
	char device_id[FK_ID_MAX + 1];
	int werr;                  /* a write failed (1) or the upload was taken over (2) */
	int body;
};

void
fk_serve_opts_default(fk_serve_opts *o)
{
	memset(o, 0, sizeof *o);
	o->max_bundle = 256ull << 20;
	o->quota = 4ull << 30;
	o->expire_days = 7;
	o->per_ip = 8;
	o->max_conn = 256;
	o->timeout = 60;
	o->max_partial = 64;
}

static void
logf_(fk_server *s, const char *fmt, ...) FK_PRINTF(2, 3);

static void
logf_(fk_server *s, const char *fmt, ...)
{
	char line[600], when[FK_TIME_BUF];
	va_list ap;
	int n;

	if (s->log == NULL)
		return;
	fk_now_rfc3339(when);
	n = snprintf(line, sizeof line, "%s ", when);
	va_start(ap, fmt);
	vsnprintf(line + n, sizeof line - (size_t)n, fmt, ap);
	va_end(ap);
	pthread_mutex_lock(&s->logmu);
	s->log(s->lctx, line);
	pthread_mutex_unlock(&s->logmu);
}

/* ---- answers ---- */

static enum MHD_Result
answer(fk_server *s, struct MHD_Connection *c, struct req *r, unsigned code,
    const char *err, const char *ctype, const void *body, size_t n,
    const char *const *hdrs)
{
	struct MHD_Response *resp;
	char now[24];
	enum MHD_Result k;

	(void)s;
	resp = MHD_create_response_from_buffer(n, (void *)(uintptr_t)body, MHD_RESPMEM_MUST_COPY);
	if (resp == NULL)
		return MHD_NO;
	snprintf(now, sizeof now, "%lld", (long long)time(NULL));
	MHD_add_response_header(resp, "Fieldkit-Protocol", FK_NET_PROTOCOL);
	MHD_add_response_header(resp, "Tus-Resumable", "1.0.0");
	MHD_add_response_header(resp, "Fieldkit-Time", now);
	MHD_add_response_header(resp, "Cache-Control", "no-store");
	if (err != NULL)
		MHD_add_response_header(resp, "Fieldkit-Error", err);
	if (ctype != NULL)
		MHD_add_response_header(resp, "Content-Type", ctype);
	for (; hdrs != NULL && hdrs[0] != NULL; hdrs += 2)
		MHD_add_response_header(resp, hdrs[0], hdrs[1]);
	k = MHD_queue_response(c, code, resp);
	MHD_destroy_response(resp);
	if (r != NULL)
		r->queued = 1;
	return k;
}

/* An error: the token in Fieldkit-Error and a one-line text body. */
static enum MHD_Result
fail(fk_server *s, struct MHD_Connection *c, struct req *r, unsigned code, const char *err,
    const char *text, const char *const *hdrs)
{
	char body[400];
	int n = snprintf(body, sizeof body, "%s\n", text);

	return answer(s, c, r, code, err, "text/plain; charset=utf-8", body,
	    (size_t)(n < (int)sizeof body ? n : (int)sizeof body - 1), hdrs);
}

static void
u64s(uint64_t v, char out[24])
{
	snprintf(out, 24, "%llu", (unsigned long long)v);
}

static void
expires(const fk_server *s, const fk_upload *u, char out[40])
{
	time_t t = (time_t)(u->touched + (int64_t)s->o.expire_days * 86400);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, 40, "%a, %d %b %Y %H:%M:%S GMT", &tm);
}

static enum MHD_Result
offset_answer(fk_server *s, struct MHD_Connection *c, struct req *r, unsigned code,
    const char *err, fk_upload *u)
{
	char off[24], len[24], exp[40], loc[80];
	const char *h[] = { "Upload-Offset", off, "Upload-Length", len, "Upload-Expires", exp,
		"Location", loc, NULL };

	u64s(u->durable, off);
	u64s(u->length, len);
	expires(s, u, exp);
	snprintf(loc, sizeof loc, PATH_BUNDLES "/%s", u->id);
	if (err != NULL)
		return fail(s, c, r, code, err, "the upload is at another offset", h);
	return answer(s, c, r, code, NULL, NULL, "", 0, h);
}

/* ---- replay cache ---- */

/* 1 when (device, nonce) was seen and has not expired; records it otherwise.
 * -1 when the cache is full of live entries. */
static int
nonce_seen(fk_server *s, const char *device, const char *nonce, int64_t exp)
{
	uint8_t in[FK_ID_MAX + FK_NET_NONCE_LEN + 2];
	uint64_t h;
	size_t dl = strlen(device), i, mask = NONCE_CAP - 1;
	int64_t now = (int64_t)time(NULL);
	int rc = 0;

	memcpy(in, device, dl);
	in[dl] = 0;
	memcpy(in + dl + 1, nonce, FK_NET_NONCE_LEN);
	crypto_shorthash((uint8_t *)&h, in, dl + 1 + FK_NET_NONCE_LEN, s->nkey);
	if (h == 0)
		h = 1;
	pthread_mutex_lock(&s->nmu);
	if (s->nn >= NONCE_CAP / 4 * 3) {
		/* Drop expired entries by rebuilding the table. */
		struct nonce_slot *old = s->nonces, *nw = calloc(NONCE_CAP, sizeof *nw);
		size_t j;
		if (nw != NULL) {
			s->nonces = nw;
			s->nn = 0;
			for (j = 0; j < NONCE_CAP; j++)
				if (old[j].h != 0 && old[j].exp > now) {
					for (i = old[j].h & mask; nw[i].h != 0; i = (i + 1) & mask)
						;
					nw[i] = old[j];
					s->nn++;
				}
			free(old);
		}
		if (s->nn >= NONCE_CAP / 4 * 3) {
			rc = -1;
			goto out;
		}
	}
	for (i = h & mask; s->nonces[i].h != 0; i = (i + 1) & mask)
		if (s->nonces[i].h == h && s->nonces[i].exp > now) {
			rc = 1;
			goto out;
		}
	s->nonces[i].h = h;
	s->nonces[i].exp = exp;
	s->nn++;
out:
	pthread_mutex_unlock(&s->nmu);
	return rc;
}

/* ---- authentication ---- */

static const char *
hdr(struct MHD_Connection *c, const char *name)
{
	const char *v = MHD_lookup_connection_value(c, MHD_HEADER_KIND, name);

	return v ? v : "";
}

/* The device's key: 0, or 1 unknown, 2 revoked, -1 database error. */
static int
device_key(fk_server *s, const char *id, fk_minisign_pk *pk)
{
	sqlite3_stmt *st;
	int k, rc = -1;
	fk_err e;

	pthread_mutex_lock(&s->dbmu);
	if (sqlite3_prepare_v2(s->h->db, "SELECT sign_pubkey, revoked_at FROM devices WHERE "
	    "device_id = ?", -1, &st, NULL) != SQLITE_OK)
		goto out;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	k = sqlite3_step(st);
	if (k == SQLITE_DONE)
		rc = 1;
	else if (k == SQLITE_ROW && sqlite3_column_type(st, 1) != SQLITE_NULL)
		rc = 2;
	else if (k == SQLITE_ROW) {
		const char *b = (const char *)sqlite3_column_text(st, 0);
		rc = fk_minisign_pk_parse((const uint8_t *)b, strlen(b), pk, &e) == 0 ? 0 : -1;
	}
	sqlite3_finalize(st);
out:
	pthread_mutex_unlock(&s->dbmu);
	return rc;
}

static int
content_length(struct MHD_Connection *c, uint64_t *n, char out[24])
{
	const char *v = hdr(c, "Content-Length");

	*n = 0;
	out[0] = 0;
	if (v[0] == 0 || strcmp(v, "0") == 0)
		return 0;
	if (fk_net_u64_parse(v, strlen(v), 1ull << 50, n) != 0)
		return -1;
	u64s(*n, out);
	return 0;
}

/* Checks the signature; queues the refusal and returns -1 when it fails. */
static int
authenticate(fk_server *s, struct MHD_Connection *c, struct req *r, const char *method,
    const char *url, const char *clen, enum MHD_Result *k)
{
	const char *v = MHD_lookup_connection_value(c, MHD_HEADER_KIND, FK_NET_SIG_HEADER);
	fk_net_req q;
	fk_net_sig sig;
	fk_minisign_pk pk;
	int64_t now = (int64_t)time(NULL);
	int dk;
	fk_err e;

	if (v == NULL) {
		*k = fail(s, c, r, 401, "unsigned", "requests must be signed by a registered "
		    "device (Fieldkit-Signature)", NULL);
		return -1;
	}
	if (fk_net_sig_parse(v, strlen(v), &sig, &e) != 0) {
		*k = fail(s, c, r, 401, "malformed", "malformed Fieldkit-Signature", NULL);
		return -1;
	}
	dk = device_key(s, sig.device_id, &pk);
	if (dk != 0) {
		logf_(s, "refused %s from device %s: %s", method, sig.device_id,
		    dk == 1 ? "unknown device" : dk == 2 ? "revoked device" : "database error");
		if (dk < 0)
			*k = fail(s, c, r, 503, "busy", "the hub database is busy; try again", NULL);
		else
			*k = fail(s, c, r, 403, dk == 1 ? "unknown-device" : "revoked",
			    dk == 1 ? "this device is not registered at this hub" :
			    "this device was revoked at this hub", NULL);
		return -1;
	}
	if (sig.created > now + FK_NET_WINDOW || sig.created < now - FK_NET_WINDOW ||
	    sig.created <= s->started) {
		*k = fail(s, c, r, 401, "clock", "the request's time is outside the hub's window "
		    "(see Fieldkit-Time)", NULL);
		return -1;
	}
	q.method = method;
	q.path = url;
	q.hub_keyid = s->hub_keyid;
	q.upload_length = hdr(c, "Upload-Length");
	q.upload_offset = hdr(c, "Upload-Offset");
	q.upload_metadata = hdr(c, "Upload-Metadata");
	q.upload_checksum = hdr(c, "Upload-Checksum");
	q.content_length = clen;
	if (fk_net_sig_verify(&q, &sig, &pk, &e) != 0) {
		logf_(s, "refused %s from device %s: bad signature", method, sig.device_id);
		*k = fail(s, c, r, 401, "signature", "the request signature does not verify", NULL);
		return -1;
	}
	switch (nonce_seen(s, sig.device_id, sig.nonce, sig.created + 2 * FK_NET_WINDOW + 1)) {
	case 1:
		logf_(s, "refused %s from device %s: replayed request", method, sig.device_id);
		*k = fail(s, c, r, 401, "replay", "this signed request was used before", NULL);
		return -1;
	case -1:
		*k = fail(s, c, r, 503, "busy", "too many requests; try again", NULL);
		return -1;
	}
	snprintf(r->device_id, sizeof r->device_id, "%s", sig.device_id);
	return 0;
}

/* ---- group commit ---- */

static int
fsync_path(void *ctx)
{
	const char *path = ctx;
	int fd = open(path, O_RDONLY | O_CLOEXEC), rc;

	if (fd < 0)
		/* No log: the last connection checkpointed it into the database
		 * (synced) and removed it. */
		return errno == ENOENT ? 0 : -1;
	rc = fsync(fd);
	close(fd);
	return rc;
}

/*
 * Makes every transaction committed before this call durable: waits for an
 * fsync of the write-ahead log that began after it was called (starting one
 * when none is running). 0, or -1 when the fsync failed.
 */
static int
wal_sync(fk_server *s)
{
	return fk_group_sync_run(&s->gs, fsync_path, s->wal_path);
}

/* ---- importing a complete upload ---- */

static int
add_rec(json_t *a, const fk_bundle_entry *en)
{
	char hex[65];

	fk_hex(en->ct_hash, 32, hex);
	return json_array_append_new(a, json_pack("[s, s]", en->id, hex));
}

/* The receipt for the bundle's records, from the manifest of the upload. */
static int
make_receipt(fk_server *s, const char *path, const char *device, fk_buf *out, size_t *n,
    fk_err *e)
{
	FILE *f = fopen(path, "rb");
	fk_bundle_reader *br;
	const fk_bundle_manifest *m;
	json_t *a = json_array();
	size_t i;
	int rc = -1;

	if (f == NULL || a == NULL) {
		fk_fail(e, FK_EIO, _("cannot read an upload: %s"), strerror(errno));
		goto out;
	}
	if ((br = fk_bundle_open(fk_file_source(f), NULL, NULL, e)) == NULL)
		goto out;
	m = fk_bundle_manifest_of(br);
	for (i = 0; i < m->n; i++)
		if (add_rec(a, &m->rec[i]) != 0) {
			fk_fail(e, FK_ENOMEM, _("out of memory"));
			break;
		}
	*n = m->n;
	if (i == m->n)
		rc = fk_receipt_encode(fk_hub_name(s->h), device, a, s->sign, out, e);
	fk_bundle_close(br);
out:
	if (f != NULL)
		fclose(f);
	json_decref(a);
	return rc;
}

static int
file_sha256(const char *path, uint64_t len, uint8_t out[32])
{
	crypto_hash_sha256_state hs;
	uint8_t buf[65536];
	uint64_t total = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	crypto_hash_sha256_init(&hs);
	while (total < len && (n = read(fd, buf, len - total < sizeof buf ?
	    (size_t)(len - total) : sizeof buf)) > 0) {
		crypto_hash_sha256_update(&hs, buf, (size_t)n);
		total += (uint64_t)n;
	}
	close(fd);
	crypto_hash_sha256_final(&hs, out);
	return total == len ? 0 : -1;
}

/* Copies an upload into quarantine/ with the reason beside it. */
static void
quarantine(fk_server *s, const char *path, const fk_upload *u, const char *why)
{
	char *dir = fk_path_join(fk_hub_home(s->h), FK_HUB_QUARANTINE), dst[4400], rsn[4500];
	char stamp[FK_TIME_BUF], text[700];
	FILE *in = NULL;
	fk_atomic a;
	uint8_t buf[65536];
	size_t n;
	fk_err e;
	fk_sink sk;

	if (dir == NULL || fk_mkdirs(dir, 0700, &e) != 0)
		goto out;
	fk_now_rfc3339(stamp);
	snprintf(dst, sizeof dst, "%s/net-%s-%s.fkb", dir, stamp, u->id);
	snprintf(rsn, sizeof rsn, "%s.reason", dst);
	if ((in = fopen(path, "rb")) == NULL || fk_atomic_open(&a, dst, 0600, &e) != 0)
		goto out;
	sk = fk_atomic_sink(&a);
	while ((n = fread(buf, 1, sizeof buf, in)) > 0)
		if (sk.write(sk.ctx, buf, n, &e) != 0)
			break;
	if (n > 0 || ferror(in) || fk_atomic_commit(&a, &e) != 0) {
		fk_atomic_abort(&a);
		goto out;
	}
	n = (size_t)snprintf(text, sizeof text, "%s\n", why);
	if (fk_write_file_atomic(rsn, text, n < sizeof text ? n : sizeof text - 1, 0600, &e) != 0)
		goto out;
out:
	if (in != NULL)
		fclose(in);
	free(dir);
}

static void
clean_reason(const char *in, char *out, size_t cap)
{
	size_t i;

	for (i = 0; i + 1 < cap && in[i]; i++)
		out[i] = in[i];
	out[i] = 0;
	for (i = 0; out[i]; i++)
		if ((unsigned char)out[i] < 0x20 || out[i] == 0x7f)
			out[i] = ' ';
}

static const char *
err_class(int code)
{
	switch (code) {
	case FK_ESIG: return "signature";
	case FK_ENOMATCH: case FK_EHEADER: case FK_EHMAC: case FK_EPAYLOAD: return "sealing";
	case FK_ESTATE: return "unknown form version";
	case FK_ELIMIT: return "limit";
	case FK_EINPUT: return "content";
	default: return "error";
	}
}

/* Imports a complete upload and answers with the receipt (or the refusal). */
static enum MHD_Result
import_answer(fk_server *s, struct MHD_Connection *c, struct req *r, fk_upload *u)
{
	fk_import_result res;
	fk_buf rc_buf = {0};
	fk_err e = {0};
	char *path = NULL, reason[300];
	uint8_t got[32];
	fk_upload *other = NULL;
	size_t nrec = 0;
	enum MHD_Result k;
	int ok;

	if (fk_upload_import_begin(u) != 0) {
		if (u->state == FK_UP_IMPORTED) {
			if (fk_upload_receipt(&s->up, u, &rc_buf, &e) != 0)
				return fail(s, c, r, 500, "error", "the stored receipt cannot be read",
				    NULL);
			k = answer(s, c, r, 200, NULL, FK_NET_CT_RECEIPT, rc_buf.p, rc_buf.len, NULL);
			fk_buf_free(&rc_buf);
			return k;
		}
		if (u->state == FK_UP_REFUSED)
			return fail(s, c, r, 422, "refused", u->reason, NULL);
		{
			const char *h[] = { "Retry-After", "2", NULL };
			return fail(s, c, r, 503, "busy", "the bundle is being imported; ask again",
			    h);
		}
	}
	if ((path = fk_upload_part_path(&s->up, u)) == NULL) {
		fk_upload_import_abort(&s->up, u);
		return MHD_NO;
	}
	if (file_sha256(path, u->length, got) != 0 || sodium_memcmp(got, u->sha256, 32) != 0) {
		snprintf(reason, sizeof reason, "the bytes received do not have the SHA-256 the "
		    "upload was created with");
		goto refuse;
	}
	if ((other = fk_upstore_other(&s->up, u->bundle_id, u->id)) != NULL) {
		snprintf(reason, sizeof reason, "bundle %s was uploaded before with other bytes "
		    "(%s); both are kept for review", u->bundle_id, other->id);
		fk_upload_put(&s->up, other);
		goto refuse;
	}
	pthread_mutex_lock(&s->dbmu);
	ok = fk_hub_import_file(s->h, path, &res, &e) == 0;
	if (ok) {
		ok = make_receipt(s, path, u->device_id, &rc_buf, &nrec, &e) == 0;
		if (ok) {
			char d[160];
			fk_err e2;
			snprintf(d, sizeof d, "network receipt for %s, bundle %s", u->device_id,
			    u->bundle_id);
			if (fk_hub_audit(s->h, "receipt", d, (long)nrec, &e2) != 0)
				fk_err_clear(&e2);
		}
	}
	pthread_mutex_unlock(&s->dbmu);
	if (ok && wal_sync(s) != 0) {
		/* Committed, but not known to be on disk: no receipt yet. The next
		 * try imports again (all duplicates) and syncs then. */
		ok = 0;
		fk_fail(&e, FK_EIO, "cannot sync the hub database");
	}
	if (!ok && (e.code == FK_EIO || e.code == FK_ENOMEM)) {
		/* The database or the disk: a temporary failure, keep the upload. */
		fk_upload_import_abort(&s->up, u);
		logf_(s, "import of bundle %s from device %s failed for now: %s", u->bundle_id,
		    u->device_id, err_class(e.code));
		free(path);
		{
			const char *h[] = { "Retry-After", "10", NULL };
			return fail(s, c, r, 503, "busy", "the hub could not import now; try again",
			    h);
		}
	}
	if (!ok) {
		/* fk_hub_import_file put a copy in quarantine with its reason. */
		clean_reason(e.msg, reason, sizeof reason);
		logf_(s, "refused bundle %s from device %s: %s", u->bundle_id, u->device_id,
		    err_class(e.code));
		goto refused;
	}
	if (fk_upload_import_end(&s->up, u, rc_buf.p, rc_buf.len, NULL, &e) != 0) {
		/* Imported, but the receipt could not be kept: answer it anyway; the
		 * next try imports again (all duplicates) and keeps it then. */
		fk_upload_import_abort(&s->up, u);
	}
	logf_(s, "imported bundle %s from device %s: %zu records, %zu new, %zu duplicate, "
	    "%zu conflict", u->bundle_id, u->device_id, res.nrec, res.nnew, res.ndup, res.nconf);
	k = answer(s, c, r, 200, NULL, FK_NET_CT_RECEIPT, rc_buf.p, rc_buf.len, NULL);
	fk_buf_free(&rc_buf);
	free(path);
	return k;
refuse:
	quarantine(s, path, u, reason);
	logf_(s, "refused bundle %s from device %s: %s", u->bundle_id, u->device_id,
	    strstr(reason, "SHA-256") ? "checksum" : "bundle id reused");
refused:
	if (fk_upload_import_end(&s->up, u, NULL, 0, reason, &e) != 0)
		fk_upload_import_abort(&s->up, u);
	free(path);
	fk_buf_free(&rc_buf);
	return fail(s, c, r, 422, "refused", reason, NULL);
}

/* ---- the requests ---- */

static enum MHD_Result
options(fk_server *s, struct MHD_Connection *c, struct req *r)
{
	char max[24], chunk[24];
	const char *h[] = { "Tus-Version", "1.0.0", "Tus-Extension",
		"creation,creation-with-upload,checksum,expiration", "Tus-Max-Size", max,
		"Tus-Checksum-Algorithm", "sha256", "Fieldkit-Max-Chunk", chunk, NULL };

	u64s(s->o.max_bundle, max);
	u64s(FK_NET_MAX_CHUNK, chunk);
	return answer(s, c, r, 204, NULL, NULL, "", 0, h);
}

/* Checks and starts a chunk (PATCH, or a POST with a body) at offset off. */
static enum MHD_Result
chunk_begin(fk_server *s, struct MHD_Connection *c, struct req *r, fk_upload *u,
    uint64_t off, int *go)
{
	const char *ct = hdr(c, "Content-Type"), *ck = hdr(c, "Upload-Checksum");
	fk_err e;

	*go = 0;
	if (strcmp(ct, FK_NET_CT_CHUNK) != 0)
		return fail(s, c, r, 415, "content-type", "chunks are sent as "
		    FK_NET_CT_CHUNK, NULL);
	if (fk_net_checksum_parse(ck, strlen(ck), r->want, &e) != 0)
		return fail(s, c, r, 400, "malformed", "each chunk needs Upload-Checksum: sha256 "
		    "<base64>", NULL);
	if (r->clen > FK_NET_MAX_CHUNK || off + r->clen > u->length)
		return fail(s, c, r, 413, "too-large", "the chunk is larger than allowed or runs "
		    "past the upload's length", NULL);
	if (fk_upload_takeover(u, off, &r->gen, &e) != 0) {
		if (u->state == FK_UP_IMPORTED || u->state == FK_UP_REFUSED ||
		    u->state == FK_UP_IMPORTING)
			return import_answer(s, c, r, u);
		return offset_answer(s, c, r, 409, "offset", u);
	}
	r->start = off;
	r->got = 0;
	crypto_hash_sha256_init(&r->hs);
	r->body = 1;
	*go = 1;
	return MHD_YES;
}

static enum MHD_Result
post_begin(fk_server *s, struct MHD_Connection *c, struct req *r)
{
	const char *ul = hdr(c, "Upload-Length"), *um = hdr(c, "Upload-Metadata");
	char bundle_id[FK_UUID_BUF], id[FK_NET_UPLOAD_ID_LEN + 1];
	uint8_t sha[32];
	uint64_t len;
	fk_upload *u;
	int why, go;
	fk_err e;
	enum MHD_Result k;

	if (fk_net_u64_parse(ul, strlen(ul), 1ull << 50, &len) != 0 || len == 0)
		return fail(s, c, r, 400, "malformed", "Upload-Length is missing or malformed",
		    NULL);
	if (len > s->o.max_bundle) {
		char max[24];
		const char *h[] = { "Tus-Max-Size", max, NULL };
		u64s(s->o.max_bundle, max);
		return fail(s, c, r, 413, "too-large", "the bundle is larger than this hub takes "
		    "(Tus-Max-Size); export smaller bundles", h);
	}
	if (fk_net_meta_parse(um, strlen(um), bundle_id, sha, &e) != 0)
		return fail(s, c, r, 400, "malformed", "Upload-Metadata must hold bundle_id and "
		    "sha256", NULL);
	fk_net_upload_id(bundle_id, sha, id);
	if ((u = fk_upstore_find(&s->up, id)) == NULL &&
	    fk_upstore_create(&s->up, r->device_id, bundle_id, sha, len, &u, &why, &e) != 0) {
		if (why == 1) {
			const char *h[] = { "Retry-After", "60", NULL };
			return fail(s, c, r, 429, "too-many", "too many partial uploads from this "
			    "device; finish them first", h);
		}
		if (why == 3) {
			const char *h[] = { "Retry-After", "1", NULL };
			return fail(s, c, r, 503, "busy", "the upload is being created; ask again",
			    h);
		}
		if (why == 4) {
			logf_(s, "refused an upload from device %s larger than the upload space "
			    "(--quota)", r->device_id);
			return fail(s, c, r, 413, "too-large", "the bundle is larger than this hub's "
			    "whole upload space (--quota); carry it on a USB stick", NULL);
		}
		if (why == 2) {
			const char *h[] = { "Retry-After", "3600", NULL };
			logf_(s, "upload space full: refused a new upload from device %s",
			    r->device_id);
			return fail(s, c, r, 507, "quota", "the hub's upload space is full; try "
			    "again later", h);
		}
		logf_(s, "cannot create an upload: %s", err_class(e.code));
		return fail(s, c, r, 500, "error", "the hub cannot store uploads now", NULL);
	}
	r->u = u;
	if (strcmp(u->device_id, r->device_id) != 0 || u->length != len)
		return fail(s, c, r, 409, "conflict", "this upload belongs to another device or "
		    "has another length", NULL);
	if (u->state != FK_UP_RECEIVING || u->offset == u->length)
		return import_answer(s, c, r, u);
	if (r->clen > 0 && u->offset == 0) {
		/* creation-with-upload: the body is the first chunk. */
		k = chunk_begin(s, c, r, u, 0, &go);
		return go ? MHD_YES : k;
	}
	if (r->clen > 0) /* the body is not taken: the client resumes at the offset */
		return offset_answer(s, c, r, 201, NULL, u);
	return offset_answer(s, c, r, 201, NULL, u);
}

static enum MHD_Result
begin(fk_server *s, struct MHD_Connection *c, const char *url, const char *method,
    struct req *r)
{
	const char *id = NULL;
	char clen[24];
	enum MHD_Result k = MHD_NO;
	int go;

	if (strcmp(url, PATH_BUNDLES) == 0) {
		if (strcmp(method, "OPTIONS") == 0)
			return options(s, c, r);
		if (strcmp(method, "POST") != 0)
			return fail(s, c, r, 405, "method", "use POST here", NULL);
		r->kind = R_POST;
	} else if (strncmp(url, PATH_BUNDLES "/", sizeof PATH_BUNDLES) == 0 &&
	    fk_net_upload_id_valid(url + sizeof PATH_BUNDLES)) {
		id = url + sizeof PATH_BUNDLES;
		if (strcmp(method, "HEAD") == 0)
			r->kind = R_HEAD;
		else if (strcmp(method, "PATCH") == 0)
			r->kind = R_PATCH;
		else
			return fail(s, c, r, 405, "method", "use HEAD or PATCH here", NULL);
	} else
		return fail(s, c, r, 404, "not-found", "no such resource", NULL);
	if (content_length(c, &r->clen, clen) != 0)
		return fail(s, c, r, 400, "malformed", "malformed Content-Length", NULL);
	if (r->kind == R_PATCH && MHD_lookup_connection_value(c, MHD_HEADER_KIND,
	    "Content-Length") == NULL)
		return fail(s, c, r, 411, "length", "a chunk needs Content-Length", NULL);
	if (r->kind == R_HEAD && r->clen > 0)
		return fail(s, c, r, 400, "malformed", "HEAD has no body", NULL);
	if (authenticate(s, c, r, method, url, clen, &k) != 0)
		return k;
	if (r->kind == R_POST)
		return post_begin(s, c, r);
	r->u = fk_upstore_find(&s->up, id);
	if (r->u == NULL || strcmp(r->u->device_id, r->device_id) != 0)
		return fail(s, c, r, 404, "not-found", "no such upload (expired, or never made); "
		    "create it again", NULL);
	if (r->kind == R_HEAD) {
		const char *st = r->u->state == FK_UP_IMPORTED ? "imported" :
		    r->u->state == FK_UP_REFUSED ? "refused" : "receiving";
		char off[24], len[24], exp[40];
		const char *h[] = { "Upload-Offset", off, "Upload-Length", len, "Upload-Expires",
			exp, "Fieldkit-State", st, NULL };
		u64s(r->u->state == FK_UP_RECEIVING || r->u->state == FK_UP_IMPORTING ?
		    r->u->durable : r->u->length, off);
		u64s(r->u->length, len);
		expires(s, r->u, exp);
		return answer(s, c, r, 200, NULL, NULL, "", 0, h);
	}
	{
		const char *uo = hdr(c, "Upload-Offset");
		uint64_t off;
		if (fk_net_u64_parse(uo, strlen(uo), 1ull << 50, &off) != 0)
			return fail(s, c, r, 400, "malformed", "Upload-Offset is missing or "
			    "malformed", NULL);
		if (r->clen == 0) {
			/* An empty PATCH at the end asks for the import (after a crash). */
			if (off == r->u->length && r->u->offset == r->u->length)
				return import_answer(s, c, r, r->u);
			if (off != r->u->offset)
				return offset_answer(s, c, r, 409, "offset", r->u);
			return offset_answer(s, c, r, 204, NULL, r->u);
		}
		k = chunk_begin(s, c, r, r->u, off, &go);
		return go ? MHD_YES : k;
	}
}

static void
body_piece(fk_server *s, struct req *r, const char *p, size_t n)
{
	fk_err e;

	if (r->werr || r->got + n > r->clen) {
		r->werr = r->werr ? r->werr : 1;
		return;
	}
	crypto_hash_sha256_update(&r->hs, (const uint8_t *)p, n);
	if (fk_upload_write(r->u, r->gen, r->start + r->got, (const uint8_t *)p, n, &e) != 0) {
		int sys = errno;
		r->werr = e.code == FK_ESTATE ? 2 : 1;
		/* The operator must read "disk full" here, not "error". */
		if (r->werr == 1)
			logf_(s, "cannot write upload %.8s: %s", r->u->id, sys == ENOSPC ||
			    sys == EDQUOT ? "no space left on the hub's disk (free some space)" :
			    err_class(e.code));
	}
	r->got += n;
}

static enum MHD_Result
body_end(fk_server *s, struct MHD_Connection *c, struct req *r)
{
	uint8_t got[32];
	fk_err e;

	crypto_hash_sha256_final(&r->hs, got);
	if (r->werr == 2)
		return offset_answer(s, c, r, 409, "offset", r->u);
	if (r->werr || r->got != r->clen)
		return fail(s, c, r, 500, "error", "the hub could not store the chunk", NULL);
	if (sodium_memcmp(got, r->want, 32) != 0) {
		logf_(s, "chunk of upload %.8s from device %s: checksum mismatch", r->u->id,
		    r->device_id);
		return fail(s, c, r, 460, "checksum", "the chunk does not match its "
		    "Upload-Checksum; send it again", NULL);
	}
	if (r->start + r->got == r->u->length) {
		/* The last chunk: the import is its acknowledgement (a receipt only
		 * once the bundle is durable in the database); not synced here. */
		if (fk_upload_complete(r->u, r->gen, &e) != 0)
			return offset_answer(s, c, r, 409, "offset", r->u);
		return import_answer(s, c, r, r->u);
	}
	if (fk_upload_commit(&s->up, r->u, r->gen, r->start + r->got, &e) != 0) {
		if (e.code == FK_ESTATE)
			return offset_answer(s, c, r, 409, "offset", r->u);
		logf_(s, "cannot commit upload %.8s: %s", r->u->id, err_class(e.code));
		return fail(s, c, r, 500, "error", "the hub could not store the chunk", NULL);
	}
	return offset_answer(s, c, r, r->kind == R_POST ? 201 : 204, NULL, r->u);
}

static enum MHD_Result
handler(void *cls, struct MHD_Connection *c, const char *url, const char *method,
    const char *version, const char *data, size_t *size, void **ctx)
{
	fk_server *s = cls;
	struct req *r = *ctx;

	(void)version;
	if (r == NULL) {
		if ((r = calloc(1, sizeof *r)) == NULL)
			return MHD_NO;
		*ctx = r;
		return begin(s, c, url, method, r);
	}
	if (*size > 0) {
		if (r->body && !r->queued)
			body_piece(s, r, data, *size);
		*size = 0;
		return MHD_YES;
	}
	if (r->queued)
		return MHD_YES;
	if (r->body)
		return body_end(s, c, r);
	return fail(s, c, r, 400, "malformed", "unexpected body", NULL);
}

static void
completed(void *cls, struct MHD_Connection *c, void **ctx, enum MHD_RequestTerminationCode toe)
{
	fk_server *s = cls;
	struct req *r = *ctx;

	(void)c;
	if (r == NULL)
		return;
	if (toe != MHD_REQUEST_TERMINATED_COMPLETED_OK && r->body && !r->queued)
		logf_(s, "chunk of upload %.8s from device %s broke off after %llu of %llu bytes",
		    r->u ? r->u->id : "?", r->device_id, (unsigned long long)r->got,
		    (unsigned long long)r->clen);
	fk_upload_put(&s->up, r->u);
	free(r);
	*ctx = NULL;
}

static void
mhd_log(void *cls, const char *fmt, va_list ap)
{
	(void)cls;
	(void)fmt;
	(void)ap;
	/* libmicrohttpd's own messages can name client addresses: not logged. */
}

/* ---- listening ---- */

static int
listen_on(const char *spec, int *port, fk_err *e)
{
	char host[256], ps[16];
	const char *colon = strrchr(spec, ':');
	struct addrinfo hints, *ai = NULL;
	struct sockaddr_storage ss;
	socklen_t sl = sizeof ss;
	int fd, one = 1, k;

	if (colon == NULL || colon - spec >= (long)sizeof host || strlen(colon + 1) >= sizeof ps ||
	    colon[1] == 0)
		return fk_fail(e, FK_EUSAGE, _("--listen wants ADDR:PORT, like 127.0.0.1:8443 or "
		    "[::]:8443"));
	memcpy(host, spec, (size_t)(colon - spec));
	host[colon - spec] = 0;
	if (host[0] == '[' && host[strlen(host) - 1] == ']') {
		memmove(host, host + 1, strlen(host));
		host[strlen(host) - 1] = 0;
	}
	snprintf(ps, sizeof ps, "%s", colon + 1);
	/* getaddrinfo takes 99999 as 34463 (mod 65536): the card would name a
	 * port the hub does not listen on. 0 asks for any free port (tests). */
	{
		char *end;
		long v = strtol(ps, &end, 10);
		if (*end != '\0' || end == ps || v < 0 || v > 65535 || ps[0] == '-' || ps[0] == '+')
			return fk_fail(e, FK_EUSAGE, _("--listen %s: the port is a number from 1 to "
			    "65535"), spec);
	}
	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	if ((k = getaddrinfo(host[0] ? host : NULL, ps, &hints, &ai)) != 0)
		return fk_fail(e, FK_EUSAGE, _("cannot listen on %s: %s"), spec, gai_strerror(k));
	fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
	    bind(fd, ai->ai_addr, ai->ai_addrlen) != 0 || listen(fd, 128) != 0 ||
	    getsockname(fd, (struct sockaddr *)&ss, &sl) != 0) {
		fk_fail(e, FK_EIO, _("cannot listen on %s: %s"), spec, strerror(errno));
		if (fd >= 0)
			close(fd);
		freeaddrinfo(ai);
		return -1;
	}
	freeaddrinfo(ai);
	*port = ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port :
	    ((struct sockaddr_in *)&ss)->sin_port);
	return fd;
}

int
fk_serve_start(fk_server **out, fk_hubdb *h, const fk_serve_opts *o, const fk_secret *key,
    const fk_buf *crt, const fk_minisign_sk *sign, fk_serve_log_fn log, void *lctx,
    fk_err *e)
{
	fk_server *s = calloc(1, sizeof *s);
	fk_minisign_pk pk;

	*out = NULL;
	if (s == NULL)
		return fk_fail(e, FK_ENOMEM, _("out of memory"));
	s->h = h;
	s->o = *o;
	s->sign = sign;
	s->log = log;
	s->lctx = lctx;
	s->lsock = -1;
	s->started = (int64_t)time(NULL);
	pthread_mutex_init(&s->dbmu, NULL);
	pthread_mutex_init(&s->logmu, NULL);
	pthread_mutex_init(&s->nmu, NULL);
	fk_group_sync_init(&s->gs);
	randombytes_buf(s->nkey, sizeof s->nkey);
	fk_minisign_sk_public(sign, &pk);
	fk_net_hub_keyid(&pk, s->hub_keyid);
	if ((s->nonces = calloc(NONCE_CAP, sizeof *s->nonces)) == NULL ||
	    (s->key_pem = sodium_malloc(key->len + 1)) == NULL ||
	    (s->crt_pem = malloc(crt->len + 1)) == NULL) {
		fk_fail(e, FK_ENOMEM, _("out of memory"));
		goto fail;
	}
	memcpy(s->key_pem, key->p, key->len);
	s->key_pem[key->len] = 0;
	s->key_len = key->len;
	memcpy(s->crt_pem, crt->p, crt->len);
	s->crt_pem[crt->len] = 0;
	if (fk_upstore_open(&s->up, fk_hub_home(h), o->quota, o->expire_days, o->max_partial,
	    e) != 0)
		goto fail;
	{
		/* Group commit (see the top): the log is synced by wal_sync. */
		const char *db;
		size_t n;
		if (fk_hub_need_db(h, e) != 0)
			goto fail;
		db = sqlite3_db_filename(h->db, "main");
		n = db ? strlen(db) + 5 : 0;
		if (db == NULL || db[0] == 0 || (s->wal_path = malloc(n)) == NULL) {
			fk_fail(e, FK_ENOMEM, _("out of memory"));
			goto fail;
		}
		snprintf(s->wal_path, n, "%s-wal", db);
		if (fk_hub_exec(h->db, "PRAGMA synchronous=NORMAL", e) != 0)
			goto fail;
	}
	if ((s->lsock = listen_on(o->listen, &s->port, e)) < 0)
		goto fail;
	s->d = MHD_start_daemon(MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD |
	    MHD_USE_POLL | MHD_USE_TLS, 0, NULL, NULL, handler, s,
	    MHD_OPTION_LISTEN_SOCKET, s->lsock,
	    MHD_OPTION_HTTPS_MEM_KEY, s->key_pem,
	    MHD_OPTION_HTTPS_MEM_CERT, s->crt_pem,
	    MHD_OPTION_HTTPS_PRIORITIES, "NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2",
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned)o->max_conn,
	    MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)o->per_ip,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)o->timeout,
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(64 * 1024),
	    MHD_OPTION_THREAD_STACK_SIZE, (size_t)(1 << 20),
	    MHD_OPTION_NOTIFY_COMPLETED, completed, s,
	    MHD_OPTION_EXTERNAL_LOGGER, mhd_log, s,
	    MHD_OPTION_END);
	if (s->d == NULL) {
		fk_fail(e, FK_EIO, _("cannot start the HTTPS server on %s (is the TLS key "
		    "valid?)"), o->listen);
		goto fail;
	}
	logf_(s, "serving on port %d: uploads up to %llu bytes, %d connections per address",
	    s->port, (unsigned long long)o->max_bundle, o->per_ip);
	*out = s;
	return 0;
fail:
	fk_serve_stop(s);
	return -1;
}

int
fk_serve_port(const fk_server *s)
{
	return s->port;
}

void
fk_serve_tick(fk_server *s)
{
	size_t n = fk_upstore_sweep(&s->up, (int64_t)time(NULL));

	if (n > 0)
		logf_(s, "%zu expired uploads removed", n);
}

void
fk_serve_stop(fk_server *s)
{
	if (s == NULL)
		return;
	if (s->d != NULL)
		MHD_stop_daemon(s->d);
	if (s->lsock >= 0)
		close(s->lsock);
	if (s->up.dir != NULL)
		fk_upstore_close(&s->up);
	if (s->key_pem != NULL)
		sodium_free(s->key_pem);
	free(s->crt_pem);
	free(s->nonces);
	pthread_mutex_destroy(&s->dbmu);
	pthread_mutex_destroy(&s->logmu);
	pthread_mutex_destroy(&s->nmu);
	fk_group_sync_destroy(&s->gs);
	free(s->wal_path);
	free(s);
}
