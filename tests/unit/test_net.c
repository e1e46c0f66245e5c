/*
 * test_net.c - `hub serve` and the network client in one process, over TLS
 * on loopback (the server runs on libmicrohttpd's threads, made with
 * pthread_create). The happy path and its idempotence, then the refusals,
 * each leaving the hub's database unchanged: an unregistered device, a
 * revoked one, a replayed signed request, a bad signature, a request from
 * the past, a tampered chunk, a wrong offset, an oversize bundle, a hub with
 * another TLS key, the same bundle id with other bytes. And the upload
 * store: expiry, the quota, the per-device limit.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "check.h"
#include "hub_fixture.h"
#include "hub.h"
#include "hub_serve.h"
#include "hub_tls.h"
#include "hub_uploads.h"
#include "net.h"
#include "receipt.h"

static const char *answers = "{\"surname\":\"Test\"}";

static int
accept_all(void *ctx, const char *form_id, int version, json_t *record, fk_err *e)
{
	(void)ctx;
	(void)form_id;
	(void)version;
	(void)record;
	(void)e;
	return 0;
}

static long
count(fk_hubdb *h, const char *sql)
{
	sqlite3_stmt *st;
	long n = -1;

	if (sqlite3_prepare_v2(fk_hub_sqlite(h), sql, -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

struct env {
	char *dir, *home, url[64], pins[FK_TLS_MAX_PINS * 60];
	fk_hubdb *h;
	fk_server *srv;
	fk_minisign_sk *hubsk;
	fk_minisign_pk hubpk;
	fk_age_recipients to;
};

static fk_net_client *
client(struct env *v, struct fx_dev *d, const char *pins)
{
	fk_net_target t;
	fk_err e;
	fk_net_client *c;

	memset(&t, 0, sizeof t);
	t.url = v->url;
	t.pins = pins ? pins : v->pins;
	t.hub_pk = v->hubpk;
	t.hub_name = "Kyiv hub";
	c = fk_net_client_new(&t, d->id, d->sk, &e);
	CHECK_MSG(c != NULL, "%s", e.msg);
	fk_net_tune(c, 3, 5, 0);
	return c;
}

static void
setup(struct env *v)
{
	char pass[4200], p[4200], pins[FK_TLS_MAX_PINS][FK_TLS_PIN_LEN + 1];
	fk_serve_opts o;
	fk_secret key = {0};
	fk_buf crt = {0}, card = {0};
	uint8_t pk[32];
	size_t n, i;
	json_t *j;
	fk_err e;

	memset(v, 0, sizeof *v);
	v->dir = fx_tmpdir("net");
	v->home = fk_hub_path_test(v->dir);
	snprintf(pass, sizeof pass, "%s/pass", v->dir);
	{
		FILE *f = fopen(pass, "w");
		fputs("correct horse\n", f);
		fclose(f);
		chmod(pass, 0600);
	}
	CHECK(fk_hub_create(v->home, "Kyiv hub", (const uint8_t *)"correct horse", 13, 10, &e)
	    == 0);
	CHECK(fk_hub_net_init(v->home, (const uint8_t *)"correct horse", 13, NULL, &e) == 0);
	CHECK(fk_hub_open(&v->h, v->home, &e) == 0);
	CHECK(fk_hub_unlock(v->h, pass, &e) == 0);
	fk_hub_set_validator(v->h, accept_all, NULL);
	snprintf(p, sizeof p, "%s/sign.key", v->home);
	CHECK(fk_minisign_sk_load(p, pass, &v->hubsk, &e) == 0);
	fk_minisign_sk_public(v->hubsk, &v->hubpk);
	CHECK(fk_hub_tls_load(v->home, (const uint8_t *)"correct horse", 13, NULL, NULL, &key,
	    &crt, &e) == 0);
	CHECK(fk_hub_tls_pins(v->home, pins, &n, &e) == 0 && n == 1);
	for (i = 0; i < n; i++)
		snprintf(v->pins, sizeof v->pins, "%s", pins[i]);
	/* The card carries the pin. */
	snprintf(p, sizeof p, "%s/hub-card.json", v->home);
	CHECK(fk_read_file(p, 65536, &card, &e) == 0);
	j = json_loadb((const char *)card.p, card.len, 0, NULL);
	CHECK(j != NULL && strcmp(json_string_value(json_array_get(json_object_get(j,
	    "tls_pins"), 0)), v->pins) == 0);
	CHECK(fk_age_parse_recipient(json_string_value(json_array_get(json_object_get(j,
	    "recipients"), 0)), 62, pk, &e) == 0);
	CHECK(fk_age_recipients_add(&v->to, pk, &e) == 0);
	json_decref(j);
	fk_buf_free(&card);
	fk_serve_opts_default(&o);
	o.listen = "127.0.0.1:0";
	o.max_bundle = 4u << 20;
	CHECK(fk_serve_start(&v->srv, v->h, &o, &key, &crt, v->hubsk, NULL, NULL, &e) == 0);
	snprintf(v->url, sizeof v->url, "https://127.0.0.1:%d", fk_serve_port(v->srv));
	fk_secret_free(&key);
	fk_buf_free(&crt);
	/* Requests must be signed after the hub started (replays across restarts). */
	sleep(1);
}

