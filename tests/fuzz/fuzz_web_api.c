/*
 * fuzz_web_api.c - libFuzzer entry over the JSON API of `fieldkit app`
 * (web/web_int.h web_call and the upload calls): the bodies and paths a page
 * (or anything else on the computer that learnt the secret) can send to an
 * unlocked device with an open record. Every input is one call; the record
 * and the device carry over between inputs, as they do in a session. An
 * answer must always come back with a status the API documents and a JSON
 * body; anything else aborts.
 *
 * Input: byte 0 chooses the call (answer, repeat, detach, review, finalize,
 * save, state, new record, a path of the fuzzer's, upload); the rest is the
 * body, or "PATH\0BODY" for a path of the fuzzer's, or "QUESTION\0TYPE\0BYTES"
 * for an upload.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "device.h"
#include "fuzz_util.h"
#include "web_int.h"

static const char form[] =
    "{\"fieldkit_form\":1,\"id\":\"fz\",\"version\":1,\"title\":{\"uk\":\"Ф\",\"en\":\"F\"},"
    "\"languages\":[\"uk\",\"en\"],\"choices\":{\"yn\":[{\"name\":\"yes\",\"label\":{\"uk\":\"так\","
    "\"en\":\"yes\"}},{\"name\":\"no\",\"label\":{\"uk\":\"ні\",\"en\":\"no\"}}]},\"fields\":["
    "{\"name\":\"name_cyr\",\"type\":\"text\",\"label\":{\"uk\":\"І\",\"en\":\"N\"},\"required\":true},"
    "{\"name\":\"name_lat\",\"type\":\"text\",\"label\":{\"uk\":\"І\",\"en\":\"N\"},\"translit_from\":\"name_cyr\"},"
    "{\"name\":\"dob\",\"type\":\"date\",\"label\":{\"uk\":\"Д\",\"en\":\"D\"},\"max\":\"today\"},"
    "{\"name\":\"age\",\"type\":\"integer\",\"label\":{\"uk\":\"В\",\"en\":\"A\"},\"calculate\":\"age(${dob})\"},"
    "{\"name\":\"n\",\"type\":\"decimal\",\"label\":{\"uk\":\"Ч\",\"en\":\"N\"},\"min\":0,\"max\":10,"
    "\"constraint\":\". != 5\"},"
    "{\"name\":\"ok\",\"type\":\"select_one\",\"label\":{\"uk\":\"Т\",\"en\":\"O\"},\"choices\":\"yn\"},"
    "{\"name\":\"why\",\"type\":\"text\",\"label\":{\"uk\":\"Ч\",\"en\":\"W\"},\"relevant\":\"${ok} = 'no'\"},"
    "{\"name\":\"many\",\"type\":\"select_multiple\",\"label\":{\"uk\":\"Б\",\"en\":\"M\"},\"choices\":\"yn\"},"
    "{\"name\":\"at\",\"type\":\"geopoint\",\"label\":{\"uk\":\"М\",\"en\":\"P\"}},"
    "{\"name\":\"kids\",\"type\":\"repeat\",\"label\":{\"uk\":\"Д\",\"en\":\"K\"},\"max\":4,\"fields\":["
    "{\"name\":\"kid\",\"type\":\"text\",\"label\":{\"uk\":\"І\",\"en\":\"N\"},\"required\":true},"
    "{\"name\":\"pics\",\"type\":\"repeat\",\"label\":{\"uk\":\"Ф\",\"en\":\"P\"},\"max\":3,\"fields\":["
    "{\"name\":\"pic\",\"type\":\"attachment\",\"kind\":\"photo\",\"label\":{\"uk\":\"Ф\",\"en\":\"P\"}}]}]}]}";

static struct web w;
static fk_web_opts o;
static char rid[FK_UUID_BUF];
static const char *forms[1];
static char home[512], formpath[600];

static void
check(const struct web_call *c)
{
	static const unsigned ok[] = { 200, 400, 404, 405, 409, 413, 415, 423 };
	size_t i;

	for (i = 0; i < sizeof ok / sizeof ok[0]; i++)
		if (c->status == ok[i])
			break;
	if (i == sizeof ok / sizeof ok[0] || (c->out == NULL && c->raw == NULL)) {
		fprintf(stderr, "fuzz_web_api: status %u for %s %s\n", c->status, c->method, c->path);
		abort();
	}
}

static void
run(const char *method, const char *path, const uint8_t *body, size_t len)
{
	struct web_call c;

	memset(&c, 0, sizeof c);
	c.method = method;
	c.path = path;
	c.lang = len % 2 ? "uk" : "en";
	c.body = body;
	c.len = len;
	web_call(&w, &c);
	check(&c);
	if (c.status == 200 && strcmp(path, "records") == 0)
		snprintf(rid, sizeof rid, "%s", json_string_value(json_object_get(c.out, "rid")));
	json_decref(c.out);
}

static void
seed(const char *name, const char *data, size_t n)
{
	const char *dir = getenv("FK_FUZZ_SEEDS");
	char p[1024];
	FILE *f;

	if (dir == NULL)
		return;
	snprintf(p, sizeof p, "%s/seed-%s", dir, name);
	if ((f = fopen(p, "wb")) != NULL) {
		fwrite(data, 1, n, f);
		fclose(f);
	}
}

static void
cleanup(void)
{
	char cmd[600];

	web_close(&w);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", home);
	if (system(cmd) != 0)
		fprintf(stderr, "fuzz_web_api: cannot remove %s\n", home);
}

static void
setup(void)
{
#define SEED(name, lit) { name, lit, sizeof lit - 1 }
	static const struct { const char *name, *d; size_t n; } seeds[] = {
		SEED("answer", "a{\"p\":\"name_cyr\",\"text\":\"Згурська\"}"),
		SEED("answer-date", "a{\"p\":\"dob\",\"text\":\"14.05.2012\"}"),
		SEED("answer-value", "a{\"p\":\"ok\",\"value\":\"no\"}"),
		SEED("answer-many", "a{\"p\":\"many\",\"value\":[\"yes\",\"no\"]}"),
		SEED("answer-kid", "a{\"p\":\"kids[0].kid\",\"text\":\"x\"}"),
		SEED("repeat-add", "r{\"p\":\"kids\",\"op\":\"add\"}"),
		SEED("repeat-add2", "r{\"p\":\"kids[0].pics\",\"op\":\"add\"}"),
		SEED("repeat-remove", "r{\"p\":\"kids\",\"op\":\"remove\",\"i\":0}"),
		SEED("detach", "d{\"p\":\"kids[0].pics[0].pic\"}"),
		SEED("review", "v"),
		SEED("finalize", "f{\"digest\":\"00\"}"),
		SEED("path", "pdrafts\0{}"),
		SEED("upload", "ukids[0].pics[0].pic\0image/png\0\x89PNG\r\n\x1a\nabc"),
	};
	fk_device d;
	uint8_t sk[32], pk[32];
	fk_err e;
	FILE *f;
	size_t i;

	if (sodium_init() < 0)
		abort();
	setenv("FIELDKIT_SCRYPT_LOGN", "10", 1);
	snprintf(home, sizeof home, "%s/fuzz_web_api.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (mkdtemp(home) == NULL)
		abort();
	snprintf(formpath, sizeof formpath, "%s/fz.json", home);
	if ((f = fopen(formpath, "w")) == NULL || fputs(form, f) < 0 || fclose(f) != 0)
		abort();
	memset(&d, 0, sizeof d);
	d.home = strdup(home);
	d.att_limit = 65536;
	d.nhubs = 1;
	snprintf(d.hubs[0].name, sizeof d.hubs[0].name, "hub");
	fk_age_keygen(sk, pk);
	fk_age_format_recipient(pk, d.hubs[0].recip[0]);
	d.hubs[0].nrecip = 1;
	snprintf(d.hubs[0].sign_pubkey, sizeof d.hubs[0].sign_pubkey, "%s",
	    "RWQYvmnjczjhH1jbaw54Oi+Q9/t8kpURrtbeH+zE8fElNSVh63RaOZBp");
	if (fk_device_create(&d, (const uint8_t *)"fuzz", 4, &e) != 0)
		abort();
	fk_device_free(&d);
	forms[0] = formpath;
	o.home = home;
	o.forms = forms;
	o.nforms = 1;
	if (web_open(&w, &o, &e) != 0)
		abort();
	atexit(cleanup);
	run("POST", "unlock", (const uint8_t *)"{\"passphrase\":\"fuzz\"}", 21);
	run("POST", "records", (const uint8_t *)"{\"form\":\"fz\"}", 13);
	if (!w.unlocked || !fk_uuid_valid(rid))
		abort();
	for (i = 0; i < sizeof seeds / sizeof seeds[0]; i++)
		seed(seeds[i].name, seeds[i].d, seeds[i].n);
}

/* An unlocked device with an open record, whatever the last input did (a lock, a seal). */
static void
ensure(void)
{
	struct web_call c;
	char path[64];

	if (!w.unlocked)
		run("POST", "unlock", (const uint8_t *)"{\"passphrase\":\"fuzz\"}", 21);
	memset(&c, 0, sizeof c);
	snprintf(path, sizeof path, "r/%s", rid);
	c.method = "GET";
	c.path = path;
	web_call(&w, &c);
	json_decref(c.out);
	if (c.status != 200)
		run("POST", "records", (const uint8_t *)"{\"form\":\"fz\"}", 13);
}

