/*
 * cmd_match.c - `fieldkit hub find`, `hub match` (with --confirm and
 * --reject) and `hub duplicates`: the command line of matching. Everything
 * durable happens in hub/match_db.c.
 *
 * Owns: options, output formats (table, tsv, json), the audit rows of every
 * view that shows names. Must never: print a name before its audit row is
 * written, or print outside text unescaped.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cmd_match.h"
#include "hub.h"
#include "hub_lookup.h"
#include "lineedit.h"
#include "match_db.h"

struct mopts {
	const char *home, *passfile, *format, *born, *sex;
	const char *confirm, *reject;
	int all, candidates;
};

static const char find_help[] = N_(
    "Usage: fieldkit hub find --home DIR QUERY... [--born YYYY|YYYY-MM-DD] [--sex f|m]\n"
    "                         [--format table|tsv|json]\n\n"
    "Children in family reports and intake records, best fit first, whatever script\n"
    "or spelling the query uses: \"Sashko Kovalenko\", \"Aleksandr Kovalenko\" and\n"
    "\"Oleksandr Kovalenko 2012\" all find Oleksandr Kovalenko, born 2012, written in\n"
    "Cyrillic or Latin (a year in the query is the year of birth). At most 10\n"
    "results. A family's slip code (XXXX-XXXX) finds the report that carries it and\n"
    "the intakes that cite it. Each search is logged in the audit table.\n\n"
    "Options:\n"
    "  --born YYYY|YYYY-MM-DD    year or date of birth\n"
    "  --sex f|m                 sex of the child\n"
    "  --format table|tsv|json   output (default: table)\n"
    "  --home DIR                the hub home (default: $FIELDKIT_HUB_HOME)\n"
    "  --passphrase-file FILE    read the hub passphrase from FILE (first line; 0600)\n"
    "  -h, --help                show this help\n");

static const char match_help[] = N_(
    "Usage: fieldkit hub match --home DIR [--format table|tsv|json] [--all]\n"
    "       fieldkit hub match --home DIR --confirm INTAKE REPORT:CHILD\n"
    "       fieldkit hub match --home DIR --reject INTAKE REPORT:CHILD\n\n"
    "For each child-intake record, its best candidate among the children of family\n"
    "reports (--all: every candidate worth a look, best first). The score is the\n"
    "probability that both records are the same child; `match` means at least 0.80,\n"
    "`review` at least 0.50: a person should look. Nothing is linked until a person\n"
    "confirms it. Only records whose consent allows tracing are matched; the others\n"
    "are counted. --format tsv prints: intake, report, child (1-based in the report),\n"
    "score, decision. --format table shows both records side by side (logged).\n\n"
    "Options:\n"
    "  --all                     every candidate at or above the review level\n"
    "  --confirm INTAKE REPORT:CHILD   a person's decision: the same child (logged;\n"
    "                            `hub show` then shows the link on both records)\n"
    "  --reject INTAKE REPORT:CHILD    not the same child: never proposed again\n"
    "                            (either decision replaces the pair's earlier one,\n"
    "                            and says so; both stay in the log)\n"
    "  --candidates              every pair blocking lets through (intake, report,\n"
    "                            child), to measure blocking (tests/bench)\n"
    "  --format table|tsv|json   output (default: table)\n"
    "  --home DIR                the hub home (default: $FIELDKIT_HUB_HOME)\n"
    "  --passphrase-file FILE    read the hub passphrase from FILE (first line; 0600)\n"
    "  -h, --help                show this help\n");

static const char dups_help[] = N_(
    "Usage: fieldkit hub duplicates --home DIR [--format tsv|json]\n\n"
    "Children reported more than once (by different relatives, or twice by one), as\n"
    "clusters: a cluster number and its members (report, child) with the score of\n"
    "their best link into the cluster. Statistics count clusters, not reports.\n\n"
    "Options:\n"
    "  --format tsv|json         output (default: tsv)\n"
    "  --home DIR                the hub home (default: $FIELDKIT_HUB_HOME)\n"
    "  --passphrase-file FILE    read the hub passphrase from FILE (first line; 0600)\n"
    "  -h, --help                show this help\n");

/* Outside text for a terminal or a TSV cell: the one escaper (common/text.h),
 * so a tab, a newline or a bidi override in a name never splits a cell or a row. */
static void
put_safe(const char *s, int tsv)
{
	(void)tsv;
	fputs(fk_show(s), stdout);
}

static const char *
str(json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));

	return s ? s : "";
}

