/*
 * test_fuzz_found.c - one regression check for every defect the fuzzers in
 * tests/fuzz found (packaging/fuzz.sh --long), with the input that showed it.
 * Each check names its target and what was wrong.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
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

int
main(void)
{
	check_init();
	rfc3339_real_days();
	return check_done("test_fuzz_found");
}
