/*
 * hub_lookup.c - see hub_lookup.h.
 */
#include "hub_lookup.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "hub_int.h"
#include "shortref.h"

/* Why text is not a slip code, or NULL when it is one (canonical form in out). */
static const char *
ref_problem(const char *text, char out[FK_SHORTREF_LEN + 1])
{
	size_t i, n = 0;

	if (fk_shortref_normalize(text, strlen(text), out) == 0)
		return NULL;
	for (i = 0; text[i]; i++) {
		int c = toupper((unsigned char)text[i]);
		if (c == '-' || c == ' ')
			continue;
		if (strchr(FK_SHORTREF_ALPHABET, c) == NULL || c == '\0')
			return _("a slip code has only the letters and digits printed on slips (no 0, O, 1, I or L)");
		n++;
	}
	if (n != FK_SHORTREF_LEN)
		return _("a slip code has 8 characters (XXXX-XXXX)");
	return _("the check character (the last one) does not fit the others: one of them is mistyped");
}

enum { ROW_OWN, ROW_CITED, ROW_FORK };

/* A fork: a row of conflicts whose id is in no row of records. */
#define FORK_WHERE "record_id NOT IN (SELECT record_id FROM records)"

/* The forks whose code is ?1. */
static const char forks_by_ref[] = "SELECT record_id, device_id, seq, '', ?1 FROM conflicts"
    " WHERE json_extract(body, '$.short_ref') = ?1 AND " FORK_WHERE
    " GROUP BY record_id ORDER BY device_id, seq";

int
fk_hub_fork_count(fk_hubdb *h, long *n, fk_err *e)
{
	sqlite3_stmt *st;
	int rc;

	*n = 0;
	if (fk_hub_need_db(h, e) != 0)
		return -1;
	if (sqlite3_prepare_v2(h->db, "SELECT count(DISTINCT record_id) FROM conflicts WHERE "
	    FORK_WHERE, -1, &st, NULL) != SQLITE_OK)
		return fk_hub_sql_err(h->db, e);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW)
		*n = (long)sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 0 : fk_hub_sql_err(h->db, e);
}

static int
each_row(fk_hubdb *h, const char *sql, const char *arg, int kind, fk_hub_found_fn fn,
    void *ctx, size_t *n, fk_err *e)
{
	sqlite3_stmt *st;
	fk_hub_found f;
	int rc, stop = 0;

	if (sqlite3_prepare_v2(h->db, sql, -1, &st, NULL) != SQLITE_OK)
		return fk_hub_sql_err(h->db, e);
	sqlite3_bind_text(st, 1, arg, -1, SQLITE_STATIC);
	while (!stop && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		memset(&f, 0, sizeof f);
		f.record_id = (const char *)sqlite3_column_text(st, 0);
		f.device_id = (const char *)sqlite3_column_text(st, 1);
		f.seq = sqlite3_column_int64(st, 2);
		f.form_id = (const char *)sqlite3_column_text(st, 3);
		f.short_ref = (const char *)sqlite3_column_text(st, 4);
		f.cited = kind == ROW_CITED;
		f.fork = kind == ROW_FORK;
		(*n)++;
		if (fn != NULL && (stop = fn(ctx, &f)) < 0)
			break;
	}
	if (!stop && rc != SQLITE_DONE) {
		sqlite3_finalize(st);
		return fk_hub_sql_err(h->db, e);
	}
	sqlite3_finalize(st);
	return stop < 0 ? -1 : 0;
}

int
fk_hub_find_by_ref(fk_hubdb *h, const char *code, int flags, fk_hub_found_fn fn, void *ctx,
    size_t *n, fk_err *e)
{
	char ref[FK_SHORTREF_LEN + 1];
	const char *why = ref_problem(code, ref);

	*n = 0;
	if (fk_hub_need_db(h, e) != 0)
		return -1;
	if (why != NULL)
		return fk_fail(e, FK_EINPUT, _("%.40s is not a slip code: %s"), code, why);
	if (each_row(h, "SELECT record_id, device_id, seq, form_id, short_ref FROM records"
	    " WHERE short_ref = ?1 ORDER BY device_id, seq", ref, ROW_OWN, fn, ctx, n, e) != 0)
		return -1;
	/* Answers citing the code, as typed (any case, with or without a dash or blanks). */
	if ((flags & FK_HUB_REF_CITED) && each_row(h, "SELECT DISTINCT r.record_id, r.device_id,"
	    " r.seq, r.form_id, r.short_ref FROM records r, json_tree(r.body, '$.answers') t"
	    " WHERE t.type = 'text' AND t.key LIKE '%report_ref'"
	    " AND upper(replace(replace(t.atom, '-', ''), ' ', '')) = ?1"
	    " ORDER BY r.device_id, r.seq", ref, ROW_CITED, fn, ctx, n, e) != 0)
		return -1;
	if ((flags & FK_HUB_REF_FORKS) && each_row(h, forks_by_ref, ref, ROW_FORK, fn, ctx, n,
	    e) != 0)
		return -1;
	return 0;
}