static int
format_ok(const char *f, int table_ok)
{
	return f == NULL || strcmp(f, "tsv") == 0 || strcmp(f, "json") == 0 ||
	    (table_ok && strcmp(f, "table") == 0);
}

/* "2012-05-14", "born ~2012", "age 9" */
static void
dob_text(json_t *v, char *out, size_t n)
{
	const char *k = str(v, "dob_kind"), *d = str(v, "dob");
	json_t *age = json_object_get(v, "age_years");

	if (d[0] && strcmp(k, "estimated") == 0)
		snprintf(out, n, "~%.10s", d);
	else if (d[0])
		snprintf(out, n, "%.10s", d);
	else if (json_is_integer(age))
		snprintf(out, n, _("age %lld"), (long long)json_integer_value(age));
	else
		snprintf(out, n, "-");
}

/* The words a table shows for the stored codes (tsv and json keep the codes). */
static const char *
decision_word(const fk_match_hit *x)
{
	return x->status == 'c' ? _("confirmed") : x->status == 'r' ? _("review") : _("match");
}

static const char *
sex_word(const char *s)
{
	return strcmp(s, "male") == 0 ? _("male") : strcmp(s, "female") == 0 ? _("female") :
	    s[0] ? s : "-";
}

static const char *
relation_word(const char *s)
{
	static const char *const code[][2] = {
		{"mother", N_("mother")}, {"father", N_("father")}, {"aunt", N_("aunt")},
		{"uncle", N_("uncle")}, {"grandmother", N_("grandmother")},
		{"grandfather", N_("grandfather")}, {"brother", N_("brother")},
		{"sister", N_("sister")}, {"other_family", N_("other relative")},
		{"other_nonfamily", N_("not family")}, {"legal_guardian", N_("guardian")},
		{"institution_staff", N_("institution staff")},
	};
	size_t i;

	for (i = 0; i < sizeof code / sizeof code[0]; i++)
		if (strcmp(s, code[i][0]) == 0)
			return _(code[i][1]);
	return s;
}

/* Display columns of text as shown (escaped): Cyrillic letters count one, wide ones two. */
static size_t
cols(const char *s)
{
	return fk_le_width(s, strlen(s));
}

/* Prints shown text and blanks up to width columns (at least two blanks). */
static void
put_padded(const char *shown, size_t width)
{
	size_t w = cols(shown);

	printf("%s%*s", shown, (int)(w + 2 <= width ? width - w : 2), "");
}

/*
 * One hit of `hub find` as a table row: rank, score (NULL: none), the form,
 * the record and child, a note (may be NULL); then the name, the date of
 * birth and the sex, in columns padded by display width.
 */
static void
hit_row(size_t rank, const double *score, char kind, const char *id, int child,
    const char *note, json_t *v, const char *born)
{
	char name[400];
	size_t wk = cols(_("family report")) > cols(_("intake")) ? cols(_("family report")) :
	    cols(_("intake"));

	printf("%2zu  ", rank);
	if (score != NULL)
		printf("%.3f  ", *score);
	put_padded(kind == 'r' ? _("family report") : _("intake"), wk + 2);
	printf("%s", id);
	if (child)
		printf(_(" child %d"), child);
	if (note != NULL)
		printf("  %s", note);
	snprintf(name, sizeof name, "%s%s%s%s%s", str(v, "surname_cyr"),
	    str(v, "given_cyr")[0] ? " " : "", str(v, "given_cyr"),
	    str(v, "patronymic_cyr")[0] ? " " : "", str(v, "patronymic_cyr"));
	printf("\n    ");
	put_padded(fk_show(name), 40);
	put_padded(born, 14);
	printf("%s\n", sex_word(str(v, "sex")));
}

/* The names, birth and sex columns of a find row in tsv. */
static void
tsv_names(json_t *v, const char *born)
{
	put_safe(str(v, "surname_cyr"), 1);
	putchar('\t');
	put_safe(str(v, "given_cyr"), 1);
	putchar('\t');
	put_safe(str(v, "patronymic_cyr"), 1);
	printf("\t%s\t%s\n", born, str(v, "sex"));
}

/* ---- find ---- */

/*
 * A query that may be a slip code: XXXX-XXXX (2), or 8 letters and digits (1:
 * a name of 8 Latin letters may look like one; it is searched as a name when
 * no record carries it as a code).
 */
static int
looks_like_slip(const char *q)
{
	size_t n = strlen(q), i;

	if (n == 9 && q[4] == '-')
		return 2;
	if (n != 8)
		return 0;
	for (i = 0; i < n; i++) {
		if (!((q[i] >= '0' && q[i] <= '9') || (q[i] >= 'A' && q[i] <= 'Z') ||
		    (q[i] >= 'a' && q[i] <= 'z')))
			return 0;
	}
	return 1;
}

