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

/* the rules of the stored keys (blocking and search): a change re-indexes every record */
#define KEYS_VERSION "4"

static const char match_sql[] =
    "CREATE TABLE IF NOT EXISTS match_records(rid INTEGER PRIMARY KEY,"
    " record_id TEXT NOT NULL UNIQUE, form_id TEXT NOT NULL, view TEXT NOT NULL,"
    " matched INT NOT NULL DEFAULT 0);"
    "CREATE INDEX IF NOT EXISTS match_records_new ON match_records(matched)"
    " WHERE matched = 0;"
    /* counting by form must not read every view (an import counts them each time) */
    "CREATE INDEX IF NOT EXISTS match_records_form ON match_records(form_id);"
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
    " child);"
    /* a hub with nothing indexed yet indexes with this build's rules (ensure_keys) */
    "INSERT OR IGNORE INTO match_meta(k, v) SELECT 'keys', '" KEYS_VERSION "' WHERE NOT"
    " EXISTS (SELECT 1 FROM match_records);";

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
	uint32_t *first;  /* first person of each record */
	size_t n, cap;
	uint32_t *map;    /* rid -> record + 1 (open addressing over rids), for batches */
	size_t mcap;
};

static void
loaded_free(struct loaded *L)
{
	fk_match_free(L->m);
	free(L->ids);
	free(L->rids);
	free(L->first);
	free(L->map);
	memset(L, 0, sizeof *L);
}

/* Forgets the records (and persons), keeping the model. */
static void
loaded_reset(struct loaded *L)
{
	fk_match_reset(L->m);
	L->n = 0;
	if (L->map != NULL)
		memset(L->map, 0, L->mcap * sizeof *L->map);
}

static size_t
map_slot(const struct loaded *L, int64_t rid)
{
	size_t s = (size_t)((uint64_t)rid * 0x9e3779b97f4a7c15ULL >> 20) & (L->mcap - 1);

	while (L->map[s] != 0 && L->rids[L->map[s] - 1] != rid)
		s = (s + 1) & (L->mcap - 1);
	return s;
}

/* The index of a loaded record, or -1. */
static long
loaded_find(const struct loaded *L, int64_t rid)
{
	size_t s;

	if (L->mcap == 0)
		return -1;
	s = map_slot(L, rid);
	return L->map[s] ? (long)L->map[s] - 1 : -1;
}

/* Remembers record i of L by its rid (the map grows with the records). */
static int
loaded_remember(struct loaded *L, size_t i, fk_err *e)
{
	if ((L->n + 1) * 2 > L->mcap) {
		size_t nc = L->mcap ? 2 * L->mcap : 1024, j;
		uint32_t *old = L->map;
		if ((L->map = calloc(nc, sizeof *L->map)) == NULL) {
			L->map = old;
			return fk_fail(e, FK_ENOMEM, _("out of memory"));
		}
		L->mcap = nc;
		for (j = 0; j < i; j++)
			L->map[map_slot(L, L->rids[j])] = (uint32_t)j + 1;
		free(old);
	}
	L->map[map_slot(L, L->rids[i])] = (uint32_t)i + 1;
	return 0;
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
		void *a = realloc(L->ids, nc * sizeof *L->ids), *b, *c;
		if (a != NULL)
			L->ids = a;
		b = a ? realloc(L->rids, nc * sizeof *L->rids) : NULL;
		if (b != NULL)
			L->rids = b;
		c = b ? realloc(L->first, nc * sizeof *L->first) : NULL;
		if (c == NULL) {
			json_decref(v);
			return fk_fail(e, FK_ENOMEM, _("out of memory"));
		}
		L->first = c;
		L->cap = nc;
	}
	snprintf(L->ids[L->n], FK_MATCH_IDLEN, "%s", record_id);
	L->rids[L->n] = rid;
	L->first[L->n] = (uint32_t)fk_match_npersons(L->m);
	k = fk_match_add_record(L->m, (uint32_t)L->n, form_id, json_object_get(v, "answers"),
	    json_string_value(json_object_get(v, "short_ref")), NULL, e);
	json_decref(v);
	if (k < 0 || loaded_remember(L, L->n, e) != 0)
		return -1;
	L->n++;
	return k;
}

/* Loads the view of the row a statement is on (rid, record_id, form_id, view). */
static int
load_row(struct loaded *L, sqlite3_stmt *st, fk_err *e)
{
	return load_view(L, sqlite3_column_int64(st, 0), (const char *)sqlite3_column_text(st, 1),
	    (const char *)sqlite3_column_text(st, 2), (const char *)sqlite3_column_text(st, 3),
	    (size_t)sqlite3_column_bytes(st, 3), e);
}

static int
loaded_new(struct loaded *L, fk_err *e)
{
	memset(L, 0, sizeof *L);
	return fk_match_new(&L->m, names, e);
}

