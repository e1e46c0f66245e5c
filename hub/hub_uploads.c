/*
 * hub_uploads.c - see hub_uploads.h.
 */
#include "hub_uploads.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "card.h"
#include "io.h"
#include "util.h"

#define FINISHED_KEEP_SECS (30 * 86400)
#define INFO_MAX 4096

static char *
upath(const fk_upstore *s, const char *id, const char *ext)
{
	size_t n = strlen(s->dir) + strlen(id) + strlen(ext) + 2;
	char *p = malloc(n);

	if (p != NULL)
		snprintf(p, n, "%s/%s%s", s->dir, id, ext);
	return p;
}

static const char *
state_name(int st)
{
	return st == FK_UP_IMPORTED ? "imported" : st == FK_UP_REFUSED ? "refused" : "receiving";
}

/* Writes path through path.tmp and a rename; the file fsynced when sync. The
 * folder is not synced here (dir_sync). */
static int
file_put(const char *path, const void *p, size_t n, int sync, fk_err *e)
{
	size_t l = strlen(path) + 5;
	char *tmp = malloc(l);
	const uint8_t *b = p;
	int fd = -1, rc = -1;

	if (tmp == NULL)
		return fk_fail(e, FK_ENOMEM, _("out of memory"));
	snprintf(tmp, l, "%s.tmp", path);
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600)) < 0)
		goto fail;
	while (n > 0) {
		ssize_t w = write(fd, b, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			goto fail;
		b += w;
		n -= (size_t)w;
	}
	if ((sync && fsync(fd) != 0) || close(fd) != 0) {
		fd = -1;
		goto fail;
	}
	fd = -1;
	if (rename(tmp, path) != 0)
		goto fail;
	rc = 0;
	goto out;
fail:
	fk_fail(e, FK_EIO, _("cannot write %s: %s"), path, strerror(errno));
	if (fd >= 0)
		close(fd);
	unlink(tmp);
out:
	free(tmp);
	return rc;
}

void
fk_group_sync_init(fk_group_sync *g)
{
	pthread_mutex_init(&g->mu, NULL);
	pthread_cond_init(&g->cv, NULL);
	g->asked = g->done = 0;
	g->busy = 0;
}

void
fk_group_sync_destroy(fk_group_sync *g)
{
	pthread_mutex_destroy(&g->mu);
	pthread_cond_destroy(&g->cv);
}

int
fk_group_sync_run(fk_group_sync *g, int (*sync)(void *ctx), void *ctx)
{
	uint64_t mine, upto;
	int rc = 0, k, err = 0;

	pthread_mutex_lock(&g->mu);
	mine = ++g->asked;
	while (g->done < mine) {
		if (g->busy) {
			pthread_cond_wait(&g->cv, &g->mu);
			continue;
		}
		g->busy = 1;
		upto = g->asked;
		pthread_mutex_unlock(&g->mu);
		k = sync(ctx);
		err = errno;
		pthread_mutex_lock(&g->mu);
		g->busy = 0;
		if (k == 0 && upto > g->done)
			g->done = upto;
		pthread_cond_broadcast(&g->cv);
		if (k != 0) {
			rc = -1;
			break;
		}
	}
	pthread_mutex_unlock(&g->mu);
	errno = err;
	return rc;
}

static int
sync_dir(void *ctx)
{
	int fd = open(ctx, O_RDONLY | O_DIRECTORY | O_CLOEXEC), k;

	if (fd < 0)
		return -1;
	k = fsync(fd);
	close(fd);
	return k == 0 ? 0 : -1;
}

/*
 * Group sync of the uploads folder: every name made or renamed in it before
 * this call is durable when it returns 0.
 */
static int
dir_sync(fk_upstore *s, fk_err *e)
{
	if (fk_group_sync_run(&s->gs, sync_dir, s->dir) != 0)
		return fk_fail(e, FK_EIO, _("cannot sync %s: %s"), s->dir, strerror(errno));
	return 0;
}

/* An upload's files made durable, the first time it is needed: .info
 * fsynced, then the folder (the .part and .off in it too). */
static int
make_durable(fk_upstore *s, fk_upload *u, fk_err *e)
{
	char *p;
	int fd, rc = 0;

	if (u->made)
		return 0;
	if ((p = upath(s, u->id, ".info")) == NULL)
		return fk_fail(e, FK_ENOMEM, _("out of memory"));
	fd = open(p, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fsync(fd) != 0)
		rc = fk_fail(e, FK_EIO, _("cannot sync %s: %s"), p, strerror(errno));
	if (fd >= 0)
		close(fd);
	free(p);
	if (rc == 0 && dir_sync(s, e) != 0)
		rc = -1;
	if (rc == 0)
		u->made = 1;
	return rc;
}

