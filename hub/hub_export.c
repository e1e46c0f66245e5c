/*
 * hub_export.c - `fieldkit hub export --format jsonl|csv --to DIR`: the
 * stored records as plain files. JSONL: one record per line (records.jsonl).
 * CSV: one file per form version (FORM-vN.csv, one row per record) and one
 * per repeat group (FORM-vN.GROUP.csv, one row per instance, keyed by
 * record_id and index). Every export is logged in the audit table.
 *
 * CSV is for spreadsheets: UTF-8 with a byte order mark, columns in the
 * form's order (when the hub knows the form; answers it does not name come
 * after), a choice's label beside its code when asked (--labels LANG), an
 * attachment as the name of its file in the hub (files/HASH.age), and a cell
 * that a spreadsheet would take for a formula (=, +, -, @, tab, CR first)
 * prefixed with ' as OWASP advises.
 *
 * Must never: write a partial file under its final name (atomic writes);
 * write a cell that a spreadsheet runs.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sqlite3.h>

#include "hub.h"
#include "hub_forms.h"
#include "io.h"
#include "schema.h"

/* What a CSV export knows: the form of the table it writes, the language of
 * labels (NULL: codes only), and the attachments' files. */
struct xctx {
	const fk_form *form;
	const char *lang;
	sqlite3_stmt *att;
};

static int
out_w(fk_sink *s, const char *p, size_t n, fk_err *e)
{
	return s->write(s->ctx, (const uint8_t *)p, n, e);
}

/*
 * One cell. A text that starts like a formula (=, +, -, @, tab, carriage
 * return) gets a ' in front, so that a spreadsheet shows it and does not run
 * it (OWASP, "CSV injection"); numbers are written by the exporter, never
 * from text, and stay as they are.
 */
static int
csv_cell(fk_sink *s, const char *v, int text, fk_err *e)
{
	const char *p;
	int formula = text && v[0] != 0 && strchr("=+-@\t\r", v[0]) != NULL;

	if (!formula && strpbrk(v, ",\"\r\n") == NULL)
		return out_w(s, v, strlen(v), e);
	if (out_w(s, "\"", 1, e) != 0 || (formula && out_w(s, "'", 1, e) != 0))
		return -1;
	for (p = v; *p; p++)
		if (out_w(s, p, 1, e) != 0 || (*p == '"' && out_w(s, "\"", 1, e) != 0))
			return -1;
	return out_w(s, "\"", 1, e);
}

/* A JSON value as CSV text: strings as is, arrays of strings joined by sep. */
static char *
cell_text(json_t *v, const char *sep)
{
	char *s;
	size_t i;

	if (v == NULL || json_is_null(v))
		return strdup("");
	if (json_is_string(v))
		return strdup(json_string_value(v));
	if (json_is_array(v)) {
		size_t len = 1;
		for (i = 0; i < json_array_size(v); i++)
			if (!json_is_string(json_array_get(v, i)))
				break;
		if (i == json_array_size(v)) {
			for (i = 0; i < json_array_size(v); i++)
				len += strlen(json_string_value(json_array_get(v, i))) + strlen(sep);
			if ((s = calloc(1, len)) == NULL)
				return NULL;
			for (i = 0; i < json_array_size(v); i++) {
				if (i)
					strcat(s, sep);
				strcat(s, json_string_value(json_array_get(v, i)));
			}
			return s;
		}
	}
	return json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
}

/* An attachment answer ({"id", "media_type", "size", "name"}): the name of its
 * file in the hub home, files/HASH.age (its name on the device if the hub has
 * no file for it). */