struct slip_found {
	char (*id)[FK_MATCH_IDLEN];
	char *kind; /* 'r' a family report, 'i' an intake, 'f' a fork kept for review */
	int *cited;
	size_t n, cap;
};

static int
slip_collect(void *ctx, const fk_hub_found *r)
{
	struct slip_found *f = ctx;

	if (f->n == f->cap) {
		size_t cap = f->cap ? 2 * f->cap : 8;
		void *a = realloc(f->id, cap * sizeof *f->id), *b, *c;
		if (a == NULL)
			return -1;
		f->id = a;
		if ((b = realloc(f->kind, cap)) == NULL)
			return -1;
		f->kind = b;
		if ((c = realloc(f->cited, cap * sizeof *f->cited)) == NULL)
			return -1;
		f->cited = c;
		f->cap = cap;
	}
	snprintf(f->id[f->n], sizeof f->id[0], "%s", r->record_id);
	f->kind[f->n] = r->fork ? 'f' : strcmp(r->form_id, "family-report") == 0 ? 'r' : 'i';
	f->cited[f->n] = r->cited;
	f->n++;
	return f->n >= 50; /* enough to show */
}

/*
 * hub find SLIP-CODE: the records with that code, and the intakes that cite
 * it. Returns 1, having printed nothing, when an undashed query names no
 * record (it is then searched as a name).
 */
static int
find_slip(fk_hubdb *h, const char *code, int dashed, const char *fmt, fk_err *e)
{
	struct slip_found f = {0};
	size_t n = 0, k, row = 0, nfork = 0;
	int c, rc = -1;

	if (fk_hub_find_by_ref(h, code, FK_HUB_REF_CITED | FK_HUB_REF_FORKS, slip_collect, &f, &n,
	    e) != 0) {
		if (!dashed && e->code == FK_EINPUT)
			rc = 1;
		goto out;
	}
	if (f.n == 0 && !dashed) {
		rc = 1;
		goto out;
	}
	if (fk_hub_audit(h, "find", "slip code", (long)f.n, e) != 0)
		goto out;
	if (strcmp(fmt, "tsv") == 0)
		printf("rank\tscore\tform\trecord\tchild\tsurname\tgiven\tpatronymic\tborn\tsex\n");
	else if (strcmp(fmt, "json") == 0)
		printf("[");
	for (k = 0; k < f.n; k++) {
		if (f.kind[k] == 'f') {
			nfork++;
			continue; /* not stored: named below, opened with hub show */
		}
		/* a report: each of its children; an intake: the child it is about */
		for (c = f.kind[k] == 'r' ? 1 : 0; c <= (f.kind[k] == 'r' ? 100 : 0); c++) {
			json_t *v = NULL;
			char born[32];
			const char *form = f.kind[k] == 'r' ? "family-report" : "child-intake";
			if (fk_match_db_view(h, f.id[k], c, &v, e) != 0) {
				if (c > 1)
					break; /* past the report's last child */
				goto out;
			}
			dob_text(v, born, sizeof born);
			row++;
			if (strcmp(fmt, "tsv") == 0) {
				printf("%zu\t1.000\t%s\t%s\t%d\t", row, form, f.id[k], c);
				tsv_names(v, born);
			} else if (strcmp(fmt, "json") == 0) {
				json_t *j = json_pack("{s:i, s:f, s:s, s:s, s:i, s:O, s:s}", "rank",
				    (int)row, "score", 1.0, "form", form, "record", f.id[k], "child", c,
				    "fields", v, "slip_code", f.cited[k] ? "cited" : "own");
				char *s = j ? json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
				printf("%s%s", row > 1 ? ",\n " : "", s ? s : "null");
				free(s);
				json_decref(j);
			} else {
				hit_row(row, NULL, f.kind[k], f.id[k], c, f.cited[k] ?
				    _("(cites the code)") : _("(its own code)"), v, born);
			}
			json_decref(v);
		}
	}
	if (strcmp(fmt, "json") == 0)
		printf("]\n");
	else if (strcmp(fmt, "table") == 0 && f.n == nfork)
		printf(_("no stored record has this slip code\n"));
	/* A fork is no stored record (no row to print): where it is, on stderr so
	 * that tsv and json stay rows. */
	for (k = 0; k < f.n; k++)
		if (f.kind[k] == 'f')
			fprintf(stderr, _("record %s has this slip code but is kept for review (a second "
			    "record at a sequence number), not stored; open it with `fieldkit hub show "
			    "%s`\n"), f.id[k], f.id[k]);
	rc = 0;
out:
	free(f.id);
	free(f.kind);
	free(f.cited);
	return rc;
}

