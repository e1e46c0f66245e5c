/*
 * wizard.c - see wizard.h. Everything it shows comes from the session
 * (fk_session_step, fk_session_review); everything typed goes to it.
 */
#include "wizard.h"

#include <ctype.h>
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "lineedit.h"
#include "schema.h"
#include "session.h"
#include "shortref.h"

static volatile int interrupted;

static void
on_sigint(int sig)
{
	(void)sig;
	interrupted = 1;
}

struct wiz {
	const fk_wizard_opts *o;
	fk_session *s;
	fk_le le;
	FILE *out;
	fk_secbuf val;      /* rendered values (sodium memory) */
	fk_issues is;
	char ctx[1024];     /* the heading last shown */
	size_t focus;       /* the review row number to show first (after a jump) */
};

enum { GO_ON, GO_DRAFT, GO_SEALED, GO_FAIL };

/* ---- output ---- */

/* Writes outside text (answers, file names) with control characters as '?'. */
static void
put_text(FILE *out, const char *p)
{
	const unsigned char *u = (const unsigned char *)p;

	for (; *u; u++) {
		if (*u < 0x20 || *u == 0x7f)
			fputc('?', out);
		else if (*u == 0xc2 && u[1] >= 0x80 && u[1] <= 0x9f) {
			fputc('?', out); /* C1 controls */
			u++;
		} else
			fputc(*u, out);
	}
}

/*
 * Writes form text (a label, a hint, a note) wrapped at blanks to the
 * terminal's width; the cursor is at column col, and lines after the first
 * start at column indent.
 */
static void
put_wrapped(struct wiz *w, const char *p, size_t col, size_t indent)
{
	int rows, cols, first = 1;
	size_t room;

	fk_le_size(&w->le, &rows, &cols);
	room = cols > 30 ? (size_t)cols - 1 : 79;
	while (*p == ' ')
		p++;
	while (*p) {
		size_t n = strcspn(p, " "), wd = fk_le_width(p, n);
		if (!first) {
			if (col + 1 + wd > room) {
				fprintf(w->out, "\n%*s", (int)indent, "");
				col = indent;
			} else {
				fputc(' ', w->out);
				col++;
			}
		}
		fwrite(p, 1, n, w->out);
		col += wd;
		first = 0;
		p += n;
		while (*p == ' ')
			p++;
	}
}

/* Choices numbered from 1; in columns when there are many and they fit. */
static void
show_choices(struct wiz *w, const fk_field *x)
{
	size_t n = fk_field_nchoices(x), i, r, c, maxw = 0, ncols = 1, nrows;
	int rows, cols;
	char num[32];

	fk_le_size(&w->le, &rows, &cols);
	for (i = 0; i < n; i++) {
		const char *l = fk_field_choice_label(x, i, fk_session_lang(w->s));
		size_t wd = fk_le_width(l, strlen(l)) + 6;
		maxw = wd > maxw ? wd : maxw;
	}
	if (n > 8 && maxw > 0)
		for (ncols = 3; ncols > 1 && ncols * (maxw + 2) + 2 > (size_t)cols; ncols--)
			;
	nrows = (n + ncols - 1) / (ncols ? ncols : 1);
	for (r = 0; r < nrows; r++) {
		fputs("  ", w->out);
		for (c = 0; c < ncols; c++) {
			const char *l;
			i = c * nrows + r;
			if (i >= n)
				break;
			l = fk_field_choice_label(x, i, fk_session_lang(w->s));
			snprintf(num, sizeof num, "%2zu) ", i + 1);
			fputs(num, w->out);
			fputs(l, w->out);
			if (c + 1 < ncols && (c + 1) * nrows + r < n)
				fprintf(w->out, "%*s", (int)(maxw + 2 - 4 - fk_le_width(l, strlen(l))), "");
		}
		fputc('\n', w->out);
	}
}

static const char *
lang(const struct wiz *w)
{
	return fk_session_lang(w->s);
}

