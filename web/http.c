/*
 * http.c - the server around the API: start-up (device, store, forms,
 * secret), the one-thread loop, the checks every request passes (secret,
 * Host, Origin, Sec-Fetch-Site), the page's assets, request bodies.
 */
#include "web_int.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "util.h"

double
web_now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

void
web_event(struct web *w, enum fk_web_event ev, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	if (w->o->event == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	w->o->event(w->o->ctx, ev, buf);
}

void
web_headers(struct MHD_Response *r)
{
	/* Nothing the page shows may be kept by the browser: no cache, no referrer. */
	MHD_add_response_header(r, "Cache-Control", "no-store");
	MHD_add_response_header(r, "Pragma", "no-cache");
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
	MHD_add_response_header(r, "X-Frame-Options", "DENY");
	MHD_add_response_header(r, "Cross-Origin-Opener-Policy", "same-origin");
	MHD_add_response_header(r, "Cross-Origin-Resource-Policy", "same-origin");
	MHD_add_response_header(r, "Permissions-Policy",
	    "camera=(self), microphone=(), geolocation=(self), interest-cohort=()");
	MHD_add_response_header(r, "Content-Security-Policy",
	    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' blob:; "
	    "media-src 'self' blob: mediastream:; connect-src 'self'; base-uri 'none'; "
	    "form-action 'none'; frame-ancestors 'none'");
}

/* JSON from sodium_malloc memory, wiped when the response is done with it. */
static void
free_secbuf(void *cls)
{
	fk_secbuf *b = cls;

	fk_secbuf_free(b);
	free(b);
}

enum MHD_Result
web_reply_json(struct MHD_Connection *c, unsigned status, json_t *j)
{
	fk_secbuf *b = calloc(1, sizeof *b);
	struct MHD_Response *r;
	enum MHD_Result rc;

	if (b == NULL || j == NULL || fk_json_dump_secure(j, b, NULL) != 0) {
		json_decref(j);
		if (b != NULL)
			free_secbuf(b);
		return MHD_NO;
	}
	json_decref(j);
	r = MHD_create_response_from_buffer_with_free_callback_cls(b->len, b->p, free_secbuf, b);
	if (r == NULL) {
		free_secbuf(b);
		return MHD_NO;
	}
	web_headers(r);
	MHD_add_response_header(r, "Content-Type", "application/json; charset=utf-8");
	rc = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return rc;
}

enum MHD_Result
web_reply_error(struct MHD_Connection *c, unsigned status, const char *msg)
{
	return web_reply_json(c, status, json_pack("{s:s}", "error", msg));
}

static enum MHD_Result
reply_text(struct MHD_Connection *c, unsigned status, const char *type, const void *p, size_t n)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(n, (void *)p,
	    MHD_RESPMEM_PERSISTENT);
	enum MHD_Result rc;

	if (r == NULL)
		return MHD_NO;
	web_headers(r);
	MHD_add_response_header(r, "Content-Type", type);
	rc = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return rc;
}

static enum MHD_Result
refuse(struct web *w, struct MHD_Connection *c, unsigned status, const char *why)
{
	static const char msg[] = "fieldkit app: open the address that `fieldkit app` printed.\n";
	static double last;
	double now = web_now();

	/* Told to the operator, at most once a second (a page elsewhere could knock all day). */
	if (now - last >= 1.0) {
		last = now;
		web_event(w, FK_WEB_REFUSED, "%s", why);
	}
	return reply_text(c, status, "text/plain; charset=utf-8", msg, sizeof msg - 1);
}

/* ---- the checks of every request ---- */

static int
host_ok(const struct web *w, const char *h)
{
	size_t i;

	for (i = 0; h != NULL && i < w->nhosts; i++)
		if (strcmp(h, w->hosts[i]) == 0)
			return 1;
	return 0;
}

static int
origin_ok(const struct web *w, const char *o)
{
	return o != NULL && strncmp(o, "http://", 7) == 0 && host_ok(w, o + 7);
}

/* The secret, compared in constant time; *rest is what follows "/SECRET/". */
static int
secret_ok(const struct web *w, const char *url, const char **rest)
{
	size_t n = strlen(w->token);

	if (url[0] != '/' || strlen(url + 1) < n)
		return 0;
	if (sodium_memcmp(url + 1, w->token, n) != 0)
		return 0;
	if (url[1 + n] == '\0') {
		*rest = NULL; /* "/SECRET": redirect to "/SECRET/" */
		return 1;
	}
	if (url[1 + n] != '/')
		return 0;
	*rest = url + 2 + n;
	return 1;
}

