/*
 * test_expr.c - the expression language: parse errors with positions, and
 * evaluation of every operator and function against a small fake record.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "expr.h"

/* 2024-03-15 12:00:00 UTC; TZ is forced to UTC in main. */
#define NOW ((time_t)1710504000)

static int
field(void *ctx, const char *name, fk_value *out, fk_err *e)
{
	(void)ctx;
	(void)e;
	if (strcmp(name, "age") == 0)
		fk_value_num(out, 12);
	else if (strcmp(name, "dob") == 0)
		fk_value_str(out, "2010-03-16", 10);
	else if (strcmp(name, "dob2") == 0)
		fk_value_str(out, "2010-03-15", 10);
	else if (strcmp(name, "name") == 0)
		fk_value_str(out, "Юрій", strlen("Юрій"));
	else if (strcmp(name, "multi") == 0)
		fk_value_str(out, "health legal", 12);
	else if (strcmp(name, "num_text") == 0)
		fk_value_str(out, "10", 2);
	else if (strcmp(name, "fail") == 0)
		return fk_fail(e, FK_EINPUT, "boom");
	else
		fk_value_str(out, "", 0); /* unanswered */
	return 0;
}

static int
count(void *ctx, const char *name, double *out, fk_err *e)
{
	(void)ctx;
	(void)e;
	*out = strcmp(name, "children") == 0 ? 3 : 0;
	return 0;
}

static fk_value self_v;
static fk_expr_env env = {field, count, NULL, &self_v, NOW};

/* Evaluates src and compares its string form with want. */
static void
ev(const char *src, const char *want)
{
	fk_expr *x = NULL;
	fk_err e = {0};
	fk_value v = {0};
	char got[256];

	if (fk_expr_parse(src, strlen(src), &x, &e) != 0) {
		CHECK_MSG(0, "parse %s: %s", src, e.msg);
		return;
	}
	if (fk_expr_eval(x, &env, &v, &e) != 0) {
		CHECK_MSG(0, "eval %s: %s", src, e.msg);
		fk_expr_free(x);
		return;
	}
	if (v.type == FK_VAL_BOOL)
		snprintf(got, sizeof got, "%s", v.b ? "true" : "false");
	else if (v.type == FK_VAL_NUM)
		snprintf(got, sizeof got, isnan(v.num) ? "NaN" : "%g", v.num);
	else
		snprintf(got, sizeof got, "'%.*s'", (int)v.len, v.str);
	CHECK_MSG(strcmp(got, want) == 0, "%s = %s, want %s", src, got, want);
	fk_value_free(&v);
	fk_expr_free(x);
}

/* Expects a parse error whose message contains want. */
static void
bad(const char *src, const char *want)
{
	fk_expr *x = NULL;
	fk_err e = {0};

	CHECK_MSG(fk_expr_parse(src, strlen(src), &x, &e) == -1, "%s parsed", src);
	CHECK_MSG(e.code == FK_EINPUT && strstr(e.msg, want) != NULL, "%s: got '%s', want '%s'",
	    src, e.msg, want);
	CHECK(x == NULL);
	fk_expr_free(x);
}

static int
collect(void *ctx, const char *name, int counted, size_t pos)
{
	char *buf = ctx;
	char tmp[80];

	snprintf(tmp, sizeof tmp, "%s%s@%zu ", counted ? "#" : "", name, pos);
	strcat(buf, tmp);
	return 0;
}