/* The readable text of a value, in w->val (empty for none). */
static const char *
value_text(struct wiz *w, const fk_field *x, const json_t *v)
{
	fk_err e = { 0 };

	if (fk_session_value_text(w->s, x, v, &w->val, &e) != 0 || w->val.p == NULL)
		return "";
	return (const char *)w->val.p;
}

static void
show_issues(struct wiz *w)
{
	size_t i;

	for (i = 0; i < w->is.n; i++)
		fprintf(w->out, "  ! %s\n", w->is.v[i].msg);
	fk_issues_clear(&w->is);
}

static void
show_keys(struct wiz *w)
{
	const char *t[2] = {
	    _("Enter keeps the answer or takes the suggestion; a lone '-' clears an optional answer;"),
	    _("'<' goes back; ':review' shows all answers; ':remove' takes away the entry being "
	      "answered;\n':draft' saves a draft and stops; ':lang uk' or ':lang en' switches language.")
	};
	char line[512];
	size_t i;

	/* Each line wrapped at blanks to the terminal (not cut mid-word at 80
	 * columns), continued two columns in. */
	for (i = 0; i < 2; i++) {
		const char *p = t[i];
		while (*p) {
			size_t n = strcspn(p, "\n");
			snprintf(line, sizeof line, "%.*s", (int)n, p);
			put_wrapped(w, line, 0, 2);
			fputc('\n', w->out);
			p += n + (p[n] == '\n');
		}
	}
}

/* "Sought child 2 of 3 › Photos of the child 1 of 2 › Residence" for a step. */
static void
context(struct wiz *w, const fk_step *st, char *out, size_t cap)
{
	size_t i, o = 0;
	int n;

	out[0] = '\0';
	for (i = 0; i < st->nentry && st->entry[i].repeat != NULL; i++) {
		n = snprintf(out + o, cap - o, _("%s%s %zu of %zu"), o ? " \xe2\x80\xba " : "",
		    fk_field_label(st->entry[i].repeat, lang(w)), st->entry[i].index + 1,
		    st->entry[i].count);
		if (n < 0 || (size_t)n >= cap - o)
			return;
		o += (size_t)n;
	}
	if (st->group != NULL && st->kind != FK_STEP_ADD)
		snprintf(out + o, cap - o, "%s%s", o ? " \xe2\x80\xba " : "",
		    fk_field_label(st->group, lang(w)));
}

static void
heading(struct wiz *w, const fk_step *st)
{
	char c[sizeof w->ctx];

	context(w, st, c, sizeof c);
	if (strcmp(c, w->ctx) != 0 && c[0] != '\0') {
		fputs("\n== ", w->out);
		put_text(w->out, c);
		fputs(" ==\n", w->out);
	}
	snprintf(w->ctx, sizeof w->ctx, "%s", c);
}

