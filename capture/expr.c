/*
 * expr.c - see expr.h. A recursive-descent parser producing a small tree and
 * a tree-walking evaluator. The source is never evaluated as anything else.
 */
#include "expr.h"
#include "util.h"
#include "shortref.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "translit.h"

enum op {
	OP_NUM, OP_STR, OP_BOOL, OP_SELF, OP_REF, OP_CALL, OP_NEG,
	OP_OR, OP_AND, OP_EQ, OP_NE, OP_LT, OP_LE, OP_GT, OP_GE,
	OP_ADD, OP_SUB, OP_MUL, OP_DIV, OP_MOD,
};

enum fn {
	FN_TODAY, FN_NOW, FN_AGE, FN_COUNT, FN_SELECTED, FN_COUNT_SELECTED,
	FN_STRLEN, FN_CONCAT, FN_IF, FN_NOT, FN_TRUE, FN_FALSE, FN_NUMBER, FN_INT,
	FN_STRING, FN_COALESCE, FN_IS_DIGITS, FN_IS_PHONE, FN_DAYS, FN_TRANSLIT, FN_IS_SHORT_REF,
};

static const struct fninfo {
	const char *name;
	int id;
	int min, max;
} fns[] = {
	{"today", FN_TODAY, 0, 0}, {"now", FN_NOW, 0, 0}, {"age", FN_AGE, 1, 1},
	{"count", FN_COUNT, 1, 1}, {"selected", FN_SELECTED, 2, 2},
	{"count-selected", FN_COUNT_SELECTED, 1, 1}, {"string-length", FN_STRLEN, 1, 1},
	{"concat", FN_CONCAT, 1, 16}, {"if", FN_IF, 3, 3}, {"not", FN_NOT, 1, 1},
	{"true", FN_TRUE, 0, 0}, {"false", FN_FALSE, 0, 0}, {"number", FN_NUMBER, 1, 1},
	{"int", FN_INT, 1, 1}, {"string", FN_STRING, 1, 1}, {"coalesce", FN_COALESCE, 2, 2},
	{"is-digits", FN_IS_DIGITS, 1, 1}, {"is-phone", FN_IS_PHONE, 1, 1},
	{"days", FN_DAYS, 1, 1}, {"translit", FN_TRANSLIT, 1, 1},
	{"is-short-ref", FN_IS_SHORT_REF, 1, 1},
};

struct node {
	int op;
	int fn;
	size_t pos;      /* 1-based character position */
	double num;
	char *str;       /* OP_STR, OP_REF */
	size_t len;
	size_t n;        /* children */
	struct node **kid;
};

struct fk_expr {
	struct node *root;
};

/* ---- values ---- */

void
fk_value_free(fk_value *v)
{
	free(v->own);
	v->own = NULL;
	fk_value_str(v, "", 0);
}

void
fk_value_str(fk_value *v, const char *s, size_t len)
{
	v->type = FK_VAL_STR;
	v->str = s;
	v->len = len;
}

void
fk_value_num(fk_value *v, double n)
{
	v->type = FK_VAL_NUM;
	v->num = n;
}

void
fk_value_bool(fk_value *v, int b)
{
	v->type = FK_VAL_BOOL;
	v->b = b != 0;
}

static int
own_str(fk_value *v, char *s, size_t len, fk_err *e)
{
	if (s == NULL)
		return fk_fail(e, FK_ENOMEM, _("out of memory"));
	v->own = s;
	fk_value_str(v, s, len);
	return 0;
}

/* Parses a whole string as a decimal number (blanks around allowed). */
static int
str_num(const char *s, size_t len, double *out)
{
	char buf[64], *end;
	size_t i = 0, j = len, k, n;

	while (i < j && isspace((unsigned char)s[i]))
		i++;
	while (j > i && isspace((unsigned char)s[j - 1]))
		j--;
	n = j - i;
	if (n == 0 || n >= sizeof buf)
		return -1;
	memcpy(buf, s + i, n);
	buf[n] = '\0';
	for (k = 0; k < n; k++) /* every byte: a NUL is not a digit */
		if (!isdigit((unsigned char)buf[k]) && buf[k] != '.' && buf[k] != '-' &&
		    buf[k] != '+')
			return -1;
	*out = strtod(buf, &end);
	return *end == '\0' ? 0 : -1;
}

double
fk_value_to_num(const fk_value *v)
{
	double d;

	if (v->type == FK_VAL_NUM)
		return v->num;
	if (v->type == FK_VAL_BOOL)
		return v->b;
	return str_num(v->str, v->len, &d) == 0 ? d : NAN;
}