static int
info_write(const fk_upstore *s, const fk_upload *u, int sync, fk_err *e)
{
	char sha[65], cr[FK_TIME_BUF], to[FK_TIME_BUF], *p = upath(s, u->id, ".info"), *txt;
	json_t *j;
	int rc;

	if (p == NULL)
		return fk_fail(e, FK_ENOMEM, _("out of memory"));
	fk_hex(u->sha256, 32, sha);
	fk_time_rfc3339(u->created, cr);
	fk_time_rfc3339(u->touched, to);
	j = json_pack("{s:s, s:s, s:s, s:I, s:s, s:s, s:s, s:s}", "device_id", u->device_id,
	    "bundle_id", u->bundle_id, "sha256", sha, "length", (json_int_t)u->length,
	    "created", cr, "touched", to, "state",
	    state_name(u->state == FK_UP_IMPORTING ? FK_UP_RECEIVING : u->state),
	    "reason", u->reason);
	txt = j ? json_dumps(j, JSON_COMPACT) : NULL;
	json_decref(j);
	if (txt == NULL) {
		free(p);
		return fk_fail(e, FK_ENOMEM, _("out of memory"));
	}
	rc = file_put(p, txt, strlen(txt), sync, e);
	free(txt);
	free(p);
	return rc;
}

/* The offset record; fsynced when sync (a new upload's 0 need not be: an
 * .off that is empty or torn after a crash reads as 0 or restarts at 0). */
static int
off_write(const fk_upstore *s, const fk_upload *u, uint64_t off, int sync, fk_err *e)
{
	uint8_t b[16];
	char *p = upath(s, u->id, ".off");
	int fd, i, rc = -1;

	if (p == NULL)
		return fk_fail(e, FK_ENOMEM, _("out of memory"));
	for (i = 0; i < 8; i++) {
		b[i] = (uint8_t)(off >> (8 * i));
		b[8 + i] = (uint8_t)~b[i];
	}
	fd = open(p, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0 || pwrite(fd, b, sizeof b, 0) != (ssize_t)sizeof b || (sync && fsync(fd) != 0))
		fk_fail(e, FK_EIO, _("cannot record an upload's offset: %s"), strerror(errno));
	else
		rc = 0;
	if (fd >= 0)
		close(fd);
	free(p);
	return rc;
}

static int
off_read(const fk_upstore *s, const char *id, uint64_t *off)
{
	uint8_t b[16];
	char *p = upath(s, id, ".off");
	int fd, i;
	ssize_t n;

	*off = 0;
	if (p == NULL)
		return -1;
	fd = open(p, O_RDONLY | O_CLOEXEC);
	free(p);
	if (fd < 0)
		return errno == ENOENT ? 0 : -1;
	n = read(fd, b, sizeof b);
	close(fd);
	if (n != (ssize_t)sizeof b)
		return n == 0 ? 0 : -1;
	for (i = 0; i < 8; i++) {
		if ((uint8_t)(b[8 + i] ^ b[i]) != 0xff)
			return -1;
		*off |= (uint64_t)b[i] << (8 * i);
	}
	return 0;
}

static void
remove_files(const fk_upstore *s, const char *id, int all)
{
	static const char *const ext[] = { ".part", ".off", ".info", ".receipt", ".info.tmp",
		".receipt.tmp" };
	size_t i;

	for (i = 0; i < (all ? 6u : 2u); i++) {
		char *p = upath(s, id, ext[i]);
		if (p != NULL)
			unlink(p);
		free(p);
	}
}

static fk_upload *
up_new(void)
{
	fk_upload *u = calloc(1, sizeof *u);

	if (u != NULL) {
		u->fd = -1;
		pthread_mutex_init(&u->mu, NULL);
	}
	return u;
}

static int
open_part(const fk_upstore *s, fk_upload *u, int create, fk_err *e)
{
	char *p = upath(s, u->id, ".part");

	if (p == NULL)
		return fk_fail(e, FK_ENOMEM, _("out of memory"));
	u->fd = open(p, O_RDWR | O_CLOEXEC | (create ? O_CREAT | O_EXCL : 0), 0600);
	free(p);
	if (u->fd < 0)
		return fk_fail(e, FK_EIO, _("cannot open an upload file: %s"), strerror(errno));
	return 0;
}