int
main(void)
{
	fk_expr *x = NULL;
	fk_err e = {0};
	fk_value v = {0};
	char refs[256] = "", big[FK_EXPR_MAX_LEN + 2];
	int b = -1, y, m, d;
	size_t i;

	check_init();
	setenv("TZ", "UTC", 1);
	tzset();
	fk_value_str(&self_v, "2024-03-16", 10);

	/* Literals and arithmetic. */
	ev("1", "1");
	ev("1 + 2 * 3", "7");
	ev("(1 + 2) * 3", "9");
	ev("7 div 2", "3.5");
	ev("7 / 2", "3.5");
	ev("7 mod 3", "1");
	ev("1 div 0", "NaN");
	ev("5 mod 0", "NaN");
	ev("-3 - -2", "-1");
	ev("10 - 2 - 3", "5");
	ev("2.5 * 2", "5");
	ev("'abc'", "'abc'");
	ev("\"it's\"", "'it's'");
	ev("true", "true");
	ev("false()", "false");
	/* Comparisons. */
	ev("1 < 2", "true");
	ev("2 <= 2", "true");
	ev("3 > 4", "false");
	ev("3 >= 4", "false");
	ev("1 = 1.0", "true");
	ev("1 != 1", "false");
	ev("'a' = 'a'", "true");
	ev("'a' != 'b'", "true");
	ev("'abc' < 'abd'", "true");
	ev("${num_text} > 9", "true");
	ev("${num_text} > '9'", "true"); /* both numeric strings: numbers */
	ev("${dob} < '2011-01-01'", "true");
	ev("${dob} <= today()", "true");
	ev(". <= today()", "false"); /* self is tomorrow */
	ev(". > today()", "true");
	ev("${missing} < 5", "false");
	ev("${missing} > 5", "false");
	ev("${missing} = ''", "true");
	ev("${missing} != ''", "false");
	ev("${missing} = 0", "false");
	ev("true = 1", "true");
	ev("${age} = '12'", "true");
	/* Logic, short-circuit (fail is never evaluated). */
	ev("1 = 1 and 2 = 2", "true");
	ev("1 = 2 and ${fail}", "false");
	ev("1 = 1 or ${fail}", "true");
	ev("1 = 2 or 2 = 2", "true");
	ev("not(1 = 2)", "true");
	ev("not(${missing})", "true");
	ev("1 = 1 and 2 = 3 or 4 = 4", "true");
	ev("1 = 2 and (2 = 3 or 4 = 4)", "false");
	/* Functions. */
	ev("today()", "'2024-03-15'");
	ev("now()", "'2024-03-15T12:00:00+00:00'");
	ev("age(${dob})", "13");  /* birthday tomorrow */
	ev("age(${dob2})", "14"); /* birthday today */
	ev("age(${missing})", "NaN");
	ev("age('2010-02-30')", "NaN");
	ev("count(${children})", "3");
	ev("count(${children}) >= 1", "true");
	ev("selected(${multi}, 'legal')", "true");
	ev("selected(${multi}, 'leg')", "false");
	ev("selected(${missing}, 'legal')", "false");
	ev("count-selected(${multi})", "2");
	ev("count-selected(${missing})", "0");
	ev("string-length(${name})", "4");
	ev("string-length('')", "0");
	ev("concat(${name}, '-', 5)", "'Юрій-5'");
	ev("if(${age} < 18, 'child', 'adult')", "'child'");
	ev("if(${age} > 18, ${fail}, 'ok')", "'ok'");
	ev("number('3.5') + 1", "4.5");
	ev("number('x')", "NaN");
	ev("int(3.9)", "3");
	ev("int(-3.9)", "-3");
	ev("string(12)", "'12'");
	ev("coalesce(${missing}, 'd')", "'d'");
	ev("coalesce(${name}, 'd')", "'Юрій'");
	ev("is-digits('0123')", "true");
	ev("is-digits('12a')", "false");
	ev("is-digits('')", "false");
	ev("is-phone('+380 67 123-45-67')", "true");
	ev("is-phone('12345')", "false");
	ev("is-phone('+38067x1234567')", "false");
	ev("days('1970-01-02')", "1");
	ev("days('2024-03-15') - days(${dob})", "5113");
	ev("days('junk')", "NaN");
	ev("translit(${name})", "'Yurii'");
	ev("translit('Згурський')", "'Zghurskyi'");

	/* Parse errors name the character position. */
	bad("", "at character 1: expected a value");
	bad("1 +", "at character 4: expected a value");
	bad("(1 + 2", "at character 7: expected ')'");
	bad("1 2", "at character 3: unexpected input");
	bad("'abc", "at character 1: unterminated string");
	bad("foo(1)", "unknown function 'foo'");
	bad("age()", "age() takes 1 argument");
	bad("today(1)", "today() takes 0 argument");
	bad("concat()", "concat() takes 1 to 16 arguments");
	bad("count('x')", "count() takes a ${repeat} reference");
	bad("${", "at character 1: a field reference");
	bad("${1a}", "a field reference");
	bad("${a b}", "a field reference");
	bad("name = 'x'", "unknown word 'name'");
	bad("1 # 2", "at character 3: unexpected input");
	bad("#", "unexpected character '#'");
	bad("'Юрій' = Юрій", "at character 10: unexpected character");
	bad("selected(${a}, 'b'", "expected ',' or ')'");
	bad("1 = = 2", "at character 5");
	bad("\xd0", "invalid UTF-8");
	memset(big, '(', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	bad(big, "longer than");
	memset(big, '(', 200);
	strcpy(big + 200, "1");
	bad(big, "nested too deeply");
	memset(big, '-', 200);
	strcpy(big + 200, "1");
	bad(big, "nested too deeply");
	CHECK(fk_expr_parse("1\0", 2, &x, &e) == -1);

	/* References, self detection. */
	CHECK(fk_expr_parse("${a} + count(${rep}) + ${b}", 27, &x, &e) == 0);
	CHECK(fk_expr_each_ref(x, collect, refs) == 0);
	CHECK_MSG(strcmp(refs, "a@1 #rep@14 b@24 ") == 0, "%s", refs);
	CHECK(fk_expr_uses_self(x) == 0);
	fk_expr_free(x);
	CHECK(fk_expr_parse(". > '2000'", 10, &x, &e) == 0);
	CHECK(fk_expr_uses_self(x) == 1);
	CHECK(fk_expr_eval_bool(x, &env, &b, &e) == 0 && b == 1);
	fk_expr_free(x);

	/* Evaluation errors from the environment propagate. */
	CHECK(fk_expr_parse("${fail} = 1", 11, &x, &e) == 0);
	CHECK(fk_expr_eval(x, &env, &v, &e) == -1 && strcmp(e.msg, "boom") == 0);
	fk_expr_free(x);

	/* Dates. */
	CHECK(fk_date_parse("2024-02-29", 10, &y, &m, &d) == 0);
	CHECK(fk_date_parse("2023-02-29", 10, &y, &m, &d) == -1);
	CHECK(fk_date_parse("1900-02-29", 10, &y, &m, &d) == -1);
	CHECK(fk_date_parse("2000-02-29", 10, &y, &m, &d) == 0);
	CHECK(fk_date_parse("2024-13-01", 10, &y, &m, &d) == -1);
	CHECK(fk_date_parse("2024-1-01", 9, &y, &m, &d) == -1);
	CHECK(fk_date_parse("0999-01-01", 10, &y, &m, &d) == -1);
	CHECK(fk_datetime_parse("2024-03-15T10:20", 16) == 0);
	CHECK(fk_datetime_parse("2024-03-15T10:20:30Z", 20) == 0);
	CHECK(fk_datetime_parse("2024-03-15T10:20:30.125+02:00", 29) == 0);
	CHECK(fk_datetime_parse("2024-03-15T24:20", 16) == -1);
	CHECK(fk_datetime_parse("2024-03-15 10:20", 16) == -1);
	CHECK(fk_datetime_parse("2024-03-15T10:20+0200", 21) == -1);
	CHECK(fk_days_from_civil(1970, 1, 1) == 0);
	CHECK(fk_days_from_civil(2000, 3, 1) == 11017);

	/* A deep but legal expression evaluates. */
	strcpy(big, "1");
	for (i = 0; i < 30; i++)
		strcat(big, " + 1");
	ev(big, "31");
	return check_done("expr");
}