/* Forks (second records at a held sequence number) are kept for review, not
 * stored, so find does not search them; say so while there are any. */
static void
note_forks(fk_hubdb *h)
{
	long n = 0;
	fk_err e = {0};

	if (fk_hub_fork_count(h, &n, &e) == 0 && n > 0)
		fprintf(stderr, ngettext("note: %ld record kept for review (a second record at a "
		    "sequence number) is not searched; `fieldkit hub conflicts` lists it\n",
		    "note: %ld records kept for review (second records at a sequence number) are "
		    "not searched; `fieldkit hub conflicts` lists them\n", (unsigned long)n), n);
}

static int
hub_find(fk_hubdb *h, const struct mopts *o, int argc, char **argv, fk_err *e)
{
	char q[1024] = "", detail[160];
	int by = 0, bm = 0, bd = 0, sex = 0, i;
	size_t n = 0, k, len = 0;
	fk_match_hit *hits = NULL;
	const char *fmt = o->format ? o->format : "table";

	if (argc < 1)
		return fk_usage_error("hub find", _("say whom to look for: a name, in any script"));
	for (i = 0; i < argc; i++) {
		int w = snprintf(q + len, sizeof q - len, "%s%s", i ? " " : "", argv[i]);
		if (w < 0 || (size_t)w >= sizeof q - len)
			return fk_usage_error("hub find", _("the query is too long"));
		len += (size_t)w;
	}
	/* A slip code (the family's paper slip): the records that carry or cite it. */
	if (argc == 1 && o->born == NULL && o->sex == NULL && (i = looks_like_slip(argv[0])) != 0) {
		int k2 = find_slip(h, argv[0], i == 2, fmt, e);
		if (k2 == 0)
			return 0;
		if (k2 < 0)
			return fk_report(e);
	}
	if (o->born != NULL) {
		size_t bl = strlen(o->born);
		if ((bl != 4 && bl != 10) || sscanf(o->born, "%4d", &by) != 1 || by < 1900 ||
		    by > 2100 || (bl == 10 && (sscanf(o->born, "%4d-%2d-%2d", &by, &bm, &bd) != 3 ||
		    bm < 1 || bm > 12 || bd < 1 || bd > 31)))
			return fk_usage_error("hub find", _("--born is YYYY or YYYY-MM-DD"));
	}
	if (o->sex != NULL) {
		if (strcmp(o->sex, "f") != 0 && strcmp(o->sex, "m") != 0)
			return fk_usage_error("hub find", _("--sex is f or m"));
		sex = o->sex[0];
	}
	if (fk_match_db_find(h, q, by, bm, bd, sex, 10, &hits, &n, e) != 0)
		return fk_report(e);
	snprintf(detail, sizeof detail, "%.120s", q);
	if (fk_hub_audit(h, "find", detail, (long)n, e) != 0) {
		free(hits);
		return fk_report(e);
	}
	if (strcmp(fmt, "tsv") == 0)
		printf("rank\tscore\tform\trecord\tchild\tsurname\tgiven\tpatronymic\tborn\tsex\n");
	else if (strcmp(fmt, "json") == 0)
		printf("[");
	for (k = 0; k < n; k++) {
		json_t *v = NULL;
		char born[32];
		const char *form = hits[k].kind == 'r' ? "family-report" : "child-intake";
		if (fk_match_db_view(h, hits[k].intake, hits[k].child, &v, e) != 0) {
			free(hits);
			return fk_report(e);
		}
		dob_text(v, born, sizeof born);
		if (strcmp(fmt, "tsv") == 0) {
			printf("%zu\t%.3f\t%s\t%s\t%d\t", k + 1, hits[k].p, form, hits[k].intake,
			    hits[k].child);
			tsv_names(v, born);
		} else if (strcmp(fmt, "json") == 0) {
			json_t *why = json_object(), *j;
			int f;
			for (f = 0; f < MF_N && why; f++)
				if (hits[k].level[f])
					json_object_set_new(why, fk_match_field_name(f), json_pack("{s:s, s:f}",
					    "level", fk_match_level_name(f, hits[k].level[f]), "weight",
					    hits[k].weight[f]));
			j = json_pack("{s:i, s:f, s:s, s:s, s:i, s:O, s:o, s:f}", "rank", (int)k + 1,
			    "score", hits[k].p, "form", form, "record", hits[k].intake, "child",
			    hits[k].child, "fields", v, "why", why ? why : json_null(), "match_weight",
			    hits[k].total);
			char *s = j ? json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
			printf("%s%s", k ? ",\n " : "", s ? s : "null");
			free(s);
			json_decref(j);
		} else {
			double sc = hits[k].p;
			hit_row(k + 1, &sc, hits[k].kind, hits[k].intake, hits[k].child, NULL, v, born);
		}
		json_decref(v);
	}
	if (strcmp(fmt, "json") == 0)
		printf("]\n");
	else if (strcmp(fmt, "table") == 0 && n == 0)
		printf(_("nothing found\n"));
	free(hits);
	note_forks(h);
	return 0;
}