static void
show_question(struct wiz *w, const fk_step *st)
{
	const fk_field *x = st->field;
	const char *hint = fk_field_hint(x, lang(w));
	enum fk_ftype t = fk_field_type(x);

	heading(w, st);
	if (st->fresh_entry)
		fprintf(w->out, "%s\n", _("  (a new entry: ':remove' takes it away again)"));
	{
		char head[64];
		int n = snprintf(head, sizeof head, "\n[%zu/%zu] ", st->number, st->total);
		fputs(head, w->out);
		put_wrapped(w, fk_field_label(x, lang(w)), (size_t)n - 1, (size_t)n - 1);
		fprintf(w->out, "%s\n", st->required ? " *" : "");
	}
	if (hint != NULL) {
		fputs("  (", w->out);
		put_wrapped(w, hint, 3, 3);
		fputs(")\n", w->out);
	}
	show_choices(w, x);
	if (t == FK_T_SELECT_ONE)
		fprintf(w->out, "  %s\n", _("Type the number or the label."));
	else if (t == FK_T_SELECT_MULTIPLE)
		fprintf(w->out, "  %s\n", _("Type numbers or labels, separated by commas."));
	else if (t == FK_T_ATTACHMENT)
		fprintf(w->out, "  %s\n", _("Type the file's name (with its folder)."));
	else if (t == FK_T_DATE)
		fprintf(w->out, "  %s\n", _("Type the date as DD.MM.YYYY (14.5.2012 will do) or YYYY-MM-DD."));
	if (st->value != NULL) {
		fprintf(w->out, "  %s ", _("now:"));
		put_text(w->out, value_text(w, x, st->value));
		fprintf(w->out, "  %s\n", st->required ? _("(Enter keeps it)") :
		    _("(Enter keeps it, - clears it)"));
		if (st->suggestion != NULL && !json_equal(st->suggestion, st->value) &&
		    fk_field_translit_from(x) != NULL) {
			fprintf(w->out, "  %s ", _("the transliteration is now:"));
			put_text(w->out, value_text(w, x, st->suggestion));
			fputc('\n', w->out);
		}
	} else if (st->suggestion != NULL) {
		fprintf(w->out, "  %s ", _("suggested:"));
		put_text(w->out, value_text(w, x, st->suggestion));
		fprintf(w->out, "  %s\n", _("(Enter takes it)"));
	} else if (!st->required) {
		fprintf(w->out, "  %s\n", _("(optional: Enter leaves it empty)"));
	}
}

static void
show_info(struct wiz *w, const fk_step *st)
{
	heading(w, st);
	if (fk_field_type(st->field) == FK_T_NOTE) {
		fputs("\n-- ", w->out);
		put_wrapped(w, fk_field_label(st->field, lang(w)), 3, 3);
		fputc('\n', w->out);
		return;
	}
	fprintf(w->out, "\n-- %s: ", fk_field_label(st->field, lang(w)));
	put_text(w->out, st->suggestion ? value_text(w, st->field, st->suggestion) : "\xe2\x80\x94");
	fputc('\n', w->out);
}

static void
show_add(struct wiz *w, const fk_step *st)
{
	heading(w, st);
	fprintf(w->out, "\n[%zu/%zu] %s: ", st->number, st->total, fk_field_label(st->field, lang(w)));
	if (st->count == 0)
		fprintf(w->out, "%s\n", _("add one? y = yes, Enter = no"));
	else
		fprintf(w->out, _("%zu so far; add another? y = yes, Enter = no\n"), st->count);
}

/* ---- reading ---- */

static int
read_line(struct wiz *w, const char *edit)
{
	return fk_le_read(&w->le, "> ", edit, &interrupted);
}

static int
is_cmd(const struct wiz *w, const char *cmd)
{
	return w->le.line.len == strlen(cmd) && memcmp(w->le.line.p, cmd, w->le.line.len) == 0;
}

static int
is_yes(const struct wiz *w)
{
	return is_cmd(w, "y") || is_cmd(w, "Y") || is_cmd(w, "yes") || is_cmd(w, "т") ||
	    is_cmd(w, "Т") || is_cmd(w, "так");
}

/* Commands that work at any prompt. Returns GO_* or -1 when the line is not one. */
static int
common_cmd(struct wiz *w, int r, fk_err *e)
{
	const char *l = (const char *)w->le.line.p;

	if (r == FK_LE_EOF || r == FK_LE_INTR)
		return GO_DRAFT;
	if (r != FK_LE_LINE)
		return GO_FAIL;
	if (is_cmd(w, ":draft"))
		return GO_DRAFT;
	if (is_cmd(w, ":help") || is_cmd(w, "?")) {
		show_keys(w);
		return GO_ON;
	}
	if (w->le.line.len > 6 && memcmp(l, ":lang ", 6) == 0) {
		if (fk_session_set_lang(w->s, l + 6, e) == 0) {
			fk_i18n_switch(l + 6);
		} else {
			fprintf(w->out, "  ! %s\n", e->msg);
			fk_err_clear(e);
		}
		w->ctx[0] = '\0';
		return GO_ON;
	}
	if (is_cmd(w, ":review"))
		return fk_session_goto_review(w->s, e) == 0 ? GO_ON : GO_FAIL;
	return -1;
}

