/*
 * test_web_api.c - the JSON API of `fieldkit app` without HTTP (web_call and
 * the upload calls, web/web_int.h): locked until the passphrase; the state
 * after each answer is the engine's (suggestions, problems, relevance);
 * typed text that does not parse is kept aside and shown, never answered;
 * repeats added and removed move what was typed with them; uploads are
 * checked for question, size, type and content before and after; review,
 * digest, finalize; drafts listed, resumed and discarded; the lock.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "test_store_util.h"
#include "util.h"
#include "web_int.h"

static struct web w;
static const char *tab_now; /* the page's tab id sent with each call (NULL: none) */

/* One call; returns the status, *out the JSON (caller frees). */
static unsigned
call(const char *method, const char *path, const char *body, json_t **out)
{
	struct web_call c;

	memset(&c, 0, sizeof c);
	c.method = method;
	c.path = path;
	c.lang = "en";
	c.tab = tab_now;
	c.body = (const uint8_t *)body;
	c.len = body ? strlen(body) : 0;
	web_call(&w, &c);
	if (out != NULL)
		*out = c.out;
	else
		json_decref(c.out);
	if (c.raw != NULL && out != NULL)
		*out = json_loadb((const char *)c.raw, c.rawlen, 0, NULL);
	return c.status;
}

/* The question at path in a state, or NULL. */
static json_t *
q_of(json_t *st, const char *path)
{
	json_t *q;
	size_t i;

	json_array_foreach(json_object_get(st, "q"), i, q)
		if (strcmp(json_string_value(json_object_get(q, "p")), path) == 0)
			return q;
	return NULL;
}

static const char *
issue_code(json_t *st, const char *path)
{
	return json_string_value(json_object_get(json_array_get(json_object_get(q_of(st, path), "i"),
	    0), "c"));
}

static unsigned
answer(const char *rid, const char *body, json_t **st)
{
	char path[128];

	json_decref(*st);
	*st = NULL;
	snprintf(path, sizeof path, "r/%s/answer", rid);
	return call("POST", path, body, st);
}

/* An upload: first call, the bytes in pieces, the end. */
static unsigned
upload(const char *rid, const char *p, const char *ctype, const uint8_t *data, size_t n,
    json_t **st)
{
	struct web_req *rq = calloc(1, sizeof *rq);
	struct web_call c;
	char len[32];
	size_t off;

	snprintf(len, sizeof len, "%zu", n);
	rq->upload = 1;
	rq->status = web_upload_begin(&w, rq, rid, p, "dir/picture.png", ctype, len, "en");
	for (off = 0; off < n; off += 1000)
		web_upload_data(&w, rq, data + off, n - off < 1000 ? n - off : 1000);
	memset(&c, 0, sizeof c);
	c.method = "POST";
	web_upload_end(&w, rq, &c);
	web_req_free(rq);
	json_decref(*st);
	*st = c.out;
	return c.status;
}

static int
pending_count(const char *home)
{
	char dir[600];
	struct dirent *d;
	DIR *dp;
	int n = 0;

	snprintf(dir, sizeof dir, "%s/pending", home);
	if ((dp = opendir(dir)) == NULL)
		return 0;
	while ((d = readdir(dp)) != NULL)
		n += d->d_name[0] != '.';
	closedir(dp);
	return n;
}

