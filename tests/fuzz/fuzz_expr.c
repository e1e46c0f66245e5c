/*
 * fuzz_expr.c - libFuzzer entry over the forms' expression language
 * (capture/expr.h): parse, then evaluate against answers the input also
 * chooses, walk the references, and evaluate as a boolean. A form comes from
 * outside (a hub's forms folder, a form file given to `schema check`), and
 * its expressions run on every answer, so evaluation must be bounded in time
 * and memory as well as in depth.
 * Input: "EXPR" or "EXPR\0VALUES": VALUES is cut at '\n' into the strings
 * that ${a}, ${b}, ... (and "." for the last one) stand for; count(${x}) is
 * the length of x's value.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "expr.h"
#include "fuzz_util.h"

#define NVAL 8

struct env {
	const char *v[NVAL];
	size_t len[NVAL];
	size_t n;
};

static size_t
slot(const struct env *x, const char *name)
{
	return x->n == 0 ? 0 : (size_t)((unsigned char)name[0] % x->n);
}

static int
field(void *ctx, const char *name, fk_value *out, fk_err *e)
{
	struct env *x = ctx;
	size_t i = slot(x, name);

	(void)e;
	if (strcmp(name, "fail") == 0)
		return fk_fail(e, FK_EINPUT, "no such field");
	if (x->n == 0)
		fk_value_str(out, "", 0);
	else
		fk_value_str(out, x->v[i], x->len[i]);
	return 0;
}

static int
count(void *ctx, const char *name, double *out, fk_err *e)
{
	struct env *x = ctx;

	(void)e;
	*out = x->n == 0 ? 0 : (double)x->len[slot(x, name)];
	return 0;
}

static int
ref(void *ctx, const char *name, int counted, size_t pos)
{
	(void)ctx;
	if (name == NULL || pos == 0 || (counted != 0 && counted != 1))
		abort();
	return 0;
}

int LLVMFuzzerInitialize(int *argc, char ***argv);

/* Before the corpus is read, so that the seeds are in it. */
int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const char s1[] = "if(${age} >= 18, concat(${a}, ' ', string-length(.)), "
	    "round(${b} div 3, 2))\0" "40\nOlena\n2024-02-29";
	static const char s2[] = "date(${d}) < today() and count(${kids}) >= 1 and "
	    "regex-free(.) != 'x' or not(selected(${c}, 'yes'))\0" "2020-01-01\nyes";

	(void)argc;
	(void)argv;
	fz_seed("if", s1, sizeof s1 - 1);
	fz_seed("date", s2, sizeof s2 - 1);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *sep = memchr(data, 0, size);
	size_t elen = sep != NULL ? (size_t)(sep - data) : size, off, i;
	char *vals = NULL;
	struct env x = {{0}, {0}, 0};
	fk_value self, out;
	fk_expr_env env = {field, count, &x, NULL, 1748779200};
	fk_expr *ex = NULL;
	fk_err e;
	int b;

	if (fk_expr_parse((const char *)data, elen, &ex, &e) != 0)
		return 0;
	if (sep != NULL) {
		off = elen + 1;
		if ((vals = malloc(size - off + 1)) == NULL)
			abort();
		memcpy(vals, data + off, size - off);
		vals[size - off] = 0;
		for (i = 0; x.n < NVAL;) {
			char *nl = memchr(vals + i, '\n', size - off - i);
			x.v[x.n] = vals + i;
			x.len[x.n] = (nl != NULL ? (size_t)(nl - vals) : size - off) - i;
			x.n++;
			if (nl == NULL)
				break;
			*nl = 0;
			i = (size_t)(nl - vals) + 1;
		}
	}
	memset(&self, 0, sizeof self);
	if (x.n > 0)
		fk_value_str(&self, x.v[x.n - 1], x.len[x.n - 1]);
	else
		fk_value_str(&self, "", 0);
	env.self = &self;
	(void)fk_expr_each_ref(ex, ref, NULL);
	(void)fk_expr_uses_self(ex);
	memset(&out, 0, sizeof out);
	if (fk_expr_eval(ex, &env, &out, &e) == 0) {
		if (out.type == FK_VAL_STR && (out.str == NULL || strlen(out.str) > out.len))
			abort();
		(void)fk_value_truthy(&out);
		(void)fk_value_to_num(&out);
		fk_value_free(&out);
	}
	(void)fk_expr_eval_bool(ex, &env, &b, &e);
	fk_value_free(&self);
	fk_expr_free(ex);
	free(vals);
	return 0;
}