static int
remove_entry(struct wiz *w, fk_err *e)
{
	char entry[1024], label[512];
	int r, h;

	r = fk_session_cursor_entry(w->s, entry, sizeof entry, e);
	if (r < 0)
		return GO_FAIL;
	if (r > 0) {
		fprintf(w->out, "  ! %s\n", _("this question is not in an entry that can be removed"));
		return GO_ON;
	}
	fk_form_path_label(fk_session_form(w->s), entry, lang(w), label, sizeof label);
	fprintf(w->out, _("Remove %s with all its answers? y = yes, Enter = no\n"), label);
	r = read_line(w, NULL);
	if ((h = common_cmd(w, r, e)) >= 0)
		return h;
	if (!is_yes(w))
		return GO_ON;
	if (fk_session_remove_entry(w->s, entry, e) != 0) {
		if (e->code != FK_ELIMIT && e->code != FK_EINPUT)
			return GO_FAIL;
		fprintf(w->out, "  ! %s\n", e->msg);
		fk_err_clear(e);
		return GO_ON;
	}
	fprintf(w->out, _("  (%s removed)\n"), label);
	w->ctx[0] = '\0';
	return GO_ON;
}

/* One step: shows it, reads what the worker does. */
static int
ask(struct wiz *w, const fk_step *st, fk_err *e)
{
	const char *edit = NULL;
	char *copy = NULL;
	int r, h, rc;

	if (st->kind == FK_STEP_INFO) {
		show_info(w, st);
		return fk_session_keep(w->s, &w->is, e) < 0 ? GO_FAIL : GO_ON;
	}
	if (st->kind == FK_STEP_ADD)
		show_add(w, st);
	else
		show_question(w, st);
	if ((st->value != NULL || st->suggestion != NULL) &&
	    fk_field_type(st->field) != FK_T_ATTACHMENT) {
		/* Up puts the current answer (or the suggestion) on the line for editing. */
		copy = strdup(value_text(w, st->field, st->value ? st->value : st->suggestion));
		edit = copy;
	}
	r = read_line(w, edit);
	if (copy != NULL) {
		sodium_memzero(copy, strlen(copy));
		free(copy);
	}
	if ((h = common_cmd(w, r, e)) >= 0)
		return h;
	if (is_cmd(w, "<")) {
		if ((rc = fk_session_back(w->s, e)) < 0)
			return GO_FAIL;
		if (rc > 0)
			fprintf(w->out, "  %s\n", _("(this is the first question)"));
		return GO_ON;
	}
	if (is_cmd(w, ":remove"))
		return remove_entry(w, e);
	/* ":foo" is a mistyped command, not an answer to be judged as one */
	if (w->le.line.len > 1 && w->le.line.p[0] == ':' && isalpha(w->le.line.p[1])) {
		fprintf(w->out, "  ! %s\n", _("not a command: the commands are :review, :draft, "
		    ":remove, :lang uk or :lang en, and :help"));
		return GO_ON;
	}
	if (w->le.line.len == 0)
		rc = fk_session_keep(w->s, &w->is, e);
	else if (is_cmd(w, "-") && st->kind == FK_STEP_QUESTION)
		rc = fk_session_clear(w->s, NULL, &w->is, e);
	else {
		/* A date as typed (03/04/2015) is said back as understood, in
		 * words: day first, which an English speaker may not expect. */
		char *dpath = st->kind == FK_STEP_QUESTION && fk_field_type(st->field) == FK_T_DATE &&
		    st->path != NULL ? strdup(st->path) : NULL;
		const fk_field *df = st->field;

		rc = fk_session_answer(w->s, NULL, (const char *)w->le.line.p, w->le.line.len,
		    &w->is, e);
		if (rc == 0 && w->is.n == 0 && dpath != NULL) {
			const json_t *v = fk_session_answer_at(w->s, dpath);
			if (v != NULL)
				fprintf(w->out, "  = %s\n", value_text(w, df, v));
		}
		free(dpath);
	}
	if (rc < 0)
		return GO_FAIL;
	show_issues(w);
	return GO_ON;
}

