/*
 * test_fuzz_found.c - one regression check for every defect the fuzzers in
 * tests/fuzz found (packaging/fuzz.sh --long), with the input that showed it.
 * Each check names its target and what was wrong.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "expr.h"
#include "util.h"

/*
 * fuzz_text, mode 3: fk_time_parse_rfc3339 took days a month does not have
 * ("2026-02-31" became 2026-03-03), month 00 (December of the year before)
 * and second 60, so a card's or manifest's "created" could read one time and
 * mean another. Now only what fk_time_rfc3339 writes is accepted.
 */
static void
rfc3339_real_days(void)
{
	static const char *const bad[] = {
		"2026-02-31T12:00:00Z", "2026-00-10T00:00:00Z", "2025-02-29T00:00:00Z",
		"2026-04-31T00:00:00Z", "2026-01-01T23:59:60Z", "2026-01-00T00:00:00Z",
	};
	static const char *const good[] = {
		"2024-02-29T00:00:00Z", "2026-12-31T23:59:59Z", "1970-01-01T00:00:00Z",
	};
	char back[FK_TIME_BUF];
	int64_t t;
	size_t i;

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++)
		CHECK_MSG(fk_time_parse_rfc3339(bad[i], &t) != 0, "%s accepted", bad[i]);
	for (i = 0; i < sizeof good / sizeof good[0]; i++) {
		CHECK_MSG(fk_time_parse_rfc3339(good[i], &t) == 0, "%s refused", good[i]);
		fk_time_rfc3339(t, back);
		CHECK(strcmp(back, good[i]) == 0);
	}
}

/*
 * fuzz_expr: string(.) copied its argument with strndup, which stops at a
 * NUL byte, yet kept the argument's length, so a value holding a NUL was
 * read past its copy (heap-buffer-overflow in str_num when -string(.) made
 * it a number), and str_num itself stopped at a NUL ("12\0..." was 12).
 * Now every byte is copied and a NUL is not part of a number. (A NUL in the
 * expression's own text is refused by the parser.)
 */
static void
expr_string_keeps_nul(void)
{
	static const char val[] = "12\0\0\0\0 ";
	static const char *const src[] = { "string(.)", "-string(.)", "'a\0b' = 'a'" };
	fk_value self, out;
	fk_expr_env env = { NULL, NULL, NULL, &self, 1748779200 };
	fk_expr *ex;
	fk_err e;
	size_t lens[] = { 9, 10, 12 }, i;

	fk_value_str(&self, val, sizeof val - 1);
	for (i = 0; i < 3; i++) {
		memset(&out, 0, sizeof out);
		ex = NULL;
		if (i == 2) {
			CHECK(fk_expr_parse(src[i], lens[i], &ex, &e) != 0);
			continue;
		}
		CHECK(fk_expr_parse(src[i], lens[i], &ex, &e) == 0);
		if (ex == NULL)
			continue;
		CHECK(fk_expr_eval(ex, &env, &out, &e) == 0);
		if (i == 0)
			CHECK(out.type == FK_VAL_STR && out.len == sizeof val - 1 &&
			    memcmp(out.str, val, out.len) == 0);
		if (i == 1) /* not a number: NUL bytes are not digits */
			CHECK(out.type == FK_VAL_NUM && out.num != out.num);
		fk_value_free(&out);
		fk_expr_free(ex);
	}
}

int
main(void)
{
	check_init();
	rfc3339_real_days();
	expr_string_keeps_nul();
	return check_done("test_fuzz_found");
}
