/*
 * check.h - the smallest test harness that does the job: CHECK records a
 * failure with file:line and goes on; the program's exit status says whether
 * any check failed, and check_done() prints "N passed, M failed".
 */
#ifndef FK_CHECK_H
#define FK_CHECK_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

static int check_passed, check_failed;

#define CHECK(cond)                                                                   \
	do {                                                                          \
		if (cond) {                                                           \
			check_passed++;                                               \
		} else {                                                              \
			check_failed++;                                               \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
		}                                                                     \
	} while (0)

#define CHECK_MSG(cond, ...)                                                          \
	do {                                                                          \
		if (cond) {                                                           \
			check_passed++;                                               \
		} else {                                                              \
			check_failed++;                                               \
			fprintf(stderr, "%s:%d: check failed: %s: ", __FILE__, __LINE__, #cond); \
			fprintf(stderr, __VA_ARGS__);                                 \
			fputc('\n', stderr);                                          \
		}                                                                     \
	} while (0)

static inline void
check_init(void)
{
	if (sodium_init() < 0) {
		fprintf(stderr, "sodium_init failed\n");
		exit(1);
	}
}

static inline int
check_done(const char *what)
{
	printf("%s: %d passed, %d failed\n", what, check_passed, check_failed);
	return check_failed == 0 ? 0 : 1;
}

#endif