/* ---- match ---- */

/* "REPORT:CHILD" */
static int
parse_target(const char *s, char *report, size_t n, int *child)
{
	const char *c = strrchr(s, ':');
	char *end;
	long v;

	if (c == NULL || c == s || (size_t)(c - s) >= n)
		return -1;
	v = strtol(c + 1, &end, 10);
	if (*end != 0 || v < 1 || v > 1000)
		return -1;
	memcpy(report, s, (size_t)(c - s));
	report[c - s] = 0;
	*child = (int)v;
	return 0;
}

static int
hub_decide(fk_hubdb *h, const struct mopts *o, int argc, char **argv, fk_err *e)
{
	const char *intake = o->confirm ? o->confirm : o->reject;
	char report[FK_MATCH_IDLEN];
	fk_match_prev prev;
	int child;

	if (o->confirm && o->reject)
		return fk_usage_error("hub match", _("--confirm or --reject, not both"));
	if (argc != 1 || parse_target(argv[0], report, sizeof report, &child) != 0)
		return fk_usage_error("hub match", _("say INTAKE REPORT:CHILD, for example "
		    "--confirm 1f0e... 9a3c...:2"));
	if (fk_match_db_decide(h, intake, report, child, o->confirm != NULL, &prev, e) != 0)
		return fk_report(e);
	if (strcmp(prev.decision, o->confirm ? "confirmed" : "rejected") == 0) {
		if (o->confirm)
			printf(_("already confirmed by %s at %s: intake %s is child %d of report %s; "
			    "nothing changed\n"), fk_show(prev.who), prev.at, intake, child, report);
		else
			printf(_("already rejected by %s at %s: intake %s is not child %d of report %s; "
			    "nothing changed\n"), fk_show(prev.who), prev.at, intake, child, report);
		return 0;
	}
	if (prev.decision[0] && o->confirm)
		printf(_("this replaces the earlier decision: rejected by %s at %s (both kept in "
		    "the log)\n"), fk_show(prev.who), prev.at);
	else if (prev.decision[0])
		printf(_("this replaces the earlier decision: confirmed by %s at %s; the link is "
		    "removed (both kept in the log)\n"), fk_show(prev.who), prev.at);
	if (o->confirm)
		printf(_("confirmed: intake %s is child %d of report %s (logged)\n"), intake, child,
		    report);
	else
		printf(_("rejected: intake %s is not child %d of report %s; this pair will not be "
		    "proposed again (logged)\n"), intake, child, report);
	return 0;
}

static const char *
decision(const fk_match_hit *x)
{
	return x->status == 'r' ? "review" : "match";
}

struct trow {
	const char *label;
	char a[512], b[512];
	int f;
};

static void
names_of(json_t *v, const char *a, const char *b, char *out, size_t n)
{
	const char *x = str(v, a), *y = str(v, b);

	snprintf(out, n, "%s%s%s%s", x, y[0] && x[0] ? " (" : "", y, y[0] && x[0] ? ")" : "");
}

static void
members_of(json_t *v, char *out, size_t n)
{
	json_t *m = json_object_get(v, "family_members"), *x;
	size_t i, len = 0;

	out[0] = 0;
	if (json_object_get(v, "reporter_surname_cyr") != NULL) {
		snprintf(out, n, "%s %s%s%s%s", str(v, "reporter_given_cyr"),
		    str(v, "reporter_surname_cyr"), str(v, "relationship")[0] ? " (" : "",
		    str(v, "relationship")[0] ? relation_word(str(v, "relationship")) : "",
		    str(v, "relationship")[0] ? ")" : "");
		return;
	}
	json_array_foreach(m, i, x) {
		int w = snprintf(out + len, n - len, "%s%s (%s)", i ? ", " : "",
		    str(x, "member_name_cyr"), relation_word(str(x, "member_relationship")));
		if (w < 0 || (size_t)w >= n - len)
			break;
		len += (size_t)w;
	}
}

