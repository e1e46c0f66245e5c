/*
 * pending.c - see pending.h.
 */
#include "pending.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "util.h"

#define MAGIC "FKPEND01"
#define MAGIC_LEN 8
#define HDR_LEN crypto_secretstream_xchacha20poly1305_HEADERBYTES
#define ABYTES crypto_secretstream_xchacha20poly1305_ABYTES
#define CT_CHUNK (FK_PENDING_CHUNK + ABYTES)

struct fk_pending_w {
	int fd;
	char *path;
	char id[65];
	crypto_secretstream_xchacha20poly1305_state st;
	uint8_t *buf;   /* sodium_malloc: FK_PENDING_CHUNK plaintext */
	size_t have;
	uint8_t ct[CT_CHUNK];
	uint64_t total, max;
};

struct fk_pending_r {
	int fd;
	char id[65];
	crypto_secretstream_xchacha20poly1305_state st;
	uint8_t ct[CT_CHUNK];
	uint8_t *pt;    /* sodium_malloc: FK_PENDING_CHUNK */
	size_t ptlen, ptoff;
	int final;
};

static int
id_ok(const char *id)
{
	size_t i;

	for (i = 0; id[i]; i++)
		if (!((id[i] >= 'a' && id[i] <= 'z') || (id[i] >= 'A' && id[i] <= 'Z') ||
		    (id[i] >= '0' && id[i] <= '9') || id[i] == '-' || id[i] == '_'))
			return 0;
	return i > 0 && i <= 64;
}

static char *
file_path(const char *home, const char *id, fk_err *e)
{
	char name[80];
	char *p;

	if (!id_ok(id)) {
		fk_fail(e, FK_EINPUT, _("not a valid attachment id"));
		return NULL;
	}
	snprintf(name, sizeof name, "%s/%s.fkp", FK_PENDING_DIR, id);
	p = fk_path_join(home, name);
	if (p == NULL)
		fk_fail(e, FK_ENOMEM, _("out of memory"));
	return p;
}

