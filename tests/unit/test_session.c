/*
 * test_session.c - the capture engine (capture/session.h) driven as a face
 * drives it: the flow in form order with notes, calculated values and
 * skipped Latin questions; answers and photos kept when stepping back and
 * forth; the Latin name following a changed Cyrillic one; clearing;
 * choices by number, name or label in either language; "add another?" after
 * an entry's own photos; removing entries; jumping from the review; the
 * review's readable rows; finalizing exactly what the review showed (a
 * removed photo is never sealed); drafts by a prefix of their id, with
 * progress and nothing identifying in clear; and the one draft format of
 * every face: a draft the wizard saved opens in the page's engine (entry.h)
 * with its photo, and a draft the page saved, with a photo held as a pending
 * file, is finished and sealed here.
 */
#include <sqlite3.h>
#include <sys/stat.h>

#include "check.h"
#include "draft.h"
#include "entry.h"
#include "pending.h"
#include "session.h"
#include "test_store_util.h"

static fk_form *form;
static fk_session *S;
static fk_err E;
static fk_issues IS;

static fk_step
step(void)
{
	fk_step st;

	CHECK_MSG(fk_session_step(S, &st, &E) == 0, "%s", E.msg);
	return st;
}

static const char *
at(void)
{
	static char buf[256];
	fk_step st = step();

	snprintf(buf, sizeof buf, "%s%s", st.kind == FK_STEP_REVIEW ? "#review" : st.path,
	    st.kind == FK_STEP_ADD ? "#add" : "");
	return buf;
}

/* Types text at the cursor; returns the result (0 done, 1 refused). */
static int
type(const char *text)
{
	int rc;

	fk_issues_clear(&IS);
	rc = fk_session_answer(S, NULL, text, strlen(text), &IS, &E);
	CHECK_MSG(rc >= 0, "%s: %s", text, E.msg);
	return rc;
}

static int
keep(void)
{
	int rc;

	fk_issues_clear(&IS);
	rc = fk_session_keep(S, &IS, &E);
	CHECK_MSG(rc >= 0, "%s", E.msg);
	return rc;
}

static void
write_jpeg(const char *path, size_t n)
{
	FILE *f = fopen(path, "wb");
	uint8_t *b = calloc(1, n);

	b[0] = 0xff;
	b[1] = 0xd8;
	b[2] = 0xff;
	b[3] = 0xe0;
	CHECK(f != NULL && fwrite(b, 1, n, f) == n);
	if (f)
		fclose(f);
	free(b);
}

#define AT(p) CHECK_MSG(strcmp(at(), (p)) == 0, "at %s, want %s", at(), (p))

static int
row_find(const fk_review_rows *r, const char *path)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		if (strcmp(r->v[i].path, path) == 0)
			return (int)i;
	return -1;
}