int
fk_value_truthy(const fk_value *v)
{
	if (v->type == FK_VAL_BOOL)
		return v->b;
	if (v->type == FK_VAL_NUM)
		return v->num != 0 && !isnan(v->num);
	return v->len > 0;
}

/* The string form of v (numbers without a trailing .0). */
static int
to_str(const fk_value *v, char *tmp, size_t tmplen, const char **s, size_t *len)
{
	if (v->type == FK_VAL_STR) {
		*s = v->str;
		*len = v->len;
		return 0;
	}
	if (v->type == FK_VAL_BOOL)
		snprintf(tmp, tmplen, "%s", v->b ? "true" : "false");
	else if (isnan(v->num))
		snprintf(tmp, tmplen, "NaN");
	else if (v->num == floor(v->num) && fabs(v->num) < 1e15)
		snprintf(tmp, tmplen, "%.0f", v->num);
	else
		snprintf(tmp, tmplen, "%.15g", v->num);
	*s = tmp;
	*len = strlen(tmp);
	return 0;
}

/* ---- dates ---- */

long
fk_days_from_civil(int y, int m, int d)
{
	long era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static int
digits(const char *s, size_t n, int *out)
{
	size_t i;

	*out = 0;
	for (i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -1;
		*out = *out * 10 + (s[i] - '0');
	}
	return 0;
}

int
fk_date_parse(const char *s, size_t len, int *y, int *m, int *d)
{
	static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

	if (len != 10 || s[4] != '-' || s[7] != '-' || digits(s, 4, y) != 0 ||
	    digits(s + 5, 2, m) != 0 || digits(s + 8, 2, d) != 0)
		return -1;
	if (*y < 1000 || *m < 1 || *m > 12 || *d < 1 || *d > mdays[*m - 1])
		return -1;
	if (*m == 2 && *d == 29 && !((*y % 4 == 0 && *y % 100 != 0) || *y % 400 == 0))
		return -1;
	return 0;
}

int
fk_datetime_parse(const char *s, size_t len)
{
	int y, m, d, hh, mm, ss = 0;
	size_t i = 16;

	if (len < 16 || fk_date_parse(s, 10, &y, &m, &d) != 0 || s[10] != 'T' ||
	    digits(s + 11, 2, &hh) != 0 || s[13] != ':' || digits(s + 14, 2, &mm) != 0 ||
	    hh > 23 || mm > 59)
		return -1;
	if (i < len && s[i] == ':') {
		if (len < i + 3 || digits(s + i + 1, 2, &ss) != 0 || ss > 60)
			return -1;
		i += 3;
		if (i < len && s[i] == '.') {
			for (i++; i < len && isdigit((unsigned char)s[i]); i++)
				;
			if (!isdigit((unsigned char)s[i - 1]))
				return -1;
		}
	}
	if (i == len)
		return 0;
	if (s[i] == 'Z')
		return i + 1 == len ? 0 : -1;
	if ((s[i] == '+' || s[i] == '-') && len == i + 6 && digits(s + i + 1, 2, &hh) == 0 &&
	    s[i + 3] == ':' && digits(s + i + 4, 2, &mm) == 0 && hh <= 14 && mm <= 59)
		return 0;
	return -1;
}

void
fk_today(time_t now, char buf[11])
{
	struct tm tm;
	char tmp[64];

	if (now == 0)
		now = time(NULL);
	localtime_r(&now, &tm);
	if (strftime(tmp, sizeof tmp, "%Y-%m-%d", &tm) != 10)
		snprintf(tmp, sizeof tmp, "1970-01-01");
	memcpy(buf, tmp, 11);
}

void
fk_now_iso(time_t now, char buf[32])
{
	struct tm tm;
	size_t len;

	if (now == 0)
		now = time(NULL);
	localtime_r(&now, &tm);
	len = strftime(buf, 32, "%Y-%m-%dT%H:%M:%S%z", &tm);
	if (len == 24) { /* +HHMM -> +HH:MM */
		memmove(buf + 23, buf + 22, 2);
		buf[22] = ':';
		buf[25] = '\0';
	} else if (len == 0)
		snprintf(buf, 32, "1970-01-01T00:00:00+00:00");
}

/* ---- parser ---- */

struct parser {
	const char *s;
	size_t len, off;
	int depth;
	fk_err *e;
};

static size_t
charpos(const struct parser *p, size_t off)
{
	return fk_utf8_count((const uint8_t *)p->s, off, (size_t)-2) + 1;
}

static int
perr(struct parser *p, size_t off, const char *what)
{
	return fk_fail(p->e, FK_EINPUT, _("at character %zu: %s"), charpos(p, off), what);
}

static void
node_free(struct node *n)
{
	size_t i;

	if (n == NULL)
		return;
	for (i = 0; i < n->n; i++)
		node_free(n->kid[i]);
	free(n->kid);
	free(n->str);
	free(n);
}

static struct node *
node_new(struct parser *p, int op, size_t off)
{
	struct node *n = calloc(1, sizeof *n);

	if (n == NULL) {
		fk_fail(p->e, FK_ENOMEM, _("out of memory"));
		return NULL;
	}
	n->op = op;
	n->pos = charpos(p, off);
	return n;
}

static int
node_add(struct parser *p, struct node *n, struct node *kid)
{
	struct node **k = realloc(n->kid, (n->n + 1) * sizeof *k);

	if (k == NULL) {
		node_free(kid);
		return fk_fail(p->e, FK_ENOMEM, _("out of memory"));
	}
	n->kid = k;
	n->kid[n->n++] = kid;
	return 0;
}

static void
skip_blank(struct parser *p)
{
	while (p->off < p->len && (p->s[p->off] == ' ' || p->s[p->off] == '\t' ||
	    p->s[p->off] == '\n' || p->s[p->off] == '\r'))
		p->off++;
}

/* Matches a punctuation token. */
static int
accept(struct parser *p, const char *tok)
{
	size_t n = strlen(tok);

	skip_blank(p);
	if (p->len - p->off >= n && memcmp(p->s + p->off, tok, n) == 0) {
		p->off += n;
		return 1;
	}
	return 0;
}

/* Matches a keyword (a whole word: not followed by a name character). */
static int
accept_kw(struct parser *p, const char *kw)
{
	size_t n = strlen(kw);
	char c;

	skip_blank(p);
	if (p->len - p->off < n || memcmp(p->s + p->off, kw, n) != 0)
		return 0;
	c = p->off + n < p->len ? p->s[p->off + n] : '\0';
	if (isalnum((unsigned char)c) || c == '_' || c == '-' || c == '(')
		return 0;
	p->off += n;
	return 1;
}

static struct node *parse_or(struct parser *p);

static struct node *
binary(struct parser *p, int op, size_t off, struct node *a, struct node *b)
{
	struct node *n;

	if (b == NULL) {
		node_free(a);
		return NULL;
	}
	if ((n = node_new(p, op, off)) == NULL) {
		node_free(a);
		node_free(b);
		return NULL;
	}
	n->kid = malloc(2 * sizeof *n->kid);
	if (n->kid == NULL) {
		node_free(a);
		node_free(b);
		free(n);
		fk_fail(p->e, FK_ENOMEM, _("out of memory"));
		return NULL;
	}
	n->kid[0] = a;
	n->kid[1] = b;
	n->n = 2;
	return n;
}

static struct node *
parse_string(struct parser *p)
{
	char q = p->s[p->off];
	size_t start = p->off, end;
	struct node *n;

	for (end = start + 1; end < p->len && p->s[end] != q; end++)
		;
	if (end >= p->len) {
		perr(p, start, _("unterminated string"));
		return NULL;
	}
	if ((n = node_new(p, OP_STR, start)) == NULL)
		return NULL;
	n->len = end - start - 1;
	if ((n->str = fk_bytes_dup(p->s + start + 1, n->len)) == NULL) {
		free(n);
		fk_fail(p->e, FK_ENOMEM, _("out of memory"));
		return NULL;
	}
	p->off = end + 1;
	return n;
}

static struct node *
parse_number(struct parser *p)
{
	size_t start = p->off;
	char buf[64];
	struct node *n;

	while (p->off < p->len && isdigit((unsigned char)p->s[p->off]))
		p->off++;
	if (p->off + 1 < p->len && p->s[p->off] == '.' &&
	    isdigit((unsigned char)p->s[p->off + 1])) {
		p->off++;
		while (p->off < p->len && isdigit((unsigned char)p->s[p->off]))
			p->off++;
	}
	if (p->off - start >= sizeof buf) {
		perr(p, start, _("number too long"));
		return NULL;
	}
	memcpy(buf, p->s + start, p->off - start);
	buf[p->off - start] = '\0';
	if ((n = node_new(p, OP_NUM, start)) == NULL)
		return NULL;
	n->num = strtod(buf, NULL);
	return n;
}

static struct node *
parse_ref(struct parser *p)
{
	size_t start = p->off, i;
	struct node *n;

	p->off += 2;
	for (i = p->off; i < p->len && (isalnum((unsigned char)p->s[i]) || p->s[i] == '_'); i++)
		;
	if (i == p->off || isdigit((unsigned char)p->s[p->off]) || i - p->off > FK_EXPR_MAX_NAME ||
	    i >= p->len || p->s[i] != '}') {
		perr(p, start, _("a field reference is ${name} with a name of letters, digits and _"));
		return NULL;
	}
	if ((n = node_new(p, OP_REF, start)) == NULL)
		return NULL;
	n->len = i - p->off;
	if ((n->str = strndup(p->s + p->off, n->len)) == NULL) {
		free(n);
		fk_fail(p->e, FK_ENOMEM, _("out of memory"));
		return NULL;
	}
	p->off = i + 1;
	return n;
}

static const struct fninfo *
fn_find(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < sizeof fns / sizeof fns[0]; i++)
		if (strlen(fns[i].name) == n && memcmp(fns[i].name, s, n) == 0)
			return &fns[i];
	return NULL;
}