/*
 * Loads every view (where = "" or an SQL condition on match_records), in
 * the order of the record ids: the same records give the same persons in
 * the same order, whatever order they were imported in.
 */
static int
load_where(sqlite3 *db, struct loaded *L, const char *where, int64_t rid, fk_err *e)
{
	sqlite3_stmt *st;
	char sql[256];
	int k, rc = 0;

	snprintf(sql, sizeof sql, "SELECT rid, record_id, form_id, view FROM match_records%s"
	    " ORDER BY record_id", where);
	if (prep(db, &st, sql, e) != 0)
		return -1;
	if (strchr(where, '?') != NULL)
		sqlite3_bind_int64(st, 1, rid);
	while ((k = sqlite3_step(st)) == SQLITE_ROW)
		if (load_row(L, st, e) < 0) {
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

/* Indexes one view (already in match_records as rid). */
static int
index_view(sqlite3 *db, int64_t rid, const char *form_id, json_t *v, fk_err *e)
{
	fk_match *m = NULL;
	int rc = -1;

	if (fk_match_new(&m, names, e) == 0 &&
	    fk_match_add_record(m, 0, form_id, json_object_get(v, "answers"),
	    json_string_value(json_object_get(v, "short_ref")), NULL, e) >= 0 &&
	    insert_keys(db, m, rid, e) == 0)
		rc = 0;
	fk_match_free(m);
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
	int rc = -1;

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
	rc = index_view(db, sqlite3_last_insert_rowid(db), form_id, v, e);
out:
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

static const char *
meta_get(sqlite3 *db, const char *k, char *out, size_t n)
{
	sqlite3_stmt *st;
	const char *r = NULL;

	out[0] = 0;
	if (sqlite3_prepare_v2(db, "SELECT v FROM match_meta WHERE k = ?", -1, &st, NULL) !=
	    SQLITE_OK)
		return NULL;
	sqlite3_bind_text(st, 1, k, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW) {
		snprintf(out, n, "%s", (const char *)sqlite3_column_text(st, 0));
		r = out;
	}
	sqlite3_finalize(st);
	return r;
}

static int
meta_set(sqlite3 *db, const char *k, const char *v, fk_err *e)
{
	sqlite3_stmt *st;
	int rc;

	if (prep(db, &st, "INSERT OR REPLACE INTO match_meta(k, v) VALUES(?, ?)", e) != 0)
		return -1;
	sqlite3_bind_text(st, 1, k, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, v, -1, SQLITE_STATIC);
	rc = sqlite3_step(st) == SQLITE_DONE ? 0 : sql_err(db, e);
	sqlite3_finalize(st);
	return rc;
}

static int
backfilled(sqlite3 *db)
{
	char v[8];

	return meta_get(db, "backfilled", v, sizeof v) != NULL;
}

/*
 * The stored keys follow the rules of the build that wrote them; a build
 * with other rules (KEYS_VERSION) indexes every record again, once.
 */
static int
ensure_keys(sqlite3 *db, fk_err *e)
{
	sqlite3_stmt *st;
	char v[16];
	int k, rc = 0;

	if (meta_get(db, "keys", v, sizeof v) != NULL && strcmp(v, KEYS_VERSION) == 0)
		return 0;
	if (exec(db, "BEGIN IMMEDIATE", e) != 0)
		return -1;
	if (exec(db, "DELETE FROM match_keys", e) != 0 ||
	    prep(db, &st, "SELECT rid, form_id, view FROM match_records", e) != 0)
		goto fail;
	while (rc == 0 && (k = sqlite3_step(st)) == SQLITE_ROW) {
		json_t *view = json_loadb((const char *)sqlite3_column_text(st, 2),
		    (size_t)sqlite3_column_bytes(st, 2), 0, NULL);
		if (view == NULL)
			continue; /* damaged: reported when it is loaded */
		rc = index_view(db, sqlite3_column_int64(st, 0),
		    (const char *)sqlite3_column_text(st, 1), view, e);
		json_decref(view);
	}
	sqlite3_finalize(st);
	if (rc != 0 || meta_set(db, "keys", KEYS_VERSION, e) != 0 || exec(db, "COMMIT", e) != 0)
		goto fail;
	return 0;
fail:
	sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	return -1;
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
		out[f] = "0123456789abcdefghijklmnopqrstuv"[lv[f] & 31];
	out[MF_N] = 0;
}

/*
 * Stores pairs (upsert); *nnew counts the ones not among `before` (a table
 * of intake, report, child: the pairs before this run).
 */
static int
store_pairs(sqlite3 *db, struct loaded *L, const fk_match_pair *pr, size_t n,
    const char *before, size_t *nnew, fk_err *e)
{
	sqlite3_stmt *st, *ex = NULL, *dec = prepare_decided(db);
	char when[FK_TIME_BUF], lv[MF_N + 1], sql[160];
	fk_match_person_info a, b;
	size_t i;
	int rc = 0;

	fk_now_rfc3339(when);
	if (dec == NULL)
		return sql_err(db, e);
	snprintf(sql, sizeof sql, "SELECT 1 FROM %s WHERE intake = ? AND report = ? AND"
	    " child = ?", before ? before : "match_pairs");
	if (prep(db, &ex, sql, e) != 0) {
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
		int seen = 0;
		fk_match_person(L->m, pr[i].a, &a);
		fk_match_person(L->m, pr[i].b, &b);
		if (is_decided(dec, L->ids[a.rec], L->ids[b.rec], b.child, "rejected"))
			continue;
		if (nnew != NULL) {
			sqlite3_reset(ex);
			sqlite3_bind_text(ex, 1, L->ids[a.rec], -1, SQLITE_STATIC);
			sqlite3_bind_text(ex, 2, L->ids[b.rec], -1, SQLITE_STATIC);
			sqlite3_bind_int(ex, 3, b.child);
			seen = sqlite3_step(ex) == SQLITE_ROW;
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
		else if (nnew != NULL && !seen)
			(*nnew)++;
	}
	sqlite3_finalize(st);
	sqlite3_finalize(ex);
	sqlite3_finalize(dec);
	return rc;
}

/* Records indexed for matching, of one form (NULL: all). */
static size_t
count_records(sqlite3 *db, const char *form)
{
	sqlite3_stmt *st;
	size_t n = 0;

	if (sqlite3_prepare_v2(db, form != NULL ? "SELECT count(*) FROM match_records WHERE"
	    " form_id = ?1" : "SELECT count(*) FROM match_records", -1, &st, NULL) == SQLITE_OK) {
		if (form != NULL)
			sqlite3_bind_text(st, 1, form, -1, SQLITE_STATIC);
		if (sqlite3_step(st) == SQLITE_ROW)
			n = (size_t)sqlite3_column_int64(st, 0);
	}
	sqlite3_finalize(st);
	return n;
}

static int
save_model(sqlite3 *db, fk_match *m, fk_err *e)
{
	fk_buf b = {0};
	sqlite3_stmt *st;
	char when[FK_TIME_BUF], num[32];
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
	sqlite3_bind_int64(st, 2, (sqlite3_int64)count_records(db, NULL));
	sqlite3_bind_text(st, 3, when, -1, SQLITE_STATIC);
	rc = sqlite3_step(st) == SQLITE_DONE ? 0 : sql_err(db, e);
	sqlite3_finalize(st);
	fk_buf_free(&b);
	/* the records of each form the model was learnt on, to tell when it is stale */
	snprintf(num, sizeof num, "%zu", count_records(db, "child-intake"));
	if (rc == 0)
		rc = meta_set(db, "model_intakes", num, e);
	snprintf(num, sizeof num, "%zu", count_records(db, "family-report"));
	if (rc == 0)
		rc = meta_set(db, "model_reports", num, e);
	return rc;
}

/*
 * Whether the stored model still describes the hub: it was learnt with
 * intakes and reports both, and neither has grown by more than a quarter
 * since (u, the frequencies and the prior match rate all follow the
 * population).
 */
#define MODEL_GROWTH 1.25
static int
model_fresh(sqlite3 *db)
{
	char a[32], b[32];
	double mi, mr, ni, nr;

	if (meta_get(db, "model_intakes", a, sizeof a) == NULL ||
	    meta_get(db, "model_reports", b, sizeof b) == NULL)
		return 0;
	mi = atof(a);
	mr = atof(b);
	ni = (double)count_records(db, "child-intake");
	nr = (double)count_records(db, "family-report");
	if ((mi == 0 && ni > 0) || (mr == 0 && nr > 0))
		return 0;
	return ni <= mi * MODEL_GROWTH && nr <= mr * MODEL_GROWTH;
}

/* Loads the stored model into m; 0 = loaded, 1 = none (or damaged), -1 error. */
static int
load_model(sqlite3 *db, fk_match *m, fk_err *e)
{
	sqlite3_stmt *st;
	int k, rc = 1;

	if (prep(db, &st, "SELECT model FROM match_model WHERE id = 1", e) != 0)
		return -1;
	k = sqlite3_step(st);
	if (k == SQLITE_ROW)
		rc = fk_match_model_load(m, sqlite3_column_blob(st, 0),
		    (size_t)sqlite3_column_bytes(st, 0), e) == 0 ? 0 : 1;
	else if (k != SQLITE_DONE)
		rc = sql_err(db, e);
	sqlite3_finalize(st);
	return rc;
}

/* ---- the full run ---- */

/* The pairs proposed before a run (to count the new ones), emptied for each run. */
#define BEFORE_SQL "CREATE TEMP TABLE IF NOT EXISTS match_before(intake TEXT, report TEXT," \
	" child INT); CREATE INDEX IF NOT EXISTS temp.match_before_i ON match_before(intake," \
	" report, child); DELETE FROM temp.match_before"

/*
 * Relinks everything, stores the model and the pairs in place of the old
 * ones; *nnew (may be NULL): pairs that were not proposed before.
 */
static int
full_run(sqlite3 *db, struct loaded *L, fk_match_pair **pr, size_t *n, fk_match_stats *st,
    size_t *nnew, fk_err *e)
{
	if (loaded_new(L, e) != 0 || load_where(db, L, "", 0, e) != 0 ||
	    fk_match_link(L->m, FK_MATCH_REVIEW, fk_threads(), pr, n, st, e) != 0)
		return -1;
	if (exec(db, "BEGIN IMMEDIATE", e) != 0)
		return -1;
	if (save_model(db, L->m, e) != 0 ||
	    exec(db, BEFORE_SQL, e) != 0 ||
	    exec(db, "INSERT INTO temp.match_before SELECT intake, report, child FROM match_pairs;"
	    " DELETE FROM match_pairs", e) != 0 ||
	    store_pairs(db, L, *pr, *n, "temp.match_before", nnew, e) != 0 ||
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

	memset(o, 0, sizeof *o);
	fk_match_person(L->m, p->a, &a);
	fk_match_person(L->m, p->b, &b);
	snprintf(o->intake, sizeof o->intake, "%s", L->ids[a.rec]);
	snprintf(o->report, sizeof o->report, "%s", L->ids[b.rec]);
	o->child = b.child;
	o->p = p->p;
	memcpy(o->level, p->level, MF_N);
	/* what each field added to this pair, term frequencies included (they add up
	 * to the weight the pair was scored with) */
	fk_match_explain(L->m, p->a, p->b, o->weight);
	o->total = p->weight;
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
	if (init(h, &db, e) != 0 || backfill(h, db, e) != 0 || ensure_keys(db, e) != 0 ||
	    full_run(db, &L, &pr, &np, &r->st, NULL, e) != 0 ||
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

/*
 * An import's new records against the hub, with the stored model, giving
 * every intake whose proposals may change exactly the pairs a full run with
 * that model would give it:
 *  - a new intake is scored against every report child blocking lets
 *    through, found through the stored keys (a capped key counts only where
 *    its block holds at most FK_MATCH_BLOCK_CAP report children, as in the
 *    full run);
 *  - a new report child is looked up the other way; an intake it reaches is
 *    scored again (with all its candidates, which compete) when the child
 *    would be proposed for it or compete with its candidates, or when the
 *    child pushed one of the intake's capped blocks over the cap;
 * in batches of BATCH records, so that memory stays flat however large the
 * bundle.
 */
#define BATCH 256
#define CAP_LIMIT 40 /* FK_MATCH_BLOCK_CAP: the cap of odd keys (match.c, B1_CAP) */

struct inc {
	sqlite3 *db;
	sqlite3_stmt *bykey;  /* (rid, child) of one kind under a key */
	sqlite3_stmt *count;  /* report children under a key, and the new ones among them */
	sqlite3_stmt *view;   /* one record's view */
	int64_t *aff;         /* intakes to score again */
	size_t naff, caff;
	struct {              /* odd keys of new report children: pushed over the cap? */
		uint64_t *key;
		int8_t *over;
		size_t cap, n;
	} kc;
};

static int
push_rid(int64_t **v, size_t *n, size_t *cap, int64_t x, fk_err *e)
{
	if (*n == *cap) {
		size_t nc = *cap ? 2 * *cap : 256;
		void *p = realloc(*v, nc * sizeof **v);
		if (p == NULL)
			return fk_fail(e, FK_ENOMEM, _("out of memory"));
		*v = p;
		*cap = nc;
	}
	(*v)[(*n)++] = x;
	return 0;
}

static int
cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

static size_t
uniq_i64(int64_t *v, size_t n)
{
	size_t i, o = 0;

	if (n > 1)
		qsort(v, n, sizeof *v, cmp_i64);
	for (i = 0; i < n; i++)
		if (o == 0 || v[o - 1] != v[i])
			v[o++] = v[i];
	return o;
}

/*
 * An odd key of a new report child: -1 the block is over the cap now and
 * was before (nothing changes through it), 1 the new children pushed it
 * over (every intake under it loses the block), 0 it is under the cap.
 */
static int
key_state(struct inc *c, uint64_t key, fk_err *e)
{
	size_t s;
	int total, fresh, r;

	if (c->kc.n * 2 + 2 > c->kc.cap) {
		size_t nc = c->kc.cap ? 2 * c->kc.cap : 4096, j;
		uint64_t *nk = calloc(nc, sizeof *nk);
		int8_t *no = calloc(nc, sizeof *no);
		if (nk == NULL || no == NULL) {
			free(nk);
			free(no);
			return fk_fail(e, FK_ENOMEM, _("out of memory")), -2;
		}
		for (j = 0; j < c->kc.cap; j++)
			if (c->kc.key[j] != 0) {
				for (s = (size_t)(c->kc.key[j] * 0x9e3779b97f4a7c15ULL >> 17) & (nc - 1);
				    nk[s] != 0; s = (s + 1) & (nc - 1))
					;
				nk[s] = c->kc.key[j];
				no[s] = c->kc.over[j];
			}
		free(c->kc.key);
		free(c->kc.over);
		c->kc.key = nk;
		c->kc.over = no;
		c->kc.cap = nc;
	}
	for (s = (size_t)(key * 0x9e3779b97f4a7c15ULL >> 17) & (c->kc.cap - 1);
	    c->kc.key[s] != 0; s = (s + 1) & (c->kc.cap - 1))
		if (c->kc.key[s] == key)
			return c->kc.over[s];
	sqlite3_reset(c->count);
	sqlite3_bind_int64(c->count, 1, (sqlite3_int64)key);
	if (sqlite3_step(c->count) != SQLITE_ROW)
		return sql_err(c->db, e), -2;
	total = sqlite3_column_int(c->count, 0);
	fresh = sqlite3_column_int(c->count, 1);
	sqlite3_reset(c->count);
	r = total <= CAP_LIMIT ? 0 : total - fresh > CAP_LIMIT ? -1 : 1;
	c->kc.key[s] = key;
	c->kc.over[s] = (int8_t)r;
	c->kc.n++;
	return r;
}

/* (rid, child) under a key, of a kind ('r' or 'i'); limit rows at most. */
static int
by_key(struct inc *c, uint64_t key, const char *kind, int limit, int64_t **rid, int **child,
    size_t *n, size_t *cap, fk_err *e)
{
	int k;

	sqlite3_reset(c->bykey);
	sqlite3_bind_int64(c->bykey, 1, (sqlite3_int64)key);
	sqlite3_bind_text(c->bykey, 2, kind, -1, SQLITE_STATIC);
	sqlite3_bind_int(c->bykey, 3, limit);
	while ((k = sqlite3_step(c->bykey)) == SQLITE_ROW) {
		if (*n == *cap) {
			size_t nc = *cap ? 2 * *cap : 256;
			void *a = realloc(*rid, nc * sizeof **rid), *b;
			if (a != NULL)
				*rid = a;
			if (a == NULL || (b = realloc(*child, nc * sizeof **child)) == NULL)
				return fk_fail(e, FK_ENOMEM, _("out of memory"));
			*child = b;
			*cap = nc;
		}
		(*rid)[*n] = sqlite3_column_int64(c->bykey, 0);
		(*child)[(*n)++] = sqlite3_column_int(c->bykey, 1);
	}
	k = k == SQLITE_DONE ? 0 : sql_err(c->db, e);
	sqlite3_reset(c->bykey);
	return k;
}

static int
cmp_pair32(const void *x, const void *y)
{
	const uint32_t *a = x, *b = y;

	return a[0] != b[0] ? (a[0] > b[0]) - (a[0] < b[0]) : (a[1] > b[1]) - (a[1] < b[1]);
}

/* Loads a record into L once: its index in L; -1 an error, -2 no such record. */
static long
load_rid(struct inc *c, struct loaded *L, int64_t rid, fk_err *e)
{
	long r;
	int k;

	if ((r = loaded_find(L, rid)) >= 0)
		return r;
	sqlite3_reset(c->view);
	sqlite3_bind_int64(c->view, 1, rid);
	if ((k = sqlite3_step(c->view)) != SQLITE_ROW)
		return k == SQLITE_DONE ? -2 : (sql_err(c->db, e), -1);
	k = load_row(L, c->view, e);
	sqlite3_reset(c->view);
	return k < 0 ? -1 : (long)L->n - 1;
}

/* New report records (rids): the intakes they may change go to c->aff. */
static int
reports_reach(struct inc *c, struct loaded *L, const int64_t *rids, size_t nr, fk_err *e)
{
	uint64_t k[FK_MATCH_MAXKEYS];
	int64_t *ir = NULL;
	int *ic = NULL;
	size_t i, p, nk, j, ni, icap = 0, np0;
	fk_match_person_info pi;
	int rc = -1;

	loaded_reset(L);
	for (i = 0; i < nr; i++)
		if (load_rid(c, L, rids[i], e) == -1)
			goto out;
	np0 = fk_match_npersons(L->m);
	for (p = 0; p < np0; p++) {
		fk_match_person(L->m, (uint32_t)p, &pi);
		if (pi.skipped || pi.kind != FK_MP_REPORT)
			continue;
		nk = fk_match_keys(L->m, (uint32_t)p, 0, k, FK_MATCH_MAXKEYS);
		ni = 0;
		for (j = 0; j < nk; j++) {
			int st = 0;
			size_t before = ni;
			if ((k[j] & 1) && (st = key_state(c, k[j], e)) < -1)
				goto out;
			if (st < 0)
				continue;
			if (by_key(c, k[j], "i", 100000, &ir, &ic, &ni, &icap, e) != 0)
				goto out;
			if (st == 1) {
				/* the block went over the cap: its intakes lose it */
				for (; before < ni; before++)
					if (push_rid(&c->aff, &c->naff, &c->caff, ir[before], e) != 0)
						goto out;
				ni = before;
			}
		}
		ni = (size_t)uniq_i64(ir, ni);
		/* the intakes reached: would this child matter to them? */
		for (j = 0; j < ni; j++) {
			long r = load_rid(c, L, ir[j], e);
			if (r == -1)
				goto out;
			if (r < 0)
				continue;
			if (fk_match_may_matter(L->m, L->first[r], (uint32_t)p, FK_MATCH_REVIEW) &&
			    push_rid(&c->aff, &c->naff, &c->caff, ir[j], e) != 0)
				goto out;
		}
	}
	rc = 0;
out:
	free(ir);
	free(ic);
	return rc;
}

/*
 * Scores the intakes rids[0..n) again (with every candidate) and replaces
 * their proposals; *nnew counts the pairs that were not proposed before.
 */
static int
rescore(struct inc *c, struct loaded *L, const int64_t *rids, size_t n, size_t *nnew,
    fk_err *e)
{
	uint64_t k[FK_MATCH_MAXKEYS];
	int64_t *rr = NULL;
	int *rch = NULL;
	uint32_t *ab = NULL;
	size_t i, j, nk, nrr, rcap = 0, nab = 0, abcap = 0, np = 0, nint;
	fk_match_pair *pr = NULL;
	fk_match_person_info pi;
	sqlite3_stmt *del = NULL;
	int rc = -1;

	loaded_reset(L);
	for (i = 0; i < n; i++)
		if (load_rid(c, L, rids[i], e) == -1)
			goto out;
	nint = L->n;
	for (i = 0; i < nint; i++) {
		uint32_t a = L->first[i];
		fk_match_person(L->m, a, &pi);
		if (pi.kind != FK_MP_INTAKE || pi.skipped)
			continue;
		nk = fk_match_keys(L->m, a, 1, k, FK_MATCH_MAXKEYS);
		nrr = 0;
		for (j = 0; j < nk; j++) {
			size_t before = nrr;
			if (by_key(c, k[j], "r", (k[j] & 1) ? CAP_LIMIT + 1 : 100000, &rr, &rch, &nrr,
			    &rcap, e) != 0)
				goto out;
			if ((k[j] & 1) && nrr - before > CAP_LIMIT)
				nrr = before; /* a capped block over the cap: not a key */
		}
		for (j = 0; j < nrr; j++) {
			long r = load_rid(c, L, rr[j], e);
			size_t q;
			if (r == -1)
				goto out;
			if (r < 0)
				continue;
			if (nab + 1 > abcap) {
				size_t nc = abcap ? 2 * abcap : 1024;
				void *x = realloc(ab, nc * 2 * sizeof *ab);
				if (x == NULL) {
					fk_fail(e, FK_ENOMEM, _("out of memory"));
					goto out;
				}
				ab = x;
				abcap = nc;
			}
			q = L->first[r] + (size_t)(rch[j] > 0 ? rch[j] - 1 : 0);
			if (q >= fk_match_npersons(L->m))
				continue;
			ab[2 * nab] = a;
			ab[2 * nab + 1] = (uint32_t)q;
			nab++;
		}
	}
	/* one pair once */
	if (nab > 1)
		qsort(ab, nab, 2 * sizeof *ab, cmp_pair32);
	for (i = 0, j = 0; i < nab; i++)
		if (j == 0 || ab[2 * j - 2] != ab[2 * i] || ab[2 * j - 1] != ab[2 * i + 1]) {
			ab[2 * j] = ab[2 * i];
			ab[2 * j + 1] = ab[2 * i + 1];
			j++;
		}
	nab = j;
	if (fk_match_score(L->m, ab, nab, FK_MATCH_REVIEW, &pr, &np, e) != 0)
		goto out;
	if (exec(c->db, "BEGIN IMMEDIATE", e) != 0)
		goto out;
	if (exec(c->db, BEFORE_SQL, e) != 0)
		goto fail;
	for (i = 0; i < nint; i++) {
		const char *sql[2] = {"INSERT INTO temp.match_before SELECT intake, report, child"
		    " FROM match_pairs WHERE intake = ?", "DELETE FROM match_pairs WHERE intake = ?"};
		int s;
		for (s = 0; s < 2; s++) {
			if (prep(c->db, &del, sql[s], e) != 0)
				goto fail;
			sqlite3_bind_text(del, 1, L->ids[i], -1, SQLITE_STATIC);
			if (sqlite3_step(del) != SQLITE_DONE) {
				sql_err(c->db, e);
				goto fail;
			}
			sqlite3_finalize(del);
			del = NULL;
		}
	}
	if (store_pairs(c->db, L, pr, np, "temp.match_before", nnew, e) != 0 ||
	    exec(c->db, "COMMIT", e) != 0)
		goto fail;
	rc = 0;
	goto out;
fail:
	sqlite3_finalize(del);
	del = NULL;
	sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
out:
	sqlite3_finalize(del);
	free(rr);
	free(rch);
	free(ab);
	free(pr);
	return rc;
}

int
fk_match_db_update(fk_hubdb *h, size_t *nreview, fk_err *e)
{
	sqlite3 *db;
	struct loaded L = {0};
	struct inc c;
	sqlite3_stmt *st = NULL;
	fk_match_pair *pr = NULL;
	int64_t *fi = NULL, *fr = NULL, upto = 0;
	size_t nfi = 0, nfr = 0, cfi = 0, cfr = 0, i, np = 0;
	int rc = -1, k;
	char sql[128];

	*nreview = 0;
	memset(&c, 0, sizeof c);
	if (init(h, &db, e) != 0 || exec(db, "BEGIN IMMEDIATE", e) != 0)
		return -1;
	/* records stored before matching existed: once (imports index the rest) */
	if ((!backfilled(db) && (backfill(h, db, e) != 0 ||
	    meta_set(db, "backfilled", "1", e) != 0)) || exec(db, "COMMIT", e) != 0) {
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
		return -1;
	}
	if (ensure_keys(db, e) != 0)
		return -1;
	/* the new records */
	if (prep(db, &st, "SELECT rid, form_id FROM match_records WHERE matched = 0 ORDER BY rid",
	    e) != 0)
		return -1;
	while ((k = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t rid = sqlite3_column_int64(st, 0);
		int rep = strcmp((const char *)sqlite3_column_text(st, 1), "family-report") == 0;
		upto = rid;
		if (rep ? push_rid(&fr, &nfr, &cfr, rid, e) : push_rid(&fi, &nfi, &cfi, rid, e))
			break;
	}
	sqlite3_finalize(st);
	st = NULL;
	if (k != SQLITE_DONE) {
		if (k != SQLITE_ROW)
			sql_err(db, e);
		goto out;
	}
	if (nfi + nfr == 0) {
		rc = 0;
		goto out;
	}
	if (loaded_new(&L, e) != 0 || (k = load_model(db, L.m, e)) < 0)
		goto out;
	if (k == 1 || !model_fresh(db)) {
		/*
		 * No model yet, or one learnt on another hub (no intakes yet, or a
		 * quarter fewer records): learn it again, on everything.
		 */
		fk_match_stats stt;
		loaded_free(&L);
		rc = full_run(db, &L, &pr, &np, &stt, nreview, e);
		goto out;
	}
	c.db = db;
	if (prep(db, &c.bykey, "SELECT rid, child FROM match_keys WHERE key = ? AND kind = ?"
	    " LIMIT ?", e) != 0 ||
	    prep(db, &c.count, "SELECT count(*), coalesce(sum(r.matched = 0), 0) FROM (SELECT rid"
	    " FROM match_keys WHERE key = ? AND kind = 'r' LIMIT 1000) k JOIN match_records r"
	    " USING(rid)", e) != 0 ||
	    prep(db, &c.view, "SELECT rid, record_id, form_id, view FROM match_records"
	    " WHERE rid = ?", e) != 0)
		goto out;
	/* the intakes the new report children reach, batch by batch */
	for (i = 0; i < nfr; i += BATCH)
		if (reports_reach(&c, &L, fr + i, nfr - i < BATCH ? nfr - i : BATCH, e) != 0)
			goto out;
	for (i = 0; i < nfi; i++)
		if (push_rid(&c.aff, &c.naff, &c.caff, fi[i], e) != 0)
			goto out;
	c.naff = uniq_i64(c.aff, c.naff);
	for (i = 0; i < c.naff; i += BATCH)
		if (rescore(&c, &L, c.aff + i, c.naff - i < BATCH ? c.naff - i : BATCH, nreview,
		    e) != 0)
			goto out;
	snprintf(sql, sizeof sql, "UPDATE match_records SET matched = 1 WHERE matched = 0 AND"
	    " rid <= %lld", (long long)upto);
	if (exec(db, sql, e) != 0)
		goto out;
	rc = 0;
out:
	sqlite3_finalize(st);
	sqlite3_finalize(c.bykey);
	sqlite3_finalize(c.count);
	sqlite3_finalize(c.view);
	free(c.aff);
	free(c.kc.key);
	free(c.kc.over);
	free(pr);
	free(fi);
	free(fr);
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
	int tiers[2], rc = -1, s;
	double *fw = NULL;

	*hits = NULL;
	*n = 0;
	if (init(h, &db, e) != 0 || ensure_keys(db, e) != 0 || loaded_new(&L, e) != 0)
		goto out;
	nk = fk_match_query_keys(L.m, query, k, FK_MATCH_MAXKEYS, tiers);
	if (nk == 0) {
		fk_fail(e, FK_EUSAGE, _("the query holds no name"));
		goto out;
	}
	if (prep(db, &st, "SELECT DISTINCT rid FROM match_keys WHERE key = ? AND kind = 'f'"
	    " LIMIT 3000", e) != 0)
		goto out;
	for (i = 0; i < nk; i++) {
		/* the wider keys only when the narrower found little */
		if (((int)i == tiers[0] || (int)i == tiers[1]) && nr >= 50)
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
		if (sqlite3_step(vs) == SQLITE_ROW && load_row(&L, vs, e) < 0)
			goto out;
	}
	if (load_model(db, L.m, e) < 0)
		goto out;
	if (fk_match_npersons(L.m) == 0) {
		rc = 0;
		goto out;
	}
	if (fk_match_find(L.m, query, by, bm, bd, sex, max, &res, &nres, &fw, e) != 0)
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
		o->total = 0;
		for (f = 0; f < MF_N; f++)
			o->total += o->weight[f] = fw[i * MF_N + f];
	}
	*n = nres;
	rc = 0;
out:
	sqlite3_finalize(st);
	sqlite3_finalize(vs);
	free(rids);
	free(res);
	free(fw);
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
    int confirm, fk_match_prev *prev, fk_err *e)
{
	sqlite3 *db;
	sqlite3_stmt *st;
	struct passwd *pw;
	char when[FK_TIME_BUF], who[128], detail[320];
	const char *dec = confirm ? "confirmed" : "rejected";
	fk_match_prev last;
	int ok = 0, k;

	memset(&last, 0, sizeof last);
	if (prev != NULL)
		memset(prev, 0, sizeof *prev);

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
	/* the pair's last decision: the same again changes nothing, another replaces it */
	if (prep(db, &st, "SELECT decision, who, at FROM match_decisions WHERE intake = ? AND"
	    " report = ? AND child = ? ORDER BY id DESC LIMIT 1", e) != 0)
		goto fail;
	sqlite3_bind_text(st, 1, intake, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, report, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 3, child);
	if ((k = sqlite3_step(st)) == SQLITE_ROW) {
		const char *c0 = (const char *)sqlite3_column_text(st, 0);
		const char *c1 = (const char *)sqlite3_column_text(st, 1);
		const char *c2 = (const char *)sqlite3_column_text(st, 2);
		snprintf(last.decision, sizeof last.decision, "%s", c0 ? c0 : "");
		snprintf(last.who, sizeof last.who, "%s", c1 ? c1 : "?");
		snprintf(last.at, sizeof last.at, "%s", c2 ? c2 : "?");
	}
	sqlite3_finalize(st);
	if (k != SQLITE_ROW && k != SQLITE_DONE) {
		sql_err(db, e);
		goto fail;
	}
	if (prev != NULL)
		*prev = last;
	if (strcmp(last.decision, dec) == 0) {
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
		return 0;
	}
	if (prep(db, &st, "INSERT INTO match_decisions(intake, report, child, decision, who, at)"
	    " VALUES(?, ?, ?, ?, ?, ?)", e) != 0)
		goto fail;
	sqlite3_bind_text(st, 1, intake, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, report, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 3, child);
	sqlite3_bind_text(st, 4, dec, -1, SQLITE_STATIC);
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
	if (last.decision[0])
		snprintf(detail, sizeof detail, "%.64s %.64s:%d (replaces: %s by %.80s at %s)",
		    intake, report, child, last.decision, last.who, last.at);
	else
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
		if (json_is_string(json_object_get(v, "short_ref")))
			json_object_set(*view, "short_ref", json_object_get(v, "short_ref"));
	} else
		*view = json_deep_copy(a);
	json_decref(v);
	return *view != NULL ? 0 : fk_fail(e, FK_ENOMEM, _("out of memory"));
}
