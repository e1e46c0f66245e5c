/*
 * match_db.c - see match_db.h. The engine (match.c) works in memory; this
 * file keeps its inputs and outputs in hub.db.
 */
#include "match_db.h"

#include <math.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "hub_int.h"
#include "util.h"

static const char match_sql[] =
    "CREATE TABLE IF NOT EXISTS match_records(rid INTEGER PRIMARY KEY,"
    " record_id TEXT NOT NULL UNIQUE, form_id TEXT NOT NULL, view TEXT NOT NULL,"
    " matched INT NOT NULL DEFAULT 0);"
    "CREATE INDEX IF NOT EXISTS match_records_new ON match_records(matched)"
    " WHERE matched = 0;"
    "CREATE TABLE IF NOT EXISTS match_keys(key INTEGER NOT NULL, kind TEXT NOT NULL,"
    " rid INTEGER NOT NULL, child INT NOT NULL);"
    "CREATE INDEX IF NOT EXISTS match_keys_key ON match_keys(key, kind);"
    "CREATE TABLE IF NOT EXISTS match_model(id INTEGER PRIMARY KEY CHECK(id = 1),"
    " model BLOB NOT NULL, persons INT NOT NULL, at TEXT NOT NULL);"
    "CREATE TABLE IF NOT EXISTS match_meta(k TEXT PRIMARY KEY, v TEXT NOT NULL);"
    "CREATE TABLE IF NOT EXISTS match_pairs(intake TEXT NOT NULL, report TEXT NOT NULL,"
    " child INT NOT NULL, score REAL NOT NULL, levels TEXT NOT NULL, at TEXT NOT NULL,"
    " PRIMARY KEY(intake, report, child));"
    "CREATE TABLE IF NOT EXISTS match_decisions(id INTEGER PRIMARY KEY,"
    " intake TEXT NOT NULL, report TEXT NOT NULL, child INT NOT NULL,"
    " decision TEXT NOT NULL CHECK(decision IN ('confirmed', 'rejected')),"
    " who TEXT NOT NULL, at TEXT NOT NULL);"
    "CREATE INDEX IF NOT EXISTS match_decisions_pair ON match_decisions(intake, report,"
    " child);";

static const fk_mn_names *names;

#define sql_err fk_hub_sql_err
#define exec fk_hub_exec

static int
prep(sqlite3 *db, sqlite3_stmt **st, const char *sql, fk_err *e)
{
	if (sqlite3_prepare_v2(db, sql, -1, st, NULL) != SQLITE_OK)
		return sql_err(db, e);
	return 0;
}

static int
init(fk_hubdb *h, sqlite3 **db, fk_err *e)
{
	if ((*db = fk_hub_sqlite(h)) == NULL)
		return fk_fail(e, FK_ESTATE, _("the hub is locked: unlock it with its passphrase "
		    "first"));
	if (names == NULL) {
		fk_mn_names *t;
		if (fk_mn_names_builtin(&t, e) != 0)
			return -1;
		names = t; /* immutable; kept for the process */
	}
	return exec(*db, match_sql, e);
}

/* ---- views ---- */

static const char *const report_top[] = {
	"reporter_given_cyr", "reporter_given_lat", "reporter_surname_cyr",
	"reporter_surname_lat", "consent_process", "report_date", NULL,
};
static const char *const report_child[] = {
	"relationship", "surname_cyr", "surname_lat", "given_cyr", "given_lat",
	"patronymic_cyr", "patronymic_lat", "nicknames_cyr", "nicknames_lat", "other_names_cyr",
	"other_names_lat", "new_name_cyr", "new_name_lat", "sex", "dob_kind", "dob", "age_years",
	"birth_cert_no", "passport_no", "res_settlement", "res_oblast", NULL,
};
static const char *const intake_top[] = {
	"surname_cyr", "surname_lat", "given_cyr", "given_lat", "patronymic_cyr",
	"patronymic_lat", "away_names_cyr", "away_names_lat", "sex", "dob_kind", "dob",
	"age_years", "docs_numbers", "consent_tracing", "intake_date", NULL,
};
static const char *const intake_member[] = {
	"member_name_cyr", "member_name_lat", "member_relationship", "member_report_ref", NULL,
};

static int
copy_keys(json_t *to, json_t *from, const char *const *keys)
{
	for (; *keys; keys++) {
		json_t *v = json_object_get(from, *keys);
		if (v != NULL && (json_is_string(v) || json_is_integer(v)) &&
		    json_object_set(to, *keys, v) != 0)
			return -1;
	}
	return 0;
}

static int
copy_repeat(json_t *to, json_t *from, const char *name, const char *const *keys)
{
	json_t *arr = json_object_get(from, name), *out, *x;
	size_t i;

	if (!json_is_array(arr))
		return 0;
	if ((out = json_array()) == NULL || json_object_set_new(to, name, out) != 0)
		return -1;
	json_array_foreach(arr, i, x) {
		json_t *o = json_object();
		if (o == NULL || json_array_append_new(out, o) != 0 || copy_keys(o, x, keys) != 0)
			return -1;
	}
	return 0;
}

/* The answers matching reads, from a stored record; NULL for other forms. */
static json_t *
make_view(const char *form_id, json_t *rec)
{
	json_t *a = json_object_get(rec, "answers"), *v, *ans;
	const char *sref = json_string_value(json_object_get(rec, "short_ref"));
	int report = form_id != NULL && strcmp(form_id, "family-report") == 0;
	int bad;

	if (!json_is_object(a) || (!report && (form_id == NULL ||
	    strcmp(form_id, "child-intake") != 0)))
		return NULL;
	if ((v = json_object()) == NULL)
		return NULL;
	if ((ans = json_object()) == NULL || json_object_set_new(v, "answers", ans) != 0) {
		json_decref(v);
		return NULL;
	}
	if (report)
		bad = copy_keys(ans, a, report_top) || copy_repeat(ans, a, "children", report_child);
	else
		bad = copy_keys(ans, a, intake_top) ||
		    copy_repeat(ans, a, "family_members", intake_member);
	if (bad || (sref != NULL && json_object_set_new(v, "short_ref", json_string(sref)) != 0)) {
		json_decref(v);
		return NULL;
	}
	return v;
}