static struct node *
parse_call(struct parser *p, size_t start, const struct fninfo *f)
{
	struct node *n, *arg;
	char msg[128];

	if ((n = node_new(p, OP_CALL, start)) == NULL)
		return NULL;
	n->fn = f->id;
	if (!accept(p, ")")) {
		do {
			if ((arg = parse_or(p)) == NULL || node_add(p, n, arg) != 0)
				goto fail;
		} while (accept(p, ","));
		if (!accept(p, ")")) {
			perr(p, p->off, _("expected ',' or ')'"));
			goto fail;
		}
	}
	if ((int)n->n < f->min || (int)n->n > f->max) {
		if (f->min == f->max)
			snprintf(msg, sizeof msg, _("%s() takes %d argument(s)"), f->name, f->min);
		else
			snprintf(msg, sizeof msg, _("%s() takes %d to %d arguments"), f->name,
			    f->min, f->max);
		perr(p, start, msg);
		goto fail;
	}
	if (f->id == FN_COUNT && n->kid[0]->op != OP_REF) {
		perr(p, start, _("count() takes a ${repeat} reference"));
		goto fail;
	}
	return n;
fail:
	node_free(n);
	return NULL;
}

static struct node *
parse_primary(struct parser *p)
{
	size_t start, i;
	const struct fninfo *f;
	struct node *n;
	char msg[160];
	unsigned char c;

	skip_blank(p);
	start = p->off;
	if (p->off >= p->len) {
		perr(p, start, _("expected a value, a ${field}, a function or '('"));
		return NULL;
	}
	c = (unsigned char)p->s[p->off];
	if (c == '\'' || c == '"')
		return parse_string(p);
	if (isdigit(c))
		return parse_number(p);
	if (c == '$' && p->off + 1 < p->len && p->s[p->off + 1] == '{')
		return parse_ref(p);
	if (c == '.' && !(p->off + 1 < p->len && isdigit((unsigned char)p->s[p->off + 1]))) {
		p->off++;
		return node_new(p, OP_SELF, start);
	}
	if (c == '(') {
		p->off++;
		if ((n = parse_or(p)) == NULL)
			return NULL;
		if (!accept(p, ")")) {
			perr(p, p->off, _("expected ')'"));
			node_free(n);
			return NULL;
		}
		return n;
	}
	if (isalpha(c)) {
		for (i = p->off; i < p->len && (isalnum((unsigned char)p->s[i]) || p->s[i] == '-' ||
		    p->s[i] == '_'); i++)
			;
		p->off = i;
		if (accept(p, "(")) {
			if ((f = fn_find(p->s + start, i - start)) == NULL) {
				snprintf(msg, sizeof msg, _("unknown function '%.*s'"),
				    (int)(i - start > 40 ? 40 : i - start), p->s + start);
				perr(p, start, msg);
				return NULL;
			}
			return parse_call(p, start, f);
		}
		if (i - start == 4 && memcmp(p->s + start, "true", 4) == 0) {
			if ((n = node_new(p, OP_BOOL, start)) != NULL)
				n->num = 1;
			return n;
		}
		if (i - start == 5 && memcmp(p->s + start, "false", 5) == 0)
			return node_new(p, OP_BOOL, start);
		snprintf(msg, sizeof msg, _("unknown word '%.*s' (fields are written ${name}, text 'in quotes')"),
		    (int)(i - start > 40 ? 40 : i - start), p->s + start);
		perr(p, start, msg);
		return NULL;
	}
	if (c >= 0x80)
		perr(p, start, _("unexpected character (text must be 'in quotes')"));
	else {
		snprintf(msg, sizeof msg, _("unexpected character '%c'"), isprint(c) ? c : '?');
		perr(p, start, msg);
	}
	return NULL;
}