static void
test_flow(const char *home, fk_session_cfg *cfg)
{
	fk_step st;
	fk_review_rows r;
	fk_record_out out;
	char p1[1024], p2[1024], p3[1024], entry[256];
	int i;

	CHECK(fk_session_new(cfg, &S, &E) == 0);
	CHECK(!fk_session_changed(S)); /* Ctrl-C now leaves no draft */

	/* A note first: shown, nothing to type. */
	st = step();
	CHECK(st.kind == FK_STEP_INFO && st.number == 0);
	CHECK(keep() == 0);
	st = step();
	CHECK(st.kind == FK_STEP_QUESTION && st.number == 1 && st.required);
	CHECK(st.group != NULL && strcmp(fk_field_name(st.group), "who") == 0);
	AT("surname_cyr");
	CHECK(keep() == 1); /* required, nothing to keep */
	CHECK(type("Петренко") == 0);
	st = step();
	AT("surname_lat");
	CHECK(st.number == 2 && st.value == NULL && st.suggestion != NULL &&
	    strcmp(json_string_value(st.suggestion), "Petrenko") == 0);
	CHECK(keep() == 0);
	/* Patronymic left empty: its Latin question is not asked. */
	AT("patronymic_cyr");
	CHECK(keep() == 0);
	AT("dob");
	CHECK(type("31.06.2015") == 1 && IS.n == 1 && strstr(IS.v[0].msg, "no 31 June") != NULL);
	CHECK(type("1/6/2015") == 0); /* as Ukrainians write it */
	st = step();
	CHECK(st.kind == FK_STEP_INFO && strcmp(st.path, "age_calc") == 0 && st.suggestion != NULL &&
	    json_integer_value(st.suggestion) == 10);
	CHECK(keep() == 0);
	/* Choices: by number, label (either language, any case), a unique beginning. */
	AT("place");
	CHECK(type("9") == 1);
	CHECK(type("пункт пропуску") == 0);
	CHECK(fk_session_back(S, &E) == 0);
	AT("place");
	CHECK(type("Institution (orphanage, boarding school)") == 0);
	CHECK(fk_session_back(S, &E) == 0);
	CHECK(type("off") == 0);
	CHECK(fk_session_back(S, &E) == 0);
	CHECK(type("o") == 1);   /* too short to stand for a label */
	/* A word inside a label stands for it too; one that begins words of two
	 * labels stands for neither ("Пункт пропуску", "Інше (пункт чи ...)"). */
	CHECK(type("пункт") == 1);
	CHECK(type("будинок") == 0);
	CHECK(fk_session_back(S, &E) == 0);
	AT("place");
	st = step();
	CHECK(st.value != NULL && strcmp(json_string_value(st.value), "institution") == 0);
	CHECK(type("Інше") == 0);
	AT("langs");
	CHECK(type("1, english") == 0);
	CHECK(fk_session_back(S, &E) == 0);
	st = step();
	CHECK(json_array_size(st.value) == 2 &&
	    strcmp(json_string_value(json_array_get(st.value, 1)), "en") == 0);
	CHECK(type("1 2") == 0);
	AT("phone");
	CHECK(type("2") == 0);
	/* Clearing an optional answer; a required one cannot be cleared. */
	CHECK(fk_session_back(S, &E) == 0);
	AT("phone");
	fk_issues_clear(&IS);
	CHECK(fk_session_clear(S, NULL, &IS, &E) == 0);
	CHECK(fk_session_goto(S, "phone", &E) == 0 && step().value == NULL);
	fk_issues_clear(&IS);
	CHECK(fk_session_clear(S, "surname_cyr", &IS, &E) == 1 && IS.n == 1);
	CHECK(fk_session_goto(S, "phone", &E) == 0);
	CHECK(keep() == 0);

	/* The child (min 1: added unasked), its photos, then "another child?". */
	st = step();
	AT("children[0].child_cyr");
	CHECK(st.nentry == 1 && st.entry[0].index == 0 && st.entry[0].count == 1);
	CHECK(type("Оксана") == 0);
	CHECK(keep() == 0);
	st = step();
	AT("children[0].photos#add");
	CHECK(st.kind == FK_STEP_ADD && st.count == 0 && st.depth == 2);
	CHECK(type("y") == 0);
	st = step();
	AT("children[0].photos[0].photo");
	CHECK(st.fresh_entry && st.nentry == 2 && st.entry[1].count == 1);
	snprintf(p1, sizeof p1, "%s/one.jpg", home);
	snprintf(p2, sizeof p2, "%s/two.jpg", home);
	snprintf(p3, sizeof p3, "%s/three.png", home);
	write_jpeg(p1, 2000);
	write_jpeg(p2, 3000);
	write_jpeg(p3, 100);
	CHECK(type(p3) == 1); /* a JPEG named .png */
	CHECK(type("/nonexistent/x.jpg") == 1);
	/* as a file dragged into a terminal comes: quoted, a blank after it */
	{
		char q[1100];

		snprintf(q, sizeof q, " '%s' ", p1);
		CHECK(type(q) == 0);
	}
	CHECK(type("first") == 0);
	AT("children[0].photos#add");
	CHECK(type("так") == 0);
	{
		char q[1100];

		snprintf(q, sizeof q, "\"%s\"", p2);
		CHECK(type(q) == 0);
	}
	CHECK(type("second") == 0);
	st = step();
	AT("children[0].photos#add");
	CHECK(st.count == 2);
	CHECK(type("maybe") == 1);
	CHECK(type("n") == 0);
	st = step();
	AT("children#add");
	CHECK(st.count == 1 && st.depth == 1);
	CHECK(keep() == 0); /* Enter: no more */
	AT("consent");

	/* Back five steps and forward again: both photos and captions stay. */
	for (i = 0; i < 5; i++)
		CHECK(fk_session_back(S, &E) == 0);
	AT("children[0].photos[0].caption");
	for (i = 0; i < 5; i++)
		CHECK_MSG(keep() == 0, "at %s: %s", at(), IS.n ? IS.v[0].msg : "");
	AT("consent");
	CHECK(type("no") == 0);
	AT("why_not");
	CHECK(type("safety") == 0);
	AT("#review");

	/* The review: numbered, readable. */
	CHECK(fk_session_review(S, &r, &E) == 0);
	CHECK(r.issues.n == 0 && r.unseen == 0);
	i = row_find(&r, "place");
	CHECK(i >= 0 && r.v[i].number == 5 && strcmp(r.v[i].value, "Other place") == 0);
	i = row_find(&r, "langs");
	CHECK(i >= 0 && strcmp(r.v[i].value, "Ukrainian, Russian") == 0);
	i = row_find(&r, "dob");
	CHECK_MSG(i >= 0 && strcmp(r.v[i].value, "01.06.2015 (1 June 2015)") == 0, "%s",
	    i >= 0 ? r.v[i].value : "");
	i = row_find(&r, "age_calc");
	CHECK(i >= 0 && r.v[i].kind == FK_ROW_CALCULATED && r.v[i].number == 0 &&
	    strcmp(r.v[i].value, "10") == 0);
	i = row_find(&r, "children[0].photos[1].photo");
	CHECK(i >= 0 && strncmp(r.v[i].value, "two.jpg, 3 KB", 13) == 0);
	i = row_find(&r, "children[0].photos[1]");
	CHECK(i >= 0 && r.v[i].kind == FK_ROW_ENTRY && r.v[i].index == 1 && r.v[i].count == 2);
	i = row_find(&r, "children[0]");
	CHECK(i >= 0 && r.v[i].kind == FK_ROW_ENTRY && r.v[i].count == 1);
	CHECK(row_find(&r, "patronymic_lat") < 0);
	CHECK(row_find(&r, "phone") >= 0 && r.v[row_find(&r, "phone")].value == NULL);
	/* "add another child?" comes after the child's photos. */
	CHECK(row_find(&r, "children[0].photos") < row_find(&r, "children"));
	CHECK(r.v[row_find(&r, "children")].kind == FK_ROW_ADD);
	fk_review_rows_free(&r);

	/* Jump to the Cyrillic surname from the review and change it: the Latin one
	 * follows and is shown again; then back to the review. */
	CHECK(fk_session_goto_number(S, 1, &E) == 0);
	AT("surname_cyr");
	CHECK(type("Петрук") == 0);
	st = step();
	AT("surname_lat");
	CHECK(st.value && strcmp(json_string_value(st.value), "Petruk") == 0);
	CHECK(keep() == 0);
	AT("#review");
	/* A Latin name typed differently stays when the Cyrillic changes, and is asked again. */
	CHECK(fk_session_goto(S, "surname_lat", &E) == 0);
	CHECK(type("Petruk-Kovalska") == 0);
	AT("#review");
	CHECK(fk_session_goto(S, "surname_cyr", &E) == 0);
	CHECK(type("Петрукова") == 0);
	st = step();
	AT("surname_lat");
	CHECK(st.value && strcmp(json_string_value(st.value), "Petruk-Kovalska") == 0);
	CHECK(st.suggestion && strcmp(json_string_value(st.suggestion), "Petrukova") == 0);
	CHECK(fk_session_clear(S, NULL, &IS, &E) == 0);
	AT("#review");

	/* Remove the first photo (from its entry); finalizing refuses without a new review. */
	CHECK(fk_session_goto(S, "children[0].photos[0].photo", &E) == 0);
	CHECK(fk_session_cursor_entry(S, entry, sizeof entry, &E) == 0 &&
	    strcmp(entry, "children[0].photos[0]") == 0);
	CHECK(fk_session_remove_entry(S, entry, &E) == 0);
	CHECK(fk_session_remove_entry(S, "children[0]", &E) != 0 && E.code == FK_ELIMIT);
	CHECK(fk_session_finalize(S, &out, &E) != 0 && E.code == FK_ESTATE);
	CHECK(fk_session_goto_review(S, &E) == 0);
	CHECK(fk_session_review(S, &r, &E) == 0);
	CHECK(r.issues.n == 0);
	i = row_find(&r, "children[0].photos[0].photo");
	CHECK(i >= 0 && strncmp(r.v[i].value, "two.jpg", 7) == 0);
	CHECK(row_find(&r, "children[0].photos[1].photo") < 0);
	i = row_find(&r, "surname_lat");
	CHECK(i >= 0 && strcmp(r.v[i].value, "Petrukova") == 0); /* built: transliterated */
	fk_review_rows_free(&r);
	/* The photo replaced meanwhile by another of the same size and type: not
	 * sealed (the review showed the first); put back, it is. */
	{
		FILE *pf = fopen(p2, "r+b");
		CHECK(pf != NULL && fseek(pf, 100, SEEK_SET) == 0 && fputc('x', pf) != EOF);
		if (pf != NULL)
			fclose(pf);
	}
	CHECK(fk_session_finalize(S, &out, &E) != 0 && E.code == FK_EIO &&
	    strstr(E.msg, "changed since it was attached") != NULL);
	write_jpeg(p2, 3000);
	CHECK_MSG(fk_session_finalize(S, &out, &E) == 0, "%s", E.msg);

	fk_session_free(S);
	S = NULL;
}