/* ---- loading persons ---- */

struct loaded {
	fk_match *m;
	char (*ids)[FK_MATCH_IDLEN];
	int64_t *rids;
	size_t n, cap;
};

static void
loaded_free(struct loaded *L)
{
	fk_match_free(L->m);
	free(L->ids);
	free(L->rids);
	memset(L, 0, sizeof *L);
}

/* Adds one record's persons (rec index = position in L). Returns persons added. */
static int
load_view(struct loaded *L, int64_t rid, const char *record_id, const char *form_id,
    const char *text, size_t len, fk_err *e)
{
	json_t *v = json_loadb(text, len, 0, NULL);
	int k;

	if (v == NULL)
		return fk_fail(e, FK_EINPUT, _("record %s: its matching view is damaged"),
		    record_id);
	if (L->n == L->cap) {
		size_t nc = L->cap ? 2 * L->cap : 1024;
		void *a = realloc(L->ids, nc * sizeof *L->ids), *b;
		if (a == NULL) {
			json_decref(v);
			return fk_fail(e, FK_ENOMEM, _("out of memory"));
		}
		L->ids = a;
		if ((b = realloc(L->rids, nc * sizeof *L->rids)) == NULL) {
			json_decref(v);
			return fk_fail(e, FK_ENOMEM, _("out of memory"));
		}
		L->rids = b;
		L->cap = nc;
	}
	snprintf(L->ids[L->n], FK_MATCH_IDLEN, "%s", record_id);
	L->rids[L->n] = rid;
	k = fk_match_add_record(L->m, (uint32_t)L->n, form_id, json_object_get(v, "answers"),
	    json_string_value(json_object_get(v, "short_ref")), NULL, e);
	json_decref(v);
	if (k < 0)
		return -1;
	L->n++;
	return k;
}

static int
loaded_new(struct loaded *L, fk_err *e)
{
	memset(L, 0, sizeof *L);
	return fk_match_new(&L->m, names, e);
}

/* Loads every view (where = "" or an SQL condition on match_records). */
static int
load_where(sqlite3 *db, struct loaded *L, const char *where, int64_t rid, fk_err *e)
{
	sqlite3_stmt *st;
	char sql[256];
	int k, rc = 0;

	snprintf(sql, sizeof sql, "SELECT rid, record_id, form_id, view FROM match_records%s"
	    " ORDER BY rid", where);
	if (prep(db, &st, sql, e) != 0)
		return -1;
	if (strchr(where, '?') != NULL)
		sqlite3_bind_int64(st, 1, rid);
	while ((k = sqlite3_step(st)) == SQLITE_ROW)
		if (load_view(L, sqlite3_column_int64(st, 0),
		    (const char *)sqlite3_column_text(st, 1), (const char *)sqlite3_column_text(st, 2),
		    (const char *)sqlite3_column_text(st, 3), (size_t)sqlite3_column_bytes(st, 3),
		    e) < 0) {
			rc = -1;
			break;
		}
	if (rc == 0 && k != SQLITE_DONE)
		rc = sql_err(db, e);
	sqlite3_finalize(st);
	return rc;
}

/* ---- the import hook ---- */

static int
insert_keys(sqlite3 *db, fk_match *m, int64_t rid, fk_err *e)
{
	sqlite3_stmt *st;
	uint64_t k[FK_MATCH_MAXKEYS];
	size_t p, n, i;
	fk_match_person_info pi;
	int rc = 0;

	if (prep(db, &st, "INSERT INTO match_keys(key, kind, rid, child) VALUES(?, ?, ?, ?)",
	    e) != 0)
		return -1;
	for (p = 0; p < fk_match_npersons(m) && rc == 0; p++) {
		int pass;
		fk_match_person(m, (uint32_t)p, &pi);
		if (pi.skipped)
			continue;
		for (pass = 0; pass < 2 && rc == 0; pass++) {
			const char *kind = pass ? "f" : pi.kind == FK_MP_REPORT ? "r" : "i";
			n = pass ? fk_match_search_keys(m, (uint32_t)p, k, FK_MATCH_MAXKEYS) :
			    fk_match_keys(m, (uint32_t)p, pi.kind == FK_MP_INTAKE, k, FK_MATCH_MAXKEYS);
			for (i = 0; i < n; i++) {
				sqlite3_reset(st);
				sqlite3_bind_int64(st, 1, (sqlite3_int64)k[i]);
				sqlite3_bind_text(st, 2, kind, -1, SQLITE_STATIC);
				sqlite3_bind_int64(st, 3, rid);
				sqlite3_bind_int(st, 4, pi.child);
				if (sqlite3_step(st) != SQLITE_DONE) {
					rc = sql_err(db, e);
					break;
				}
			}
		}
	}
	sqlite3_finalize(st);
	return rc;
}