static struct node *
parse_unary(struct parser *p)
{
	size_t start;
	struct node *n, *kid;

	if (++p->depth > FK_EXPR_MAX_DEPTH) {
		perr(p, p->off, _("expression nested too deeply"));
		return NULL;
	}
	skip_blank(p);
	start = p->off;
	if (accept(p, "-")) {
		if ((kid = parse_unary(p)) == NULL)
			return NULL;
		if ((n = node_new(p, OP_NEG, start)) == NULL || node_add(p, n, kid) != 0) {
			if (n == NULL)
				node_free(kid);
			node_free(n);
			return NULL;
		}
	} else
		n = parse_primary(p);
	p->depth--;
	return n;
}

static struct node *
parse_mul(struct parser *p)
{
	struct node *a = parse_unary(p);
	size_t off;
	int op;

	while (a != NULL) {
		skip_blank(p);
		off = p->off;
		if (accept(p, "*"))
			op = OP_MUL;
		else if (accept(p, "/"))
			op = OP_DIV;
		else if (accept_kw(p, "div"))
			op = OP_DIV;
		else if (accept_kw(p, "mod"))
			op = OP_MOD;
		else
			break;
		a = binary(p, op, off, a, parse_unary(p));
	}
	return a;
}

static struct node *
parse_add(struct parser *p)
{
	struct node *a = parse_mul(p);
	size_t off;
	int op;

	while (a != NULL) {
		skip_blank(p);
		off = p->off;
		if (accept(p, "+"))
			op = OP_ADD;
		else if (accept(p, "-"))
			op = OP_SUB;
		else
			break;
		a = binary(p, op, off, a, parse_mul(p));
	}
	return a;
}