/* Loads ID.info (and .off) into a new entry; NULL when unreadable. */
static fk_upload *
load_one(const fk_upstore *s, const char *id)
{
	char *p = upath(s, id, ".info");
	fk_buf b = {0};
	fk_upload *u = NULL;
	json_t *j = NULL;
	const char *dev, *bid, *sha, *cr, *to, *st, *rs;
	json_int_t len;
	fk_err e;

	if (p == NULL || fk_read_file(p, INFO_MAX, &b, &e) != 0)
		goto out;
	j = json_loadb((const char *)b.p, b.len, JSON_REJECT_DUPLICATES, NULL);
	if (j == NULL || json_unpack(j, "{s:s, s:s, s:s, s:I, s:s, s:s, s:s, s:s}",
	    "device_id", &dev, "bundle_id", &bid, "sha256", &sha, "length", &len, "created",
	    &cr, "touched", &to, "state", &st, "reason", &rs) != 0)
		goto out;
	if ((u = up_new()) == NULL)
		goto out;
	snprintf(u->id, sizeof u->id, "%s", id);
	snprintf(u->device_id, sizeof u->device_id, "%s", dev);
	snprintf(u->bundle_id, sizeof u->bundle_id, "%s", bid);
	snprintf(u->reason, sizeof u->reason, "%s", rs);
	u->length = (uint64_t)len;
	if (strlen(sha) != 64 || fk_unhex(sha, u->sha256, 32) != 0 || len <= 0 ||
	    fk_time_parse_rfc3339(cr, &u->created) != 0 ||
	    fk_time_parse_rfc3339(to, &u->touched) != 0 || !fk_device_id_valid(dev) ||
	    !fk_uuid_valid(bid)) {
		free(u);
		u = NULL;
		goto out;
	}
	u->state = strcmp(st, "imported") == 0 ? FK_UP_IMPORTED :
	    strcmp(st, "refused") == 0 ? FK_UP_REFUSED : FK_UP_RECEIVING;
	u->made = 1;
	if (u->state == FK_UP_IMPORTED) {
		/* Its receipt must be there (a stop between the two renames may
		 * have kept one and not the other): else it is forgotten, and an
		 * upload again imports again (all duplicates) for a new receipt. */
		char *rp = upath(s, id, ".receipt");
		struct stat sb;
		int okr = rp != NULL && stat(rp, &sb) == 0 && sb.st_size > 0;
		free(rp);
		if (!okr) {
			pthread_mutex_destroy(&u->mu);
			free(u);
			u = NULL;
			goto out;
		}
	}
	if (u->state == FK_UP_RECEIVING) {
		struct stat sb;
		if (off_read(s, id, &u->offset) != 0 || u->offset > u->length ||
		    open_part(s, u, 0, &e) != 0 || fstat(u->fd, &sb) != 0 ||
		    (uint64_t)sb.st_size < u->offset) {
			/* Unreadable state: start the upload again from 0. */
			if (u->fd >= 0)
				close(u->fd);
			u->fd = -1;
			u->offset = 0;
			if (open_part(s, u, 0, &e) != 0 || off_write(s, u, 0, 1, &e) != 0) {
				free(u);
				u = NULL;
			}
		}
		if (u != NULL)
			u->durable = u->offset;
	}
out:
	json_decref(j);
	fk_buf_free(&b);
	free(p);
	return u;
}

int
fk_upstore_open(fk_upstore *s, const char *home, uint64_t quota, int expire_days,
    int max_per_device, fk_err *e)
{
	DIR *d;
	struct dirent *de;

	memset(s, 0, sizeof *s);
	pthread_mutex_init(&s->mu, NULL);
	fk_group_sync_init(&s->gs);
	s->quota = quota;
	s->expire_secs = (int64_t)expire_days * 86400;
	s->max_per_device = max_per_device;
	if ((s->dir = fk_path_join(home, "uploads")) == NULL)
		return fk_fail(e, FK_ENOMEM, _("out of memory"));
	if (fk_mkdirs(s->dir, 0700, e) != 0)
		return -1;
	if ((d = opendir(s->dir)) == NULL)
		return fk_fail(e, FK_EIO, _("cannot open %s: %s"), s->dir, strerror(errno));
	while ((de = readdir(d)) != NULL) {
		size_t l = strlen(de->d_name);
		char id[FK_NET_UPLOAD_ID_LEN + 1];
		fk_upload *u;
		if (l != FK_NET_UPLOAD_ID_LEN + 5 || strcmp(de->d_name + l - 5, ".info") != 0)
			continue;
		memcpy(id, de->d_name, FK_NET_UPLOAD_ID_LEN);
		id[FK_NET_UPLOAD_ID_LEN] = 0;
		if (!fk_net_upload_id_valid(id))
			continue;
		if ((u = load_one(s, id)) == NULL) {
			/* Unreadable (a stop before anything of it was acknowledged,
			 * or a receipt lost): its files go; the device sends again. */
			remove_files(s, id, 1);
			continue;
		}
		u->next = s->head;
		s->head = u;
		if (u->state == FK_UP_RECEIVING)
			s->held += u->length;
	}
	closedir(d);
	fk_upstore_sweep(s, (int64_t)time(NULL));
	return 0;
}