struct sealed {
	const fk_age_identities *ids;
	json_t *rec;
	size_t natt;
	int64_t size0;
};

static int
sealed_cb(void *ctx, const fk_store_record *r, fk_err *e)
{
	struct sealed *c = ctx;

	(void)e;
	json_decref(c->rec);
	c->rec = tu_open_record(c->ids, r->ct, r->ctlen);
	c->natt = r->natt;
	return 0;
}

static void
check_sealed(fk_store *st, const fk_age_identities *ids)
{
	struct sealed c = { ids, NULL, 0, 0 };
	json_t *a, *atts, *kid;

	CHECK(fk_store_each_pending(st, sealed_cb, &c, &E) == 0);
	CHECK(c.rec != NULL && c.natt == 1);
	if (c.rec == NULL)
		return;
	a = json_object_get(c.rec, "answers");
	atts = json_object_get(c.rec, "attachments");
	kid = json_array_get(json_object_get(a, "children"), 0);
	CHECK(json_array_size(atts) == 1);
	CHECK(strcmp(json_string_value(json_object_get(json_array_get(atts, 0), "field")),
	    "children[0].photos[0].photo") == 0);
	CHECK(strcmp(json_string_value(json_object_get(json_array_get(atts, 0), "name")),
	    "two.jpg") == 0);
	CHECK(json_array_size(json_object_get(kid, "photos")) == 1);
	CHECK(strcmp(json_string_value(json_object_get(a, "surname_cyr")), "Петрукова") == 0);
	CHECK(strcmp(json_string_value(json_object_get(a, "surname_lat")), "Petrukova") == 0);
	CHECK(json_object_get(a, "phone") == NULL);
	CHECK(json_integer_value(json_object_get(a, "age_calc")) == 10);
	CHECK(strcmp(json_string_value(json_object_get(a, "place")), "other") == 0);
	json_decref(c.rec);
}

