/*
 * io.c - see io.h. Never leaves a half-written file under its final name.
 */
#include "io.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

FILE *
fk_open_read(const char *path, fk_err *e)
{
	FILE *f;

	if (strcmp(path, "-") == 0)
		return stdin;
	f = fopen(path, "rb");
	if (f == NULL)
		fk_fail(e, FK_EIO, _("cannot open %s: %s"), path, strerror(errno));
	return f;
}

int
fk_open_regular(const char *path, const char *want, int nofollow, struct stat *st, fk_err *e)
{
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | (nofollow ? O_NOFOLLOW : 0));
	const char *what;
	struct stat st0;

	if (st == NULL)
		st = &st0;
	if (fd < 0 && errno == ELOOP && nofollow)
		return fk_fail(e, FK_EINPUT, _("a symbolic link, not %s"), want);
	if (fd < 0)
		return fk_fail(e, FK_EIO, _("cannot open it: %s"), strerror(errno));
	if (fstat(fd, st) != 0) {
		fk_fail(e, FK_EIO, _("cannot open it: %s"), strerror(errno));
		close(fd);
		return -1;
	}
	if (!S_ISREG(st->st_mode)) {
		what = S_ISFIFO(st->st_mode) ? _("a FIFO") : S_ISCHR(st->st_mode) ?
		    _("a character device") : S_ISBLK(st->st_mode) ? _("a block device") :
		    S_ISDIR(st->st_mode) ? _("a folder") : S_ISSOCK(st->st_mode) ? _("a socket") :
		    _("a special file");
		close(fd);
		return fk_fail(e, FK_EINPUT, _("%s, not %s"), what, want);
	}
	/* back to blocking reads for the file itself */
	if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK) != 0) {
		fk_fail(e, FK_EIO, _("cannot open it: %s"), strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

/* Reads all of f into b, up to max bytes; path is for the messages. */
static int
read_all(FILE *f, const char *path, size_t max, fk_buf *b, fk_err *e)
{
	uint8_t tmp[65536];
	size_t n;
	size_t oldmax = b->max;

	b->max = max;
	while ((n = fread(tmp, 1, sizeof tmp, f)) > 0) {
		if (fk_buf_append(b, tmp, n, e) != 0) {
			fk_prefix(e, "%s", path);
			goto fail;
		}
	}
	if (ferror(f)) {
		fk_fail(e, FK_EIO, _("cannot read %s: %s"), path, strerror(errno));
		goto fail;
	}
	b->max = oldmax;
	sodium_memzero(tmp, sizeof tmp);
	return 0;
fail:
	b->max = oldmax;
	sodium_memzero(tmp, sizeof tmp);
	return -1;
}

int
fk_read_file(const char *path, size_t max, fk_buf *b, fk_err *e)
{
	FILE *f = fk_open_read(path, e);
	int rc;

	if (f == NULL)
		return -1;
	rc = read_all(f, path, max, b, e);
	if (f != stdin)
		fclose(f);
	return rc;
}

int
fk_read_regular(const char *path, const char *want, size_t max, fk_buf *b, fk_err *e)
{
	FILE *f;
	int fd = fk_open_regular(path, want, 0, NULL, e), rc;

	if (fd < 0)
		return fk_prefix(e, "%s", path);
	if ((f = fdopen(fd, "rb")) == NULL) {
		close(fd);
		return fk_fail(e, FK_EIO, _("cannot open %s: %s"), path, strerror(errno));
	}
	rc = read_all(f, path, max, b, e);
	fclose(f);
	return rc;
}

int
fk_fsync_parent(const char *path, fk_err *e)
{
	char *copy = strdup(path);
	int fd, rc = 0;

	if (copy == NULL)
		return fk_fail(e, FK_ENOMEM, _("out of memory"));
	fd = open(dirname(copy), O_RDONLY | O_DIRECTORY);
	if (fd < 0 || fsync(fd) != 0)
		rc = fk_fail(e, FK_EIO, _("cannot sync the folder of %s: %s"), path,
		    strerror(errno));
	if (fd >= 0)
		close(fd);
	free(copy);
	return rc;
}

int
fk_atomic_open(fk_atomic *a, const char *path, int mode, fk_err *e)
{
	size_t n = strlen(path) + 32;

	a->fd = -1;
	a->path = strdup(path);
	a->tmp = malloc(n);
	if (a->path == NULL || a->tmp == NULL) {
		free(a->path);
		free(a->tmp);
		a->path = a->tmp = NULL;
		return fk_fail(e, FK_ENOMEM, _("out of memory"));
	}
	snprintf(a->tmp, n, "%s.tmp-%08x", path, randombytes_random());
	a->fd = open(a->tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
	if (a->fd < 0) {
		fk_fail(e, FK_EIO, _("cannot create %s: %s"), a->tmp, strerror(errno));
		free(a->path);
		free(a->tmp);
		a->path = a->tmp = NULL;
		return -1;
	}
	/* The umask may have narrowed mode; never widen, but make it exact. */
	if (fchmod(a->fd, mode) != 0) {
		fk_fail(e, FK_EIO, _("cannot set permissions on %s: %s"), a->tmp, strerror(errno));
		fk_atomic_abort(a);
		return -1;
	}
	return 0;
}

int
fk_fd_write_all(int fd, const uint8_t *p, size_t n, const char *name, fk_err *e)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return fk_fail(e, FK_EIO, _("cannot write %s: %s"), name, strerror(errno));
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static int
atomic_write(void *ctx, const uint8_t *p, size_t n, fk_err *e)
{
	fk_atomic *a = ctx;

	return fk_fd_write_all(a->fd, p, n, a->path, e);
}

fk_sink
fk_atomic_sink(fk_atomic *a)
{
	return (fk_sink){atomic_write, a};
}

int
fk_atomic_commit(fk_atomic *a, fk_err *e)
{
	if (fsync(a->fd) != 0) {
		fk_fail(e, FK_EIO, _("cannot sync %s to disk: %s"), a->path, strerror(errno));
		fk_atomic_abort(a);
		return -1;
	}
	if (close(a->fd) != 0) {
		a->fd = -1;
		fk_fail(e, FK_EIO, _("cannot close %s: %s"), a->path, strerror(errno));
		fk_atomic_abort(a);
		return -1;
	}
	a->fd = -1;
	if (rename(a->tmp, a->path) != 0) {
		fk_fail(e, FK_EIO, _("cannot rename %s to %s: %s"), a->tmp, a->path,
		    strerror(errno));
		fk_atomic_abort(a);
		return -1;
	}
	if (fk_fsync_parent(a->path, e) != 0) {
		free(a->path);
		free(a->tmp);
		a->path = a->tmp = NULL;
		return -1;
	}
	free(a->path);
	free(a->tmp);
	a->path = a->tmp = NULL;
	return 0;
}

void
fk_atomic_abort(fk_atomic *a)
{
	if (a->fd >= 0)
		close(a->fd);
	a->fd = -1;
	if (a->tmp != NULL)
		unlink(a->tmp);
	free(a->path);
	free(a->tmp);
	a->path = a->tmp = NULL;
}

int
fk_write_file_atomic(const char *path, const void *data, size_t len, int mode, fk_err *e)
{
	fk_atomic a;

	if (fk_atomic_open(&a, path, mode, e) != 0)
		return -1;
	if (fk_fd_write_all(a.fd, data, len, path, e) != 0) {
		fk_atomic_abort(&a);
		return -1;
	}
	return fk_atomic_commit(&a, e);
}

static long
file_read(void *ctx, uint8_t *buf, size_t len, fk_err *e)
{
	FILE *f = ctx;
	size_t n = fread(buf, 1, len, f);

	if (n == 0 && ferror(f))
		return fk_fail(e, FK_EIO, _("read error: %s"), strerror(errno));
	return (long)n;
}

static int
file_write(void *ctx, const uint8_t *buf, size_t len, fk_err *e)
{
	FILE *f = ctx;

	if (len > 0 && fwrite(buf, 1, len, f) != len)
		return fk_fail(e, FK_EIO, _("write error: %s"), strerror(errno));
	return 0;
}

fk_source
fk_file_source(FILE *f)
{
	return (fk_source){file_read, f};
}

fk_sink
fk_file_sink(FILE *f)
{
	return (fk_sink){file_write, f};
}

int
fk_secret_alloc(fk_secret *s, size_t len, fk_err *e)
{
	s->p = sodium_malloc(len ? len : 1);
	s->len = len;
	if (s->p == NULL)
		return fk_fail(e, FK_ENOMEM, _("cannot allocate protected memory"));
	return 0;
}

void
fk_secret_free(fk_secret *s)
{
	if (s->p != NULL)
		sodium_free(s->p); /* sodium_free wipes before releasing */
	s->p = NULL;
	s->len = 0;
}

int
fk_check_private_fd(int fd, const char *path, fk_err *e)
{
	struct stat st;

	if (fstat(fd, &st) != 0)
		return fk_fail(e, FK_EIO, _("cannot inspect %s: %s"), path, strerror(errno));
	if (S_ISREG(st.st_mode) && (st.st_mode & 077) != 0)
		return fk_fail(e, FK_EPERM,
		    _("%s can be read by other users; run: chmod 600 %s"), path, path);
	return 0;
}

int
fk_read_secret_file(const char *path, size_t max, fk_secret *s, fk_err *e)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	size_t got = 0;

	s->p = NULL;
	s->len = 0;
	if (fd < 0)
		return fk_fail(e, FK_EIO, _("cannot open %s: %s"), path, strerror(errno));
	if (fk_check_private_fd(fd, path, e) != 0 || fstat(fd, &st) != 0)
		goto fail;
	if (S_ISREG(st.st_mode) && (size_t)st.st_size > max) {
		fk_fail(e, FK_ELIMIT, _("%s is too large to be a key file"), path);
		goto fail;
	}
	if (fk_secret_alloc(s, max, e) != 0)
		goto fail;
	for (;;) {
		ssize_t n;
		if (got == max) {
			uint8_t extra;
			if (read(fd, &extra, 1) > 0) {
				fk_fail(e, FK_ELIMIT, _("%s is too large to be a key file"), path);
				goto fail;
			}
			break;
		}
		n = read(fd, s->p + got, max - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			fk_fail(e, FK_EIO, _("cannot read %s: %s"), path, strerror(errno));
			goto fail;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	s->len = got;
	close(fd);
	return 0;
fail:
	close(fd);
	fk_secret_free(s);
	return -1;
}

int
fk_write_secret_file(const char *path, const void *data, size_t len, int force, fk_err *e)
{
	if (!force && access(path, F_OK) == 0)
		return fk_fail(e, FK_ESTATE, _("%s already exists; refusing to overwrite a key"),
		    path);
	return fk_write_file_atomic(path, data, len, 0600, e);
}

int
fk_mkdirs(const char *path, int mode, fk_err *e)
{
	char *p = strdup(path);
	size_t i;

	if (p == NULL)
		return fk_fail(e, FK_ENOMEM, _("out of memory"));
	for (i = 1; p[i] != '\0'; i++) {
		if (p[i] != '/')
			continue;
		p[i] = '\0';
		if (mkdir(p, mode) != 0 && errno != EEXIST) {
			fk_fail(e, FK_EIO, _("cannot create folder %s: %s"), p, strerror(errno));
			free(p);
			return -1;
		}
		p[i] = '/';
	}
	if (mkdir(p, mode) != 0 && errno != EEXIST) {
		fk_fail(e, FK_EIO, _("cannot create folder %s: %s"), p, strerror(errno));
		free(p);
		return -1;
	}
	free(p);
	return 0;
}

int
fk_lock_try(const char *path, int *fd, fk_err *e)
{
	int f = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);

	*fd = -1;
	if (f < 0)
		return fk_fail(e, FK_EIO, _("cannot open %s: %s"), path, strerror(errno));
	if (flock(f, LOCK_EX | LOCK_NB) != 0) {
		int busy = errno == EWOULDBLOCK;

		close(f);
		if (busy)
			return 1;
		return fk_fail(e, FK_EIO, _("cannot lock %s: %s"), path, strerror(errno));
	}
	*fd = f;
	return 0;
}

void
fk_path_dir(const char *path, char *out, size_t cap)
{
	const char *slash = strrchr(path, '/');

	if (slash == NULL)
		snprintf(out, cap, ".");
	else if (slash == path)
		snprintf(out, cap, "/");
	else
		snprintf(out, cap, "%.*s", (int)(slash - path), path);
}

int
fk_parent_dir(const char *path, char *parent, size_t cap)
{
	struct stat st;

	fk_path_dir(path, parent, cap);
	return stat(parent, &st) == 0 && S_ISDIR(st.st_mode);
}

int
fk_mkdir_target(const char *path, int mode, fk_err *e)
{
	char *p = strdup(path), *parent;
	struct stat st;
	size_t n;

	if (p == NULL)
		return fk_fail(e, FK_ENOMEM, _("out of memory"));
	n = strlen(p);
	while (n > 1 && p[n - 1] == '/')
		p[--n] = '\0';
	if (stat(p, &st) == 0) {
		free(p);
		if (!S_ISDIR(st.st_mode))
			return fk_fail(e, FK_EUSAGE, _("%s is not a folder"), path);
		return 0;
	}
	if ((parent = malloc(n + 2)) == NULL) {
		free(p);
		return fk_fail(e, FK_ENOMEM, _("out of memory"));
	}
	if (!fk_parent_dir(p, parent, n + 2)) {
		fk_fail(e, FK_EUSAGE, _("folder %s does not exist: check the path, or that the USB "
		    "stick is mounted, or create it first (mkdir -p %s)"), parent, parent);
		free(parent);
		free(p);
		return -1;
	}
	free(parent);
	free(p);
	if (mkdir(path, (mode_t)mode) != 0 && errno != EEXIST)
		return fk_fail(e, FK_EIO, _("cannot create folder %s: %s"), path, strerror(errno));
	return 0;
}