/* Document numbers, and the report reference (a report's own; the one an intake names). */
static void
docs_of(json_t *v, int intake, char *out, size_t n)
{
	json_t *m = json_object_get(v, "family_members"), *x;
	const char *d = intake ? str(v, "docs_numbers") : str(v, "birth_cert_no");
	const char *sref = str(v, "short_ref");
	char t[128], ref[16];
	size_t i, len;

	snprintf(out, n, "%s", d);
	if (!intake && sref[0]) {
		/* the slip shows it as XXXX-XXXX */
		if (strlen(sref) == 8)
			snprintf(ref, sizeof ref, "%.4s-%.4s", sref, sref + 4);
		else
			snprintf(ref, sizeof ref, "%.15s", sref);
		snprintf(t, sizeof t, _("report %s"), ref);
		len = strlen(out);
		snprintf(out + len, n - len, "%s%s", len ? ", " : "", t);
	}
	json_array_foreach(m, i, x) {
		const char *r = str(x, "member_report_ref");
		if (r[0] == 0)
			continue;
		snprintf(t, sizeof t, _("names report %.16s"), r);
		len = strlen(out);
		snprintf(out + len, n - len, "%s%s", len ? ", " : "", t);
	}
}

static int
show_table(fk_hubdb *h, const fk_match_hit *x, fk_err *e)
{
	json_t *a = NULL, *b = NULL;
	struct trow r[9];
	size_t nr = 0, i, wl, wa;

	if (fk_match_db_view(h, x->intake, 0, &a, e) != 0 ||
	    fk_match_db_view(h, x->report, x->child, &b, e) != 0) {
		json_decref(a);
		return -1;
	}
	printf(_("intake %s  <->  report %s child %d   score %.3f  %s\n"), x->intake, x->report,
	    x->child, x->p, decision_word(x));
	if (x->status != 'c') {
		memset(r, 0, sizeof r);
		r[nr].label = _("given name"), r[nr].f = MF_GIVEN;
		names_of(a, "given_cyr", "given_lat", r[nr].a, sizeof r[nr].a);
		names_of(b, "given_cyr", "given_lat", r[nr].b, sizeof r[nr].b), nr++;
		r[nr].label = _("surname"), r[nr].f = MF_SURNAME;
		names_of(a, "surname_cyr", "surname_lat", r[nr].a, sizeof r[nr].a);
		names_of(b, "surname_cyr", "surname_lat", r[nr].b, sizeof r[nr].b), nr++;
		r[nr].label = _("patronymic"), r[nr].f = MF_PATR;
		snprintf(r[nr].a, sizeof r[nr].a, "%s", str(a, "patronymic_cyr"));
		snprintf(r[nr].b, sizeof r[nr].b, "%s", str(b, "patronymic_cyr")), nr++;
		r[nr].label = _("other names"), r[nr].f = -1;
		snprintf(r[nr].a, sizeof r[nr].a, "%s", str(a, "away_names_cyr"));
		snprintf(r[nr].b, sizeof r[nr].b, "%s", str(b, "nicknames_cyr")), nr++;
		r[nr].label = _("date of birth"), r[nr].f = MF_DOB;
		dob_text(a, r[nr].a, sizeof r[nr].a);
		dob_text(b, r[nr].b, sizeof r[nr].b), nr++;
		r[nr].label = _("sex"), r[nr].f = MF_SEX;
		snprintf(r[nr].a, sizeof r[nr].a, "%s", sex_word(str(a, "sex")));
		snprintf(r[nr].b, sizeof r[nr].b, "%s", sex_word(str(b, "sex"))), nr++;
		r[nr].label = _("documents"), r[nr].f = MF_DOC;
		docs_of(a, 1, r[nr].a, sizeof r[nr].a);
		docs_of(b, 0, r[nr].b, sizeof r[nr].b), nr++;
		r[nr].label = _("relatives"), r[nr].f = MF_REL;
		members_of(a, r[nr].a, sizeof r[nr].a);
		members_of(b, r[nr].b, sizeof r[nr].b), nr++;
		/* columns by display width: the labels, then the intake's side */
		wl = cols(_("field")), wa = cols(_("intake"));
		for (i = 0; i < nr; i++) {
			if (cols(r[i].label) > wl)
				wl = cols(r[i].label);
			if (cols(fk_show(r[i].a)) > wa)
				wa = cols(fk_show(r[i].a));
		}
		wl += 2;
		wa = wa > 40 ? 42 : wa + 2;
		printf("  ");
		put_padded(_("field"), wl);
		put_padded(_("intake"), wa);
		printf("%s\n", _("report"));
		for (i = 0; i < nr; i++) {
			size_t wb;
			printf("  ");
			put_padded(r[i].label, wl);
			put_padded(fk_show(r[i].a[0] ? r[i].a : "-"), wa);
			fputs(fk_show(r[i].b[0] ? r[i].b : "-"), stdout);
			wb = cols(fk_show(r[i].b[0] ? r[i].b : "-"));
			if (r[i].f >= 0) {
				int f = r[i].f;
				const char *lv = x->level[f] ? _(fk_match_level_name(f, x->level[f])) :
				    _("missing");
				printf("%*s[%s%s, %+.1f]", (int)(wb < 30 ? 32 - wb : 2), "",
				    x->level[f] == 0 ? "" : x->weight[f] > 0 ? _("agrees: ") :
				    _("differs: "), lv, x->weight[f]);
			}
			putchar('\n');
		}
		printf(_("  match weight %+.1f: the sum of the fields (log2); the score also weighs a "
		    "brother or sister and the intake's other candidates\n"), x->total);
	}
	putchar('\n');
	json_decref(a);
	json_decref(b);
	return 0;
}