/* ---- the review ---- */

struct line {
	char *text;    /* in sodium memory */
	size_t rows;   /* terminal rows it takes */
	size_t number; /* the row's number, or 0 */
	int heading;   /* a group's or an entry's heading: depth + 1, else 0 */
};

static void
lines_free(struct line *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (v[i].text != NULL)
			sodium_free(v[i].text);
	free(v);
}

static int
add_line(struct line **v, size_t *n, size_t *cap, size_t number, int cols, const char *fmt, ...)
    FK_PRINTF(6, 7);

static int
add_line(struct line **v, size_t *n, size_t *cap, size_t number, int cols, const char *fmt, ...)
{
	va_list ap;
	char tmp[8192];
	size_t len, w;
	int k;

	va_start(ap, fmt);
	k = vsnprintf(tmp, sizeof tmp, fmt, ap);
	va_end(ap);
	if (k < 0)
		return -1;
	len = strlen(tmp);
	if (*n == *cap) {
		struct line *nv = realloc(*v, (*cap ? *cap * 2 : 64) * sizeof *nv);
		if (nv == NULL)
			return -1;
		*v = nv;
		*cap = *cap ? *cap * 2 : 64;
	}
	if (((*v)[*n].text = sodium_malloc(len + 1)) == NULL)
		return -1;
	memcpy((*v)[*n].text, tmp, len + 1);
	sodium_memzero(tmp, sizeof tmp);
	w = fk_le_width((*v)[*n].text, len);
	(*v)[*n].rows = w == 0 ? 1 : (w + (size_t)cols - 1) / (size_t)cols;
	(*v)[*n].number = number;
	(*v)[*n].heading = 0;
	(*n)++;
	return 0;
}

/* Replaces control characters (outside text) in place. */
static void
sanitize(char *p)
{
	unsigned char *u = (unsigned char *)p;

	for (; *u; u++)
		if (*u < 0x20 || *u == 0x7f)
			*u = '?';
}

static int
review_lines(struct wiz *w, const fk_review_rows *r, int cols, struct line **v, size_t *n)
{
	size_t cap = 0, i;
	const char *dash = "\xe2\x80\x94";

	*v = NULL;
	*n = 0;
	for (i = 0; i < r->n; i++) {
		const fk_review_row *x = &r->v[i];
		const char *label = fk_field_label(x->field, lang(w));
		int ind = x->depth * 2, rc = 0;
		char num[24] = "";
		if (x->number > 0)
			snprintf(num, sizeof num, "%zu", x->number);
		switch (x->kind) {
		case FK_ROW_GROUP:
			rc = add_line(v, n, &cap, 0, cols, "%4s %*s%s", "", ind, "", label);
			if (rc == 0)
				(*v)[*n - 1].heading = x->depth + 1;
			break;
		case FK_ROW_ENTRY:
			rc = add_line(v, n, &cap, 0, cols, _("%4s %*s%s %zu of %zu"), "", ind, "", label,
			    x->index + 1, x->count);
			if (rc == 0)
				(*v)[*n - 1].heading = x->depth + 1;
			break;
		case FK_ROW_ANSWER:
		case FK_ROW_CALCULATED:
			rc = add_line(v, n, &cap, x->number, cols, "%4s %*s%s: %s", num, ind, "", label,
			    x->value ? x->value : dash);
			break;
		case FK_ROW_ADD:
			if (x->count == 0)
				rc = add_line(v, n, &cap, x->number, cols, _("%4s %*s%s: none%s"), num, ind, "",
				    label, x->number ? _(" (type the number to add one)") : "");
			else
				rc = add_line(v, n, &cap, x->number, cols, _("%4s %*s%s: %zu%s"), num, ind, "",
				    label, x->count, x->number ? _(" (type the number to add another)") : "");
			break;
		}
		if (rc != 0)
			return -1;
		sanitize((*v)[*n - 1].text);
		if (x->problem != NULL && add_line(v, n, &cap, 0, cols, "%4s %*s  ! %s", "", ind, "",
		    x->problem) != 0)
			return -1;
	}
	/* Problems not tied to one answer (too few entries, the record itself). */
	for (i = 0; i < r->issues.n; i++) {
		size_t j;
		int tied = 0;
		for (j = 0; j < r->n && !tied; j++)
			tied = r->v[j].problem != NULL && strcmp(r->v[j].path, r->issues.v[i].path) == 0;
		if (!tied && add_line(v, n, &cap, 0, cols, "  ! %s%s%s", r->issues.v[i].path,
		    r->issues.v[i].path[0] ? ": " : "", r->issues.v[i].msg) != 0)
			return -1;
	}
	return 0;
}