static struct node *
parse_cmp(struct parser *p)
{
	static const struct { const char *tok; int op; } ops[] = {
		{"!=", OP_NE}, {"<=", OP_LE}, {">=", OP_GE}, {"=", OP_EQ}, {"<", OP_LT}, {">", OP_GT},
	};
	struct node *a = parse_add(p);
	size_t i, off;

	if (a == NULL)
		return NULL;
	skip_blank(p);
	off = p->off;
	for (i = 0; i < sizeof ops / sizeof ops[0]; i++)
		if (accept(p, ops[i].tok))
			return binary(p, ops[i].op, off, a, parse_add(p));
	return a;
}

static struct node *
parse_and(struct parser *p)
{
	struct node *a = parse_cmp(p);
	size_t off;

	while (a != NULL) {
		skip_blank(p);
		off = p->off;
		if (!accept_kw(p, "and"))
			break;
		a = binary(p, OP_AND, off, a, parse_cmp(p));
	}
	return a;
}

static struct node *
parse_or(struct parser *p)
{
	struct node *a;
	size_t off;

	if (++p->depth > FK_EXPR_MAX_DEPTH) {
		perr(p, p->off, _("expression nested too deeply"));
		return NULL;
	}
	a = parse_and(p);
	while (a != NULL) {
		skip_blank(p);
		off = p->off;
		if (!accept_kw(p, "or"))
			break;
		a = binary(p, OP_OR, off, a, parse_and(p));
	}
	p->depth--;
	return a;
}

int
fk_expr_parse(const char *src, size_t len, fk_expr **out, fk_err *e)
{
	struct parser p = {src, len, 0, 0, e};
	struct node *root;
	size_t bad;

	*out = NULL;
	if (len > FK_EXPR_MAX_LEN)
		return fk_fail(e, FK_EINPUT, _("expression longer than %d bytes"), FK_EXPR_MAX_LEN);
	if (!fk_utf8_valid((const uint8_t *)src, len, &bad))
		return fk_fail(e, FK_EINPUT, _("invalid UTF-8 at byte %zu"), bad);
	if (memchr(src, '\0', len) != NULL)
		return fk_fail(e, FK_EINPUT, _("expression contains a NUL byte"));
	if ((root = parse_or(&p)) == NULL)
		return -1;
	skip_blank(&p);
	if (p.off < len) {
		node_free(root);
		return perr(&p, p.off, _("unexpected input after the expression"));
	}
	if ((*out = malloc(sizeof **out)) == NULL) {
		node_free(root);
		return fk_fail(e, FK_ENOMEM, _("out of memory"));
	}
	(*out)->root = root;
	return 0;
}