static int
count_drafts(fk_store *st)
{
	fk_store_counts c;

	return fk_store_counts_get(st, &c, &E) == 0 ? (int)c.drafts : -1;
}

struct dinfo {
	fk_store_draft d;
	int n;
};

static int
dinfo_cb(void *ctx, const fk_store_draft *d, fk_err *e)
{
	struct dinfo *x = ctx;

	(void)e;
	x->d = *d;
	x->n++;
	return 0;
}

static void
test_drafts(const char *home, fk_session_cfg *cfg)
{
	fk_step st;
	struct dinfo di;
	char id[FK_UUID_BUF], prefix[8], p1[1024], label[256];

	snprintf(p1, sizeof p1, "%s/one.jpg", home);
	CHECK(fk_session_new(cfg, &S, &E) == 0);
	CHECK(keep() == 0);
	CHECK(type("Шевчишин") == 0);
	CHECK(keep() == 0);
	CHECK(keep() == 0);
	CHECK(keep() == 0);
	CHECK(type("1") == 0);
	CHECK(keep() == 0);
	CHECK(keep() == 0);
	CHECK(type("Зоряна") == 0);
	CHECK(keep() == 0);
	CHECK(type("y") == 0);
	CHECK(type(p1) == 0);
	AT("children[0].photos[0].caption");
	CHECK(fk_session_changed(S));
	CHECK(fk_session_save(S, &E) == 0);
	CHECK(!fk_session_changed(S));
	snprintf(id, sizeof id, "%s", fk_session_draft_id(S));
	fk_session_free(S);
	S = NULL;

	/* In clear: progress and where it stopped, never a name. */
	memset(&di, 0, sizeof di);
	CHECK(fk_store_each_draft(cfg->store, dinfo_cb, &di, &E) == 0 && di.n == 1);
	CHECK_MSG(di.d.answered == 6 && di.d.total == 12, "%d of %d", di.d.answered, di.d.total);
	CHECK(strcmp(di.d.at, "children[0].photos[0].caption") == 0);
	fk_form_path_label(form, di.d.at, "en", label, sizeof label);
	CHECK_MSG(strcmp(label, "Sought child 1 \xe2\x80\xba Photos of the child 1 \xe2\x80\xba Caption") == 0,
	    "%s", label);

	/* Resumed by a prefix of its id, where it stopped, with its photo. */
	snprintf(prefix, sizeof prefix, "%.6s", id);
	CHECK(fk_session_resume(cfg, "ab", &S, &E) != 0 && S == NULL);
	CHECK(fk_session_resume(cfg, prefix, &S, &E) == 0);
	if (S == NULL)
		return;
	CHECK(strcmp(fk_session_draft_id(S), id) == 0);
	AT("children[0].photos[0].caption");
	CHECK(!fk_session_changed(S));
	CHECK(fk_session_back(S, &E) == 0);
	st = step();
	CHECK(st.value != NULL &&
	    strcmp(json_string_value(json_object_get(st.value, "name")), "one.jpg") == 0);
	/* Finalizing deletes the draft. */
	CHECK(fk_session_goto_review(S, &E) == 0);
	{
		fk_review_rows r;
		fk_record_out out;
		CHECK(fk_session_review(S, &r, &E) == 0);
		CHECK(r.issues.n == 1); /* consent */
		CHECK(r.unseen > 0);
		fk_review_rows_free(&r);
		CHECK(fk_session_finalize(S, &out, &E) != 0 && E.code == FK_EINPUT);
		CHECK(fk_session_goto(S, "consent", &E) == 0);
		CHECK(type("2") == 0);
		AT("why_not");
		CHECK(type("later") == 0);
		/* On to what was never seen, then the review. */
		while (strcmp(at(), "#review") != 0 && keep() == 0)
			;
		CHECK(fk_session_review(S, &r, &E) == 0 && r.issues.n == 0);
		fk_review_rows_free(&r);
		CHECK(count_drafts(cfg->store) == 1);
		CHECK_MSG(fk_session_finalize(S, &out, &E) == 0, "%s", E.msg);
		CHECK(count_drafts(cfg->store) == 0);
	}
	fk_session_free(S);
	S = NULL;
}