void
fk_upstore_close(fk_upstore *s)
{
	fk_upload *u, *n;

	for (u = s->head; u != NULL; u = n) {
		n = u->next;
		if (u->fd >= 0)
			close(u->fd);
		pthread_mutex_destroy(&u->mu);
		free(u);
	}
	s->head = NULL;
	free(s->dir);
	s->dir = NULL;
	pthread_mutex_destroy(&s->mu);
	fk_group_sync_destroy(&s->gs);
}

fk_upload *
fk_upstore_find(fk_upstore *s, const char *id)
{
	fk_upload *u;

	pthread_mutex_lock(&s->mu);
	for (u = s->head; u != NULL; u = u->next)
		if (!u->creating && strcmp(u->id, id) == 0)
			break;
	if (u != NULL)
		u->ref++;
	pthread_mutex_unlock(&s->mu);
	return u;
}

void
fk_upload_put(fk_upstore *s, fk_upload *u)
{
	if (u == NULL)
		return;
	pthread_mutex_lock(&s->mu);
	u->ref--;
	pthread_mutex_unlock(&s->mu);
}

fk_upload *
fk_upstore_other(fk_upstore *s, const char *bundle_id, const char *id)
{
	fk_upload *u;

	pthread_mutex_lock(&s->mu);
	for (u = s->head; u != NULL; u = u->next)
		if (!u->creating && strcmp(u->bundle_id, bundle_id) == 0 && strcmp(u->id, id) != 0)
			break;
	if (u != NULL)
		u->ref++;
	pthread_mutex_unlock(&s->mu);
	return u;
}

/* Takes a creating upload out of the list again (its files failed). */
static void
unlist(fk_upstore *s, fk_upload *u)
{
	fk_upload **pp;

	pthread_mutex_lock(&s->mu);
	for (pp = &s->head; *pp != NULL; pp = &(*pp)->next)
		if (*pp == u) {
			*pp = u->next;
			break;
		}
	s->held -= u->length;
	pthread_mutex_unlock(&s->mu);
}

int
fk_upstore_create(fk_upstore *s, const char *device_id, const char *bundle_id,
    const uint8_t sha256[32], uint64_t length, fk_upload **out, int *why, fk_err *e)
{
	fk_upload *u, *x;
	int n = 0;

	*out = NULL;
	*why = 0;
	if ((u = up_new()) == NULL)
		return fk_fail(e, FK_ENOMEM, _("out of memory"));
	fk_net_upload_id(bundle_id, sha256, u->id);
	snprintf(u->device_id, sizeof u->device_id, "%s", device_id);
	snprintf(u->bundle_id, sizeof u->bundle_id, "%s", bundle_id);
	memcpy(u->sha256, sha256, 32);
	u->length = length;
	u->created = u->touched = (int64_t)time(NULL);
	pthread_mutex_lock(&s->mu);
	for (x = s->head; x != NULL; x = x->next) {
		if (strcmp(x->id, u->id) == 0) {
			if (x->creating) {
				/* Another request is making its files right now. */
				*why = 3;
				fk_fail(e, FK_ESTATE, "being created");
				goto fail;
			}
			/* Created meanwhile by another request: use that one. */
			x->ref++;
			pthread_mutex_unlock(&s->mu);
			pthread_mutex_destroy(&u->mu);
			free(u);
			*out = x;
			return 0;
		}
		if (x->state == FK_UP_RECEIVING && strcmp(x->device_id, device_id) == 0)
			n++;
	}
	if (n >= s->max_per_device) {
		*why = 1;
		fk_fail(e, FK_ELIMIT, "too many partial uploads from this device");
		goto fail;
	}
	if (length > s->quota) {
		/* Never fits, however long the device waits: not "full, try later". */
		*why = 4;
		fk_fail(e, FK_ELIMIT, "the bundle is larger than the hub's whole upload space");
		goto fail;
	}
	if (s->held + length > s->quota) {
		*why = 2;
		fk_fail(e, FK_ELIMIT, "the hub's upload space is full");
		goto fail;
	}
	/* Reserved (counted, its id taken); the files are made without the lock,
	 * so that one creation's fsyncs do not hold up every other request. */
	s->held += length;
	u->ref = 1;
	u->creating = 1;
	u->next = s->head;
	s->head = u;
	pthread_mutex_unlock(&s->mu);
	remove_files(s, u->id, 1);
	/* Nothing is synced yet: until a chunk is acknowledged, an upload lost
	 * in a stop costs nothing (the device creates it again). The first
	 * acknowledgement makes its files durable (make_durable); a bundle of
	 * one chunk is acknowledged by its receipt alone. */
	if (open_part(s, u, 1, e) != 0 || off_write(s, u, 0, 0, e) != 0 ||
	    info_write(s, u, 0, e) != 0) {
		if (u->fd >= 0)
			close(u->fd);
		remove_files(s, u->id, 1);
		unlist(s, u);
		pthread_mutex_destroy(&u->mu);
		free(u);
		return -1;
	}
	pthread_mutex_lock(&s->mu);
	u->creating = 0;
	pthread_mutex_unlock(&s->mu);
	*out = u;
	return 0;
fail:
	pthread_mutex_unlock(&s->mu);
	pthread_mutex_destroy(&u->mu);
	free(u);
	return -1;
}