/* Splits lines into pages of at most `room` terminal rows; returns the page count. */
static size_t
paginate(const struct line *v, size_t n, size_t room, size_t *start, size_t maxpages)
{
	size_t np = 0, used = 0, i;

	for (i = 0; i < n; i++) {
		if (np == 0 || used + v[i].rows > room) {
			if (np == maxpages)
				break;
			start[np++] = i;
			used = 0;
		}
		used += v[i].rows;
	}
	if (np == 0)
		start[np++] = 0;
	return np;
}

static int
seal(struct wiz *w, fk_record_out *res, fk_err *e)
{
	if (fk_session_finalize(w->s, res, e) != 0) {
		/* Nothing was sealed: say why, and stay (a file to attach again, a full disk:
		 * the worker can fix it or save a draft). */
		if (e->code == FK_ENOMEM)
			return GO_FAIL;
		fprintf(w->out, "  ! ");
		put_text(w->out, e->msg);
		fputc('\n', w->out);
		fk_err_clear(e);
		return GO_ON;
	}
	return GO_SEALED;
}

#define MAX_PAGES 256
#define CONTEXT_ROWS 2 /* headings repeated at the top of a page, at most */

/*
 * A page that starts inside a group or an entry shows their headings again,
 * marked as continued (at most CONTEXT_ROWS, the innermost).
 */
static void
show_context(struct wiz *w, const struct line *v, size_t first)
{
	size_t want = v[first].heading ? (size_t)v[first].heading - 1 : (size_t)-1, i, k = 0;
	size_t pick[CONTEXT_ROWS];

	for (i = first; i > 0 && k < CONTEXT_ROWS && want > 0; i--) {
		const struct line *l = &v[i - 1];
		if (l->heading > 0 && (size_t)l->heading <= want) {
			pick[k++] = i - 1;
			want = (size_t)l->heading - 1;
		}
	}
	while (k > 0) {
		fputs(v[pick[--k]].text, w->out);
		fprintf(w->out, " %s\n", _("(continued)"));
	}
}