static int
hub_candidates(fk_hubdb *h, fk_err *e)
{
	char (*ids)[FK_MATCH_IDLEN] = NULL;
	size_t n = 0, i;
	int *child = NULL;

	if (fk_match_db_blocked(h, &ids, &child, &n, e) != 0)
		return fk_report(e);
	printf("intake\treport\tchild\n");
	for (i = 0; i < n; i++)
		printf("%s\t%s\t%d\n", ids[2 * i], ids[2 * i + 1], child[i]);
	free(ids);
	free(child);
	return 0;
}

static int
hub_match(fk_hubdb *h, const struct mopts *o, int argc, char **argv, fk_err *e)
{
	fk_match_hit *hits = NULL;
	fk_match_run r;
	size_t n = 0, i;
	const char *fmt = o->format ? o->format : "table";
	char detail[128];

	if (o->confirm || o->reject)
		return hub_decide(h, o, argc, argv, e);
	if (argc != 0)
		return fk_usage_error("hub match", _("unexpected argument %s"), argv[0]);
	if (o->candidates)
		return hub_candidates(h, e);
	if (fk_match_db_run(h, o->all, &hits, &n, &r, e) != 0)
		return fk_report(e);
	snprintf(detail, sizeof detail, "%s%s: %zu pairs", fmt, o->all ? " --all" : "", n);
	if (fk_hub_audit(h, strcmp(fmt, "table") == 0 ? "match-view" : "match", detail,
	    (long)n, e) != 0) {
		free(hits);
		return fk_report(e);
	}
	if (strcmp(fmt, "tsv") == 0) {
		printf("intake\treport\tchild\tscore\tdecision\n");
		for (i = 0; i < n; i++)
			printf("%s\t%s\t%d\t%.3f\t%s\n", hits[i].intake, hits[i].report, hits[i].child,
			    hits[i].p, decision(hits + i));
	} else if (strcmp(fmt, "json") == 0) {
		json_t *arr = json_array();
		char *s;
		for (i = 0; i < n && arr; i++) {
			json_t *f = json_object();
			int k;
			for (k = 0; k < MF_N && f; k++)
				if (hits[i].level[k])
					json_object_set_new(f, fk_match_field_name(k), json_pack(
					    "{s:s, s:f}", "level", fk_match_level_name(k, hits[i].level[k]),
					    "weight", hits[i].weight[k]));
			/* weight: what the field added (log2, term frequencies included);
			 * match_weight: their sum, the evidence the score was computed from */
			json_array_append_new(arr, json_pack("{s:s, s:s, s:i, s:f, s:s, s:b, s:o, s:f}",
			    "intake", hits[i].intake, "report", hits[i].report, "child", hits[i].child,
			    "score", hits[i].p, "decision", decision(hits + i), "confirmed",
			    hits[i].status == 'c', "fields", f, "match_weight", hits[i].total));
		}
		s = arr ? json_dumps(arr, JSON_INDENT(1)) : NULL;
		printf("%s\n", s ? s : "[]");
		free(s);
		json_decref(arr);
	} else {
		for (i = 0; i < n; i++)
			if (show_table(h, hits + i, e) != 0) {
				free(hits);
				return fk_report(e);
			}
		printf(_("%zu intakes and %zu children of family reports compared; %zu pairs shown "
		    "(%zu confirmed, %zu rejected before)\n"), r.st.nintake, r.st.nreport, n,
		    r.nconfirmed, r.nrejected);
	}
	if (r.st.nskip_intake || r.st.nskip_report)
		fk_warn(_("skipped, consent does not allow tracing: %zu intakes, %zu children of "
		    "family reports"), r.st.nskip_intake, r.st.nskip_report);
	free(hits);
	return 0;
}