void
fk_expr_free(fk_expr *x)
{
	if (x != NULL) {
		node_free(x->root);
		free(x);
	}
}

static int
each_ref(const struct node *n, int counted,
    int (*fn)(void *, const char *, int, size_t), void *ctx)
{
	size_t i;
	int rc;

	if (n->op == OP_REF)
		return fn(ctx, n->str, counted, n->pos);
	for (i = 0; i < n->n; i++)
		if ((rc = each_ref(n->kid[i], n->op == OP_CALL && n->fn == FN_COUNT, fn, ctx)) != 0)
			return rc;
	return 0;
}

int
fk_expr_each_ref(const fk_expr *x, int (*fn)(void *, const char *, int, size_t), void *ctx)
{
	return each_ref(x->root, 0, fn, ctx);
}

static int
uses_self(const struct node *n)
{
	size_t i;

	if (n->op == OP_SELF)
		return 1;
	for (i = 0; i < n->n; i++)
		if (uses_self(n->kid[i]))
			return 1;
	return 0;
}

int
fk_expr_uses_self(const fk_expr *x)
{
	return uses_self(x->root);
}

/* ---- evaluation ---- */

static int eval(const struct node *n, const fk_expr_env *env, fk_value *out, fk_err *e);

static int
cmp_values(int op, const fk_value *a, const fk_value *b)
{
	double x, y;
	size_t n;
	int c, numeric;

	if (op == OP_EQ || op == OP_NE) {
		if (a->type == FK_VAL_BOOL || b->type == FK_VAL_BOOL)
			c = fk_value_truthy(a) == fk_value_truthy(b);
		else if (a->type == FK_VAL_NUM || b->type == FK_VAL_NUM) {
			x = fk_value_to_num(a);
			y = fk_value_to_num(b);
			c = x == y; /* NaN is equal to nothing */
		} else
			c = a->len == b->len && memcmp(a->str, b->str, a->len) == 0;
		return op == OP_EQ ? c : !c;
	}
	/* Relational: an unanswered ("") operand makes it false. */
	if ((a->type == FK_VAL_STR && a->len == 0) || (b->type == FK_VAL_STR && b->len == 0))
		return 0;
	numeric = a->type != FK_VAL_STR || b->type != FK_VAL_STR ||
	    (str_num(a->str, a->len, &x) == 0 && str_num(b->str, b->len, &y) == 0);
	if (numeric) {
		x = fk_value_to_num(a);
		y = fk_value_to_num(b);
		if (isnan(x) || isnan(y))
			return 0;
		c = x < y ? -1 : x > y;
	} else {
		n = a->len < b->len ? a->len : b->len;
		c = memcmp(a->str, b->str, n);
		if (c == 0)
			c = a->len < b->len ? -1 : a->len > b->len;
	}
	switch (op) {
	case OP_LT: return c < 0;
	case OP_LE: return c <= 0;
	case OP_GT: return c > 0;
	default: return c >= 0;
	}
}

static double
arith(int op, double x, double y)
{
	switch (op) {
	case OP_ADD: return x + y;
	case OP_SUB: return x - y;
	case OP_MUL: return x * y;
	case OP_DIV: return y == 0 ? NAN : x / y;
	default: return y == 0 ? NAN : fmod(x, y);
	}
}

static double
age_of(const fk_value *v, time_t now)
{
	char today[11];
	int y, m, d, ty, tm, td, years;

	if (v->type != FK_VAL_STR || v->len < 10 || fk_date_parse(v->str, 10, &y, &m, &d) != 0)
		return NAN;
	fk_today(now, today);
	if (fk_date_parse(today, 10, &ty, &tm, &td) != 0)
		return NAN;
	years = ty - y;
	if (tm < m || (tm == m && td < d))
		years--;
	return years;
}

