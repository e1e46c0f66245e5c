/*
 * cmd_schema.c - `fieldkit schema`: check a form, validate records against
 * it, show its questions, build final answers. A thin layer over schema.h;
 * it never writes files.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "batch.h"
#include "kind.h"
#include "cli.h"
#include "expr.h"
#include "io.h"
#include "schema.h"


static const char schema_help[] = N_("Usage:\n"
		     "  fieldkit schema check FILE...\n"
		     "  fieldkit schema validate [--lang L] [--today DATE] FORM RECORD.json|RECORD.jsonl...\n"
		     "  fieldkit schema build [--today DATE] FORM RECORD.json\n"
		     "  fieldkit schema show [--lang uk|en] FORM\n\n"
		     "Checks forms and the records captured with them.\n"
		     "  check     load each form file and list every problem with its JSON path;\n"
		     "            prints \"ok: ID vVERSION, N fields\" for a good one\n"
		     "  validate  check records (a .json file, or .jsonl with one record a line)\n"
		     "            and list every problem: FILE[:LINE]: PATH: CODE: reason\n"
		     "  build     apply defaults, calculations and transliteration to a record\n"
		     "            and print the final answers (JSON) on standard output\n"
		     "  show      print the questions of a form in a language\n\n"
		     "FORM is a file, or a form id looked up as ID.json in $FK_SCHEMAS or the\n"
		     "installed schemas directory.\n\n"
		     "Options:\n"
		     "  --lang L       language of labels and form messages (default: from\n"
		     "                 FIELDKIT_LANG/LANGUAGE, else the form's first language)\n"
		     "  --today DATE   take DATE (YYYY-MM-DD) as today, for reproducible checks\n"
		     "  -h, --help     show this help\n"
		     "Exit status: 0 all good, 1 a form or a record has problems, 2 usage.\n");

static const char check_help[] = N_(
    "Usage: fieldkit schema check FILE...\n\n"
    "Loads each form file and lists every problem with its JSON path; prints\n"
    "\"ok: ID vVERSION, N fields\" for a good one.\n"
    "Exit status: 0 all good, 1 a form has problems, 2 usage.\n\n"
    "Options:\n"
    "  -h, --help     show this help\n");

static const char validate_help[] = N_(
    "Usage: fieldkit schema validate [--lang L] [--today DATE] FORM RECORD.json|RECORD.jsonl...\n\n"
    "Checks records (a .json file, or .jsonl with one record a line) against FORM\n"
    "and lists every problem: FILE[:LINE]: PATH: CODE: reason.\n"
    "FORM is a file, or a form id looked up as ID.json in $FK_SCHEMAS or the\n"
    "installed schemas directory.\n"
    "Exit status: 0 all good, 1 a record has problems, 2 usage.\n\n"
    "Options:\n"
    "  --lang L       language of form messages (default: from FIELDKIT_LANG/LANGUAGE,\n"
    "                 else the form's first language)\n"
    "  --today DATE   take DATE (YYYY-MM-DD) as today, for reproducible checks\n"
    "  -h, --help     show this help\n");

static const char build_help[] = N_(
    "Usage: fieldkit schema build [--today DATE] FORM RECORD.json\n\n"
    "Applies FORM's defaults, calculations and transliteration to a record and\n"
    "prints the final answers (JSON) on standard output.\n"
    "Exit status: 0 built, 1 the record has problems, 2 usage.\n\n"
    "Options:\n"
    "  --today DATE   take DATE (YYYY-MM-DD) as today, for reproducible results\n"
    "  --lang L       language of form messages\n"
    "  -h, --help     show this help\n");

static const char show_help[] = N_(
    "Usage: fieldkit schema show [--lang uk|en] FORM\n\n"
    "Prints the questions of FORM in a language: each field's name, type, label,\n"
    "hint, rules and choices.\n\n"
    "Options:\n"
    "  --lang L       language of the labels (default: from FIELDKIT_LANG/LANGUAGE,\n"
    "                 else the form's first language)\n"
    "  -h, --help     show this help\n");

static const char *
default_lang(void)
{
	const char *l = fk_lang_pref();

	return l != NULL ? l : "en";
}

static void
print_issues(const char *label, const fk_issues *is)
{
	size_t i;

	for (i = 0; i < is->n; i++)
		printf("%s: %s: %s: %s\n", label, is->v[i].path[0] ? is->v[i].path : "(record)",
		    is->v[i].code, is->v[i].msg);
	if (is->dropped)
		printf(_("%s: ... and %zu more problems\n"), label, is->dropped);
}

static int
load_form(const char *arg, fk_form **f)
{
	char path[4096];
	fk_issues is = {0};
	fk_err e = {0};
	size_t i;

	if (fk_schema_find(arg, path, sizeof path, &e) != 0)
		return fk_report(&e);
	if (fk_form_load_file(path, f, &is, &e) != 0) {
		for (i = 0; i < is.n; i++)
			printf("%s: %s: %s\n", path, is.v[i].path, is.v[i].msg);
		fk_issues_free(&is);
		return fk_report(&e);
	}
	fk_issues_free(&is);
	return 0;
}

static int
schema_check(const struct fk_call *call, int argc, char **argv)
{
	const struct fk_opt opt[] = {FK_OPT_END};
	fk_args pos;
	fk_form *f;
	size_t i;
	int rc;

	if ((rc = fk_opts_parse(call->cmd, check_help, opt, argc, argv, &pos)) != FK_GO)
		return rc;
	if (pos.n < 1)
		return fk_usage_error(call->cmd, _("name the form files to check"));
	rc = FK_EXIT_OK;
	for (i = 0; i < pos.n; i++) {
		if (load_form(pos.v[i], &f) != 0) {
			rc = FK_EXIT_FAIL;
			continue;
		}
		printf(_("ok: %s v%d, %zu fields\n"), fk_form_id(f), fk_form_version(f),
		    fk_form_nfields(f));
		fk_form_free(f);
	}
	return rc;
}

/* Whether a record names a file ({"path": ...}) for an attachment answer. */
static int
names_files(const json_t *v)
{
	const char *k;
	json_t *x;
	size_t i;

	if (json_is_object(v)) {
		if (json_is_string(json_object_get(v, "path")))
			return 1;
		json_object_foreach((json_t *)v, k, x)
			if (names_files(x))
				return 1;
	} else if (json_is_array(v)) {
		json_array_foreach(v, i, x)
			if (names_files(x))
				return 1;
	}
	return 0;
}