int
main(void)
{
	const char *td = getenv("FK_TESTDATA");
	char *home = tu_tmpdir("test_web_api"), form[1024], path[256], body[512], rid[FK_UUID_BUF];
	const char *forms[1] = { form };
	fk_device d;
	fk_age_identities ids;
	fk_web_opts o;
	fk_err e = { 0 };
	json_t *st = NULL, *j = NULL;
	uint8_t png[3000], jpg[3000];
	size_t i;

	check_init();
	setenv("FIELDKIT_SCRYPT_LOGN", "10", 1);
	snprintf(form, sizeof form, "%s/capture-test.json", td ? td : "tests/data");
	tu_device(&d, home, &ids);
	CHECK(fk_device_create(&d, (const uint8_t *)"right pass", 10, &e) == 0);
	memset(&o, 0, sizeof o);
	o.home = home;
	o.forms = forms;
	o.nforms = 1;
	memset(&w, 0, sizeof w);
	setenv("FIELDKIT_LANG", "uk", 1); /* the language the app is started in */
	CHECK(web_open(&w, &o, &e) == 0);
	unsetenv("FIELDKIT_LANG");
	for (i = 0; i < sizeof png; i++)
		png[i] = jpg[i] = (uint8_t)i;
	memcpy(png, "\x89PNG\r\n\x1a\n", 8);
	memcpy(jpg, "\xff\xd8\xff\xe0", 4);

	/* locked: only the status and the unlock */
	CHECK(call("GET", "status", NULL, &j) == 200 && json_is_true(json_object_get(j, "locked")));
	/* the page opens in the app's language, whatever the language it asked in */
	CHECK(strcmp(json_string_value(json_object_get(j, "user_lang")), "uk") == 0);
	/* the idle lock, for the page to hide itself when the app forgets the passphrase */
	CHECK(json_is_integer(json_object_get(j, "lock_after")) &&
	    json_integer_value(json_object_get(j, "lock_after")) == o.lock_after);
	json_decref(j);
	CHECK(call("GET", "forms", NULL, NULL) == 423);
	CHECK(call("GET", "drafts", NULL, NULL) == 423);
	CHECK(call("POST", "unlock", "{\"passphrase\":\"wrong pass\"}", NULL) == 403);
	CHECK(call("POST", "unlock", "{}", NULL) == 400);
	CHECK(call("POST", "unlock", "not json", NULL) == 400);
	CHECK(call("GET", "forms", NULL, NULL) == 423);
	CHECK(call("POST", "unlock", "{\"passphrase\":\"right pass\"}", NULL) == 200);
	CHECK(call("GET", "status", NULL, &j) == 200 && json_is_false(json_object_get(j, "locked")));
	json_decref(j);

	/* forms */
	CHECK(call("GET", "forms", NULL, &j) == 200 && json_array_size(json_object_get(j, "forms")) == 1);
	json_decref(j);
	CHECK(call("GET", "forms/capture-test", NULL, &j) == 200 &&
	    strcmp(json_string_value(json_object_get(j, "id")), "capture-test") == 0);
	json_decref(j);
	CHECK(call("GET", "forms/nope", NULL, NULL) == 404);
	CHECK(call("POST", "records", "{\"form\":\"nope\"}", NULL) == 404);
	CHECK(call("POST", "records", "[]", NULL) == 404);

	/* a record: every answer comes back as the engine's state */
	CHECK(call("POST", "records", "{\"form\":\"capture-test\"}", &st) == 200);
	snprintf(rid, sizeof rid, "%s", json_string_value(json_object_get(st, "rid")));
	CHECK(fk_uuid_valid(rid));
	CHECK(q_of(st, "reporter_surname_cyr") != NULL && q_of(st, "consent_reason") == NULL);
	CHECK(json_is_true(json_object_get(q_of(st, "reporter_surname_cyr"), "r")));
	CHECK(answer(rid, "{\"p\":\"reporter_surname_cyr\",\"text\":\"  Згурська \"}", &st) == 200);
	CHECK(strcmp(json_string_value(json_object_get(json_object_get(st, "answers"),
	    "reporter_surname_cyr")), "Згурська") == 0);
	CHECK(strcmp(json_string_value(json_object_get(q_of(st, "reporter_surname_lat"), "s")),
	    "Zghurska") == 0);
	CHECK(json_is_true(json_object_get(st, "dirty")));
	/* The Latin answer taken is the server's suggestion, and follows the Cyrillic one
	   (fk_answers_set_follow, as in the wizard); nothing to take from an empty source. */
#define ANS(p) json_string_value(json_object_get(json_object_get(st, "answers"), p))
	CHECK(answer(rid, "{\"p\":\"reporter_surname_lat\",\"take\":true}", &st) == 200 &&
	    ANS("reporter_surname_lat") && strcmp(ANS("reporter_surname_lat"), "Zghurska") == 0);
	CHECK(answer(rid, "{\"p\":\"reporter_surname_cyr\",\"text\":\"Петренко\"}", &st) == 200 &&
	    strcmp(ANS("reporter_surname_lat"), "Petrenko") == 0);
	CHECK(answer(rid, "{\"p\":\"reporter_surname_cyr\",\"text\":\"Петрук\"}", &st) == 200 &&
	    strcmp(ANS("reporter_surname_lat"), "Petruk") == 0 && strcmp(json_string_value(
	    json_object_get(q_of(st, "reporter_surname_lat"), "s")), "Petruk") == 0);
	CHECK(answer(rid, "{\"p\":\"reporter_surname_lat\",\"text\":\"Petruck\"}", &st) == 200);
	CHECK(answer(rid, "{\"p\":\"reporter_surname_cyr\",\"text\":\"Згурська\"}", &st) == 200 &&
	    strcmp(ANS("reporter_surname_lat"), "Petruck") == 0); /* typed: stays */
	CHECK(answer(rid, "{\"p\":\"reporter_surname_lat\",\"take\":true}", &st) == 200 &&
	    strcmp(ANS("reporter_surname_lat"), "Zghurska") == 0);
	CHECK(answer(rid, "{\"p\":\"reporter_given_lat\",\"take\":true}", &st) == 409);
	/* one line: a name takes no line break (as text: kept aside with why; as a value: refused) */
	CHECK(!json_is_true(json_object_get(q_of(st, "reporter_surname_cyr"), "ml")));
	CHECK(answer(rid, "{\"p\":\"reporter_surname_cyr\",\"text\":\"Згур\\nська\"}", &st) == 200 &&
	    issue_code(st, "reporter_surname_cyr") &&
	    strcmp(issue_code(st, "reporter_surname_cyr"), "one_line") == 0 &&
	    json_object_get(json_object_get(st, "raw"), "reporter_surname_cyr") != NULL);
	CHECK(answer(rid, "{\"p\":\"reporter_surname_cyr\",\"value\":\"Згур\\nська\"}", &st) == 400);
	CHECK(answer(rid, "{\"p\":\"reporter_surname_cyr\",\"text\":\"Згурська\",\"save\":true}", &st) == 200 &&
	    json_is_false(json_object_get(st, "dirty")) && json_integer_value(json_object_get(st, "saved")) > 0);
	CHECK(json_is_true(json_object_get(q_of(st, "reporter_given_cyr"), "ml"))); /* no max_length */
	/* typed text that is no answer: kept aside, with why; a parsed one out of bounds is kept */
	CHECK(answer(rid, "{\"p\":\"reporter_age\",\"text\":\"4o\"}", &st) == 200);
	CHECK(json_object_get(json_object_get(st, "answers"), "reporter_age") == NULL);
	CHECK(strcmp(json_string_value(json_object_get(json_object_get(st, "raw"), "reporter_age")), "4o") == 0);
	CHECK(issue_code(st, "reporter_age") && strcmp(issue_code(st, "reporter_age"), "wrong_type") == 0);
	CHECK(answer(rid, "{\"p\":\"reporter_age\",\"text\":\"5\"}", &st) == 200);
	CHECK(json_object_size(json_object_get(st, "raw")) == 0);
	CHECK(json_integer_value(json_object_get(json_object_get(st, "answers"), "reporter_age")) == 5);
	CHECK(issue_code(st, "reporter_age") && strcmp(issue_code(st, "reporter_age"), "below_min") == 0);
	CHECK(answer(rid, "{\"p\":\"reporter_age\",\"text\":\"41\"}", &st) == 200 && issue_code(st, "reporter_age") == NULL);
	/* a date as DD.MM.YYYY, as the wizard takes it */
	CHECK(answer(rid, "{\"p\":\"report_date\",\"text\":\"02.01.2025\"}", &st) == 200);
	CHECK(strcmp(json_string_value(json_object_get(json_object_get(st, "answers"), "report_date")),
	    "2025-01-02") == 0);
	CHECK(strcmp(json_string_value(json_object_get(q_of(st, "report_date"), "u")), "2 January 2025") == 0);
	/* as people write it; an impossible day named */
	CHECK(answer(rid, "{\"p\":\"report_date\",\"text\":\"3/1/2025\"}", &st) == 200 &&
	    strcmp(ANS("report_date"), "2025-01-03") == 0);
	CHECK(answer(rid, "{\"p\":\"report_date\",\"text\":\"31.02.2012\"}", &st) == 200 &&
	    strcmp(issue_code(st, "report_date"), "invalid_date") == 0 && strstr(json_string_value(
	    json_object_get(json_array_get(json_object_get(q_of(st, "report_date"), "i"), 0), "m")),
	    "no 31 February") != NULL && json_object_get(q_of(st, "report_date"), "u") == NULL);
	CHECK(answer(rid, "{\"p\":\"report_date\",\"text\":\"2025-1-2\"}", &st) == 200 &&
	    strcmp(ANS("report_date"), "2025-01-02") == 0);
	/* relevance */
	CHECK(answer(rid, "{\"p\":\"consent_share\",\"value\":\"no\"}", &st) == 200 && q_of(st, "consent_reason") != NULL);
	CHECK(answer(rid, "{\"p\":\"consent_share\",\"value\":\"yes\"}", &st) == 200 && q_of(st, "consent_reason") == NULL);
	CHECK(answer(rid, "{\"p\":\"consent_share\",\"value\":\"maybe\"}", &st) == 200 &&
	    strcmp(issue_code(st, "consent_share"), "invalid_choice") == 0);
	CHECK(answer(rid, "{\"p\":\"consent_share\",\"value\":null}", &st) == 200 &&
	    json_object_get(json_object_get(st, "answers"), "consent_share") == NULL);
	/* refused outright: a wrong kind of value, no such question, no answer given */
	CHECK(answer(rid, "{\"p\":\"reporter_surname_cyr\",\"value\":5}", &st) == 400);
	CHECK(answer(rid, "{\"p\":\"nope\",\"text\":\"x\"}", &st) == 400);
	CHECK(answer(rid, "{\"p\":\"children\",\"text\":\"x\"}", &st) == 400);
	CHECK(answer(rid, "{\"p\":\"children[3].child_sex\",\"text\":\"x\"}", &st) == 400);
	CHECK(answer(rid, "{\"p\":\"photo\",\"value\":{\"id\":\"x\"}}", &st) == 400);
	CHECK(answer(rid, "{\"p\":\"reporter_age\",\"text\":5}", &st) == 400);
	CHECK(answer(rid, "{\"x\":1}", &st) == 400);

	/* repeats: what was typed moves with its entry */
	snprintf(path, sizeof path, "r/%s/repeat", rid);
	json_decref(st);
	CHECK(call("POST", path, "{\"p\":\"children\",\"op\":\"add\"}", &st) == 200 &&
	    json_integer_value(json_object_get(st, "added")) == 0);
	json_decref(st);
	CHECK(call("POST", path, "{\"p\":\"children\",\"op\":\"add\"}", &st) == 200 &&
	    json_integer_value(json_object_get(st, "added")) == 1);
	CHECK(answer(rid, "{\"p\":\"children[1].child_surname_cyr\",\"text\":\"Друга\"}", &st) == 200);
	CHECK(answer(rid, "{\"p\":\"children[1].child_dob\",\"text\":\"31.02.2015\"}", &st) == 200);
	CHECK(json_object_get(json_object_get(st, "raw"), "children[1].child_dob") != NULL);
	json_decref(st);
	CHECK(call("POST", path, "{\"p\":\"children\",\"op\":\"remove\",\"i\":0}", &st) == 200);
	CHECK(json_array_size(json_object_get(json_object_get(st, "answers"), "children")) == 1);
	CHECK(json_object_get(json_object_get(st, "raw"), "children[0].child_dob") != NULL);
	CHECK(json_object_get(json_object_get(st, "raw"), "children[1].child_dob") == NULL);
	CHECK(q_of(st, "children[0].child_dob") != NULL && issue_code(st, "children[0].child_dob") != NULL);
	json_decref(st);
	st = NULL;
	CHECK(call("POST", path, "{\"p\":\"children\",\"op\":\"remove\",\"i\":5}", NULL) == 400);
	CHECK(call("POST", path, "{\"p\":\"reporter_age\",\"op\":\"add\"}", NULL) == 400);
	CHECK(call("POST", path, "{\"p\":\"children\",\"op\":\"swap\"}", NULL) == 400);

	/* uploads: the question, the size, the type and the content are checked */
	CHECK(upload(rid, "reporter_age", "image/png", png, sizeof png, &st) == 400);
	CHECK(upload(rid, "photo", "text/plain", png, sizeof png, &st) == 415);
	{
		/* a file that is neither, named a picture: refused by its content */
		uint8_t junk[3000];
		memset(junk, 'x', sizeof junk);
		CHECK(upload(rid, "photo", "image/png", junk, sizeof junk, &st) == 415);
	}
	/* a JPEG named .png (the browser says image/png): taken as what it is, a JPEG
	   (it was refused "not what its type says" though the question takes JPEG) */
	CHECK(upload(rid, "photo", "image/png", jpg, sizeof jpg, &st) == 200);
	CHECK(strcmp(json_string_value(json_object_get(json_object_get(json_object_get(st, "answers"),
	    "photo"), "media_type")), "image/jpeg") == 0);
	snprintf(path, sizeof path, "r/%s/detach", rid);
	json_decref(st);
	CHECK(call("POST", path, "{\"p\":\"photo\"}", &st) == 200);
	CHECK(upload(rid, "photo", "image/png", png, 0, &st) == 400);
	CHECK(upload("00000000-0000-4000-8000-000000000000", "photo", "image/png", png, sizeof png, &st) == 404);
	CHECK(pending_count(home) == 0);
	{
		struct web_req *rq = calloc(1, sizeof *rq);
		rq->upload = 1;
		CHECK(web_upload_begin(&w, rq, rid, "photo", "a.png", "image/png", "99999999999", "en") == 413);
		web_req_free(rq);
	}
	CHECK(upload(rid, "photo", "image/png", png, sizeof png, &st) == 200);
	j = json_object_get(json_object_get(st, "answers"), "photo");
	CHECK(json_integer_value(json_object_get(j, "size")) == (json_int_t)sizeof png);
	CHECK(strcmp(json_string_value(json_object_get(j, "name")), "picture.png") == 0);
	CHECK(json_integer_value(json_object_get(st, "saved")) > 0 && pending_count(home) == 1);
	{
		fk_entry_src src;
		uint8_t buf[4000];
		CHECK(web_att_open(&w, rid, json_string_value(json_object_get(j, "id")), &src, &e) == 0);
		CHECK(fk_source_read_full(&src.src, buf, sizeof buf, &e) == (long)sizeof png &&
		    memcmp(buf, png, sizeof png) == 0);
		fk_entry_att_close(&src);
	}
	snprintf(path, sizeof path, "r/%s/detach", rid);
	json_decref(st);
	CHECK(call("POST", path, "{\"p\":\"reporter_age\"}", NULL) == 400);
	CHECK(call("POST", path, "{\"p\":\"photo\"}", &st) == 200 && pending_count(home) == 0);
	CHECK(json_object_get(json_object_get(st, "answers"), "photo") == NULL);
	json_decref(st);
	st = NULL;
	CHECK(upload(rid, "photo", "image/png", png, sizeof png, &st) == 200 && pending_count(home) == 1);

	/* review and finalize: not while something typed is not an answer, not with another digest */
	snprintf(path, sizeof path, "r/%s/review", rid);
	CHECK(call("POST", path, NULL, &j) == 200);
	CHECK(json_is_false(json_object_get(j, "complete")));
	{
		int found = 0;
		json_t *x;
		json_array_foreach(json_object_get(j, "issues"), i, x)
			found += strcmp(json_string_value(json_object_get(x, "p")), "children[0].child_dob") == 0;
		CHECK(found == 1);
	}
	json_decref(j);
	snprintf(path, sizeof path, "r/%s/finalize", rid);
	CHECK(call("POST", path, "{\"digest\":\"x\"}", NULL) == 409);
	CHECK(answer(rid, "{\"p\":\"children[0].child_dob\",\"text\":\"\"}", &st) == 200);
	CHECK(answer(rid, "{\"p\":\"reporter_given_cyr\",\"text\":\"Олена\"}", &st) == 200);
	/* Text not accepted on a question that another answer then hides does not
	 * keep the record from being sealed: there is no question left to correct
	 * it on (it once did; the worker was stuck). */
	CHECK(answer(rid, "{\"p\":\"consent_share\",\"value\":\"no\"}", &st) == 200);
	{
		/* longer than 4 x max_length (10,000) bytes: not read, kept aside as typed */
		size_t nb = 40100, k;
		char *big = malloc(nb + 64);
		k = (size_t)snprintf(big, 64, "{\"p\":\"consent_reason\",\"text\":\"");
		memset(big + k, 'x', nb);
		memcpy(big + k + nb, "\"}", 3);
		CHECK(answer(rid, big, &st) == 200 &&
		    json_object_get(json_object_get(st, "raw"), "consent_reason") != NULL &&
		    issue_code(st, "consent_reason") != NULL &&
		    strcmp(issue_code(st, "consent_reason"), "too_long") == 0);
		free(big);
	}
	snprintf(path, sizeof path, "r/%s/review", rid);
	CHECK(call("POST", path, NULL, &j) == 200 && json_is_false(json_object_get(j, "complete")));
	json_decref(j);
	CHECK(answer(rid, "{\"p\":\"consent_share\",\"value\":null}", &st) == 200 &&
	    q_of(st, "consent_reason") == NULL);
	snprintf(path, sizeof path, "r/%s/review", rid);
	CHECK(call("POST", path, NULL, &j) == 200 && json_is_true(json_object_get(j, "complete")));
	CHECK(strcmp(json_string_value(json_object_get(json_object_get(j, "answers"),
	    "reporter_surname_lat")), "Zghurska") == 0);
	snprintf(body, sizeof body, "{\"digest\":\"%s\"}", json_string_value(json_object_get(j, "digest")));
	json_decref(j);
	CHECK(answer(rid, "{\"p\":\"reporter_age\",\"text\":\"42\"}", &st) == 200);
	snprintf(path, sizeof path, "r/%s/finalize", rid);
	CHECK(call("POST", path, body, NULL) == 409); /* changed since the review */
	snprintf(path, sizeof path, "r/%s/review", rid);
	CHECK(call("POST", path, NULL, &j) == 200);
	snprintf(body, sizeof body, "{\"digest\":\"%s\"}", json_string_value(json_object_get(j, "digest")));
	json_decref(j);
	snprintf(path, sizeof path, "r/%s/finalize", rid);
	CHECK(call("POST", path, body, &j) == 200 && strlen(json_string_value(json_object_get(j, "short_ref"))) == 9);
	CHECK(json_integer_value(json_object_get(j, "seq")) == 1);
	json_decref(j);
	CHECK(pending_count(home) == 0);
	snprintf(path, sizeof path, "r/%s", rid);
	CHECK(call("GET", path, NULL, NULL) == 404);

	/* One problem per question on the review: a required answer typed wrong is
	 * "one line only", not that and "must be answered" too. */
	{
		char r2[FK_UUID_BUF], p2[128];
		size_t k, nsur = 0;
		json_t *x;
		json_decref(st);
		CHECK(call("POST", "records", "{\"form\":\"capture-test\"}", &st) == 200);
		snprintf(r2, sizeof r2, "%s", json_string_value(json_object_get(st, "rid")));
		CHECK(answer(r2, "{\"p\":\"reporter_surname_cyr\",\"text\":\"a\\nb\"}", &st) == 200);
		snprintf(p2, sizeof p2, "r/%s/review", r2);
		CHECK(call("POST", p2, NULL, &j) == 200);
		json_array_foreach(json_object_get(j, "issues"), k, x)
			if (strcmp(json_string_value(json_object_get(x, "p")), "reporter_surname_cyr") == 0) {
				nsur++;
				CHECK(strcmp(json_string_value(json_object_get(x, "c")), "one_line") == 0);
			}
		CHECK_MSG(nsur == 1, "%zu problems for one answer", nsur);
		json_decref(j);
		snprintf(p2, sizeof p2, "r/%s/discard", r2);
		CHECK(call("POST", p2, NULL, NULL) == 200);
	}

	/* drafts: listed, resumed after a lock, discarded */
	json_decref(st);
	CHECK(call("POST", "records", "{\"form\":\"capture-test\"}", &st) == 200);
	snprintf(rid, sizeof rid, "%s", json_string_value(json_object_get(st, "rid")));
	CHECK(call("GET", "drafts", NULL, &j) == 200 && json_array_size(json_object_get(j, "drafts")) == 0);
	json_decref(j);
	CHECK(answer(rid, "{\"p\":\"reporter_surname_cyr\",\"text\":\"Бондар\"}", &st) == 200);
	CHECK(call("GET", "drafts", NULL, &j) == 200 && json_array_size(json_object_get(j, "drafts")) == 1);
	CHECK(json_integer_value(json_object_get(json_array_get(json_object_get(j, "drafts"), 0), "answered")) == 1);
	json_decref(j);
	CHECK(call("POST", "lock", NULL, NULL) == 200);
	snprintf(path, sizeof path, "r/%s", rid);
	CHECK(call("GET", path, NULL, NULL) == 423);
	CHECK(call("POST", "unlock", "{\"passphrase\":\"right pass\"}", NULL) == 200);
	CHECK(call("GET", path, NULL, NULL) == 404); /* closed by the lock, kept as a draft */
	snprintf(path, sizeof path, "drafts/%s/open", rid);
	json_decref(st);
	CHECK(call("POST", path, NULL, &st) == 200 && strcmp(json_string_value(json_object_get(
	    json_object_get(st, "answers"), "reporter_surname_cyr")), "Бондар") == 0);
	/* Two tabs: the draft opened in tab A is taken over by tab B, which is told;
	 * A's typing is then refused with where the record went (it was silently
	 * overwritten, or thrown away); A cannot discard it while B has it. */
	tab_now = "tabA";
	snprintf(path, sizeof path, "drafts/%s/open", rid);
	json_decref(st);
	CHECK(call("POST", path, NULL, &st) == 200 && json_object_get(st, "taken") == NULL);
	CHECK(answer(rid, "{\"p\":\"reporter_given_cyr\",\"text\":\"from A\"}", &st) == 200);
	tab_now = "tabB";
	json_decref(st);
	CHECK(call("POST", path, NULL, &st) == 200 && json_is_true(json_object_get(st, "taken")) &&
	    strcmp(ANS("reporter_given_cyr"), "from A") == 0);
	CHECK(answer(rid, "{\"p\":\"reporter_given_cyr\",\"text\":\"from B\"}", &st) == 200);
	tab_now = "tabA";
	CHECK(answer(rid, "{\"p\":\"reporter_given_cyr\",\"text\":\"A again\"}", &st) == 409 &&
	    strcmp(json_string_value(json_object_get(st, "code")), "elsewhere") == 0);
	json_decref(st);
	st = NULL;
	{
		struct web_req *rq = calloc(1, sizeof *rq);
		rq->upload = 1;
		snprintf(rq->tab, sizeof rq->tab, "tabA");
		CHECK(web_upload_begin(&w, rq, rid, "photo", "a.png", "image/png", "10", "en") == 409);
		web_req_free(rq);
	}
	snprintf(path, sizeof path, "r/%s/close", rid);
	CHECK(call("POST", path, NULL, NULL) == 409);
	snprintf(path, sizeof path, "drafts/%s/discard", rid);
	CHECK(call("POST", path, NULL, &j) == 409 && strstr(json_string_value(json_object_get(j,
	    "error")), "open in another window") != NULL);
	json_decref(j);
	tab_now = "tabB";
	snprintf(path, sizeof path, "r/%s", rid);
	CHECK(call("GET", path, NULL, &st) == 200 && strcmp(ANS("reporter_given_cyr"), "from B") == 0);
	/* B's page goes (closed, reloaded): its last save lets go; A continues it
	 * without a take-over, and may discard it. */
	snprintf(path, sizeof path, "r/%s/save", rid);
	CHECK(call("POST", path, "{\"release\":true}", NULL) == 200);
	tab_now = "tabA";
	snprintf(path, sizeof path, "drafts/%s/open", rid);
	json_decref(st);
	CHECK(call("POST", path, NULL, &st) == 200 && json_object_get(st, "taken") == NULL);
	/* A tab gone without a word (the browser quit) holds it for 10 minutes
	 * only: then another tab's request takes it over, and A is told. */
	{
		size_t k;
		for (k = 0; k < WEB_MAX_OPEN; k++)
			if (w.open[k].x != NULL && strcmp(fk_entry_id(w.open[k].x), rid) == 0)
				w.open[k].used -= 700;
	}
	tab_now = "tabB";
	CHECK(answer(rid, "{\"p\":\"reporter_given_cyr\",\"text\":\"B after A left\"}", &st) == 200);
	tab_now = "tabA";
	CHECK(answer(rid, "{\"p\":\"reporter_given_cyr\",\"text\":\"A back\"}", &st) == 409);
	tab_now = "tabB";
	snprintf(path, sizeof path, "drafts/%s/discard", rid);
	CHECK(call("POST", path, NULL, NULL) == 200);
	tab_now = NULL;
	CHECK(call("GET", "drafts", NULL, &j) == 200 && json_array_size(json_object_get(j, "drafts")) == 0);
	json_decref(j);
	CHECK(call("POST", "drafts/00000000-0000-4000-8000-000000000000/open", NULL, NULL) == 404);
	CHECK(call("POST", "drafts/../../etc/passwd/open", NULL, NULL) == 404);

	/* routes that are not */
	CHECK(call("GET", "nope", NULL, NULL) == 404);
	CHECK(call("GET", "r/short", NULL, NULL) == 404);
	CHECK(call("GET", "records", NULL, NULL) == 404);
	CHECK(call("DELETE", "status", NULL, NULL) == 404);

	json_decref(st);
	web_close(&w);
	fk_age_identities_free(&ids);
	fk_device_free(&d);
	tu_rmrf(home);
	free(home);
	return check_done("test_web_api");
}