int
fk_upload_takeover(fk_upload *u, uint64_t offset, unsigned *gen, fk_err *e)
{
	int rc = 0;

	pthread_mutex_lock(&u->mu);
	if (u->state != FK_UP_RECEIVING || u->fd < 0)
		rc = fk_fail(e, FK_ESTATE, "not receiving");
	else if (offset != u->offset)
		rc = fk_fail(e, FK_EINPUT, "offset");
	else
		*gen = ++u->gen;
	pthread_mutex_unlock(&u->mu);
	return rc;
}

int
fk_upload_write(fk_upload *u, unsigned gen, uint64_t off, const uint8_t *p, size_t n,
    fk_err *e)
{
	int rc = 0;

	pthread_mutex_lock(&u->mu);
	if (gen != u->gen || u->state != FK_UP_RECEIVING)
		rc = fk_fail(e, FK_ESTATE, "taken over");
	else if (off < u->offset || off + n > u->length)
		rc = fk_fail(e, FK_EINPUT, "out of range");
	else {
		while (n > 0) {
			ssize_t w = pwrite(u->fd, p, n, (off_t)off);
			if (w < 0 && errno == EINTR)
				continue;
			if (w <= 0) {
				rc = fk_fail(e, FK_EIO, _("cannot write an upload: %s"),
				    strerror(errno));
				break;
			}
			p += w;
			off += (uint64_t)w;
			n -= (size_t)w;
		}
	}
	pthread_mutex_unlock(&u->mu);
	return rc;
}

int
fk_upload_commit(fk_upstore *s, fk_upload *u, unsigned gen, uint64_t newoff, fk_err *e)
{
	int rc = -1;

	pthread_mutex_lock(&u->mu);
	if (gen != u->gen || u->state != FK_UP_RECEIVING) {
		fk_fail(e, FK_ESTATE, "taken over");
		goto out;
	}
	if (newoff < u->offset || newoff > u->length) {
		fk_fail(e, FK_EINPUT, "out of range");
		goto out;
	}
	if (fdatasync(u->fd) != 0) {
		fk_fail(e, FK_EIO, _("cannot sync an upload: %s"), strerror(errno));
		goto out;
	}
	if (off_write(s, u, newoff, 1, e) != 0 || make_durable(s, u, e) != 0)
		goto out;
	u->offset = u->durable = newoff;
	u->touched = (int64_t)time(NULL);
	u->gen++; /* the chunk is done: its writer owns the upload no more */
	rc = 0;
out:
	pthread_mutex_unlock(&u->mu);
	return rc;
}

int
fk_upload_complete(fk_upload *u, unsigned gen, fk_err *e)
{
	int rc = -1;

	pthread_mutex_lock(&u->mu);
	if (gen != u->gen || u->state != FK_UP_RECEIVING)
		fk_fail(e, FK_ESTATE, "taken over");
	else {
		u->offset = u->length;
		u->touched = (int64_t)time(NULL);
		u->gen++;
		rc = 0;
	}
	pthread_mutex_unlock(&u->mu);
	return rc;
}