int
fk_pending_create(const char *home, const char *id, uint64_t max, fk_pending_w **out,
    fk_secret *key, fk_err *e)
{
	fk_pending_w *w;
	uint8_t hdr[MAGIC_LEN + HDR_LEN];
	char *dir;

	*out = NULL;
	key->p = NULL;
	if ((w = calloc(1, sizeof *w)) == NULL)
		return fk_fail(e, FK_ENOMEM, _("out of memory"));
	w->fd = -1;
	w->max = max;
	if ((w->path = file_path(home, id, e)) == NULL)
		goto fail;
	snprintf(w->id, sizeof w->id, "%s", id);
	if ((dir = fk_path_join(home, FK_PENDING_DIR)) == NULL) {
		fk_fail(e, FK_ENOMEM, _("out of memory"));
		goto fail;
	}
	if (fk_mkdirs(dir, 0700, e) != 0) {
		free(dir);
		goto fail;
	}
	free(dir);
	if ((w->buf = sodium_malloc(FK_PENDING_CHUNK)) == NULL) {
		fk_fail(e, FK_ENOMEM, _("out of memory"));
		goto fail;
	}
	if (fk_secret_alloc(key, FK_PENDING_KEYLEN, e) != 0)
		goto fail;
	crypto_secretstream_xchacha20poly1305_keygen(key->p);
	memcpy(hdr, MAGIC, MAGIC_LEN);
	crypto_secretstream_xchacha20poly1305_init_push(&w->st, hdr + MAGIC_LEN, key->p);
	w->fd = open(w->path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (w->fd < 0) {
		fk_fail(e, FK_EIO, _("cannot create %s: %s"), w->path, strerror(errno));
		goto fail;
	}
	if (fk_fd_write_all(w->fd, hdr, sizeof hdr, w->path, e) != 0)
		goto fail;
	*out = w;
	return 0;
fail:
	fk_secret_free(key);
	fk_pending_abort(w);
	return -1;
}

static int
push(fk_pending_w *w, unsigned char tag, fk_err *e)
{
	unsigned long long clen;

	crypto_secretstream_xchacha20poly1305_push(&w->st, w->ct, &clen, w->buf, w->have,
	    (const uint8_t *)w->id, strlen(w->id), tag);
	sodium_memzero(w->buf, FK_PENDING_CHUNK);
	w->have = 0;
	return fk_fd_write_all(w->fd, w->ct, (size_t)clen, w->path, e);
}

int
fk_pending_write(fk_pending_w *w, const uint8_t *p, size_t n, fk_err *e)
{
	if (n > w->max || w->total > w->max - n)
	{
		char sz[32];
		return fk_fail(e, FK_ELIMIT, _("the file is larger than %s: choose a smaller one"),
		    fk_size_text(w->max, sz, sizeof sz));
	}
	while (n > 0) {
		size_t take;
		/* A full chunk is written only when more follows, so the last is FINAL. */
		if (w->have == FK_PENDING_CHUNK &&
		    push(w, crypto_secretstream_xchacha20poly1305_TAG_MESSAGE, e) != 0)
			return -1;
		take = FK_PENDING_CHUNK - w->have;
		if (take > n)
			take = n;
		memcpy(w->buf + w->have, p, take);
		w->have += take;
		w->total += take;
		p += take;
		n -= take;
	}
	return 0;
}

int
fk_pending_finish(fk_pending_w *w, uint64_t *size, fk_err *e)
{
	int rc = -1;

	if (push(w, crypto_secretstream_xchacha20poly1305_TAG_FINAL, e) != 0)
		goto out;
	if (fsync(w->fd) != 0) {
		fk_fail(e, FK_EIO, _("cannot write %s: %s"), w->path, strerror(errno));
		goto out;
	}
	if (close(w->fd) != 0) {
		w->fd = -1;
		fk_fail(e, FK_EIO, _("cannot write %s: %s"), w->path, strerror(errno));
		goto out;
	}
	w->fd = -1;
	if (fk_fsync_parent(w->path, e) != 0)
		goto out;
	*size = w->total;
	rc = 0;
out:
	if (rc != 0) {
		fk_pending_abort(w);
		return -1;
	}
	sodium_memzero(&w->st, sizeof w->st);
	sodium_free(w->buf);
	free(w->path);
	free(w);
	return 0;
}

void
fk_pending_abort(fk_pending_w *w)
{
	if (w == NULL)
		return;
	if (w->fd >= 0) {
		close(w->fd);
		unlink(w->path);
	}
	sodium_memzero(&w->st, sizeof w->st);
	sodium_free(w->buf);
	free(w->path);
	free(w);
}

int
fk_pending_open(const char *home, const char *id, const fk_secret *key, fk_pending_r **out,
    fk_err *e)
{
	fk_pending_r *r;
	uint8_t hdr[MAGIC_LEN + HDR_LEN];
	char *path;
	ssize_t n;

	*out = NULL;
	if (key == NULL || key->p == NULL || key->len != FK_PENDING_KEYLEN)
		return fk_fail(e, FK_EKEY, _("no key for the attachment"));
	if ((path = file_path(home, id, e)) == NULL)
		return -1;
	if ((r = calloc(1, sizeof *r)) == NULL || (r->pt = sodium_malloc(FK_PENDING_CHUNK)) == NULL) {
		free(r);
		free(path);
		return fk_fail(e, FK_ENOMEM, _("out of memory"));
	}
	snprintf(r->id, sizeof r->id, "%s", id);
	r->fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (r->fd < 0) {
		fk_fail(e, FK_EIO, _("the file of attachment %s is missing: attach it again"), id);
		goto fail;
	}
	do
		n = read(r->fd, hdr, sizeof hdr);
	while (n < 0 && errno == EINTR);
	if (n != (ssize_t)sizeof hdr || memcmp(hdr, MAGIC, MAGIC_LEN) != 0 ||
	    crypto_secretstream_xchacha20poly1305_init_pull(&r->st, hdr + MAGIC_LEN, key->p) != 0) {
		fk_fail(e, FK_ECRYPTO, _("the file of attachment %s is damaged: attach it again"), id);
		goto fail;
	}
	free(path);
	*out = r;
	return 0;
fail:
	free(path);
	fk_pending_close(r);
	return -1;
}

/* Reads up to n bytes, stopping only at the end of the file. */
static ssize_t
read_full(int fd, uint8_t *p, size_t n)
{
	size_t got = 0;

	while (got < n) {
		ssize_t k = read(fd, p + got, n - got);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return -1;
		if (k == 0)
			break;
		got += (size_t)k;
	}
	return (ssize_t)got;
}

static int
next_chunk(fk_pending_r *r, fk_err *e)
{
	unsigned long long mlen;
	unsigned char tag;
	ssize_t n = read_full(r->fd, r->ct, CT_CHUNK);
	uint8_t extra;

	if (n < 0)
		return fk_fail(e, FK_EIO, _("cannot read the file of attachment %s: %s"), r->id,
		    strerror(errno));
	if (n < (ssize_t)ABYTES ||
	    crypto_secretstream_xchacha20poly1305_pull(&r->st, r->pt, &mlen, &tag, r->ct,
	    (unsigned long long)n, (const uint8_t *)r->id, strlen(r->id)) != 0)
		return fk_fail(e, FK_ECRYPTO, _("the file of attachment %s is damaged: attach it again"),
		    r->id);
	if (tag == crypto_secretstream_xchacha20poly1305_TAG_FINAL) {
		if (read_full(r->fd, &extra, 1) != 0)
			return fk_fail(e, FK_ECRYPTO,
			    _("the file of attachment %s is damaged: attach it again"), r->id);
		r->final = 1;
	} else if (tag != crypto_secretstream_xchacha20poly1305_TAG_MESSAGE ||
	    n != (ssize_t)CT_CHUNK) {
		return fk_fail(e, FK_ECRYPTO, _("the file of attachment %s is damaged: attach it again"),
		    r->id);
	}
	r->ptlen = (size_t)mlen;
	r->ptoff = 0;
	return 0;
}

static long
pending_read(void *ctx, uint8_t *buf, size_t len, fk_err *e)
{
	fk_pending_r *r = ctx;
	size_t take;

	while (r->ptoff == r->ptlen) {
		if (r->final)
			return 0;
		sodium_memzero(r->pt, FK_PENDING_CHUNK);
		if (next_chunk(r, e) != 0)
			return -1;
	}
	take = r->ptlen - r->ptoff;
	if (take > len)
		take = len;
	memcpy(buf, r->pt + r->ptoff, take);
	r->ptoff += take;
	return (long)take;
}

fk_source
fk_pending_source(fk_pending_r *r)
{
	fk_source s = { pending_read, r };

	return s;
}

void
fk_pending_close(fk_pending_r *r)
{
	if (r == NULL)
		return;
	if (r->fd >= 0)
		close(r->fd);
	sodium_memzero(&r->st, sizeof r->st);
	sodium_free(r->pt);
	free(r);
}

int
fk_pending_remove(const char *home, const char *id, fk_err *e)
{
	char *path = file_path(home, id, e);
	int rc = 0;

	if (path == NULL)
		return -1;
	if (unlink(path) != 0 && errno != ENOENT)
		rc = fk_fail(e, FK_EIO, _("cannot delete %s: %s"), path, strerror(errno));
	free(path);
	return rc;
}

int
fk_pending_each(const char *home, int (*fn)(void *ctx, const char *id), void *ctx, fk_err *e)
{
	char *dir = fk_path_join(home, FK_PENDING_DIR);
	struct dirent *d;
	DIR *dp;
	int rc = 0;

	if (dir == NULL)
		return fk_fail(e, FK_ENOMEM, _("out of memory"));
	if ((dp = opendir(dir)) == NULL) {
		rc = errno == ENOENT ? 0 : fk_fail(e, FK_EIO, _("cannot read %s: %s"), dir,
		    strerror(errno));
		free(dir);
		return rc;
	}
	while (rc == 0 && (d = readdir(dp)) != NULL) {
		char id[80];
		size_t n = strlen(d->d_name);
		if (n < 5 || n - 4 >= sizeof id || strcmp(d->d_name + n - 4, ".fkp") != 0)
			continue;
		memcpy(id, d->d_name, n - 4);
		id[n - 4] = '\0';
		if (id_ok(id))
			rc = fn(ctx, id);
	}
	closedir(dp);
	free(dir);
	return rc < 0 ? -1 : 0;
}