static char *
bundle(struct env *v, struct fx_dev *d, size_t nrec, size_t attsize)
{
	size_t i;

	d->from = d->n;
	for (i = 0; i < nrec; i++)
		fx_add(d, &v->to, "family_report", 1, answers, attsize ? 1 : 0, attsize);
	d->to = 0;
	return fx_export(d, v->dir);
}

static void
happy(struct env *v, struct fx_dev *d)
{
	fk_net_client *c = client(v, d, NULL);
	fk_net_result r1, r2;
	fk_receipt rc = {0};
	const char *names[1] = { "Kyiv hub" };
	char *path = bundle(v, d, 5, 300000);
	fk_err e;

	CHECK(fk_net_push_file(c, path, &r1, &e) == 0);
	CHECK_MSG(r1.outcome == FK_NET_DELIVERED, "%s %s", r1.cls, r1.reason);
	CHECK(count(v->h, "SELECT count(*) FROM records") == 5);
	CHECK(fk_receipt_check(r1.receipt, r1.receipt_len, &v->hubpk, names, 1, d->id, &rc, &e)
	    == 0 && rc.n == 5);
	fk_receipt_free(&rc);
	/* The same bundle again: the same answer, the same receipt, nothing new. */
	CHECK(fk_net_push_file(c, path, &r2, &e) == 0);
	CHECK(r2.outcome == FK_NET_DELIVERED && r2.receipt_len == r1.receipt_len &&
	    memcmp(r2.receipt, r1.receipt, r1.receipt_len) == 0);
	CHECK(count(v->h, "SELECT count(*) FROM records") == 5);
	CHECK(count(v->h, "SELECT count(*) FROM bundles") == 1);
	fk_net_result_free(&r1);
	fk_net_result_free(&r2);
	/* A small bundle (one request). */
	free(path);
	path = bundle(v, d, 1, 0);
	CHECK(fk_net_push_file(c, path, &r1, &e) == 0 && r1.outcome == FK_NET_DELIVERED);
	CHECK(r1.requests == 1);
	fk_net_result_free(&r1);
	free(path);
	fk_net_client_free(c);
}