int
fk_match_db_add(fk_hubdb *h, const char *record_id, const char *form_id, json_t *rec,
    fk_err *e)
{
	sqlite3 *db;
	sqlite3_stmt *st;
	json_t *v;
	char *text = NULL;
	int64_t rid;
	int rc = -1;
	fk_match *m = NULL;

	if (init(h, &db, e) != 0)
		return -1;
	if ((v = make_view(form_id, rec)) == NULL)
		return 0; /* not a form matching reads */
	if ((text = json_dumps(v, JSON_COMPACT)) == NULL) {
		fk_fail(e, FK_ENOMEM, _("out of memory"));
		goto out;
	}
	if (prep(db, &st, "INSERT OR IGNORE INTO match_records(record_id, form_id, view)"
	    " VALUES(?, ?, ?)", e) != 0)
		goto out;
	sqlite3_bind_text(st, 1, record_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, form_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, text, -1, SQLITE_STATIC);
	rc = sqlite3_step(st) == SQLITE_DONE ? 0 : sql_err(db, e);
	sqlite3_finalize(st);
	if (rc != 0 || sqlite3_changes(db) == 0)
		goto out; /* indexed before */
	rc = -1;
	rid = sqlite3_last_insert_rowid(db);
	if (fk_match_new(&m, names, e) != 0 ||
	    fk_match_add_record(m, 0, form_id, json_object_get(v, "answers"),
	    json_string_value(json_object_get(v, "short_ref")), NULL, e) < 0 ||
	    insert_keys(db, m, rid, e) != 0)
		goto out;
	rc = 0;
out:
	fk_match_free(m);
	json_decref(v);
	free(text);
	return rc;
}

/* Records stored before matching existed (or by a build without it). */
static int
backfill(fk_hubdb *h, sqlite3 *db, fk_err *e)
{
	sqlite3_stmt *st;
	int k, rc = 0;

	if (prep(db, &st, "SELECT record_id, form_id, body FROM records WHERE form_id IN"
	    " ('family-report', 'child-intake') AND record_id NOT IN (SELECT record_id FROM"
	    " match_records)", e) != 0)
		return -1;
	while (rc == 0 && (k = sqlite3_step(st)) == SQLITE_ROW) {
		json_t *rec = json_loadb((const char *)sqlite3_column_text(st, 2),
		    (size_t)sqlite3_column_bytes(st, 2), 0, NULL);
		if (rec == NULL)
			continue;
		rc = fk_match_db_add(h, (const char *)sqlite3_column_text(st, 0),
		    (const char *)sqlite3_column_text(st, 1), rec, e);
		json_decref(rec);
	}
	sqlite3_finalize(st);
	return rc;
}

static int
backfilled(sqlite3 *db)
{
	sqlite3_stmt *st;
	int k = 0;

	if (sqlite3_prepare_v2(db, "SELECT 1 FROM match_meta WHERE k = 'backfilled'", -1, &st,
	    NULL) == SQLITE_OK)
		k = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	return k;
}

/* ---- pairs ---- */

/* The last decision on a pair is `what`? (st: prepare_decided's statement) */
static int
is_decided(sqlite3_stmt *st, const char *intake, const char *report, int child,
    const char *what)
{
	int k;

	if (st == NULL)
		return 0;
	sqlite3_reset(st);
	sqlite3_bind_text(st, 1, intake, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, report, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 3, child);
	k = sqlite3_step(st) == SQLITE_ROW &&
	    strcmp((const char *)sqlite3_column_text(st, 0), what) == 0;
	sqlite3_reset(st);
	return k;
}

static sqlite3_stmt *
prepare_decided(sqlite3 *db)
{
	sqlite3_stmt *st = NULL;

	if (sqlite3_prepare_v2(db, "SELECT decision FROM match_decisions WHERE intake = ? AND"
	    " report = ? AND child = ? ORDER BY id DESC LIMIT 1", -1, &st, NULL) != SQLITE_OK)
		return NULL;
	return st;
}

static void
levels_str(const uint8_t *lv, char *out)
{
	int f;

	for (f = 0; f < MF_N; f++)
		out[f] = (char)('0' + lv[f]);
	out[MF_N] = 0;
}

/* Stores pairs (upsert); *nnew counts the ones not there before. */
static int
store_pairs(sqlite3 *db, struct loaded *L, const fk_match_pair *pr, size_t n, size_t *nnew,
    fk_err *e)
{
	sqlite3_stmt *st, *ex = NULL, *dec = prepare_decided(db);
	char when[FK_TIME_BUF], lv[MF_N + 1];
	fk_match_person_info a, b;
	size_t i;
	int rc = 0;

	fk_now_rfc3339(when);
	if (dec == NULL)
		return sql_err(db, e);
	if (prep(db, &ex, "SELECT 1 FROM match_pairs WHERE intake = ? AND report = ? AND"
	    " child = ?", e) != 0) {
		sqlite3_finalize(dec);
		return -1;
	}
	if (prep(db, &st, "INSERT INTO match_pairs(intake, report, child, score, levels, at)"
	    " VALUES(?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT(intake, report, child) DO UPDATE SET"
	    " score = ?4, levels = ?5", e) != 0) {
		sqlite3_finalize(ex);
		sqlite3_finalize(dec);
		return -1;
	}
	for (i = 0; i < n && rc == 0; i++) {
		int before = 0;
		fk_match_person(L->m, pr[i].a, &a);
		fk_match_person(L->m, pr[i].b, &b);
		if (is_decided(dec, L->ids[a.rec], L->ids[b.rec], b.child, "rejected"))
			continue;
		if (nnew != NULL) {
			sqlite3_reset(ex);
			sqlite3_bind_text(ex, 1, L->ids[a.rec], -1, SQLITE_STATIC);
			sqlite3_bind_text(ex, 2, L->ids[b.rec], -1, SQLITE_STATIC);
			sqlite3_bind_int(ex, 3, b.child);
			before = sqlite3_step(ex) == SQLITE_ROW;
		}
		levels_str(pr[i].level, lv);
		sqlite3_reset(st);
		sqlite3_bind_text(st, 1, L->ids[a.rec], -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, L->ids[b.rec], -1, SQLITE_STATIC);
		sqlite3_bind_int(st, 3, b.child);
		sqlite3_bind_double(st, 4, pr[i].p);
		sqlite3_bind_text(st, 5, lv, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 6, when, -1, SQLITE_STATIC);
		if (sqlite3_step(st) != SQLITE_DONE)
			rc = sql_err(db, e);
		else if (nnew != NULL && !before)
			(*nnew)++;
	}
	sqlite3_finalize(st);
	sqlite3_finalize(ex);
	sqlite3_finalize(dec);
	return rc;
}

