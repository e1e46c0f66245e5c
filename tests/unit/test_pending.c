/*
 * test_pending.c - pending attachment files (capture/pending.h): what goes
 * in comes out, at every chunk boundary; no plaintext on disk; a flipped
 * bit, a cut, a chunk too many, a swapped file or another key are refused;
 * limits, aborts, listing and content sniffing.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "pending.h"
#include "test_store_util.h"
#include "util.h"

static char *home;

static char *
file_of(const char *id)
{
	char *p;

	if (asprintf(&p, "%s/%s/%s.fkp", home, FK_PENDING_DIR, id) < 0)
		abort();
	return p;
}

/* Writes n bytes (a pattern with a marker at the front) in pieces of step. */
static int
put(const char *id, const uint8_t *data, size_t n, size_t step, fk_secret *key)
{
	fk_pending_w *w;
	uint64_t size = 0;
	fk_err e;
	size_t off;

	if (fk_pending_create(home, id, 1u << 24, &w, key, &e) != 0)
		return -1;
	for (off = 0; off < n; off += step)
		if (fk_pending_write(w, data + off, n - off < step ? n - off : step, &e) != 0) {
			fk_pending_abort(w);
			return -1;
		}
	if (fk_pending_finish(w, &size, &e) != 0)
		return -1;
	return size == n ? 0 : -1;
}

/* Reads the whole file back: 0 when it equals data, else the error class. */
static int
get(const char *id, const fk_secret *key, const uint8_t *data, size_t n)
{
	fk_pending_r *r;
	fk_source s;
	uint8_t buf[10000];
	fk_err e = { 0 };
	size_t got = 0;
	long k;
	int same = 1;

	if (fk_pending_open(home, id, key, &r, &e) != 0)
		return e.code;
	s = fk_pending_source(r);
	while ((k = s.read(s.ctx, buf, sizeof buf, &e)) > 0) {
		if (got + (size_t)k > n || memcmp(buf, data + got, (size_t)k) != 0)
			same = 0;
		got += (size_t)k;
	}
	fk_pending_close(r);
	if (k < 0)
		return e.code;
	return same && got == n ? 0 : -100;
}

static int
contains(const char *path, const char *needle)
{
	fk_buf b = { 0 };
	fk_err e;
	int found = 0;
	size_t i, n = strlen(needle);

	if (fk_read_file(path, 1u << 26, &b, &e) != 0)
		return -1;
	for (i = 0; i + n <= b.len && !found; i++)
		found = memcmp(b.p + i, needle, n) == 0;
	fk_buf_free(&b);
	return found;
}

static void
flip(const char *path, long off)
{
	int fd = open(path, O_RDWR);
	uint8_t c;

	if (fd < 0 || pread(fd, &c, 1, off) != 1)
		abort();
	c ^= 0x10;
	if (pwrite(fd, &c, 1, off) != 1)
		abort();
	close(fd);
}

static int
count_one(void *ctx, const char *id)
{
	(void)id;
	(*(int *)ctx)++;
	return 0;
}