/* The refusals: each leaves the database as it was. */
static void
refusals(struct env *v, struct fx_dev *d)
{
	struct fx_dev stranger, gone;
	fk_net_client *c;
	fk_net_result r;
	fk_net_raw_resp rr;
	char *path, sig[FK_NET_SIG_MAX], meta[200], ck[64], id[FK_NET_UPLOAD_ID_LEN + 1];
	char up[128], len[24];
	long before = count(v->h, "SELECT count(*) FROM records");
	fk_buf b = {0};
	uint8_t sha[32], csha[32];
	fk_err e;

	/* An unregistered device. */
	fx_dev_init(&stranger, "stranger");
	path = bundle(v, &stranger, 2, 0);
	c = client(v, &stranger, NULL);
	CHECK(fk_net_push_file(c, path, &r, &e) == 0);
	CHECK(r.outcome == FK_NET_REFUSED && strstr(r.reason, "not registered") != NULL);
	fk_net_result_free(&r);
	fk_net_client_free(c);
	free(path);

	/* A revoked one. */
	fx_dev_init(&gone, "gone");
	CHECK(fk_hub_device_add(v->h, "gone", "tablet", &gone.pk, &e) == 0);
	CHECK(fk_hub_device_revoke(v->h, "gone", &e) == 0);
	path = bundle(v, &gone, 2, 0);
	c = client(v, &gone, NULL);
	CHECK(fk_net_push_file(c, path, &r, &e) == 0);
	CHECK(r.outcome == FK_NET_REFUSED && strstr(r.reason, "revoked") != NULL);
	fk_net_result_free(&r);
	fk_net_client_free(c);
	free(path);

	/* A hub with another TLS key: the pin does not match. */
	path = bundle(v, d, 2, 0);
	c = client(v, d, "sha256//AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=");
	CHECK(fk_net_push_file(c, path, &r, &e) == 0);
	CHECK_MSG(r.outcome == FK_NET_TEMPFAIL && strcmp(r.cls, FK_NET_C_PIN) == 0, "%s", r.cls);
	fk_net_result_free(&r);
	fk_net_client_free(c);
	CHECK(count(v->h, "SELECT count(*) FROM records") == before);

	/* Raw requests for the rest. */
	c = client(v, d, NULL);
	CHECK(fk_read_file(path, 1 << 24, &b, &e) == 0);
	crypto_hash_sha256(sha, b.p, b.len);
	{
		FILE *f = fopen(path, "rb");
		fk_bundle_reader *br = fk_bundle_open(fk_file_source(f), NULL, NULL, &e);
		CHECK(br != NULL);
		fk_net_meta_encode(fk_bundle_manifest_of(br)->bundle_id, sha, meta, sizeof meta);
		fk_net_upload_id(fk_bundle_manifest_of(br)->bundle_id, sha, id);
		fk_bundle_close(br);
		fclose(f);
	}
	snprintf(up, sizeof up, "/v1/bundles/%s", id);
	snprintf(len, sizeof len, "%zu", b.len);
	CHECK(fk_net_raw(c, "POST", "/v1/bundles", len, NULL, meta, NULL, NULL, 0, NULL, sig,
	    &rr, &e) == 0);
	CHECK(rr.status == 201 && rr.is_hub && strcmp(rr.offset, "0") == 0);
	fk_buf_free(&rr.body);
	/* The same signed request again: a replay. */
	CHECK(fk_net_raw(c, "POST", "/v1/bundles", len, NULL, meta, NULL, NULL, 0, sig, NULL,
	    &rr, &e) == 0);
	CHECK_MSG(rr.status == 401 && strcmp(rr.error, "replay") == 0, "%ld %s", rr.status,
	    rr.error);
	fk_buf_free(&rr.body);
	/* Another request with that signature: it does not verify. */
	CHECK(fk_net_raw(c, "HEAD", up, NULL, NULL, NULL, NULL, NULL, 0, sig, NULL, &rr, &e)
	    == 0);
	CHECK(rr.status == 401 && strcmp(rr.error, "signature") == 0);
	fk_buf_free(&rr.body);
	/* A tampered chunk: the body is not what Upload-Checksum says. */
	crypto_hash_sha256(csha, b.p, 100);
	fk_net_checksum_encode(csha, ck);
	{
		uint8_t t[100];
		memcpy(t, b.p, 100);
		t[50] ^= 1;
		CHECK(fk_net_raw(c, "PATCH", up, NULL, "0", NULL, ck, t, 100, NULL, NULL, &rr, &e)
		    == 0);
		CHECK(rr.status == 460 && strcmp(rr.error, "checksum") == 0);
		fk_buf_free(&rr.body);
	}
	CHECK(fk_net_raw(c, "HEAD", up, NULL, NULL, NULL, NULL, NULL, 0, NULL, NULL, &rr, &e)
	    == 0);
	CHECK(rr.status == 200 && strcmp(rr.offset, "0") == 0);
	fk_buf_free(&rr.body);
	/* The right chunk, then one at a wrong offset. */
	CHECK(fk_net_raw(c, "PATCH", up, NULL, "0", NULL, ck, b.p, 100, NULL, NULL, &rr, &e)
	    == 0);
	CHECK(rr.status == 204 && strcmp(rr.offset, "100") == 0);
	fk_buf_free(&rr.body);
	CHECK(fk_net_raw(c, "PATCH", up, NULL, "0", NULL, ck, b.p, 100, NULL, NULL, &rr, &e)
	    == 0);
	CHECK(rr.status == 409 && strcmp(rr.error, "offset") == 0 &&
	    strcmp(rr.offset, "100") == 0);
	fk_buf_free(&rr.body);
	/* An upload of another device is not there for this one. */
	{
		fk_net_client *c2 = client(v, &gone, NULL);
		CHECK(fk_net_raw(c2, "HEAD", up, NULL, NULL, NULL, NULL, NULL, 0, NULL, NULL, &rr,
		    &e) == 0);
		CHECK(rr.status == 403);
		fk_buf_free(&rr.body);
		fk_net_client_free(c2);
	}
	/* Oversize. */
	CHECK(fk_net_raw(c, "POST", "/v1/bundles", "4194305", NULL, meta, NULL, NULL, 0, NULL,
	    NULL, &rr, &e) == 0);
	CHECK(rr.status == 413 && strcmp(rr.error, "too-large") == 0);
	fk_buf_free(&rr.body);
	/* Unsigned; a malformed signature; a page that is not there. */
	CHECK(fk_net_raw(c, "HEAD", up, NULL, NULL, NULL, NULL, NULL, 0, "v1 x", NULL, &rr, &e)
	    == 0);
	CHECK(rr.status == 401 && strcmp(rr.error, "malformed") == 0);
	fk_buf_free(&rr.body);
	CHECK(fk_net_raw(c, "HEAD", "/v1/other", NULL, NULL, NULL, NULL, NULL, 0, NULL, NULL,
	    &rr, &e) == 0);
	CHECK(rr.status == 404);
	fk_buf_free(&rr.body);
	CHECK(count(v->h, "SELECT count(*) FROM records") == before);
	fk_net_client_free(c);

	/* The rest through the client: it resumes at 100 and delivers. */
	c = client(v, d, NULL);
	CHECK(fk_net_push_file(c, path, &r, &e) == 0 && r.outcome == FK_NET_DELIVERED);
	CHECK(r.requests == 2); /* POST: the hub holds 100 bytes; one PATCH from there */
	fk_net_result_free(&r);
	before = count(v->h, "SELECT count(*) FROM records");

	/* The same bundle id with other bytes: refused, kept in quarantine. */
	b.p[b.len - 1] ^= 1;
	{
		char p2[4300];
		FILE *f;
		snprintf(p2, sizeof p2, "%s.other", path);
		f = fopen(p2, "wb");
		fwrite(b.p, 1, b.len, f);
		fclose(f);
		CHECK(fk_net_push_file(c, p2, &r, &e) == 0);
		CHECK_MSG(r.outcome == FK_NET_REFUSED && strstr(r.reason, "other bytes") != NULL,
		    "%d %s", r.outcome, r.reason);
		fk_net_result_free(&r);
		/* Asked again: the same refusal. */
		CHECK(fk_net_push_file(c, p2, &r, &e) == 0 && r.outcome == FK_NET_REFUSED);
		fk_net_result_free(&r);
	}
	CHECK(count(v->h, "SELECT count(*) FROM records") == before);
	fk_net_client_free(c);
	fk_buf_free(&b);
	free(path);
	fx_dev_free(&stranger);
	fx_dev_free(&gone);
}