/* Is word w (wlen) one of the blank-separated words of list? */
static int
has_word(const char *list, size_t len, const char *w, size_t wlen)
{
	size_t i = 0, j;

	while (i < len) {
		while (i < len && list[i] == ' ')
			i++;
		for (j = i; j < len && list[j] != ' '; j++)
			;
		if (j > i && j - i == wlen && memcmp(list + i, w, wlen) == 0)
			return 1;
		i = j;
	}
	return 0;
}

static size_t
count_words(const char *list, size_t len)
{
	size_t i, n = 0;

	for (i = 0; i < len; i++)
		if (list[i] != ' ' && (i == 0 || list[i - 1] == ' '))
			n++;
	return n;
}

static int
is_phone(const char *s, size_t len)
{
	size_t i = 0, nd = 0;

	if (len > 0 && s[0] == '+')
		i = 1;
	for (; i < len; i++) {
		if (isdigit((unsigned char)s[i]))
			nd++;
		else if (s[i] != ' ' && s[i] != '-' && s[i] != '(' && s[i] != ')')
			return 0;
	}
	return nd >= 7 && nd <= 15;
}

static int
is_digits(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (!isdigit((unsigned char)s[i]))
			return 0;
	return len > 0;
}

static int
concat(const struct node *n, const fk_expr_env *env, fk_value *out, fk_err *e)
{
	fk_buf b = {0};
	fk_value v = {0};
	char tmp[64];
	const char *s;
	size_t i, len;
	uint8_t nul = 0;

	for (i = 0; i < n->n; i++) {
		if (eval(n->kid[i], env, &v, e) != 0)
			goto fail;
		to_str(&v, tmp, sizeof tmp, &s, &len);
		if (b.len + len > FK_EXPR_MAX_STR) { /* cut at a character boundary */
			len = FK_EXPR_MAX_STR - b.len;
			while (len > 0 && ((unsigned char)s[len] & 0xc0) == 0x80)
				len--;
		}
		if (fk_buf_append(&b, s, len, e) != 0)
			goto fail;
		fk_value_free(&v);
	}
	if (fk_buf_append(&b, &nul, 1, e) != 0)
		goto fail;
	return own_str(out, (char *)b.p, b.len - 1, e);
fail:
	fk_value_free(&v);
	fk_buf_free(&b);
	return -1;
}

static int
call(const struct node *n, const fk_expr_env *env, const fk_value *a, fk_value *out, fk_err *e)
{
	char tmp[64], date[11];
	const char *s = "";
	size_t len = 0;
	double d;
	int y, m, dd;

	if (n->n > 0)
		to_str(&a[0], tmp, sizeof tmp, &s, &len);
	switch (n->fn) {
	case FN_TODAY:
		fk_today(env->now, date);
		return own_str(out, strdup(date), 10, e);
	case FN_NOW:
		fk_now_iso(env->now, tmp);
		return own_str(out, strdup(tmp), strlen(tmp), e);
	case FN_AGE:
		fk_value_num(out, age_of(&a[0], env->now));
		return 0;
	case FN_COUNT:
		if (env->count == NULL || env->count(env->ctx, n->kid[0]->str, &d, e) != 0)
			return env->count == NULL ? fk_fail(e, FK_ESTATE, _("count() is not available here")) : -1;
		fk_value_num(out, d);
		return 0;
	case FN_SELECTED: {
		const char *w;
		size_t wlen;
		char tmp2[64];

		to_str(&a[1], tmp2, sizeof tmp2, &w, &wlen);
		fk_value_bool(out, has_word(s, len, w, wlen));
		return 0;
	}
	case FN_COUNT_SELECTED: fk_value_num(out, (double)count_words(s, len)); return 0;
	case FN_STRLEN:
		fk_value_num(out, (double)fk_utf8_count((const uint8_t *)s, len, (size_t)-2));
		return 0;
	case FN_IF: fk_value_bool(out, 0); return 0; /* handled lazily in eval */
	case FN_NOT: fk_value_bool(out, !fk_value_truthy(&a[0])); return 0;
	case FN_TRUE: fk_value_bool(out, 1); return 0;
	case FN_FALSE: fk_value_bool(out, 0); return 0;
	case FN_NUMBER: fk_value_num(out, fk_value_to_num(&a[0])); return 0;
	case FN_INT: fk_value_num(out, trunc(fk_value_to_num(&a[0]))); return 0;
	case FN_STRING: return own_str(out, fk_bytes_dup(s, len), len, e);
	case FN_IS_DIGITS: fk_value_bool(out, is_digits(s, len)); return 0;
	case FN_IS_PHONE: fk_value_bool(out, is_phone(s, len)); return 0;
	case FN_IS_SHORT_REF: {
		char ref[FK_SHORTREF_LEN + 1];
		fk_value_bool(out, fk_shortref_normalize(s, len, ref) == 0);
		return 0;
	}
	case FN_DAYS:
		if (len >= 10 && fk_date_parse(s, 10, &y, &m, &dd) == 0 &&
		    (len == 10 || s[10] == 'T'))
			fk_value_num(out, (double)fk_days_from_civil(y, m, dd));
		else
			fk_value_num(out, NAN);
		return 0;
	case FN_TRANSLIT: {
		char *t = fk_translit_uk_str(s, len, e);
		if (t == NULL && e != NULL && e->code == FK_EINPUT)
			return 0; /* not UTF-8: "" */
		return t == NULL ? -1 : own_str(out, t, strlen(t), e);
	}
	}
	return fk_fail(e, FK_ESTATE, _("internal error: unknown function"));
}