int
main(void)
{
	static const size_t sizes[] = { 0, 1, 100, 65535, 65536, 65537, 131072, 200001 };
	size_t n = 300000, i;
	uint8_t *data = malloc(n);
	fk_secret key = { 0 }, other = { 0 };
	char id[FK_UUID_BUF], id2[FK_UUID_BUF], *path, *path2;
	fk_pending_w *w;
	fk_err e;
	struct stat st;
	int count = 0;

	check_init();
	home = tu_tmpdir("test_pending");
	for (i = 0; i < n; i++)
		data[i] = (uint8_t)(i * 7 + (i >> 9));
	memcpy(data, "PLAINTEXT-MARKER", 16);

	for (i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
		fk_uuid(id);
		CHECK(put(id, data, sizes[i], 4096, &key) == 0);
		CHECK_MSG(get(id, &key, data, sizes[i]) == 0, "size %zu", sizes[i]);
		fk_secret_free(&key);
	}
	/* written in one piece, in pieces of 1000, 65536 and 70000: the same file reads back */
	fk_uuid(id);
	CHECK(put(id, data, n, n, &key) == 0 && get(id, &key, data, n) == 0);
	fk_secret_free(&key);
	fk_uuid(id);
	CHECK(put(id, data, n, 65536, &key) == 0 && get(id, &key, data, n) == 0);
	fk_secret_free(&key);
	fk_uuid(id);
	CHECK(put(id, data, n, 70000, &key) == 0 && get(id, &key, data, n) == 0);
	path = file_of(id);
	CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600);
	CHECK(contains(path, "PLAINTEXT-MARKER") == 0);
	{
		char *dir;
		if (asprintf(&dir, "%s/%s", home, FK_PENDING_DIR) < 0)
			abort();
		CHECK(stat(dir, &st) == 0 && (st.st_mode & 0777) == 0700);
		free(dir);
	}

	/* another key, a flipped bit anywhere, a cut, an extra chunk: refused */
	CHECK(fk_secret_alloc(&other, FK_PENDING_KEYLEN, &e) == 0);
	randombytes_buf(other.p, other.len);
	CHECK(get(id, &other, data, n) == FK_ECRYPTO);
	{
		long offs[] = { 3, 8 + 5, 40, 65536 + 40, 200000, (long)st.st_size - 1 };
		for (i = 0; i < sizeof offs / sizeof offs[0]; i++) {
			flip(path, offs[i]);
			CHECK_MSG(get(id, &key, data, n) != 0, "bit flipped at %ld", offs[i]);
			flip(path, offs[i]);
		}
		CHECK(get(id, &key, data, n) == 0);
		CHECK(truncate(path, st.st_size - 1) == 0 && get(id, &key, data, n) == FK_ECRYPTO);
		/* the last chunk gone entirely: the stream never ends */
		CHECK(truncate(path, 8 + 24 + 2 * (65536 + 17)) == 0 &&
		    get(id, &key, data, n) == FK_ECRYPTO);
	}
	/* a file renamed to another id (the id is bound to every chunk) */
	fk_uuid(id2);
	{
		fk_secret k2 = { 0 };
		CHECK(put(id2, data, 1000, 1000, &k2) == 0);
		path2 = file_of(id2);
		CHECK(rename(path2, path) == 0);
		CHECK(get(id, &k2, data, 1000) == FK_ECRYPTO);
		fk_secret_free(&k2);
		free(path2);
	}
	/* a missing file */
	fk_uuid(id2);
	CHECK(get(id2, &key, data, 0) == FK_EIO);
	fk_secret_free(&key);

	/* a limit, an abort, a bad id */
	fk_uuid(id);
	CHECK(fk_pending_create(home, id, 1000, &w, &key, &e) == 0);
	CHECK(fk_pending_write(w, data, 600, &e) == 0);
	CHECK(fk_pending_write(w, data, 600, &e) != 0 && e.code == FK_ELIMIT);
	fk_pending_abort(w);
	fk_secret_free(&key);
	free(path);
	path = file_of(id);
	CHECK(stat(path, &st) != 0);
	CHECK(fk_pending_create(home, "../escape", 10, &w, &key, &e) != 0 && e.code == FK_EINPUT);
	CHECK(fk_pending_create(home, "", 10, &w, &key, &e) != 0);
	CHECK(fk_pending_remove(home, "a/b", &e) != 0);

	/* listing and removing */
	CHECK(fk_pending_each(home, count_one, &count, &e) == 0);
	CHECK_MSG(count == 11, "%d pending files", count);
	fk_uuid(id);
	CHECK(put(id, data, 10, 10, &key) == 0);
	fk_secret_free(&key);
	CHECK(fk_pending_remove(home, id, &e) == 0 && fk_pending_remove(home, id, &e) == 0);
	count = 0;
	CHECK(fk_pending_each(home, count_one, &count, &e) == 0 && count == 11);

	/* what a file is, by its first bytes (attach.h: the one sniffer of the capture layer) */
	CHECK(strcmp(fk_media_sniff((const uint8_t *)"\xff\xd8\xff\xe0", 4), "image/jpeg") == 0);
	CHECK(strcmp(fk_media_sniff((const uint8_t *)"\x89PNG\r\n\x1a\n", 8), "image/png") == 0);
	CHECK(strcmp(fk_media_sniff((const uint8_t *)"%PDF-1.7", 8), "application/pdf") == 0);
	CHECK(strcmp(fk_media_sniff((const uint8_t *)"GIF89a", 6), "image/gif") == 0);
	CHECK(fk_media_sniff((const uint8_t *)"\x00GIF89a", 7) == NULL);
	CHECK(fk_media_sniff((const uint8_t *)"\xff\xd8", 2) == NULL);
	CHECK(fk_media_sniff(NULL, 0) == NULL);

	fk_secret_free(&other);
	free(path);
	free(data);
	{
		char cmd[600];
		snprintf(cmd, sizeof cmd, "rm -rf '%s'", home);
		if (system(cmd) != 0)
			fprintf(stderr, "cannot remove %s\n", home);
	}
	free(home);
	return check_done("test_pending");
}