/* ---- duplicates ---- */

static int
hub_dups(fk_hubdb *h, const struct mopts *o, int argc, char **argv, fk_err *e)
{
	fk_match_dup *d = NULL;
	size_t n = 0, nc = 0, i;
	const char *fmt = o->format ? o->format : "tsv";
	char detail[64];

	if (argc != 0)
		return fk_usage_error("hub duplicates", _("unexpected argument %s"), argv[0]);
	if (fk_match_db_dups(h, &d, &n, &nc, e) != 0)
		return fk_report(e);
	snprintf(detail, sizeof detail, "%zu clusters", nc);
	if (fk_hub_audit(h, "duplicates", detail, (long)n, e) != 0) {
		free(d);
		return fk_report(e);
	}
	if (strcmp(fmt, "json") == 0) {
		json_t *arr = json_array();
		char *s;
		for (i = 0; i < n && arr; i++)
			json_array_append_new(arr, json_pack("{s:i, s:s, s:i, s:f}", "cluster",
			    (int)d[i].cluster, "report", d[i].report, "child", d[i].child, "score",
			    d[i].p));
		s = arr ? json_dumps(arr, JSON_INDENT(1)) : NULL;
		printf("%s\n", s ? s : "[]");
		free(s);
		json_decref(arr);
	} else {
		printf("cluster\treport\tchild\tscore\n");
		for (i = 0; i < n; i++)
			printf("%zu\t%s\t%d\t%.3f\n", d[i].cluster, d[i].report, d[i].child, d[i].p);
	}
	free(d);
	return 0;
}

/* Parses a matching command's options, opens the hub and runs it. */
static int
run(const char *cmd, const char *help, const char *home, const char *passfile, int argc,
    char **argv, int (*fn)(fk_hubdb *, const struct mopts *, int, char **, fk_err *),
    int table_ok)
{
	struct mopts o = {home, passfile, NULL, NULL, NULL, NULL, NULL, 0, 0};
	const struct fk_opt opt[] = {
		FK_STR("home", 0, &o.home), FK_STR("passphrase-file", 0, &o.passfile),
		FK_STR("format", 0, &o.format), FK_STR("born", 0, &o.born),
		FK_STR("sex", 0, &o.sex), FK_FLAG("all", 0, &o.all),
		FK_STR("confirm", 0, &o.confirm), FK_STR("reject", 0, &o.reject),
		FK_FLAG("candidates", 0, &o.candidates), FK_OPT_END};
	const struct fk_opt few[] = {
		FK_STR("home", 0, &o.home), FK_STR("passphrase-file", 0, &o.passfile),
		FK_STR("format", 0, &o.format), FK_OPT_END};
	fk_hubdb *h = NULL;
	fk_args pos;
	fk_err e = {0};
	int rc;

	if ((rc = fk_opts_parse(cmd, help, table_ok == 2 ? few : opt, argc, argv, &pos)) != FK_GO)
		return rc;
	if (o.home == NULL || o.home[0] == 0)
		return fk_usage_error(cmd, _("say where the hub is: --home DIR (or set "
		    "FIELDKIT_HUB_HOME)"));
	if (!format_ok(o.format, table_ok == 1))
		return fk_usage_error(cmd, table_ok == 1 ? _("--format is table, tsv or json") :
		    _("--format is tsv or json"));
	if (fk_hub_open_unlocked(&h, o.home, o.passfile, &e) != 0)
		return fk_report(&e);
	rc = fn(h, &o, (int)pos.n, pos.v, &e);
	fk_hub_close(h);
	return rc;
}

static int
find_main(const char *cmd, const char *home, const char *passfile, int argc, char **argv)
{
	return run(cmd, find_help, home, passfile, argc, argv, hub_find, 1);
}

static int
match_main(const char *cmd, const char *home, const char *passfile, int argc, char **argv)
{
	return run(cmd, match_help, home, passfile, argc, argv, hub_match, 1);
}

static int
dups_main(const char *cmd, const char *home, const char *passfile, int argc, char **argv)
{
	return run(cmd, dups_help, home, passfile, argc, argv, hub_dups, 2);
}

const struct fk_match_cmd fk_hub_find_cmd = {find_main};
const struct fk_match_cmd fk_hub_match_cmd = {match_main};
const struct fk_match_cmd fk_hub_dups_cmd = {dups_main};