static const struct web_asset *
asset(const char *name)
{
	size_t i;

	if (*name == '\0')
		name = "index.html";
	for (i = 0; i < fk_web_nassets; i++)
		if (strcmp(fk_web_assets[i].name, name) == 0)
			return &fk_web_assets[i];
	return NULL;
}

/* ---- the API through HTTP ---- */

struct attread {
	fk_entry_src s;
	fk_err e;
};

static ssize_t
att_reader(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct attread *a = cls;
	long n;

	(void)pos;
	if (a->s.fd >= 0) {
		ssize_t k = read(a->s.fd, buf, max);
		return k > 0 ? k : k == 0 ? MHD_CONTENT_READER_END_OF_STREAM :
		    MHD_CONTENT_READER_END_WITH_ERROR;
	}
	n = a->s.src.read(a->s.src.ctx, (uint8_t *)buf, max, &a->e);
	return n > 0 ? (ssize_t)n : n == 0 ? MHD_CONTENT_READER_END_OF_STREAM :
	    MHD_CONTENT_READER_END_WITH_ERROR;
}

static void
att_reader_free(void *cls)
{
	struct attread *a = cls;

	fk_entry_att_close(&a->s);
	free(a);
}

/* GET api/r/RID/att/ID: the file, decrypted as it is sent. */
static enum MHD_Result
att(struct web *w, struct MHD_Connection *c, const char *rid, const char *id)
{
	struct attread *a = calloc(1, sizeof *a);
	struct MHD_Response *r;
	enum MHD_Result rc;
	fk_err e = { 0 };

	if (a == NULL)
		return MHD_NO;
	if (web_att_open(w, rid, id, &a->s, &e) != 0) {
		free(a);
		return web_reply_error(c, e.code == FK_ESTATE ? 423 : 404, e.msg);
	}
	r = MHD_create_response_from_callback(a->s.size, 65536, att_reader, a, att_reader_free);
	if (r == NULL) {
		att_reader_free(a);
		return MHD_NO;
	}
	web_headers(r);
	MHD_add_response_header(r, "Content-Type", a->s.media_type);
	MHD_add_response_header(r, "Content-Disposition", "inline");
	rc = MHD_queue_response(c, 200, r);
	MHD_destroy_response(r);
	return rc;
}

static enum MHD_Result
api(struct web *w, struct web_req *rq, struct MHD_Connection *c, const char *method,
    const char *path)
{
	struct web_call call;
	struct MHD_Response *r;
	enum MHD_Result rc;
	char rid[FK_UUID_BUF];

	memset(&call, 0, sizeof call);
	if (rq->too_big)
		return web_reply_error(c, 413, _("the request is too large"));
	if (strncmp(path, "r/", 2) == 0 && strlen(path) > 2 + FK_UUID_LEN &&
	    strncmp(path + 2 + FK_UUID_LEN, "/att/", 5) == 0 && strcmp(method, "GET") == 0) {
		snprintf(rid, sizeof rid, "%.36s", path + 2);
		return att(w, c, rid, path + 2 + FK_UUID_LEN + 5);
	}
	call.method = method;
	call.path = path;
	call.lang = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "lang");
	call.tab = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "tab");
	call.body = rq->body.p;
	call.len = rq->body.len;
	if (rq->upload)
		web_upload_end(w, rq, &call);
	else
		web_call(w, &call);
	sodium_memzero(rq->body.p, rq->body.cap);
	if (call.raw == NULL)
		return web_reply_json(c, call.status, call.out);
	r = MHD_create_response_from_buffer(call.rawlen, (void *)call.raw, MHD_RESPMEM_PERSISTENT);
	if (r == NULL)
		return MHD_NO;
	web_headers(r);
	MHD_add_response_header(r, "Content-Type", "application/json; charset=utf-8");
	rc = MHD_queue_response(c, call.status, r);
	MHD_destroy_response(r);
	return rc;
}

/* A top-level navigation (GET, mode navigate, destination document) to the page. */
static int
navigation(struct MHD_Connection *c, const char *method, const char *rest)
{
	const char *mode = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Sec-Fetch-Mode");
	const char *dest = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Sec-Fetch-Dest");

	return strcmp(method, "GET") == 0 && mode != NULL && strcmp(mode, "navigate") == 0 &&
	    dest != NULL && strcmp(dest, "document") == 0 &&
	    (rest == NULL || *rest == '\0' || strcmp(rest, "index.html") == 0);
}