/* Records indexed for matching (rowids only grow; the model remembers how many). */
static size_t
count_records(sqlite3 *db)
{
	sqlite3_stmt *st;
	size_t n = 0;

	if (sqlite3_prepare_v2(db, "SELECT coalesce(max(rid), 0) FROM match_records", -1, &st,
	    NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
		n = (size_t)sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

static int
save_model(sqlite3 *db, fk_match *m, fk_err *e)
{
	fk_buf b = {0};
	sqlite3_stmt *st;
	char when[FK_TIME_BUF];
	int rc;

	if (fk_match_model_save(m, &b, e) != 0) {
		fk_buf_free(&b);
		return -1;
	}
	fk_now_rfc3339(when);
	if (prep(db, &st, "INSERT OR REPLACE INTO match_model(id, model, persons, at)"
	    " VALUES(1, ?, ?, ?)", e) != 0) {
		fk_buf_free(&b);
		return -1;
	}
	sqlite3_bind_blob(st, 1, b.p, (int)b.len, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)count_records(db));
	sqlite3_bind_text(st, 3, when, -1, SQLITE_STATIC);
	rc = sqlite3_step(st) == SQLITE_DONE ? 0 : sql_err(db, e);
	sqlite3_finalize(st);
	fk_buf_free(&b);
	return rc;
}

/* Loads the stored model into m; 0 = loaded, 1 = none (or too old), -1 error. */
static int
load_model(sqlite3 *db, fk_match *m, size_t persons_now, fk_err *e)
{
	sqlite3_stmt *st;
	int k, rc = 1;

	if (prep(db, &st, "SELECT model, persons FROM match_model WHERE id = 1", e) != 0)
		return -1;
	k = sqlite3_step(st);
	if (k == SQLITE_ROW) {
		/* a model learnt on a hub half this size is relearnt */
		if ((size_t)sqlite3_column_int64(st, 1) * 2 >= persons_now)
			rc = fk_match_model_load(m, sqlite3_column_blob(st, 0),
			    (size_t)sqlite3_column_bytes(st, 0), e) == 0 ? 0 : 1;
	} else if (k != SQLITE_DONE)
		rc = sql_err(db, e);
	sqlite3_finalize(st);
	return rc;
}

/* ---- the full run ---- */

static int
full_run(sqlite3 *db, struct loaded *L, fk_match_pair **pr, size_t *n, fk_match_stats *st,
    fk_err *e)
{
	if (loaded_new(L, e) != 0 || load_where(db, L, "", 0, e) != 0 ||
	    fk_match_link(L->m, FK_MATCH_REVIEW, fk_threads(), pr, n, st, e) != 0)
		return -1;
	if (exec(db, "BEGIN IMMEDIATE", e) != 0)
		return -1;
	if (save_model(db, L->m, e) != 0 || exec(db, "DELETE FROM match_pairs", e) != 0 ||
	    store_pairs(db, L, *pr, *n, NULL, e) != 0 ||
	    exec(db, "UPDATE match_records SET matched = 1 WHERE matched = 0", e) != 0 ||
	    exec(db, "COMMIT", e) != 0) {
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
		return -1;
	}
	return 0;
}

static void
fill_hit(struct loaded *L, const fk_match_pair *p, fk_match_hit *o)
{
	fk_match_person_info a, b;
	int f;

	memset(o, 0, sizeof *o);
	fk_match_person(L->m, p->a, &a);
	fk_match_person(L->m, p->b, &b);
	snprintf(o->intake, sizeof o->intake, "%s", L->ids[a.rec]);
	snprintf(o->report, sizeof o->report, "%s", L->ids[b.rec]);
	o->child = b.child;
	o->p = p->p;
	memcpy(o->level, p->level, MF_N);
	for (f = 0; f < MF_N; f++)
		o->weight[f] = fk_match_level_weight(L->m, f, p->level[f]);
	o->status = p->p >= FK_MATCH_MATCH ? 'm' : 'r';
}

/* Confirmed pairs, first in the list. */
static int
add_confirmed(sqlite3 *db, fk_match_hit **hits, size_t *n, size_t *cap, size_t *nconf,
    size_t *nrej, fk_err *e)
{
	sqlite3_stmt *st;
	int k;

	*nconf = *nrej = 0;
	if (prep(db, &st, "SELECT d.intake, d.report, d.child, d.decision FROM match_decisions d"
	    " WHERE d.id = (SELECT max(id) FROM match_decisions x WHERE x.intake = d.intake AND"
	    " x.report = d.report AND x.child = d.child) ORDER BY d.intake, d.id", e) != 0)
		return -1;
	while ((k = sqlite3_step(st)) == SQLITE_ROW) {
		fk_match_hit *o;
		if (strcmp((const char *)sqlite3_column_text(st, 3), "rejected") == 0) {
			(*nrej)++;
			continue;
		}
		(*nconf)++;
		if (*n == *cap) {
			size_t nc = *cap ? 2 * *cap : 64;
			void *np = realloc(*hits, nc * sizeof **hits);
			if (np == NULL) {
				sqlite3_finalize(st);
				return fk_fail(e, FK_ENOMEM, _("out of memory"));
			}
			*hits = np;
			*cap = nc;
		}
		o = *hits + (*n)++;
		memset(o, 0, sizeof *o);
		snprintf(o->intake, sizeof o->intake, "%s", sqlite3_column_text(st, 0));
		snprintf(o->report, sizeof o->report, "%s", sqlite3_column_text(st, 1));
		o->child = sqlite3_column_int(st, 2);
		o->p = 1.0;
		o->status = 'c';
	}
	sqlite3_finalize(st);
	return k == SQLITE_DONE ? 0 : sql_err(db, e);
}

int
fk_match_db_run(fk_hubdb *h, int all, fk_match_hit **hits, size_t *n, fk_match_run *r,
    fk_err *e)
{
	sqlite3 *db;
	struct loaded L = {0};
	fk_match_pair *pr = NULL;
	size_t np = 0, i, cap = 0;
	int rc = -1;
	uint32_t last = UINT32_MAX;
	sqlite3_stmt *dec = NULL;

	*hits = NULL;
	*n = 0;
	memset(r, 0, sizeof *r);
	if (init(h, &db, e) != 0 || backfill(h, db, e) != 0 ||
	    full_run(db, &L, &pr, &np, &r->st, e) != 0 ||
	    add_confirmed(db, hits, n, &cap, &r->nconfirmed, &r->nrejected, e) != 0)
		goto out;
	if ((dec = prepare_decided(db)) == NULL) {
		sql_err(db, e);
		goto out;
	}
	for (i = 0; i < np; i++) {
		fk_match_hit o;
		size_t j;
		int dup = 0;
		if (!all && pr[i].a == last)
			continue;
		fill_hit(&L, pr + i, &o);
		if (is_decided(dec, o.intake, o.report, o.child, "rejected"))
			continue;
		for (j = 0; j < r->nconfirmed; j++)
			dup |= strcmp((*hits)[j].intake, o.intake) == 0 &&
			    strcmp((*hits)[j].report, o.report) == 0 && (*hits)[j].child == o.child;
		if (dup) {
			if (!all)
				last = pr[i].a;
			continue;
		}
		last = pr[i].a;
		if (*n == cap) {
			size_t nc = cap ? 2 * cap : 1024;
			void *p2 = realloc(*hits, nc * sizeof **hits);
			if (p2 == NULL) {
				fk_fail(e, FK_ENOMEM, _("out of memory"));
				goto out;
			}
			*hits = p2;
			cap = nc;
		}
		(*hits)[(*n)++] = o;
	}
	rc = 0;
out:
	if (rc != 0) {
		free(*hits);
		*hits = NULL;
		*n = 0;
	}
	sqlite3_finalize(dec);
	free(pr);
	loaded_free(&L);
	return rc;
}

/* ---- incremental ---- */

/* Candidate records for the persons of `fresh` (their rids), through the keys. */
static int
candidates(sqlite3 *db, struct loaded *fresh, int64_t **out, size_t *nout, fk_err *e)
{
	sqlite3_stmt *st;
	uint64_t k[FK_MATCH_MAXKEYS];
	size_t p, nk, i, cap = 0;
	fk_match_person_info pi;

	*out = NULL;
	*nout = 0;
	if (prep(db, &st, "SELECT rid FROM match_keys WHERE key = ? AND kind = ? LIMIT 2001",
	    e) != 0)
		return -1;
	for (p = 0; p < fk_match_npersons(fresh->m); p++) {
		fk_match_person(fresh->m, (uint32_t)p, &pi);
		if (pi.skipped)
			continue;
		nk = fk_match_keys(fresh->m, (uint32_t)p, pi.kind == FK_MP_INTAKE, k,
		    FK_MATCH_MAXKEYS);
		for (i = 0; i < nk; i++) {
			int64_t got[41];
			size_t ng = 0, j, limit = (k[i] & 1) ? 41 : 2001;
			int s;
			sqlite3_reset(st);
			sqlite3_bind_int64(st, 1, (sqlite3_int64)k[i]);
			sqlite3_bind_text(st, 2, pi.kind == FK_MP_INTAKE ? "r" : "i", -1,
			    SQLITE_STATIC);
			while ((s = sqlite3_step(st)) == SQLITE_ROW && ng < limit) {
				int64_t rid = sqlite3_column_int64(st, 0);
				if (limit == 41) {
					got[ng++] = rid;
					continue;
				}
				ng++;
				if (*nout == cap) {
					size_t nc = cap ? 2 * cap : 256;
					void *np = realloc(*out, nc * sizeof **out);
					if (np == NULL) {
						sqlite3_finalize(st);
						return fk_fail(e, FK_ENOMEM, _("out of memory"));
					}
					*out = np;
					cap = nc;
				}
				(*out)[(*nout)++] = rid;
			}
			if (limit == 41 && ng <= 40)
				for (j = 0; j < ng; j++) {
					if (*nout == cap) {
						size_t nc = cap ? 2 * cap : 256;
						void *np = realloc(*out, nc * sizeof **out);
						if (np == NULL) {
							sqlite3_finalize(st);
							return fk_fail(e, FK_ENOMEM,
							    _("out of memory"));
						}
						*out = np;
						cap = nc;
					}
					(*out)[(*nout)++] = got[j];
				}
		}
	}
	sqlite3_finalize(st);
	return 0;
}

static int
cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

int
fk_match_db_update(fk_hubdb *h, size_t *nreview, fk_err *e)
{
	sqlite3 *db;
	struct loaded L = {0};
	fk_match_pair *pr = NULL;
	int64_t *cand = NULL;
	uint32_t *who = NULL;
	size_t np = 0, nc = 0, i, nfresh, p;
	int rc = -1, k;
	sqlite3_stmt *st = NULL;

	*nreview = 0;
	if (init(h, &db, e) != 0 || exec(db, "BEGIN IMMEDIATE", e) != 0)
		return -1;
	/* records stored before matching existed: once (imports index the rest) */
	if ((!backfilled(db) && (backfill(h, db, e) != 0 ||
	    exec(db, "INSERT OR REPLACE INTO match_meta(k, v) VALUES('backfilled', '1')", e) != 0)) ||
	    exec(db, "COMMIT", e) != 0) {
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
		return -1;
	}
	if (loaded_new(&L, e) != 0 || load_where(db, &L, " WHERE matched = 0", 0, e) != 0)
		goto out;
	nfresh = L.n;
	if (nfresh == 0) {
		rc = 0;
		goto out;
	}
	k = load_model(db, L.m, count_records(db), e);
	if (k < 0)
		goto out;
	if (k == 1) {
		/* no model yet, or the hub has doubled: relearn it on everything */
		fk_match_stats stt;
		size_t j;
		struct loaded F = L;
		memset(&L, 0, sizeof L);
		if (full_run(db, &L, &pr, &np, &stt, e) != 0) {
			loaded_free(&F);
			goto out;
		}
		for (i = 0; i < np; i++) {
			fk_match_person_info a, b;
			fk_match_person(L.m, pr[i].a, &a);
			fk_match_person(L.m, pr[i].b, &b);
			for (j = 0; j < F.n; j++)
				if (strcmp(F.ids[j], L.ids[a.rec]) == 0 ||
				    strcmp(F.ids[j], L.ids[b.rec]) == 0) {
					(*nreview)++;
					break;
				}
		}
		loaded_free(&F);
		rc = 0;
		goto out;
	}
	/* the candidates of the fresh persons, loaded beside them */
	if (candidates(db, &L, &cand, &nc, e) != 0)
		goto out;
	if (nc > 1)
		qsort(cand, nc, sizeof *cand, cmp_i64);
	if ((who = malloc((fk_match_npersons(L.m) + 1) * sizeof *who)) == NULL) {
		fk_fail(e, FK_ENOMEM, _("out of memory"));
		goto out;
	}
	np = fk_match_npersons(L.m);
	for (p = 0; p < np; p++)
		who[p] = (uint32_t)p;
	if (prep(db, &st, "SELECT rid, record_id, form_id, view FROM match_records WHERE rid = ?"
	    " AND matched = 1", e) != 0)
		goto out;
	for (i = 0; i < nc; i++) {
		if (i > 0 && cand[i] == cand[i - 1])
			continue;
		sqlite3_reset(st);
		sqlite3_bind_int64(st, 1, cand[i]);
		if (sqlite3_step(st) == SQLITE_ROW &&
		    load_view(&L, sqlite3_column_int64(st, 0), (const char *)sqlite3_column_text(st, 1),
		    (const char *)sqlite3_column_text(st, 2), (const char *)sqlite3_column_text(st, 3),
		    (size_t)sqlite3_column_bytes(st, 3), e) < 0)
			goto out;
	}
	if (fk_match_link_some(L.m, who, np, FK_MATCH_REVIEW, &pr, &np, e) != 0)
		goto out;
	if (exec(db, "BEGIN IMMEDIATE", e) != 0)
		goto out;
	if (store_pairs(db, &L, pr, np, nreview, e) != 0 ||
	    exec(db, "UPDATE match_records SET matched = 1 WHERE matched = 0", e) != 0 ||
	    exec(db, "COMMIT", e) != 0) {
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
		goto out;
	}
	rc = 0;
out:
	sqlite3_finalize(st);
	free(pr);
	free(cand);
	free(who);
	loaded_free(&L);
	return rc;
}

/* ---- blocking, for measuring it ---- */

int
fk_match_db_blocked(fk_hubdb *h, char (**ids)[FK_MATCH_IDLEN], int **child, size_t *n,
    fk_err *e)
{
	sqlite3 *db;
	struct loaded L = {0};
	uint32_t *ab = NULL;
	size_t np = 0, i;
	int rc = -1;

	*ids = NULL;
	*child = NULL;
	*n = 0;
	if (init(h, &db, e) != 0 || backfill(h, db, e) != 0 || loaded_new(&L, e) != 0 ||
	    load_where(db, &L, "", 0, e) != 0 || fk_match_blocked(L.m, &ab, &np, e) != 0)
		goto out;
	*ids = malloc((2 * np + 1) * sizeof **ids);
	*child = malloc((np + 1) * sizeof **child);
	if (*ids == NULL || *child == NULL) {
		fk_fail(e, FK_ENOMEM, _("out of memory"));
		goto out;
	}
	for (i = 0; i < np; i++) {
		fk_match_person_info a, b;
		fk_match_person(L.m, ab[2 * i], &a);
		fk_match_person(L.m, ab[2 * i + 1], &b);
		memcpy((*ids)[2 * i], L.ids[a.rec], FK_MATCH_IDLEN);
		memcpy((*ids)[2 * i + 1], L.ids[b.rec], FK_MATCH_IDLEN);
		(*child)[i] = b.child;
	}
	*n = np;
	rc = 0;
out:
	if (rc != 0) {
		free(*ids);
		free(*child);
		*ids = NULL;
		*child = NULL;
	}
	free(ab);
	loaded_free(&L);
	return rc;
}

/* ---- find ---- */

int
fk_match_db_find(fk_hubdb *h, const char *query, int by, int bm, int bd, int sex, size_t max,
    fk_match_hit **hits, size_t *n, fk_err *e)
{
	sqlite3 *db;
	sqlite3_stmt *st = NULL, *vs = NULL;
	struct loaded L = {0};
	uint64_t k[FK_MATCH_MAXKEYS];
	int64_t *rids = NULL;
	size_t nk, i, nr = 0, cap = 0, nres = 0;
	fk_match_pair *res = NULL;
	int pairs, rc = -1, s;

	*hits = NULL;
	*n = 0;
	if (init(h, &db, e) != 0 || loaded_new(&L, e) != 0)
		goto out;
	nk = fk_match_query_keys(L.m, query, k, FK_MATCH_MAXKEYS, &pairs);
	if (nk == 0) {
		fk_fail(e, FK_EUSAGE, _("the query holds no name"));
		goto out;
	}
	if (prep(db, &st, "SELECT DISTINCT rid FROM match_keys WHERE key = ? AND kind = 'f'"
	    " LIMIT 3000", e) != 0)
		goto out;
	for (i = 0; i < nk; i++) {
		/* the loose keys only when the pairs found little */
		if ((int)i == pairs && nr >= 50)
			break;
		sqlite3_reset(st);
		sqlite3_bind_int64(st, 1, (sqlite3_int64)k[i]);
		while ((s = sqlite3_step(st)) == SQLITE_ROW) {
			if (nr == cap) {
				size_t nc = cap ? 2 * cap : 256;
				void *np = realloc(rids, nc * sizeof *rids);
				if (np == NULL) {
					fk_fail(e, FK_ENOMEM, _("out of memory"));
					goto out;
				}
				rids = np;
				cap = nc;
			}
			rids[nr++] = sqlite3_column_int64(st, 0);
		}
	}
	if (nr > 1)
		qsort(rids, nr, sizeof *rids, cmp_i64);
	if (prep(db, &vs, "SELECT rid, record_id, form_id, view FROM match_records WHERE rid = ?",
	    e) != 0)
		goto out;
	for (i = 0; i < nr; i++) {
		if (i > 0 && rids[i] == rids[i - 1])
			continue;
		sqlite3_reset(vs);
		sqlite3_bind_int64(vs, 1, rids[i]);
		if (sqlite3_step(vs) == SQLITE_ROW &&
		    load_view(&L, sqlite3_column_int64(vs, 0), (const char *)sqlite3_column_text(vs, 1),
		    (const char *)sqlite3_column_text(vs, 2), (const char *)sqlite3_column_text(vs, 3),
		    (size_t)sqlite3_column_bytes(vs, 3), e) < 0)
			goto out;
	}
	if (load_model(db, L.m, 0, e) < 0)
		goto out;
	if (fk_match_npersons(L.m) == 0) {
		rc = 0;
		goto out;
	}
	if (fk_match_find(L.m, query, by, bm, bd, sex, max, &res, &nres, e) != 0)
		goto out;
	if (nres > 0 && (*hits = calloc(nres, sizeof **hits)) == NULL) {
		fk_fail(e, FK_ENOMEM, _("out of memory"));
		goto out;
	}
	for (i = 0; i < nres; i++) {
		fk_match_person_info b;
		fk_match_hit *o = *hits + i;
		int f;
		fk_match_person(L.m, res[i].b, &b);
		snprintf(o->intake, sizeof o->intake, "%s", L.ids[b.rec]);
		o->child = b.child;
		o->kind = b.kind;
		o->p = res[i].p;
		memcpy(o->level, res[i].level, MF_N);
		for (f = 0; f < MF_N; f++)
			o->weight[f] = fk_match_level_weight(L.m, f, res[i].level[f]);
	}
	*n = nres;
	rc = 0;
out:
	sqlite3_finalize(st);
	sqlite3_finalize(vs);
	free(rids);
	free(res);
	loaded_free(&L);
	return rc;
}

/* ---- duplicates ---- */

int
fk_match_db_dups(fk_hubdb *h, fk_match_dup **d, size_t *n, size_t *nclusters, fk_err *e)
{
	sqlite3 *db;
	struct loaded L = {0};
	fk_match_pair *pr = NULL;
	uint32_t *cl = NULL, *num = NULL;
	double *best = NULL;
	size_t np = 0, i, npers, o = 0, *size = NULL;
	int rc = -1;

	*d = NULL;
	*n = *nclusters = 0;
	if (init(h, &db, e) != 0 || backfill(h, db, e) != 0 || loaded_new(&L, e) != 0 ||
	    load_where(db, &L, "", 0, e) != 0 ||
	    fk_match_dedup(L.m, FK_MATCH_DUP, fk_threads(), &pr, &np, &cl, e) != 0)
		goto out;
	npers = fk_match_npersons(L.m);
	size = calloc(npers + 1, sizeof *size);
	num = calloc(npers + 1, sizeof *num);
	best = calloc(npers + 1, sizeof *best);
	if (size == NULL || num == NULL || best == NULL) {
		fk_fail(e, FK_ENOMEM, _("out of memory"));
		goto out;
	}
	for (i = 0; i < npers; i++)
		size[cl[i]]++;
	for (i = 0; i < np; i++) {
		if (pr[i].p > best[pr[i].a])
			best[pr[i].a] = pr[i].p;
		if (pr[i].p > best[pr[i].b])
			best[pr[i].b] = pr[i].p;
	}
	for (i = 0; i < npers; i++)
		if (size[cl[i]] > 1 && num[cl[i]] == 0)
			num[cl[i]] = (uint32_t)++*nclusters;
	if (*nclusters > 0 && (*d = calloc(npers, sizeof **d)) == NULL) {
		fk_fail(e, FK_ENOMEM, _("out of memory"));
		goto out;
	}
	/* members in cluster order */
	{
		size_t c;
		for (c = 1; c <= *nclusters; c++)
			for (i = 0; i < npers; i++) {
				fk_match_person_info pi;
				if (size[cl[i]] < 2 || num[cl[i]] != c)
					continue;
				fk_match_person(L.m, (uint32_t)i, &pi);
				(*d)[o].cluster = c;
				snprintf((*d)[o].report, FK_MATCH_IDLEN, "%s", L.ids[pi.rec]);
				(*d)[o].child = pi.child;
				(*d)[o].p = best[i];
				o++;
			}
	}
	*n = o;
	rc = 0;
out:
	free(pr);
	free(cl);
	free(size);
	free(num);
	free(best);
	loaded_free(&L);
	return rc;
}

/* ---- decisions, links, views ---- */

int
fk_match_db_decide(fk_hubdb *h, const char *intake, const char *report, int child,
    int confirm, fk_err *e)
{
	sqlite3 *db;
	sqlite3_stmt *st;
	struct passwd *pw;
	char when[FK_TIME_BUF], who[128], detail[256];
	int ok = 0, k;

	if (init(h, &db, e) != 0)
		return -1;
	/* both records must exist, of the right forms, and the child in the report */
	if (prep(db, &st, "SELECT (SELECT form_id FROM records WHERE record_id = ?1),"
	    " (SELECT form_id FROM records WHERE record_id = ?2),"
	    " (SELECT json_array_length(body, '$.answers.children') FROM records"
	    " WHERE record_id = ?2)", e) != 0)
		return -1;
	sqlite3_bind_text(st, 1, intake, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, report, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW) {
		const char *fi = (const char *)sqlite3_column_text(st, 0);
		const char *fr = (const char *)sqlite3_column_text(st, 1);
		if (fi == NULL || strcmp(fi, "child-intake") != 0)
			ok = -1;
		else if (fr == NULL || strcmp(fr, "family-report") != 0)
			ok = -2;
		else if (child < 1 || child > sqlite3_column_int(st, 2))
			ok = -3;
		else
			ok = 1;
	}
	sqlite3_finalize(st);
	if (ok == -1 || ok == 0)
		return fk_fail(e, FK_EINPUT, _("%s is not a child-intake record of this hub; see "
		    "`fieldkit hub list`"), intake);
	if (ok == -2)
		return fk_fail(e, FK_EINPUT, _("%s is not a family-report record of this hub; see "
		    "`fieldkit hub list`"), report);
	if (ok == -3)
		return fk_fail(e, FK_EINPUT, _("report %s has no child %d"), report, child);
	fk_now_rfc3339(when);
	pw = getpwuid(geteuid());
	snprintf(who, sizeof who, "%s (uid %u)", pw ? pw->pw_name : "?", (unsigned)geteuid());
	if (exec(db, "BEGIN IMMEDIATE", e) != 0)
		return -1;
	if (prep(db, &st, "INSERT INTO match_decisions(intake, report, child, decision, who, at)"
	    " VALUES(?, ?, ?, ?, ?, ?)", e) != 0)
		goto fail;
	sqlite3_bind_text(st, 1, intake, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, report, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 3, child);
	sqlite3_bind_text(st, 4, confirm ? "confirmed" : "rejected", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, who, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, when, -1, SQLITE_STATIC);
	k = sqlite3_step(st);
	sqlite3_finalize(st);
	if (k != SQLITE_DONE) {
		sql_err(db, e);
		goto fail;
	}
	if (!confirm) {
		if (prep(db, &st, "DELETE FROM match_pairs WHERE intake = ? AND report = ? AND"
		    " child = ?", e) != 0)
			goto fail;
		sqlite3_bind_text(st, 1, intake, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, report, -1, SQLITE_STATIC);
		sqlite3_bind_int(st, 3, child);
		k = sqlite3_step(st);
		sqlite3_finalize(st);
		if (k != SQLITE_DONE) {
			sql_err(db, e);
			goto fail;
		}
	}
	snprintf(detail, sizeof detail, "%.64s %.64s:%d", intake, report, child);
	if (fk_hub_audit(h, confirm ? "match-confirm" : "match-reject", detail, 2, e) != 0 ||
	    exec(db, "COMMIT", e) != 0)
		goto fail;
	return 0;
fail:
	sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	return -1;
}

int
fk_match_db_links(fk_hubdb *h, const char *record_id,
    int (*fn)(void *ctx, const char *intake, const char *report, int child, const char *who,
    const char *at), void *ctx, fk_err *e)
{
	sqlite3 *db;
	sqlite3_stmt *st;
	int k, rc = 0;

	if (init(h, &db, e) != 0)
		return -1;
	if (prep(db, &st, "SELECT d.intake, d.report, d.child, d.who, d.at FROM match_decisions d"
	    " WHERE (d.intake = ?1 OR d.report = ?1) AND d.decision = 'confirmed' AND d.id ="
	    " (SELECT max(id) FROM match_decisions x WHERE x.intake = d.intake AND"
	    " x.report = d.report AND x.child = d.child) ORDER BY d.id", e) != 0)
		return -1;
	sqlite3_bind_text(st, 1, record_id, -1, SQLITE_STATIC);
	while ((k = sqlite3_step(st)) == SQLITE_ROW)
		if (fn(ctx, (const char *)sqlite3_column_text(st, 0),
		    (const char *)sqlite3_column_text(st, 1), sqlite3_column_int(st, 2),
		    (const char *)sqlite3_column_text(st, 3),
		    (const char *)sqlite3_column_text(st, 4)) != 0) {
			rc = fk_fail(e, FK_EIO, _("cannot write the links"));
			break;
		}
	if (rc == 0 && k != SQLITE_DONE && k != SQLITE_ROW)
		rc = sql_err(db, e);
	sqlite3_finalize(st);
	return rc;
}

int
fk_match_db_view(fk_hubdb *h, const char *record_id, int child, json_t **view, fk_err *e)
{
	sqlite3 *db;
	sqlite3_stmt *st;
	json_t *v = NULL, *a;
	int k;

	*view = NULL;
	if (init(h, &db, e) != 0 ||
	    prep(db, &st, "SELECT view FROM match_records WHERE record_id = ?", e) != 0)
		return -1;
	sqlite3_bind_text(st, 1, record_id, -1, SQLITE_STATIC);
	k = sqlite3_step(st);
	if (k == SQLITE_ROW)
		v = json_loadb((const char *)sqlite3_column_text(st, 0),
		    (size_t)sqlite3_column_bytes(st, 0), 0, NULL);
	sqlite3_finalize(st);
	if (v == NULL)
		return fk_fail(e, FK_EINPUT, _("no record %s to match in this hub"), record_id);
	a = json_object_get(v, "answers");
	if (child > 0) {
		json_t *c = json_array_get(json_object_get(a, "children"), (size_t)child - 1);
		if (c == NULL) {
			json_decref(v);
			return fk_fail(e, FK_EINPUT, _("report %s has no child %d"), record_id, child);
		}
		*view = json_deep_copy(c);
		/* the reporter goes with the child */
		json_object_set(*view, "reporter_given_cyr", json_object_get(a, "reporter_given_cyr"));
		json_object_set(*view, "reporter_surname_cyr",
		    json_object_get(a, "reporter_surname_cyr"));
	} else
		*view = json_deep_copy(a);
	json_decref(v);
	return *view != NULL ? 0 : fk_fail(e, FK_ENOMEM, _("out of memory"));
}