int
fk_upload_import_begin(fk_upload *u)
{
	int rc;

	pthread_mutex_lock(&u->mu);
	if (u->state == FK_UP_RECEIVING && u->offset == u->length) {
		u->state = FK_UP_IMPORTING;
		u->gen++;
		rc = 0;
	} else
		rc = 1;
	pthread_mutex_unlock(&u->mu);
	return rc;
}

char *
fk_upload_part_path(fk_upstore *s, const fk_upload *u)
{
	return upath(s, u->id, ".part");
}

void
fk_upload_import_abort(fk_upstore *s, fk_upload *u)
{
	fk_err e;

	pthread_mutex_lock(&u->mu);
	if (u->state == FK_UP_IMPORTING) {
		if (u->durable != u->offset) {
			/* The last chunk was not synced (the import was to be its
			 * acknowledgement): now it is, or it counts for nothing. */
			if (u->fd >= 0 && fdatasync(u->fd) == 0 &&
			    off_write(s, u, u->offset, 1, &e) == 0 && make_durable(s, u, &e) == 0)
				u->durable = u->offset;
			else
				u->offset = u->durable;
		}
		u->state = FK_UP_RECEIVING;
	}
	pthread_mutex_unlock(&u->mu);
}

int
fk_upload_import_end(fk_upstore *s, fk_upload *u, const uint8_t *receipt, size_t n,
    const char *reason, fk_err *e)
{
	char *rp = NULL;
	int rc = -1;

	pthread_mutex_lock(&u->mu);
	if (receipt != NULL) {
		if ((rp = upath(s, u->id, ".receipt")) == NULL) {
			fk_fail(e, FK_ENOMEM, _("out of memory"));
			goto out;
		}
		if (file_put(rp, receipt, n, 1, e) != 0)
			goto out;
		u->state = FK_UP_IMPORTED;
		u->reason[0] = 0;
	} else {
		u->state = FK_UP_REFUSED;
		snprintf(u->reason, sizeof u->reason, "%s", reason ? reason : "refused");
	}
	u->touched = (int64_t)time(NULL);
	/* The receipt and then the .info, each fsynced, both names with one
	 * (group) sync of the folder. */
	if (info_write(s, u, 1, e) != 0 || dir_sync(s, e) != 0) {
		u->state = FK_UP_IMPORTING;
		goto out;
	}
	u->made = 1;
	if (u->fd >= 0)
		close(u->fd);
	u->fd = -1;
	remove_files(s, u->id, 0);
	pthread_mutex_lock(&s->mu);
	s->held -= u->length;
	pthread_mutex_unlock(&s->mu);
	rc = 0;
out:
	pthread_mutex_unlock(&u->mu);
	free(rp);
	return rc;
}

int
fk_upload_receipt(fk_upstore *s, const fk_upload *u, fk_buf *out, fk_err *e)
{
	char *p = upath(s, u->id, ".receipt");
	int rc;

	if (p == NULL)
		return fk_fail(e, FK_ENOMEM, _("out of memory"));
	rc = fk_read_file(p, FK_SIGNED_MAX_BODY + 8192, out, e);
	free(p);
	return rc;
}

size_t
fk_upstore_sweep(fk_upstore *s, int64_t now)
{
	fk_upload **pp, *u;
	size_t n = 0;

	pthread_mutex_lock(&s->mu);
	for (pp = &s->head; (u = *pp) != NULL;) {
		int gone = 0;
		if (u->ref > 0) {
			pp = &u->next;
			continue;
		}
		pthread_mutex_lock(&u->mu);
		if (u->state == FK_UP_RECEIVING && now - u->touched > s->expire_secs)
			gone = 1;
		else if ((u->state == FK_UP_IMPORTED || u->state == FK_UP_REFUSED) &&
		    now - u->touched > FINISHED_KEEP_SECS)
			gone = 2;
		if (gone) {
			if (u->fd >= 0)
				close(u->fd);
			u->fd = -1;
			remove_files(s, u->id, 1);
			if (gone == 1)
				s->held -= u->length;
			*pp = u->next;
			pthread_mutex_unlock(&u->mu);
			/* No request holds it (ref == 0), and none can find it now. */
			pthread_mutex_destroy(&u->mu);
			free(u);
			n++;
			continue;
		}
		pthread_mutex_unlock(&u->mu);
		pp = &u->next;
	}
	pthread_mutex_unlock(&s->mu);
	return n;
}