static json_t *
attachment_cell(struct xctx *x, const char *record_id, json_t *v)
{
	const char *id = json_string_value(json_object_get(v, "id"));
	json_t *out = NULL;

	if (id == NULL || x->att == NULL)
		return NULL;
	sqlite3_reset(x->att);
	sqlite3_bind_text(x->att, 1, id, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(x->att, 2, record_id, -1, SQLITE_TRANSIENT);
	if (sqlite3_step(x->att) == SQLITE_ROW) {
		char path[FK_SHA256_HEX + 16];
		snprintf(path, sizeof path, FK_HUB_FILES "/%s.age",
		    (const char *)sqlite3_column_text(x->att, 0));
		out = json_string(path);
	} else if (json_is_string(json_object_get(v, "name"))) {
		out = json_copy(json_object_get(v, "name"));
	}
	sqlite3_reset(x->att);
	return out;
}

/* The labels of a choice answer (a code, or an array of codes) in x->lang,
 * joined by "; "; NULL when the field has no choices. */
static json_t *
label_cell(const struct xctx *x, const fk_field *f, json_t *v)
{
	json_t *codes = json_is_array(v) ? json_incref(v) : json_pack("[O]", v), *labels;
	size_t i, c;

	if (fk_field_nchoices(f) == 0 || codes == NULL) {
		json_decref(codes);
		return NULL;
	}
	labels = json_array();
	for (i = 0; i < json_array_size(codes); i++) {
		const char *code = json_string_value(json_array_get(codes, i));
		const char *label = code;
		for (c = 0; code != NULL && c < fk_field_nchoices(f); c++)
			if (strcmp(fk_field_choice_name(f, c), code) == 0)
				label = fk_field_choice_label(f, c, x->lang);
		if (label != NULL)
			json_array_append_new(labels, json_string(label));
	}
	json_decref(codes);
	return labels;
}

static int
is_repeat(json_t *v)
{
	return json_is_array(v) && json_array_size(v) > 0 &&
	    json_is_object(json_array_get(v, 0));
}

static const char *meta_cols[] = {"record_id", "device_id", "seq", "short_ref",
	"finalized_at"};

struct table {
	char *path;
	json_t *cols; /* object used as an ordered set */
	fk_atomic a;
	int open;
};

static int
write_row(struct table *t, json_t *row, fk_err *e)
{
	fk_sink s = fk_atomic_sink(&t->a);
	const char *k;
	json_t *v;
	int first = 1;

	json_object_foreach(t->cols, k, v) {
		json_t *cell = json_object_get(row, k);
		char *c = cell_text(cell, json_is_array(cell) && strstr(k, "_label") ? "; " : " ");
		int rc;
		(void)v;
		if (c == NULL)
			return fk_fail(e, FK_ENOMEM, _("out of memory"));
		rc = (!first && out_w(&s, ",", 1, e) != 0) ||
		    csv_cell(&s, c, !json_is_number(cell), e) != 0;
		free(c);
		if (rc)
			return -1;
		first = 0;
	}
	return out_w(&s, "\r\n", 2, e);
}

static int
open_table(struct table *t, fk_err *e)
{
	fk_sink s;
	const char *k;
	json_t *v;
	int first = 1;

	if (fk_atomic_open(&t->a, t->path, 0600, e) != 0)
		return -1;
	t->open = 1;
	s = fk_atomic_sink(&t->a);
	/* UTF-8, said so: without the mark, spreadsheets guess another code page. */
	if (out_w(&s, "\xef\xbb\xbf", 3, e) != 0)
		return -1;
	json_object_foreach(t->cols, k, v) {
		(void)v;
		if ((!first && out_w(&s, ",", 1, e) != 0) || csv_cell(&s, k, 1, e) != 0)
			return -1;
		first = 0;
	}
	return out_w(&s, "\r\n", 2, e);
}

/* The table of repeat group name (created with the key columns, then "index"). */
static struct table *
group_get(json_t *groups, const char *name, json_t *keys)
{
	json_t *gp = json_object_get(groups, name), *v;
	struct table *g;
	const char *k;

	if (gp != NULL)
		return (struct table *)(intptr_t)json_integer_value(gp);
	if ((g = calloc(1, sizeof *g)) == NULL)
		return NULL;
	g->cols = json_object();
	json_object_foreach(keys, k, v)
		json_object_set_new(g->cols, k, json_null());
	json_object_set_new(g->cols, "index", json_null());
	json_object_set_new(groups, name, json_integer((json_int_t)(intptr_t)g));
	return g;
}

/*
 * Puts obj's answers into row (table t) and each repeat's instances into the
 * table of that group ("children", "children.photos", ...), keyed by the
 * record id and the index of every enclosing instance. Pass 0 only collects
 * columns; pass 1 writes the group rows (the caller writes row).
 */
static int
walk(struct xctx *x, json_t *obj, json_t *row, struct table *t, const char *gname,
    json_t *keys, json_t *groups, int pass, fk_err *e)
{
	const char *k;
	json_t *v;
	size_t j;
	int rc = 0;

	json_object_foreach(obj, k, v) {
		char name[512], kn[300];
		struct table *g;
		if (!is_repeat(v)) {
			const fk_field *f = x->form ? fk_form_find(x->form, k) : NULL;
			json_t *shown = NULL, *label = NULL;
			if (pass == 0)
				json_object_set(t->cols, k, json_null());
			if ((f != NULL && fk_field_type(f) == FK_T_ATTACHMENT) ||
			    (f == NULL && json_is_object(v) && json_object_get(v, "media_type")))
				shown = attachment_cell(x, json_string_value(json_object_get(keys,
				    "record_id")), v);
			json_object_set_new(row, k, shown ? shown : json_incref(v));
			if (f != NULL && x->lang != NULL && (label = label_cell(x, f, v)) != NULL) {
				snprintf(kn, sizeof kn, "%s_label", k);
				if (pass == 0)
					json_object_set(t->cols, kn, json_null());
				json_object_set_new(row, kn, label);
			}
			continue;
		}
		snprintf(name, sizeof name, "%s%s%s", gname, gname[0] ? "." : "", k);
		if ((g = group_get(groups, name, keys)) == NULL)
			return fk_fail(e, FK_ENOMEM, _("out of memory"));
		snprintf(kn, sizeof kn, "%s_index", k);
		for (j = 0; rc == 0 && j < json_array_size(v); j++) {
			json_t *r2 = json_deep_copy(keys), *k2 = json_deep_copy(keys);
			json_object_set_new(r2, "index", json_integer((json_int_t)j));
			json_object_set_new(k2, kn, json_integer((json_int_t)j));
			rc = walk(x, json_array_get(v, j), r2, g, name, k2, groups, pass, e);
			if (rc == 0 && pass == 1)
				rc = write_row(g, r2, e);
			json_decref(r2);
			json_decref(k2);
		}
		if (rc)
			return rc;
	}
	return 0;
}

/* The rows of one record: the main row and one per repeat instance. */
static int
each_row(struct xctx *x, json_t *rec, struct table *main, json_t *groups, int pass, fk_err *e)
{
	json_t *row = json_object(), *keys;
	size_t i;
	int rc;

	for (i = 0; i < sizeof meta_cols / sizeof meta_cols[0]; i++)
		json_object_set(row, meta_cols[i], json_object_get(rec, meta_cols[i]));
	keys = json_pack("{s:O}", "record_id", json_object_get(rec, "record_id"));
	rc = walk(x, json_object_get(rec, "answers"), row, main, "", keys, groups, pass, e);
	if (rc == 0 && pass == 1)
		rc = write_row(main, row, e);
	json_decref(keys);
	json_decref(row);
	return rc;
}

/*
 * The columns of the form, in its order, before any record is seen: its
 * fields (groups do not nest the record) in table t, and a table per repeat
 * (its keys, "index", its fields). Columns that records hold and the form does
 * not name are added after these as records come.
 */
static int
seed_columns(const struct xctx *x, const fk_field *parent, struct table *t, const char *gname,
    json_t *keys, json_t *groups, fk_err *e)
{
	size_t i;
	int rc = 0;

	for (i = 0; rc == 0 && i < fk_field_nkids(parent); i++) {
		const fk_field *f = fk_field_kid(parent, i);
		const char *k = fk_field_name(f);
		char name[512], kn[300];
		struct table *g;
		json_t *k2;
		switch (fk_field_type(f)) {
		case FK_T_NOTE:
			break;
		case FK_T_GROUP:
			rc = seed_columns(x, f, t, gname, keys, groups, e);
			break;
		case FK_T_REPEAT:
			snprintf(name, sizeof name, "%s%s%s", gname, gname[0] ? "." : "", k);
			snprintf(kn, sizeof kn, "%s_index", k);
			if ((g = group_get(groups, name, keys)) == NULL ||
			    (k2 = json_deep_copy(keys)) == NULL)
				return fk_fail(e, FK_ENOMEM, _("out of memory"));
			json_object_set_new(k2, kn, json_null());
			rc = seed_columns(x, f, g, name, k2, groups, e);
			json_decref(k2);
			break;
		default:
			json_object_set_new(t->cols, k, json_null());
			if (x->lang != NULL && fk_field_nchoices(f) > 0) {
				snprintf(kn, sizeof kn, "%s_label", k);
				json_object_set_new(t->cols, kn, json_null());
			}
		}
	}
	return rc;
}

/* A name fit for a file: letters, digits, '-' and '_' only. */
static const char *
safe_name(const char *s, char *out, size_t cap)
{
	size_t i;

	for (i = 0; s[i] && i + 1 < cap; i++)
		out[i] = (isalnum((unsigned char)s[i]) || s[i] == '-' || s[i] == '_') ? s[i] : '_';
	out[i] = 0;
	return out;
}

static int
export_form(fk_hubdb *h, struct xctx *x, const char *dir, const char *form, int version,
    size_t *nrec, fk_err *e)
{
	sqlite3_stmt *st = NULL;
	struct table main = {0};
	json_t *groups = json_object(), *gv;
	const char *gk;
	char path[4200], safe[128];
	size_t i;
	int pass, rc = -1;

	main.cols = json_object();
	for (i = 0; i < sizeof meta_cols / sizeof meta_cols[0]; i++)
		json_object_set_new(main.cols, meta_cols[i], json_null());
	if (x->form != NULL) {
		json_t *keys = json_pack("{s:n}", "record_id");
		int k = keys == NULL ? fk_fail(e, FK_ENOMEM, _("out of memory")) :
		    seed_columns(x, fk_form_root(x->form), &main, "", keys, groups, e);
		json_decref(keys);
		if (k != 0)
			goto fail;
	}
	snprintf(path, sizeof path, "%s/%s-v%d.csv", dir, form, version);
	main.path = strdup(path);
	if (sqlite3_prepare_v2(fk_hub_sqlite(h), "SELECT body FROM records WHERE form_id = ?"
	    " AND form_version = ? ORDER BY device_id, seq", -1, &st, NULL) != SQLITE_OK) {
		fk_hub_db_err(h, e);
		goto fail;
	}
	sqlite3_bind_text(st, 1, form, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, version);
	for (pass = 0; pass < 2; pass++) {
		if (pass == 1) {
			if (open_table(&main, e) != 0)
				goto fail;
			json_object_foreach(groups, gk, gv) {
				struct table *g = (struct table *)(intptr_t)json_integer_value(gv);
				snprintf(path, sizeof path, "%s/%s-v%d.%s.csv", dir, form, version,
				    safe_name(gk, safe, sizeof safe));
				g->path = strdup(path);
				if (open_table(g, e) != 0)
					goto fail;
			}
		}
		sqlite3_reset(st);
		while (sqlite3_step(st) == SQLITE_ROW) {
			json_t *rec = json_loads((const char *)sqlite3_column_text(st, 0), 0, NULL);
			int k = rec ? each_row(x, rec, &main, groups, pass, e) : 0;
			json_decref(rec);
			if (k)
				goto fail;
			if (pass == 1)
				(*nrec)++;
		}
	}
	if (fk_atomic_commit(&main.a, e) != 0)
		goto fail;
	main.open = 0;
	json_object_foreach(groups, gk, gv) {
		struct table *g = (struct table *)(intptr_t)json_integer_value(gv);
		if (fk_atomic_commit(&g->a, e) != 0)
			goto fail;
		g->open = 0;
	}
	rc = 0;
fail:
	sqlite3_finalize(st);
	if (main.open)
		fk_atomic_abort(&main.a);
	json_object_foreach(groups, gk, gv) {
		struct table *g = (struct table *)(intptr_t)json_integer_value(gv);
		if (g->open)
			fk_atomic_abort(&g->a);
		json_decref(g->cols);
		free(g->path);
		free(g);
	}
	json_decref(groups);
	json_decref(main.cols);
	free(main.path);
	return rc;
}

static int
export_csv(fk_hubdb *h, const char *dir, const char *lang, size_t *n, fk_err *e)
{
	struct xctx x = {NULL, lang, NULL};
	fk_hub_forms *forms = NULL;
	sqlite3_stmt *st = NULL;
	int k, rc = -1;

	if (fk_hub_forms_load(&forms, h, e) != 0)
		return -1;
	if (sqlite3_prepare_v2(fk_hub_sqlite(h), "SELECT DISTINCT form_id, form_version FROM "
	    "records ORDER BY 1, 2", -1, &st, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(fk_hub_sqlite(h), "SELECT ct_hash FROM attachments WHERE att_id = ?"
	    " AND record_id = ?", -1, &x.att, NULL) != SQLITE_OK) {
		fk_hub_db_err(h, e);
		goto out;
	}
	/* --labels LANG: every form exported must have labels in LANG, or the
	 * operator would get another language's without knowing it. */
	while (lang != NULL && (k = sqlite3_step(st)) == SQLITE_ROW) {
		const fk_form *f = fk_hub_forms_get(forms, (const char *)sqlite3_column_text(st, 0),
		    sqlite3_column_int(st, 1));
		char have[200] = "";
		size_t i;

		if (f == NULL || fk_form_has_lang(f, lang))
			continue;
		for (i = 0; i < fk_form_nlangs(f); i++)
			snprintf(have + strlen(have), sizeof have - strlen(have), "%s%s", i ? ", " : "",
			    fk_form_lang(f, i));
		rc = fk_fail(e, FK_EUSAGE, _("form %s has no labels in %s (it has: %s); give one of "
		    "these to --labels"), fk_form_id(f), lang, have);
		goto out;
	}
	sqlite3_reset(st);
	rc = 0;
	while (rc == 0 && (k = sqlite3_step(st)) == SQLITE_ROW) {
		char *form = strdup((const char *)sqlite3_column_text(st, 0));
		int version = sqlite3_column_int(st, 1);
		if (form == NULL) {
			rc = fk_fail(e, FK_ENOMEM, _("out of memory"));
			break;
		}
		x.form = fk_hub_forms_get(forms, form, version);
		if (strchr(form, '/') != NULL || form[0] == '.')
			rc = fk_fail(e, FK_EINPUT, _("unsafe form id %s"), form);
		else
			rc = export_form(h, &x, dir, form, version, n, e);
		free(form);
	}
out:
	sqlite3_finalize(st);
	sqlite3_finalize(x.att);
	fk_hub_forms_free(forms);
	return rc;
}

static int
export_jsonl(fk_hubdb *h, const char *dir, size_t *n, fk_err *e)
{
	sqlite3_stmt *st;
	fk_atomic a;
	fk_sink s;
	char path[4200];

	snprintf(path, sizeof path, "%s/records.jsonl", dir);
	if (sqlite3_prepare_v2(fk_hub_sqlite(h), "SELECT body FROM records ORDER BY device_id,"
	    " seq", -1, &st, NULL) != SQLITE_OK)
		return fk_hub_db_err(h, e);
	if (fk_atomic_open(&a, path, 0600, e) != 0) {
		sqlite3_finalize(st);
		return -1;
	}
	s = fk_atomic_sink(&a);
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *b = (const char *)sqlite3_column_text(st, 0);
		if (out_w(&s, b, strlen(b), e) != 0 || out_w(&s, "\n", 1, e) != 0) {
			sqlite3_finalize(st);
			fk_atomic_abort(&a);
			return -1;
		}
		(*n)++;
	}
	sqlite3_finalize(st);
	return fk_atomic_commit(&a, e);
}

int
fk_hub_export(fk_hubdb *h, const char *format, const char *dir, const char *labels,
    size_t *n, fk_err *e)
{
	char detail[4300];

	*n = 0;
	if (fk_hub_sqlite(h) == NULL)
		return fk_fail(e, FK_ESTATE, _("the hub is locked: unlock it with its passphrase "
		    "first"));
	if (format == NULL || dir == NULL ||
	    (strcmp(format, "jsonl") != 0 && strcmp(format, "csv") != 0))
		return fk_fail(e, FK_EUSAGE, _("say --format jsonl|csv and --to DIR"));
	if (fk_mkdir_target(dir, 0700, e) != 0)
		return -1;
	snprintf(detail, sizeof detail, "%s to %s", format, dir);
	/* Logged before anything readable is written. */
	if (fk_hub_audit(h, "export", detail, -1, e) != 0)
		return -1;
	return strcmp(format, "csv") == 0 ? export_csv(h, dir, labels, n, e) :
	    export_jsonl(h, dir, n, e);
}