static int
review(struct wiz *w, fk_record_out *res, fk_err *e)
{
	fk_review_rows r;
	struct line *v = NULL;
	size_t n = 0, start[MAX_PAGES], np, page = 0, i, end, room;
	int rows, cols, rc = GO_FAIL, seen_last = 0, h, k;

	if (fk_session_review(w->s, &r, e) != 0)
		return GO_FAIL;
	fk_le_size(&w->le, &rows, &cols);
	room = rows > 8 + CONTEXT_ROWS ? (size_t)rows - 4 - CONTEXT_ROWS : 4;
	if (review_lines(w, &r, cols, &v, &n) != 0) {
		fk_fail(e, FK_ENOMEM, _("out of memory"));
		goto out;
	}
	np = paginate(v, n, room, start, MAX_PAGES);
	for (i = 0; w->focus > 0 && i < n; i++)
		if (v[i].number == w->focus)
			for (page = 0; page + 1 < np && start[page + 1] <= i; page++)
				;
	w->focus = 0;
	w->ctx[0] = '\0';
	for (;;) {
		end = page + 1 < np ? start[page + 1] : n;
		fprintf(w->out, "\n== %s: %s (", _("Review"), fk_form_title(fk_session_form(w->s),
		    lang(w)));
		fprintf(w->out, _("page %zu of %zu"), page + 1, np);
		fputs(") ==\n", w->out);
		show_context(w, v, start[page]);
		for (i = start[page]; i < end; i++)
			fprintf(w->out, "%s\n", v[i].text);
		if (page + 1 == np)
			seen_last = 1;
		if (page + 1 < np)
			fprintf(w->out, "%s\n", _("-- Enter: next page; a number: change that answer; "
			    "'<': previous page; ':draft': save and stop"));
		else if (r.issues.n > 0 || r.issues.dropped > 0)
			fprintf(w->out, _("-- %zu problems to fix before sealing: type the number of an "
			    "answer to change it; ':draft': save and stop\n"), r.issues.n + r.issues.dropped);
		else
			fprintf(w->out, "%s\n", _("-- y: seal the record for the hub; a number: change "
			    "that answer; '<': previous page; ':draft': save and stop"));
		if (r.unseen > 0 && page + 1 == np)
			fprintf(w->out, _("   (%zu questions were not asked yet: they are in the list, "
			    "by number)\n"), r.unseen);
		k = read_line(w, NULL);
		if ((h = common_cmd(w, k, e)) >= 0) {
			/* :lang, :help, :review: the review again, made anew. */
			rc = h;
			goto out;
		}
		if (w->le.line.len == 0) {
			if (page + 1 < np)
				page++;
			continue;
		}
		if (is_cmd(w, "<")) {
			if (page > 0) {
				page--;
				continue;
			}
			rc = fk_session_back(w->s, e) < 0 ? GO_FAIL : GO_ON;
			goto out;
		}
		if (is_yes(w)) {
			if (!seen_last) {
				fprintf(w->out, "  ! %s\n",
				    _("see the rest of the review first (Enter shows the next page)"));
				continue;
			}
			rc = seal(w, res, e);
			if (rc == GO_ON)
				continue;
			goto out;
		}
		{
			char *endp;
			unsigned long num = strtoul((const char *)w->le.line.p, &endp, 10);
			if (*endp == '\0' && num > 0) {
				if ((k = fk_session_goto_number(w->s, num, e)) < 0)
					goto out;
				if (k == 0) {
					w->focus = num;
					rc = GO_ON;
					goto out;
				}
			}
		}
		fprintf(w->out, "  ! %s\n", _("type a number from the list, y to seal, or Enter"));
	}
out:
	lines_free(v, n);
	fk_review_rows_free(&r);
	return rc;
}

/* ---- the run ---- */

static int
run(struct wiz *w, fk_record_out *res, fk_err *e)
{
	fk_step st;
	int rc;

	for (;;) {
		if (fk_session_step(w->s, &st, e) != 0)
			return GO_FAIL;
		rc = st.kind == FK_STEP_REVIEW ? review(w, res, e) : ask(w, &st, e);
		if (rc != GO_ON)
			return rc;
	}
}

static const char *
start_lang(const fk_wizard_opts *o)
{
	const char *l = o->lang;

	if (l == NULL && o->resume_id != NULL)
		return NULL; /* the draft's own */
	if (l == NULL)
		l = fk_lang_pref();
	/* No preference (LANG=C...): the messages are English, so the form too
	 * where it has English, never questions in one language and prompts in
	 * another. */
	if (l == NULL)
		l = "en";
	if (l != NULL && strncmp(l, "uk", 2) == 0 && fk_form_has_lang(o->form, "uk"))
		return "uk";
	if (l != NULL && strncmp(l, "en", 2) == 0 && fk_form_has_lang(o->form, "en"))
		return "en";
	return fk_form_lang(o->form, 0);
}