/* Drafts cross between the faces: the page's engine (entry.h) and this one. */
static void
test_faces(const char *home, fk_session_cfg *cfg, const fk_age_identities *ids)
{
	fk_entry *x = NULL;
	fk_pending_w *pw = NULL;
	fk_secret pkey = { 0 };
	fk_entry_src src;
	fk_review_rows r;
	fk_record_out out;
	char id[FK_UUID_BUF], aid[FK_UUID_BUF], p1[1024];
	static const uint8_t png[] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 1, 2, 3 };
	uint64_t size = 0;
	json_t *a;

	(void)ids;
	/* 1. The wizard's draft, with a photo on disk, opens in the page's engine. */
	snprintf(p1, sizeof p1, "%s/one.jpg", home);
	CHECK(fk_session_new(cfg, &S, &E) == 0);
	CHECK(keep() == 0);
	CHECK(type("Мельник") == 0);
	CHECK(keep() == 0 && keep() == 0 && keep() == 0);
	CHECK(type("2") == 0);
	CHECK(keep() == 0 && keep() == 0);
	CHECK(type("Дана") == 0);
	CHECK(keep() == 0);
	CHECK(type("y") == 0);
	CHECK(type(p1) == 0);
	CHECK(fk_session_save(S, &E) == 0);
	snprintf(id, sizeof id, "%s", fk_session_draft_id(S));
	fk_session_free(S);
	S = NULL;
	CHECK_MSG(fk_entry_resume(form, home, cfg->store, cfg->draft_key, id, &x, &E) == 0, "%s", E.msg);
	if (x != NULL) {
		a = fk_entry_answers(x);
		CHECK(strcmp(json_string_value(json_object_get(a, "surname_cyr")), "Мельник") == 0);
		{
			json_t *ph = fk_answers_get(form, a, "children[0].photos[0].photo");
			const char *pid = json_string_value(json_object_get(ph, "id"));
			CHECK(pid != NULL && fk_entry_att_open(x, pid, &src, &E) == 0);
			if (pid != NULL && E.code == FK_OK) {
				CHECK(src.size == 2000);
				fk_entry_att_close(&src);
			}
		}
		fk_entry_free(x);
		x = NULL;
	}
	CHECK(fk_store_draft_delete(cfg->store, id, &E) == 0);

	/* 2. The page's draft, its photo a pending file, is finished and sealed here. */
	CHECK(fk_entry_new(form, home, &x, &E) == 0);
	if (x == NULL)
		return;
	a = fk_entry_answers(x);
	CHECK(fk_answers_set(form, a, "surname_cyr", json_string("Ткачук"), &E) == 0);
	CHECK(fk_answers_set(form, a, "place", json_string("border"), &E) == 0);
	CHECK(fk_answers_repeat_add(form, a, "children", NULL, &E) == 0);
	CHECK(fk_answers_set(form, a, "children[0].child_cyr", json_string("Ліна"), &E) == 0);
	CHECK(fk_answers_repeat_add(form, a, "children[0].photos", NULL, &E) == 0);
	fk_uuid(aid);
	CHECK(fk_pending_create(home, aid, 1 << 20, &pw, &pkey, &E) == 0);
	CHECK(fk_pending_write(pw, png, sizeof png, &E) == 0);
	CHECK(fk_pending_finish(pw, &size, &E) == 0 && size == sizeof png);
	CHECK(fk_entry_attach_pending(x, "children[0].photos[0].photo", aid, "from-the-page.png",
	    "image/png", size, &pkey, &E) == 0);
	CHECK(fk_entry_save(x, cfg->store, cfg->draft_key, &E) == 0);
	snprintf(id, sizeof id, "%s", fk_entry_id(x));
	fk_entry_free(x);
	if (pkey.p != NULL)
		fk_secret_free(&pkey);
	cfg->home = home;
	CHECK_MSG(fk_session_resume(cfg, id, &S, &E) == 0, "%s", E.msg);
	if (S == NULL)
		return;
	CHECK(fk_session_goto(S, "consent", &E) == 0);
	CHECK(type("1") == 0);
	CHECK(fk_session_goto_review(S, &E) == 0);
	CHECK(fk_session_review(S, &r, &E) == 0);
	CHECK(r.issues.n == 0);
	{
		int i = row_find(&r, "children[0].photos[0].photo");
		CHECK(i >= 0 && r.v[i].value && strncmp(r.v[i].value, "from-the-page.png", 17) == 0);
	}
	fk_review_rows_free(&r);
	CHECK_MSG(fk_session_finalize(S, &out, &E) == 0, "%s", E.msg);
	{
		char pf[1200];
		snprintf(pf, sizeof pf, "%s/pending/%s.fkp", home, aid);
		CHECK(access(pf, F_OK) != 0); /* sealed: the pending file is gone */
	}
	CHECK(count_drafts(cfg->store) == 0);
	fk_session_free(S);
	S = NULL;
	cfg->home = NULL;
}