struct one {
	char id[FK_UUID_BUF];
	char also[FK_UUID_BUF];
	size_t n;
};

static int
keep_one(void *ctx, const fk_hub_found *r)
{
	struct one *o = ctx;

	if (o->n == 0)
		snprintf(o->id, sizeof o->id, "%s", r->record_id);
	else if (o->n == 1)
		snprintf(o->also, sizeof o->also, "%s", r->record_id);
	o->n++;
	return 0;
}

/* Characters of text that are not dashes or blanks. */
static size_t
symbols(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += *s != '-' && *s != ' ';
	return n;
}

static int
is_id_prefix(const char *s)
{
	for (; *s; s++)
		if (!isxdigit((unsigned char)*s) && *s != '-')
			return 0;
	return 1;
}

int
fk_hub_resolve_record(fk_hubdb *h, const char *text, char id[FK_UUID_BUF], fk_err *e)
{
	char ref[FK_SHORTREF_LEN + 1], like[FK_UUID_BUF + 2], lower[FK_UUID_BUF];
	const char *why;
	struct one o;
	size_t n = 0, i;

	id[0] = '\0';
	memset(&o, 0, sizeof o);
	if (fk_hub_need_db(h, e) != 0)
		return -1;
	if (strlen(text) < FK_UUID_BUF) {
		for (i = 0; text[i]; i++)
			lower[i] = (char)tolower((unsigned char)text[i]);
		lower[i] = '\0';
	} else {
		lower[0] = '\0';
	}
	/* 1. The id itself (of a record, or of a conflicting version). */
	if (lower[0] != '\0' && each_row(h, "SELECT record_id, device_id, seq, form_id, short_ref"
	    " FROM records WHERE record_id = ?1 UNION SELECT record_id, device_id, seq, '', ''"
	    " FROM conflicts WHERE record_id = ?1 LIMIT 1", lower, ROW_OWN, keep_one, &o, &n, e) != 0)
		return -1;
	/* 2. A slip code. */
	why = ref_problem(text, ref);
	if (o.n == 0 && why == NULL && fk_hub_find_by_ref(h, text, FK_HUB_REF_OWN, keep_one, &o, &n,
	    e) != 0)
		return -1;
	/* 2b. The slip code of a fork (a record kept in conflicts, under an id of
	 * its own): the family's slip may name it. */
	if (o.n == 0 && why == NULL && each_row(h, forks_by_ref, ref, ROW_FORK, keep_one, &o, &n,
	    e) != 0)
		return -1;
	/* 3. The beginning of an id. */
	if (o.n == 0 && lower[0] != '\0' && is_id_prefix(lower) &&
	    strlen(lower) >= FK_HUB_ID_PREFIX_MIN) {
		snprintf(like, sizeof like, "%s%%", lower);
		if (each_row(h, "SELECT DISTINCT record_id, '', 0, '', '' FROM (SELECT record_id FROM"
		    " records WHERE record_id LIKE ?1 UNION SELECT record_id FROM conflicts WHERE"
		    " record_id LIKE ?1)", like, ROW_OWN, keep_one, &o, &n, e) != 0)
			return -1;
	}
	if (o.n == 1) {
		memcpy(id, o.id, FK_UUID_BUF);
		return 0;
	}
	if (o.n > 1)
		return fk_fail(e, FK_EUSAGE,
		    _("%.40s fits %zu records (%s, %s, ...): give more of the record id"), text, o.n,
		    o.id, o.also);
	if (why == NULL)
		return fk_fail(e, FK_EINPUT, _("no record with slip code %.40s in this hub"), text);
	if (symbols(text) == FK_SHORTREF_LEN)
		return fk_fail(e, FK_EINPUT, _("%.40s is not a slip code: %s"), text, why);
	if (lower[0] != '\0' && is_id_prefix(lower) && strlen(lower) < FK_HUB_ID_PREFIX_MIN)
		return fk_fail(e, FK_EINPUT, _("give at least %d characters of a record id"),
		    FK_HUB_ID_PREFIX_MIN);
	return fk_fail(e, FK_EINPUT, _("no record %.40s in this hub; see `fieldkit hub list`"), text);
}