/*
 * Validates one record's bytes as `capture --from` takes them: attachment
 * answers may name their file ({"path": ...}, relative to base), which must
 * be there and be what its name says. Returns 1 if valid, 0 if not, -1.
 */
static int
validate_one(const fk_form *f, const char *label, const uint8_t *p, size_t len,
    const fk_vopts *o, const char *base)
{
	fk_issues is = {0};
	fk_err e = {0};
	fk_batch_files files = {0};
	json_t *j = len <= FK_RECORD_MAX ?
	    json_loadb((const char *)p, len, JSON_REJECT_DUPLICATES, NULL) : NULL;
	int ok, rc;

	if (json_is_object(j) && names_files(j)) {
		rc = fk_batch_attachments(f, j, base, UINT64_MAX, 0, &files, &is, &e);
		if (rc == 0)
			rc = fk_form_validate(f, j, o, &is, &e);
	} else {
		rc = fk_form_validate_bytes(f, p, len, o, &is, &e);
	}
	json_decref(j);
	fk_batch_files_free(&files);
	if (rc != 0) {
		fk_issues_free(&is);
		fk_report(&e);
		return -1;
	}
	print_issues(label, &is);
	ok = is.n == 0 && is.dropped == 0;
	fk_issues_free(&is);
	return ok;
}

/* The folder of a record file (where its attachments' paths start). */
static void
folder_of(const char *path, char *out, size_t cap)
{
	fk_path_dir(strcmp(path, "-") == 0 ? "" : path, out, cap);
}