int
main(void)
{
	char *home, path[1024];
	fk_device d;
	fk_age_identities ids;
	fk_store *st = NULL;
	fk_finalizer *fin = NULL;
	fk_secret key = { 0 };
	fk_session_cfg cfg;
	const char *data = getenv("FK_TESTDATA");

	check_init();
	fk_json_use_wiping_alloc();
	setenv("TZ", "UTC", 1);
	snprintf(path, sizeof path, "%s/session-test.json", data ? data : "tests/data");
	if (fk_form_load_file(path, &form, NULL, &E) != 0) {
		fprintf(stderr, "%s: %s\n", path, E.msg);
		return 1;
	}
	home = tu_tmpdir("session");
	tu_device(&d, home, &ids);
	CHECK(fk_store_open(&st, home, FK_STORE_WRITE, &E) == 0);
	CHECK(fk_finalizer_new(&fin, st, &d, &E) == 0);
	CHECK(fk_secret_alloc(&key, 32, &E) == 0);
	randombytes_buf(key.p, 32);
	memset(&cfg, 0, sizeof cfg);
	cfg.form = form;
	cfg.store = st;
	cfg.fin = fin;
	cfg.draft_key = &key;
	cfg.lang = "en";
	cfg.att_limit = 1 << 20;
	cfg.now = 1750000000; /* 2025-06-15 */

	test_flow(home, &cfg);
	check_sealed(st, &ids);
	test_drafts(home, &cfg);
	test_faces(home, &cfg, &ids);

	fk_issues_free(&IS);
	fk_secret_free(&key);
	fk_finalizer_free(fin);
	fk_store_close(st);
	fk_age_identities_free(&ids);
	fk_device_free(&d);
	fk_form_free(form);
	tu_rmrf(home);
	free(home);
	return check_done("session");
}
