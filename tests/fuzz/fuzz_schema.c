/*
 * fuzz_schema.c - libFuzzer entry over the forms engine: the form loader,
 * the record validator and builder, the wizard listing, and the expression
 * parser. The first input byte picks the target:
 *   0: the input is a form;
 *   1: the input is a record for the shipped family-report form;
 *   2: the input is a record for the shipped child-intake form;
 *   3: the input is an expression;
 *   other: "FORM\0RECORD" - a form and a record for it.
 * The shipped forms are read from $FIELDKIT_SCHEMAS (default: FK_BUILD_SCHEMADIR).
 * Build with -DFK_FUZZ_MAIN for a plain driver that runs files given as
 * arguments (for reproducing crashes without libFuzzer).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "expr.h"
#include "io.h"
#include "schema.h"

#ifndef FK_BUILD_SCHEMADIR
#define FK_BUILD_SCHEMADIR "schemas"
#endif

static fk_form *shipped[2];

static void
load_shipped(void)
{
	static const char *const ids[] = {"family-report", "child-intake"};
	const char *dir = getenv("FIELDKIT_SCHEMAS");
	char path[4096];
	fk_err e = {0};
	size_t i;

	if (dir == NULL || *dir == '\0')
		dir = FK_BUILD_SCHEMADIR;
	for (i = 0; i < 2; i++) {
		snprintf(path, sizeof path, "%s/%s.json", dir, ids[i]);
		if (fk_form_load_file(path, &shipped[i], NULL, &e) != 0)
			fprintf(stderr, "fuzz_schema: %s (record targets disabled)\n", e.msg);
	}
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	setenv("TZ", "UTC", 1);
	load_shipped();
	return 0;
}

static void
records(const fk_form *f, const uint8_t *p, size_t n)
{
	fk_vopts o = {"uk", 1748779200};
	fk_issues is = {0};
	fk_questions q = {0};
	fk_err e = {0};
	json_t *rec, *v = NULL;
	size_t i;

	if (f == NULL)
		return;
	(void)fk_form_validate_bytes(f, p, n, &o, &is, &e);
	fk_issues_free(&is);
	if (n > FK_RECORD_MAX || (rec = json_loadb((const char *)p, n, 0, NULL)) == NULL)
		return;
	if (fk_form_visible(f, rec, &o, &q, &e) == 0) {
		for (i = 0; i < q.n && i < 64; i++) {
			v = fk_answers_get(f, rec, q.v[i].path);
			(void)fk_form_check_answer(f, rec, q.v[i].path, v, &o, &is, &e);
			if (fk_form_suggest(f, rec, q.v[i].path, &o, &v, &e) == 0)
				json_decref(v);
		}
	}
	fk_questions_free(&q);
	if (fk_form_build(f, rec, &o, &e) == 0)
		(void)fk_form_validate(f, rec, &o, &is, &e);
	fk_issues_free(&is);
	json_decref(rec);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fk_form *f = NULL;
	fk_issues is = {0};
	fk_expr *x = NULL;
	fk_err e = {0};
	const uint8_t *sep;

	if (size < 1)
		return 0;
	switch (data[0]) {
	case 0:
		if (fk_form_load(data + 1, size - 1, &f, &is, &e) == 0)
			fk_form_free(f);
		fk_issues_free(&is);
		break;
	case 1:
	case 2:
		records(shipped[data[0] - 1], data + 1, size - 1);
		break;
	case 3:
		if (fk_expr_parse((const char *)data + 1, size - 1, &x, &e) == 0)
			fk_expr_free(x);
		break;
	default:
		sep = memchr(data + 1, 0, size - 1);
		if (sep == NULL)
			break;
		if (fk_form_load(data + 1, (size_t)(sep - data - 1), &f, &is, &e) == 0) {
			records(f, sep + 1, size - (size_t)(sep - data) - 1);
			fk_form_free(f);
		}
		fk_issues_free(&is);
		break;
	}
	return 0;
}

#ifdef FK_FUZZ_MAIN
int
main(int argc, char **argv)
{
	fk_buf b = {0};
	fk_err e = {0};
	int i;

	LLVMFuzzerInitialize(&argc, &argv);
	for (i = 1; i < argc; i++) {
		b.len = 0;
		if (fk_read_file(argv[i], 64u << 20, &b, &e) != 0) {
			fprintf(stderr, "%s\n", e.msg);
			return 1;
		}
		LLVMFuzzerTestOneInput(b.p ? b.p : (const uint8_t *)"", b.len);
	}
	fk_buf_free(&b);
	for (i = 0; i < 2; i++)
		fk_form_free(shipped[i]);
	return 0;
}
#endif