static int
validate_jsonl(const fk_form *f, const char *path, const fk_vopts *o, size_t *nrec, size_t *nbad)
{
	char base[4096];
	fk_err e = {0};
	FILE *in = fk_open_read(path, &e);
	fk_buf line = {0};
	char label[4200];
	size_t lineno = 0;
	int c, over = 0, r, rc = 0;
	static const uint8_t big[] = "x";

	if (in == NULL)
		return fk_report(&e), -1;
	folder_of(path, base, sizeof base);
	line.max = FK_RECORD_MAX;
	for (;;) {
		c = getc_unlocked(in);
		if (c != '\n' && c != EOF) {
			if (over)
				continue;
			if (line.len < line.cap) /* the common case, without a call */
				line.p[line.len++] = (uint8_t)c;
			else if (fk_buf_append(&line, &(uint8_t){(uint8_t)c}, 1, &e) != 0)
				over = 1;
			continue;
		}
		lineno++;
		if (line.len > 0 || over) {
			snprintf(label, sizeof label, "%s:%zu", path, lineno);
			(*nrec)++;
			if (over) /* refused without parsing */
				r = validate_one(f, label, big, FK_RECORD_MAX + 1u, o, base);
			else
				r = validate_one(f, label, line.p, line.len, o, base);
			if (r < 0) {
				rc = -1;
				break;
			}
			*nbad += r == 0;
		}
		line.len = 0;
		over = 0;
		if (c == EOF)
			break;
	}
	if (ferror(in)) {
		fk_warn(_("cannot read %s: %s"), path, strerror(errno));
		rc = -1;
	}
	if (in != stdin)
		fclose(in);
	fk_buf_free(&line);
	return rc;
}

static int
validate_file(const fk_form *f, const char *path, const fk_vopts *o, size_t *nrec, size_t *nbad)
{
	fk_buf b = {0};
	fk_err e = {0};
	size_t n = strlen(path);
	char base[4096];
	int r;

	if (n > 6 && strcmp(path + n - 6, ".jsonl") == 0)
		return validate_jsonl(f, path, o, nrec, nbad);
	folder_of(path, base, sizeof base);
	(*nrec)++;
	/* A form given for a record: say so, not a list of unknown answers. */
	if (fk_kind_hint_file(&e, path, path, FK_KIND_RECORD))
		return fk_report(&e), -1;
	if (fk_read_file(path, FK_RECORD_MAX, &b, &e) != 0) {
		fk_buf_free(&b);
		if (e.code != FK_ELIMIT)
			return fk_report(&e), -1;
		/* Larger than any record: refused without reading the rest. */
		r = validate_one(f, path, (const uint8_t *)"", FK_RECORD_MAX + 1u, o, base);
	} else {
		r = validate_one(f, path, b.p ? b.p : (const uint8_t *)"", b.len, o, base);
		fk_buf_free(&b);
	}
	if (r < 0)
		return -1;
	*nbad += r == 0;
	return 0;
}

static int
parse_today(const char *s, time_t *now)
{
	int y, m, d;
	struct tm tm;

	if (fk_date_parse(s, strlen(s), &y, &m, &d) != 0)
		return -1;
	memset(&tm, 0, sizeof tm);
	tm.tm_year = y - 1900;
	tm.tm_mon = m - 1;
	tm.tm_mday = d;
	tm.tm_hour = 12;
	tm.tm_isdst = -1;
	*now = mktime(&tm);
	return *now == (time_t)-1 ? -1 : 0;
}

static int
run_build(const fk_form *f, const fk_vopts *o, const fk_args *pos)
{
	fk_buf b = {0};
	fk_err e = {0};
	json_error_t je;
	json_t *rec = NULL;
	char *out;
	int rc = FK_EXIT_FAIL;

	if (fk_read_file(pos->v[0], FK_RECORD_MAX, &b, &e) != 0)
		goto report;
	if ((rec = json_loadb(b.p ? (const char *)b.p : "", b.len, JSON_REJECT_DUPLICATES,
	    &je)) == NULL) {
		fk_fail(&e, FK_EINPUT, _("%s: not valid JSON: line %d, column %d: %s"), pos->v[0],
		    je.line, je.column, je.text);
		goto report;
	}
	if (fk_form_build(f, rec, o, &e) != 0)
		goto report;
	if ((out = json_dumps(rec, JSON_INDENT(2) | JSON_PRESERVE_ORDER)) == NULL) {
		fk_fail(&e, FK_ENOMEM, _("out of memory"));
		goto report;
	}
	puts(out);
	free(out);
	rc = FK_EXIT_OK;
	goto out;
report:
	rc = fk_report(&e);
out:
	json_decref(rec);
	fk_buf_free(&b);
	return rc;
}