static int
eval_call(const struct node *n, const fk_expr_env *env, fk_value *out, fk_err *e)
{
	fk_value a[2] = {{0}, {0}};
	size_t i;
	int rc = -1;

	if (n->fn == FN_CONCAT)
		return concat(n, env, out, e);
	if (n->fn == FN_IF || n->fn == FN_COALESCE) {
		if (eval(n->kid[0], env, &a[0], e) != 0)
			return -1;
		if (n->fn == FN_IF)
			i = fk_value_truthy(&a[0]) ? 1 : 2;
		else if (a[0].type != FK_VAL_STR || a[0].len > 0) {
			*out = a[0];
			return 0;
		} else
			i = 1;
		fk_value_free(&a[0]);
		return eval(n->kid[i], env, out, e);
	}
	if (n->fn == FN_COUNT)
		return call(n, env, a, out, e);
	for (i = 0; i < n->n; i++)
		if (eval(n->kid[i], env, &a[i], e) != 0)
			goto out;
	rc = call(n, env, a, out, e);
out:
	fk_value_free(&a[0]);
	fk_value_free(&a[1]);
	return rc;
}

static int
eval(const struct node *n, const fk_expr_env *env, fk_value *out, fk_err *e)
{
	fk_value a = {0}, b = {0};
	int rc = 0;

	out->own = NULL;
	fk_value_str(out, "", 0);
	switch (n->op) {
	case OP_NUM: fk_value_num(out, n->num); return 0;
	case OP_STR: fk_value_str(out, n->str, n->len); return 0;
	case OP_BOOL: fk_value_bool(out, n->num != 0); return 0;
	case OP_SELF:
		if (env->self != NULL) {
			*out = *env->self;
			out->own = NULL; /* borrowed */
		}
		return 0;
	case OP_REF:
		if (env->field == NULL)
			return fk_fail(e, FK_ESTATE, _("fields are not available here"));
		return env->field(env->ctx, n->str, out, e);
	case OP_CALL: return eval_call(n, env, out, e);
	}
	if (eval(n->kid[0], env, &a, e) != 0)
		return -1;
	if (n->op == OP_NEG) {
		fk_value_num(out, -fk_value_to_num(&a));
		goto out;
	}
	if (n->op == OP_AND || n->op == OP_OR) {
		int t = fk_value_truthy(&a);
		if ((n->op == OP_AND && !t) || (n->op == OP_OR && t)) {
			fk_value_bool(out, t);
			goto out;
		}
		if ((rc = eval(n->kid[1], env, &b, e)) == 0)
			fk_value_bool(out, fk_value_truthy(&b));
		goto out;
	}
	if ((rc = eval(n->kid[1], env, &b, e)) != 0)
		goto out;
	if (n->op >= OP_EQ && n->op <= OP_GE)
		fk_value_bool(out, cmp_values(n->op, &a, &b));
	else
		fk_value_num(out, arith(n->op, fk_value_to_num(&a), fk_value_to_num(&b)));
out:
	fk_value_free(&a);
	fk_value_free(&b);
	return rc;
}

int
fk_expr_eval(const fk_expr *x, const fk_expr_env *env, fk_value *out, fk_err *e)
{
	return eval(x->root, env, out, e);
}

int
fk_expr_eval_bool(const fk_expr *x, const fk_expr_env *env, int *b, fk_err *e)
{
	fk_value v = {0};

	if (eval(x->root, env, &v, e) != 0)
		return -1;
	*b = fk_value_truthy(&v);
	fk_value_free(&v);
	return 0;
}
