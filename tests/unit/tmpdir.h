/*
 * tmpdir.h - temporary folders for unit tests, under $TMPDIR, removed with
 * everything in them when the process that made them exits (not when a forked
 * child exits). FK_KEEP_TMP=1 keeps them, for looking at after a failure.
 */
#ifndef FK_TEST_TMPDIR_H
#define FK_TEST_TMPDIR_H

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define TMPDIR_MAX 64

static char *tmpdir_made[TMPDIR_MAX];
static size_t tmpdir_n;
static pid_t tmpdir_owner;

static inline int
tmpdir_rm1(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (flag == FTW_DP)
		rmdir(p);
	else
		unlink(p);
	return 0;
}

static inline void
tmpdir_cleanup(void)
{
	const char *keep = getenv("FK_KEEP_TMP");
	size_t i;

	if (getpid() != tmpdir_owner || (keep != NULL && *keep == '1'))
		return;
	for (i = 0; i < tmpdir_n; i++) {
		nftw(tmpdir_made[i], tmpdir_rm1, 16, FTW_DEPTH | FTW_PHYS);
		free(tmpdir_made[i]);
	}
	tmpdir_n = 0;
}

/* $TMPDIR/TAG-XXXXXX, made 0700; malloc'd (the caller may free its copy). */
static inline char *
test_tmpdir(const char *tag)
{
	const char *t = getenv("TMPDIR");
	char *p = malloc(4096);

	snprintf(p, 4096, "%s/%s-XXXXXX", t && *t ? t : "/tmp", tag);
	if (mkdtemp(p) == NULL)
		abort();
	if (tmpdir_owner == 0) {
		tmpdir_owner = getpid();
		atexit(tmpdir_cleanup);
	}
	if (tmpdir_n < TMPDIR_MAX && getpid() == tmpdir_owner)
		tmpdir_made[tmpdir_n++] = strdup(p);
	return p;
}

#endif