static void
upload(const uint8_t *p, size_t n)
{
	const char *q = (const char *)p, *type;
	size_t ql = strnlen(q, n), tl;
	struct web_req *rq;
	struct web_call c;
	char qs[256], ts[96];

	if (ql == n || ql >= sizeof qs)
		return;
	memcpy(qs, q, ql + 1);
	type = q + ql + 1;
	tl = strnlen(type, n - ql - 1);
	if (ql + 1 + tl == n || tl >= sizeof ts)
		return;
	memcpy(ts, type, tl + 1);
	p += ql + 1 + tl + 1;
	n -= ql + 1 + tl + 1;
	if ((rq = calloc(1, sizeof *rq)) == NULL)
		return;
	rq->upload = 1;
	rq->status = web_upload_begin(&w, rq, rid, qs, "f.png", ts, NULL, "en");
	web_upload_data(&w, rq, p, n);
	memset(&c, 0, sizeof c);
	c.method = "POST";
	c.path = "upload";
	web_upload_end(&w, rq, &c);
	web_req_free(rq);
	check(&c);
	json_decref(c.out);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;
	char path[300];
	const char *sub;

	if (!ready++)
		setup();
	if (size == 0)
		return 0;
	ensure();
	switch (data[0]) {
	case 'a': sub = "answer"; break;
	case 'r': sub = "repeat"; break;
	case 'd': sub = "detach"; break;
	case 'v': sub = "review"; break;
	case 'f': sub = "finalize"; break;
	case 's': sub = "save"; break;
	case 'g': sub = NULL; break;
	case 'n':
		run("POST", "records", data + 1, size - 1);
		return 0;
	case 'p': {
		size_t pl = strnlen((const char *)data + 1, size - 1);
		if (pl + 1 < size && pl < sizeof path) {
			memcpy(path, data + 1, pl);
			path[pl] = '\0';
			run(data[size - 1] & 1 ? "GET" : "POST", path, data + pl + 2, size - pl - 2);
		}
		return 0;
	}
	case 'u':
		upload(data + 1, size - 1);
		return 0;
	default:
		return 0;
	}
	snprintf(path, sizeof path, "r/%s%s%s", rid, sub ? "/" : "", sub ? sub : "");
	run(sub ? "POST" : "GET", path, data + 1, size - 1);
	return 0;
}