static void
show_field(const fk_field *x, const char *lang, int depth)
{
	enum fk_ftype t = fk_field_type(x);
	const char *hint = fk_field_hint(x, lang), *s;
	size_t i;
	long lo, hi;
	static const char *const props[] = {"required", "relevant", "constraint", "calculate",
		"translit_from", NULL};

	printf("%*s%s [%s] %s\n", depth * 2, "", fk_field_name(x), fk_ftype_name(t),
	    fk_field_label(x, lang));
	if (hint != NULL)
		printf("%*s  %s\n", depth * 2, "", hint);
	for (i = 0; props[i] != NULL; i++)
		if ((s = fk_field_prop(x, props[i])) != NULL && strcmp(s, "false") != 0)
			printf("%*s  %s: %s\n", depth * 2, "", props[i], s);
	if (fk_field_repeat_bounds(x, &lo, &hi))
		printf("%*s  %s: %ld..%ld\n", depth * 2, "", _("entries"), lo, hi);
	for (i = 0; i < fk_field_nchoices(x); i++)
		printf("%*s  - %s: %s\n", depth * 2, "", fk_field_choice_name(x, i),
		    fk_field_choice_label(x, i, lang));
	for (i = 0; i < fk_field_nkids(x); i++)
		show_field(fk_field_kid(x, i), lang, depth + 1);
}

static int
run_validate(const fk_form *f, const fk_vopts *o, const fk_args *pos)
{
	size_t nrec = 0, nbad = 0, i;

	for (i = 0; i < pos->n; i++)
		if (validate_file(f, pos->v[i], o, &nrec, &nbad) != 0)
			return FK_EXIT_FAIL;
	printf(_("records checked: %zu, with problems: %zu\n"), nrec, nbad);
	return nbad ? FK_EXIT_FAIL : FK_EXIT_OK;
}

static int
run_show(const fk_form *f, const fk_vopts *o, const fk_args *pos)
{
	const fk_field *root = fk_form_root(f);
	const char *lang = o->lang;
	size_t i;

	(void)pos;
	if (!fk_form_has_lang(f, lang))
		lang = fk_form_lang(f, 0);
	printf(_("%s (%s v%d, %zu fields)\n"), fk_form_title(f, lang), fk_form_id(f), fk_form_version(f),
	    fk_form_nfields(f));
	for (i = 0; i < fk_field_nkids(root); i++)
		show_field(fk_field_kid(root, i), lang, 0);
	return FK_EXIT_OK;
}

/* The commands on a FORM: whether they take --today, how many arguments
 * after FORM and what to say otherwise, and what they do. */
static const struct form_cmd {
	const char *help;
	int today;
	size_t min, max;
	const char *args_msg;
	int (*run)(const fk_form *f, const fk_vopts *o, const fk_args *pos);
} form_cmds[] = {
	{validate_help, 1, 1, (size_t)-1, N_("name the record files to validate"), run_validate},
	{build_help, 1, 1, 1, N_("name one record file"), run_build},
	{show_help, 0, 0, 0, N_("show takes one form"), run_show}};

/* "schema validate|build|show [--lang L] [--today DATE] FORM ...". */
static int
schema_form(const struct fk_call *call, int argc, char **argv)
{
	const struct form_cmd *c = call->data;
	fk_vopts o = {NULL, 0};
	const char *today = NULL;
	const struct fk_opt opt[] = {FK_STR("today", 0, &today), FK_STR("lang", 0, &o.lang),
		FK_OPT_END};
	fk_form *f = NULL;
	fk_args pos;
	const char *cmd = call->cmd;
	int rc;

	if ((rc = fk_opts_parse(cmd, c->help, c->today ? opt : opt + 1, argc, argv, &pos)) !=
	    FK_GO)
		return rc;
	if (today != NULL && parse_today(today, &o.now) != 0)
		return fk_usage_error(cmd, _("--today takes a date YYYY-MM-DD"));
	if (pos.n < 1)
		return fk_usage_error(cmd, _("name the FORM (a file or a form id)"));
	if (pos.n - 1 < c->min || pos.n - 1 > c->max)
		return fk_usage_error(cmd, "%s", _(c->args_msg));
	if (o.lang == NULL)
		o.lang = default_lang();
	if ((rc = load_form(pos.v[0], &f)) != 0)
		return rc;
	pos.v++;
	pos.n--;
	rc = c->run(f, &o, &pos);
	fk_form_free(f);
	return rc;
}

static int
cmd_schema(int argc, char **argv)
{
	static const struct fk_sub subs[] = {{"check", schema_check, NULL},
		{"validate", schema_form, &form_cmds[0]}, {"build", schema_form, &form_cmds[1]},
		{"show", schema_form, &form_cmds[2]}};

	return fk_subcommands("schema", schema_help, NULL, subs, sizeof subs / sizeof subs[0],
	    NULL, argc, argv);
}

FK_COMMAND(schema, N_("check forms, validate records against them, show their questions"),
    cmd_schema);