static enum MHD_Result
handler(void *cls, struct MHD_Connection *c, const char *url, const char *method,
    const char *version, const char *data, size_t *size, void **con_cls)
{
	struct web *w = cls;
	struct web_req *rq = *con_cls;
	const char *rest = NULL, *h, *site;
	const struct web_asset *a;

	(void)version;
	if (rq == NULL) {
		/* First call: the headers are in; decide whether to listen at all. */
		h = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Host");
		if (!host_ok(w, h))
			return refuse(w, c, 421, N_("a request for another host name (DNS rebinding?)"));
		if ((h = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Origin")) != NULL &&
		    !origin_ok(w, h))
			return refuse(w, c, 403, N_("a request from another site"));
		if (!secret_ok(w, url, &rest))
			return refuse(w, c, 404, N_("a request without the secret"));
		/*
		 * From elsewhere (Sec-Fetch-Site cross-site or same-site) only a top-level
		 * navigation to the page itself: the link --open gives the browser, a
		 * bookmark. Never the API, never an embedded resource.
		 */
		site = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Sec-Fetch-Site");
		if (site != NULL && strcmp(site, "same-origin") != 0 && strcmp(site, "none") != 0 &&
		    !navigation(c, method, rest))
			return refuse(w, c, 403, N_("a request from another site"));
		if (rest == NULL) {
			struct MHD_Response *r = MHD_create_response_from_buffer(0, (void *)"",
			    MHD_RESPMEM_PERSISTENT);
			char loc[64];
			enum MHD_Result rc;
			snprintf(loc, sizeof loc, "/%s/", w->token);
			web_headers(r);
			MHD_add_response_header(r, "Location", loc);
			rc = MHD_queue_response(c, 303, r);
			MHD_destroy_response(r);
			return rc;
		}
		if ((rq = calloc(1, sizeof *rq)) == NULL)
			return MHD_NO;
		*con_cls = rq;
		w->last_req = web_now();
		if (strcmp(method, "POST") == 0 && strncmp(rest, "api/r/", 6) == 0 &&
		    strlen(rest) == 6 + FK_UUID_LEN + 7 && strcmp(rest + 6 + FK_UUID_LEN, "/attach") == 0) {
			char rid[FK_UUID_BUF];
			snprintf(rid, sizeof rid, "%.36s", rest + 6);
			const char *tab = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "tab");
			rq->upload = 1;
			snprintf(rq->tab, sizeof rq->tab, "%s", tab != NULL ? tab : "");
			rq->status = web_upload_begin(w, rq, rid,
			    MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "p"),
			    MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "name"),
			    MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Type"),
			    MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Length"),
			    MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "lang"));
			if (rq->status != 0) {
				/* Refused before a byte is read: say so now, drop the rest. */
				rq->answered = 1;
				return web_reply_error(c, rq->status, rq->err.msg);
			}
		}
		return MHD_YES;
	}
	if (rq->answered) {
		*size = 0;
		return MHD_YES;
	}
	if (*size > 0) {
		/* The body, piece by piece. */
		if (rq->upload)
			web_upload_data(w, rq, (const uint8_t *)data, *size);
		else if (rq->too_big || rq->body.len + *size > WEB_BODY_MAX ||
		    fk_secbuf_append(&rq->body, data, *size, NULL) != 0)
			rq->too_big = 1;
		*size = 0;
		return MHD_YES;
	}
	(void)secret_ok(w, url, &rest);
	if (strncmp(rest, "api/", 4) == 0)
		return api(w, rq, c, method, rest + 4);
	if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
		return web_reply_error(c, 405, "GET");
	if ((a = asset(rest)) == NULL)
		return reply_text(c, 404, "text/plain; charset=utf-8", "not found\n", 10);
	return reply_text(c, 200, a->type, a->data, a->len);
}

static void
completed(void *cls, struct MHD_Connection *c, void **con_cls,
    enum MHD_RequestTerminationCode toe)
{
	(void)cls;
	(void)c;
	(void)toe;
	if (*con_cls != NULL) {
		web_req_free(*con_cls);
		*con_cls = NULL;
	}
}

static void
quiet_log(void *cls, const char *fmt, va_list ap)
{
	(void)cls;
	(void)fmt;
	(void)ap;
}