/* Expiry, quota and the per-device limit, on the store itself. */
static void
store(void)
{
	char *dir = fx_tmpdir("upstore");
	fk_upstore s;
	fk_upload *u, *u2;
	uint8_t sha[32] = {1};
	unsigned gen;
	int why;
	fk_err e;

	CHECK(fk_upstore_open(&s, dir, 1000, 7, 2, &e) == 0);
	CHECK(fk_upstore_create(&s, "d", "5b29bcdf-e2a6-46f3-8e39-85e9e18af4c6", sha, 600, &u,
	    &why, &e) == 0);
	CHECK(fk_upload_takeover(u, 0, &gen, &e) == 0);
	CHECK(fk_upload_write(u, gen, 0, (const uint8_t *)"abc", 3, &e) == 0);
	CHECK(fk_upload_commit(&s, u, gen, 3, &e) == 0 && u->offset == 3);
	/* A writer that was taken over writes nothing more. */
	CHECK(fk_upload_takeover(u, 3, &gen, &e) == 0);
	{
		unsigned g2;
		CHECK(fk_upload_takeover(u, 3, &g2, &e) == 0);
		CHECK(fk_upload_write(u, gen, 3, (const uint8_t *)"x", 1, &e) != 0 &&
		    e.code == FK_ESTATE);
		CHECK(fk_upload_commit(&s, u, gen, 4, &e) != 0);
	}
	fk_upload_put(&s, u);
	sha[0] = 2;
	CHECK(fk_upstore_create(&s, "d", "6b29bcdf-e2a6-46f3-8e39-85e9e18af4c6", sha, 600, &u2,
	    &why, &e) != 0 && why == 2);
	/* larger than the whole quota: never fits, told apart from "full for now" */
	CHECK(fk_upstore_create(&s, "d", "7c29bcdf-e2a6-46f3-8e39-85e9e18af4c6", sha, 1001, &u2,
	    &why, &e) != 0 && why == 4);
	CHECK(fk_upstore_create(&s, "d", "6b29bcdf-e2a6-46f3-8e39-85e9e18af4c6", sha, 300, &u2,
	    &why, &e) == 0);
	{
		/* The last chunk: not synced until its import fails (then it is). */
		uint8_t body[300] = {0};
		CHECK(fk_upload_takeover(u2, 0, &gen, &e) == 0);
		CHECK(fk_upload_write(u2, gen, 0, body, sizeof body, &e) == 0);
		CHECK(fk_upload_complete(u2, gen, &e) == 0);
		CHECK(u2->offset == 300 && u2->durable == 0);
		CHECK(fk_upload_import_begin(u2) == 0 && fk_upload_import_begin(u2) == 1);
		fk_upload_import_abort(&s, u2);
		CHECK(u2->state == FK_UP_RECEIVING && u2->offset == 300 && u2->durable == 300);
	}
	fk_upload_put(&s, u2);
	{
		/* A last chunk whose import never ended (the hub stopped): after a
		 * restart the upload is where it durably was. */
		uint8_t body[50] = {0};
		sha[0] = 4;
		CHECK(fk_upstore_create(&s, "e", "8b29bcdf-e2a6-46f3-8e39-85e9e18af4c6", sha, 50,
		    &u2, &why, &e) == 0);
		CHECK(fk_upload_takeover(u2, 0, &gen, &e) == 0);
		CHECK(fk_upload_write(u2, gen, 0, body, sizeof body, &e) == 0);
		CHECK(fk_upload_complete(u2, gen, &e) == 0 && fk_upload_import_begin(u2) == 0);
		fk_upload_put(&s, u2);
	}
	sha[0] = 3;
	CHECK(fk_upstore_create(&s, "d", "7b29bcdf-e2a6-46f3-8e39-85e9e18af4c6", sha, 10, &u2,
	    &why, &e) != 0 && why == 1);
	/* Reopened: the offset is what was committed. */
	fk_upstore_close(&s);
	CHECK(fk_upstore_open(&s, dir, 1000, 7, 2, &e) == 0);
	sha[0] = 1;
	{
		char id[FK_NET_UPLOAD_ID_LEN + 1];
		fk_net_upload_id("5b29bcdf-e2a6-46f3-8e39-85e9e18af4c6", sha, id);
		CHECK((u = fk_upstore_find(&s, id)) != NULL && u->offset == 3);
		fk_upload_put(&s, u);
		sha[0] = 2;
		fk_net_upload_id("6b29bcdf-e2a6-46f3-8e39-85e9e18af4c6", sha, id);
		CHECK((u = fk_upstore_find(&s, id)) != NULL && u->offset == 300 &&
		    u->durable == 300 && u->state == FK_UP_RECEIVING);
		fk_upload_put(&s, u);
		sha[0] = 4;
		fk_net_upload_id("8b29bcdf-e2a6-46f3-8e39-85e9e18af4c6", sha, id);
		CHECK((u = fk_upstore_find(&s, id)) != NULL && u->offset == 0 &&
		    u->durable == 0 && u->state == FK_UP_RECEIVING);
		fk_upload_put(&s, u);
	}
	CHECK(s.held == 950);
	{
		/* An imported upload whose receipt went missing (a stop between
		 * the renames) is forgotten at the next start, its files gone. */
		char id[FK_NET_UPLOAD_ID_LEN + 1], path[4300];
		struct stat sb;
		sha[0] = 5;
		CHECK(fk_upstore_create(&s, "f", "9b29bcdf-e2a6-46f3-8e39-85e9e18af4c6", sha, 5,
		    &u2, &why, &e) == 0);
		CHECK(fk_upload_takeover(u2, 0, &gen, &e) == 0);
		CHECK(fk_upload_write(u2, gen, 0, (const uint8_t *)"abcde", 5, &e) == 0);
		CHECK(fk_upload_complete(u2, gen, &e) == 0 && fk_upload_import_begin(u2) == 0);
		CHECK(fk_upload_import_end(&s, u2, (const uint8_t *)"receipt", 7, NULL, &e) == 0);
		CHECK(u2->state == FK_UP_IMPORTED && u2->made);
		fk_upload_put(&s, u2);
		fk_upstore_close(&s);
		fk_net_upload_id("9b29bcdf-e2a6-46f3-8e39-85e9e18af4c6", sha, id);
		snprintf(path, sizeof path, "%s/uploads/%s.receipt", dir, id);
		CHECK(unlink(path) == 0);
		CHECK(fk_upstore_open(&s, dir, 1000, 7, 2, &e) == 0);
		CHECK(fk_upstore_find(&s, id) == NULL);
		snprintf(path, sizeof path, "%s/uploads/%s.info", dir, id);
		CHECK(stat(path, &sb) != 0);
	}
	CHECK(fk_upstore_sweep(&s, (int64_t)time(NULL) + 6 * 86400) == 0);
	CHECK(fk_upstore_sweep(&s, (int64_t)time(NULL) + 8 * 86400) == 3);
	CHECK(s.held == 0 && s.head == NULL);
	fk_upstore_close(&s);
	free(dir);
}

int
main(void)
{
	struct env v;
	struct fx_dev d;
	fk_err e;

	check_init();
	setup(&v);
	fx_dev_init(&d, "tablet-1");
	CHECK(fk_hub_device_add(v.h, d.id, "tablet", &d.pk, &e) == 0);
	happy(&v, &d);
	refusals(&v, &d);
	store();
	fk_serve_stop(v.srv);
	fx_dev_free(&d);
	fk_minisign_sk_free(v.hubsk);
	fk_age_recipients_free(&v.to);
	fk_hub_close(v.h);
	free(v.dir);
	free(v.home);
	return check_done("net");
}