int
fk_wizard_run(const fk_wizard_opts *o, fk_record_out *res, int *end, char draft_id[FK_UUID_BUF],
    fk_err *e)
{
	struct wiz w;
	struct sigaction sa, old, oterm, ohup;
	fk_session_cfg c;
	size_t i, answered, total;
	int rc = -1, go;

	memset(&w, 0, sizeof w);
	*end = FK_WIZ_NOTHING;
	draft_id[0] = '\0';
	w.o = o;
	w.out = o->out;
	memset(&c, 0, sizeof c);
	c.form = o->form;
	c.store = o->store;
	c.fin = o->fin;
	c.draft_key = o->draft_key;
	c.lang = start_lang(o);
	c.att_limit = o->att_limit;
	c.home = o->home;
	if (o->resume_id != NULL ? fk_session_resume(&c, o->resume_id, &w.s, e) != 0 :
	    fk_session_new(&c, &w.s, e) != 0)
		return -1;
	fk_i18n_switch(fk_session_lang(w.s));
	for (i = 0; i < o->natt; i++) {
		int k = fk_session_attach(w.s, o->att[i].field, o->att[i].path, &w.is, e);
		if (k < 0)
			goto out;
		if (k > 0) {
			fk_fail(e, FK_EINPUT, "--attach %s: %s", o->att[i].field, w.is.v[0].msg);
			goto out;
		}
	}
	fk_le_init(&w.le, o->in, o->out);
	interrupted = 0;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_sigint;
	sigaction(SIGINT, &sa, &old); /* no SA_RESTART: reads return with EINTR */
	/* A closed terminal window or a dropped ssh link (SIGHUP), a shutdown
	 * (SIGTERM): like Ctrl-C, what was typed is kept as a draft. */
	sigaction(SIGTERM, &sa, &oterm);
	sigaction(SIGHUP, &sa, &ohup);
	fprintf(w.out, "%s\n", fk_form_title(o->form, fk_session_lang(w.s)));
	show_keys(&w);
	go = run(&w, res, e);
	sigaction(SIGINT, &old, NULL);
	sigaction(SIGTERM, &oterm, NULL);
	sigaction(SIGHUP, &ohup, NULL);
	fk_le_free(&w.le);
	if (go == GO_FAIL) {
		if (e->code == FK_OK)
			fk_fail(e, FK_EIO, _("cannot read the answer"));
		/* Keep what was typed: a draft, if it can be saved. */
		if (fk_session_changed(w.s)) {
			fk_err e2 = { 0 };
			if (fk_session_save(w.s, &e2) == 0)
				fk_prefix(e, _("draft %.8s saved"), fk_session_draft_id(w.s));
		}
		goto out;
	}
	if (go == GO_SEALED) {
		char ref[10];
		fk_shortref_format(res->short_ref, ref);
		fprintf(w.out, _("\nRecord sealed for the hub. Short reference for the family: %s\n"),
		    ref);
		*end = FK_WIZ_SEALED;
		rc = 0;
		goto out;
	}
	/* A draft: only if there is something to keep. */
	if (!fk_session_changed(w.s)) {
		if (fk_session_draft_id(w.s)[0] != '\0') {
			snprintf(draft_id, FK_UUID_BUF, "%s", fk_session_draft_id(w.s));
			fprintf(w.out, _("\nNothing changed; draft %.8s stays as it was.\n"), draft_id);
			*end = FK_WIZ_DRAFT;
		} else {
			fprintf(w.out, "\n%s\n", _("Nothing was answered: no draft saved."));
		}
		rc = 0;
		goto out;
	}
	if (fk_session_save(w.s, e) != 0)
		goto out;
	snprintf(draft_id, FK_UUID_BUF, "%s", fk_session_draft_id(w.s));
	fk_session_progress(w.s, &answered, &total);
	fprintf(w.out, _("\nDraft saved: %.8s (%zu of %zu questions answered).\n"
	    "Resume with: fieldkit capture --resume %.8s\n"), draft_id, answered, total, draft_id);
	*end = FK_WIZ_DRAFT;
	rc = 0;
out:
	fk_issues_free(&w.is);
	fk_secbuf_free(&w.val);
	fk_session_free(w.s);
	return rc;
}