int
fk_web_addr_ok(const char *addr)
{
	struct in_addr a4;
	struct in6_addr a6;

	if (strcmp(addr, "localhost") == 0)
		return 1;
	if (inet_pton(AF_INET, addr, &a4) == 1)
		return (ntohl(a4.s_addr) >> 24) == 127;
	if (inet_pton(AF_INET6, addr, &a6) == 1)
		return IN6_IS_ADDR_LOOPBACK(&a6);
	return 0;
}

/* ---- the loop ---- */

static int
start(struct web *w, fk_err *e)
{
	uint8_t rnd[32];
	const char *addr = w->o->addr ? w->o->addr : "127.0.0.1";
	const union MHD_DaemonInfo *di;
	struct sockaddr_in a4;
	struct sockaddr_in6 a6;
	struct sockaddr *sa;
	unsigned flags = 0;
	char host[64];

	if (!fk_web_addr_ok(addr))
		return fk_fail(e, FK_EUSAGE,
		    _("--listen: %s is not a loopback address (127.0.0.1, ::1 or localhost)"), addr);
	if (web_open(w, w->o, e) != 0)
		return -1;
	randombytes_buf(rnd, sizeof rnd);
	sodium_bin2base64(w->token, sizeof w->token, rnd, sizeof rnd,
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	sodium_memzero(rnd, sizeof rnd);
	if (strcmp(addr, "::1") == 0 || strchr(addr, ':') != NULL) {
		memset(&a6, 0, sizeof a6);
		a6.sin6_family = AF_INET6;
		a6.sin6_port = htons((uint16_t)w->o->port);
		inet_pton(AF_INET6, addr, &a6.sin6_addr);
		sa = (struct sockaddr *)&a6;
		flags |= MHD_USE_IPv6;
		snprintf(host, sizeof host, "[%s]", addr);
	} else {
		memset(&a4, 0, sizeof a4);
		a4.sin_family = AF_INET;
		a4.sin_port = htons((uint16_t)w->o->port);
		inet_pton(AF_INET, strcmp(addr, "localhost") == 0 ? "127.0.0.1" : addr, &a4.sin_addr);
		sa = (struct sockaddr *)&a4;
		snprintf(host, sizeof host, "%s", addr);
	}
	w->d = MHD_start_daemon(flags, (uint16_t)w->o->port, NULL, NULL, handler, w,
	    MHD_OPTION_SOCK_ADDR, sa,
	    MHD_OPTION_NOTIFY_COMPLETED, completed, w,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned)32,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)120,
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(64 * 1024),
	    MHD_OPTION_EXTERNAL_LOGGER, quiet_log, NULL,
	    MHD_OPTION_END);
	if (w->d == NULL)
		return fk_fail(e, FK_EIO, _("cannot listen on %s port %u: %s (is another app running there?)"),
		    addr, w->o->port, strerror(errno));
	di = MHD_get_daemon_info(w->d, MHD_DAEMON_INFO_BIND_PORT);
	w->port = di != NULL ? di->port : w->o->port;
	snprintf(w->hosts[0], sizeof w->hosts[0], "%s:%u", host, w->port);
	w->nhosts = 1;
	if (strcmp(addr, "127.0.0.1") == 0 || strcmp(addr, "localhost") == 0) {
		snprintf(w->hosts[1], sizeof w->hosts[1], "localhost:%u", w->port);
		snprintf(w->hosts[2], sizeof w->hosts[2], "127.0.0.1:%u", w->port);
		w->nhosts = 3;
	}
	return 0;
}

static void
stop_all(struct web *w)
{
	if (w->d != NULL)
		MHD_stop_daemon(w->d);
	w->d = NULL;
	web_close(w);
	sodium_memzero(w->token, sizeof w->token);
}

int
fk_web_run(const fk_web_opts *o, volatile sig_atomic_t *stop, fk_err *e)
{
	struct web *w = calloc(1, sizeof *w);
	char url[160];
	int rc = -1;

	if (w == NULL)
		return fk_fail(e, FK_ENOMEM, _("out of memory"));
	w->o = o;
	fk_json_use_wiping_alloc();
	if (start(w, e) != 0)
		goto out;
	snprintf(url, sizeof url, "http://%s/%s/", w->hosts[0], w->token);
	w->last_req = web_now();
	web_event(w, FK_WEB_READY, "%s", url);
	sodium_memzero(url, sizeof url);
	while (!*stop) {
		MHD_run_wait(w->d, 250);
		web_autosave(w, 0);
		if (w->unlocked && o->lock_after > 0 && web_now() - w->last_req > o->lock_after)
			web_lock(w, "idle");
	}
	rc = 0;
out:
	stop_all(w);
	free(w);
	return rc;
}
