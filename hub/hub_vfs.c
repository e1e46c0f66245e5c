/*
 * hub_vfs.c - the hub database's page encryption, as an SQLite VFS. See
 * hub_vfs.h, and docs/keys.md for the format on disk.
 *
 * A sealed page is FK_VFS_PAGE bytes: the first FK_VFS_PAGE - FK_VFS_RESERVE
 * bytes are the XChaCha20 ciphertext of the page's usable space, then the
 * 24-byte random nonce, then the 16-byte Poly1305 tag; the associated data is
 * "fieldkit-page" and the page number (4 bytes, big-endian). The reserved
 * bytes of a plain page image are zero (SQLite never writes there) and come
 * back as zeros, so SQLite's own checksums over page images still hold.
 *
 * Where page images are:
 *   database file    page p (from 1) at (p - 1) * PAGE, whole pages only;
 *   WAL              a 32-byte header, then frames of a 24-byte header (page
 *                    number first) and the page image;
 *   rollback journal records of a 4-byte page number, the page image and a
 *                    checksum: any read or write of exactly PAGE bytes is a
 *                    page image, since every other piece is shorter (the
 *                    sector size is given as 512, so journal headers are 512).
 */
#include "hub_vfs.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>
#include <sqlite3.h>

#define PAGE FK_VFS_PAGE
#define USABLE (FK_VFS_PAGE - FK_VFS_RESERVE)
#define WAL_HDR 32
#define FRAME_HDR 24
#define FRAME (FRAME_HDR + PAGE)

struct fk_vfs {
	sqlite3_vfs base;
	sqlite3_vfs *real;
	uint8_t *key; /* sodium_malloc */
	char name[64];
};

enum { K_DB = 1, K_WAL, K_JOURNAL };

struct cfile {
	sqlite3_file base;
	int kind;
	const uint8_t *key;
	uint8_t *page;      /* scratch page (sodium_malloc): partial reads, sealed writes */
	sqlite3_file *real; /* the unix VFS's file, right after this struct */
};

#define REAL(f) (((struct cfile *)(f))->real)

static uint32_t
be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void
make_ad(uint32_t pgno, uint8_t ad[17])
{
	memcpy(ad, "fieldkit-page", 13);
	ad[13] = (uint8_t)(pgno >> 24);
	ad[14] = (uint8_t)(pgno >> 16);
	ad[15] = (uint8_t)(pgno >> 8);
	ad[16] = (uint8_t)pgno;
}

static const uint8_t zeros[PAGE];

/* Whether n bytes are all zero. Not constant-time, and need not be: it looks
 * at sealed pages and at the reserved bytes, never at a secret (and
 * sodium_is_zero takes 20 us on a page, more than unsealing it). */
static int
is_zero(const uint8_t *p, size_t n)
{
	return memcmp(p, zeros, n) == 0;
}

/* Seals the page image in (reserved bytes zero) into out; -1 if they are not. */
static int
seal(const uint8_t *key, uint32_t pgno, const uint8_t *in, uint8_t *out)
{
	uint8_t ad[17];
	unsigned long long taglen;

	if (!is_zero(in + USABLE, FK_VFS_RESERVE))
		return -1;
	make_ad(pgno, ad);
	randombytes_buf(out + USABLE, FK_VFS_NONCE);
	crypto_aead_xchacha20poly1305_ietf_encrypt_detached(out, out + USABLE + FK_VFS_NONCE,
	    &taglen, in, USABLE, ad, sizeof ad, NULL, out + USABLE, key);
	return 0;
}

/*
 * Opens a sealed page in place: 0 when it authenticated, 1 for a page of
 * zeros (left as it is), -1 when it did not authenticate (p is then wiped).
 */
static int
unseal(const uint8_t *key, uint32_t pgno, uint8_t *p)
{
	uint8_t ad[17], nonce[FK_VFS_NONCE], tag[FK_VFS_TAG];

	if (is_zero(p + USABLE, FK_VFS_RESERVE) && is_zero(p, USABLE))
		return 1;
	make_ad(pgno, ad);
	memcpy(nonce, p + USABLE, sizeof nonce);
	memcpy(tag, p + USABLE + FK_VFS_NONCE, sizeof tag);
	if (crypto_aead_xchacha20poly1305_ietf_decrypt_detached(p, NULL, p, USABLE, tag, ad,
	    sizeof ad, nonce, key) != 0) {
		sodium_memzero(p, PAGE);
		return -1;
	}
	memset(p + USABLE, 0, FK_VFS_RESERVE);
	return 0;
}

/* ---- the database file ---- */

static int
db_read(struct cfile *f, uint8_t *buf, int amt, sqlite3_int64 off)
{
	sqlite3_int64 end = off + amt, po;
	int rc, shortread = 0;

	for (po = off - off % PAGE; po < end; po += PAGE) {
		sqlite3_int64 a = off > po ? off - po : 0;
		sqlite3_int64 b = end < po + PAGE ? end - po : PAGE;
		uint8_t *dst = a == 0 && b == PAGE ? buf + (po - off) : f->page;
		rc = f->real->pMethods->xRead(f->real, dst, PAGE, po);
		if (rc == SQLITE_IOERR_SHORT_READ)
			shortread = 1;
		else if (rc != SQLITE_OK)
			return rc;
		if (unseal(f->key, (uint32_t)(po / PAGE + 1), dst) < 0)
			return SQLITE_IOERR_DATA;
		if (dst == f->page) {
			memcpy(buf + (po + a - off), f->page + a, (size_t)(b - a));
			sodium_memzero(f->page, PAGE);
		}
	}
	return shortread ? SQLITE_IOERR_SHORT_READ : SQLITE_OK;
}

static int
db_write(struct cfile *f, const uint8_t *buf, int amt, sqlite3_int64 off)
{
	int i, rc;

	if (off % PAGE != 0 || amt % PAGE != 0)
		return SQLITE_IOERR_WRITE;
	for (i = 0; i < amt; i += PAGE) {
		if (seal(f->key, (uint32_t)((off + i) / PAGE + 1), buf + i, f->page) != 0)
			return SQLITE_IOERR_WRITE;
		rc = f->real->pMethods->xWrite(f->real, f->page, PAGE, off + i);
		if (rc != SQLITE_OK)
			return rc;
	}
	return SQLITE_OK;
}

/* ---- the WAL ---- */

/* The piece of the WAL that holds byte o: [*start, *end), and whether it is a
 * page image (then *frame is where its frame starts). */
static int
wal_piece(sqlite3_int64 o, sqlite3_int64 *start, sqlite3_int64 *end, sqlite3_int64 *frame)
{
	sqlite3_int64 fo;

	if (o < WAL_HDR) {
		*start = 0;
		*end = WAL_HDR;
		return 0;
	}
	fo = WAL_HDR + (o - WAL_HDR) / FRAME * FRAME;
	*frame = fo;
	if (o < fo + FRAME_HDR) {
		*start = fo;
		*end = fo + FRAME_HDR;
		return 0;
	}
	*start = fo + FRAME_HDR;
	*end = fo + FRAME;
	return 1;
}

/* The page number in the header of the frame at fo: from buf when the header
 * is in it, else from the file. */
static int
frame_pgno(struct cfile *f, const uint8_t *buf, sqlite3_int64 off, sqlite3_int64 fo,
    uint32_t *pgno)
{
	uint8_t b[4];
	int rc;

	if (fo >= off) {
		*pgno = be32(buf + (fo - off));
		return SQLITE_OK;
	}
	rc = f->real->pMethods->xRead(f->real, b, 4, fo);
	*pgno = rc == SQLITE_OK ? be32(b) : 0;
	return rc;
}

static int
wal_read(struct cfile *f, uint8_t *buf, int amt, sqlite3_int64 off)
{
	sqlite3_int64 pos = off, end = off + amt, s, e, fo = 0;
	int rc, shortread = 0;

	while (pos < end) {
		int content = wal_piece(pos, &s, &e, &fo);
		sqlite3_int64 pe = e < end ? e : end;
		if (!content) {
			rc = f->real->pMethods->xRead(f->real, buf + (pos - off), (int)(pe - pos),
			    pos);
		} else {
			uint8_t *dst = pos == s && pe == e ? buf + (pos - off) : f->page;
			uint32_t pgno;
			int hdr = fo >= off; /* the frame's header is part of this read */
			rc = frame_pgno(f, buf, off, fo, &pgno);
			if (rc == SQLITE_OK)
				rc = f->real->pMethods->xRead(f->real, dst, PAGE, s);
			if (rc == SQLITE_IOERR_SHORT_READ)
				memset(dst, 0, PAGE);
			else if (rc != SQLITE_OK)
				return rc;
			/* A frame read with its header is recovery scanning the log: a frame
			 * that does not open is torn or stale, and zeros make its checksum
			 * fail so that recovery stops there. A page read on its own was
			 * committed: it must open. */
			if (unseal(f->key, pgno, dst) < 0 && !hdr)
				return SQLITE_IOERR_DATA;
			if (dst == f->page) {
				memcpy(buf + (pos - off), f->page + (pos - s), (size_t)(pe - pos));
				sodium_memzero(f->page, PAGE);
			}
		}
		if (rc == SQLITE_IOERR_SHORT_READ)
			shortread = 1;
		else if (rc != SQLITE_OK)
			return rc;
		pos = pe;
	}
	return shortread ? SQLITE_IOERR_SHORT_READ : SQLITE_OK;
}

static int
wal_write(struct cfile *f, const uint8_t *buf, int amt, sqlite3_int64 off)
{
	sqlite3_int64 pos = off, end = off + amt, s, e, fo = 0;
	int rc;

	while (pos < end) {
		int content = wal_piece(pos, &s, &e, &fo);
		sqlite3_int64 pe = e < end ? e : end;
		if (!content) {
			rc = f->real->pMethods->xWrite(f->real, buf + (pos - off), (int)(pe - pos),
			    pos);
		} else {
			uint32_t pgno;
			if (pos != s || pe != e)
				return SQLITE_IOERR_WRITE; /* part of a page image */
			if (frame_pgno(f, buf, off, fo, &pgno) != SQLITE_OK ||
			    seal(f->key, pgno, buf + (pos - off), f->page) != 0)
				return SQLITE_IOERR_WRITE;
			rc = f->real->pMethods->xWrite(f->real, f->page, PAGE, s);
		}
		if (rc != SQLITE_OK)
			return rc;
		pos = pe;
	}
	return SQLITE_OK;
}

/* ---- the rollback journal ---- */

static int
jrnl_pgno(struct cfile *f, sqlite3_int64 off, uint32_t *pgno)
{
	uint8_t b[4];
	int rc;

	if (off < 4)
		return SQLITE_IOERR_WRITE;
	rc = f->real->pMethods->xRead(f->real, b, 4, off - 4);
	*pgno = be32(b);
	return rc;
}

static int
jrnl_read(struct cfile *f, uint8_t *buf, int amt, sqlite3_int64 off)
{
	uint32_t pgno;
	int rc;

	rc = f->real->pMethods->xRead(f->real, buf, amt, off);
	if (amt != PAGE || (rc != SQLITE_OK && rc != SQLITE_IOERR_SHORT_READ))
		return rc;
	/* A page that does not open is torn: zeros fail the record's checksum, and
	 * SQLite ends the playback there, as with any torn record. */
	if (jrnl_pgno(f, off, &pgno) != SQLITE_OK || unseal(f->key, pgno, buf) < 0)
		memset(buf, 0, PAGE);
	return rc;
}

static int
jrnl_write(struct cfile *f, const uint8_t *buf, int amt, sqlite3_int64 off)
{
	uint32_t pgno;

	if (amt != PAGE)
		return f->real->pMethods->xWrite(f->real, buf, amt, off);
	if (jrnl_pgno(f, off, &pgno) != SQLITE_OK || seal(f->key, pgno, buf, f->page) != 0)
		return SQLITE_IOERR_WRITE;
	return f->real->pMethods->xWrite(f->real, f->page, PAGE, off);
}

/* ---- the file methods ---- */

static int
x_close(sqlite3_file *pf)
{
	struct cfile *f = (struct cfile *)pf;
	int rc = f->real->pMethods->xClose(f->real);

	sodium_free(f->page);
	f->page = NULL;
	return rc;
}

static int
x_read(sqlite3_file *pf, void *buf, int amt, sqlite3_int64 off)
{
	struct cfile *f = (struct cfile *)pf;

	if (f->kind == K_DB)
		return db_read(f, buf, amt, off);
	if (f->kind == K_WAL)
		return wal_read(f, buf, amt, off);
	return jrnl_read(f, buf, amt, off);
}

static int
x_write(sqlite3_file *pf, const void *buf, int amt, sqlite3_int64 off)
{
	struct cfile *f = (struct cfile *)pf;

	if (f->kind == K_DB)
		return db_write(f, buf, amt, off);
	if (f->kind == K_WAL)
		return wal_write(f, buf, amt, off);
	return jrnl_write(f, buf, amt, off);
}

static int
x_truncate(sqlite3_file *f, sqlite3_int64 size)
{
	return REAL(f)->pMethods->xTruncate(REAL(f), size);
}

static int
x_sync(sqlite3_file *f, int flags)
{
	return REAL(f)->pMethods->xSync(REAL(f), flags);
}

static int
x_file_size(sqlite3_file *f, sqlite3_int64 *size)
{
	return REAL(f)->pMethods->xFileSize(REAL(f), size);
}

static int
x_lock(sqlite3_file *f, int lock)
{
	return REAL(f)->pMethods->xLock(REAL(f), lock);
}

static int
x_unlock(sqlite3_file *f, int lock)
{
	return REAL(f)->pMethods->xUnlock(REAL(f), lock);
}

static int
x_check_reserved(sqlite3_file *f, int *out)
{
	return REAL(f)->pMethods->xCheckReservedLock(REAL(f), out);
}

static int
x_file_control(sqlite3_file *f, int op, void *arg)
{
	return REAL(f)->pMethods->xFileControl(REAL(f), op, arg);
}

/* 512: journal headers are then shorter than a page (see the top). */
static int
x_sector_size(sqlite3_file *f)
{
	(void)f;
	return 512;
}

/* Power-safe overwrite: SQLite then never splits a frame's page image across
 * two writes (it would to pad the WAL to a sector). No batch-atomic writes. */
static int
x_device_chars(sqlite3_file *f)
{
	(void)f;
	return SQLITE_IOCAP_POWERSAFE_OVERWRITE;
}

static int
x_shm_map(sqlite3_file *f, int pg, int pgsz, int extend, void volatile **pp)
{
	return REAL(f)->pMethods->xShmMap(REAL(f), pg, pgsz, extend, pp);
}

static int
x_shm_lock(sqlite3_file *f, int offset, int n, int flags)
{
	return REAL(f)->pMethods->xShmLock(REAL(f), offset, n, flags);
}

static void
x_shm_barrier(sqlite3_file *f)
{
	REAL(f)->pMethods->xShmBarrier(REAL(f));
}

static int
x_shm_unmap(sqlite3_file *f, int del)
{
	return REAL(f)->pMethods->xShmUnmap(REAL(f), del);
}

/* Version 2: shared memory for the WAL, and no xFetch, so no memory-mapped
 * reads that would bypass the unsealing. */
static const sqlite3_io_methods cfile_methods = {
	2, x_close, x_read, x_write, x_truncate, x_sync, x_file_size, x_lock, x_unlock,
	x_check_reserved, x_file_control, x_sector_size, x_device_chars, x_shm_map,
	x_shm_lock, x_shm_barrier, x_shm_unmap, NULL, NULL};

/* ---- the VFS ---- */

#define OPEN_KINDS (SQLITE_OPEN_MAIN_DB | SQLITE_OPEN_TEMP_DB | SQLITE_OPEN_TRANSIENT_DB |   \
    SQLITE_OPEN_MAIN_JOURNAL | SQLITE_OPEN_TEMP_JOURNAL | SQLITE_OPEN_SUBJOURNAL |         \
    SQLITE_OPEN_SUPER_JOURNAL | SQLITE_OPEN_WAL)

static int
x_open(sqlite3_vfs *vfs, const char *name, sqlite3_file *pf, int flags, int *outflags)
{
	struct fk_vfs *v = vfs->pAppData;
	struct cfile *f = (struct cfile *)pf;
	int kind, rc;

	memset(f, 0, sizeof *f);
	f->real = (sqlite3_file *)(f + 1);
	switch (flags & OPEN_KINDS) {
	case SQLITE_OPEN_MAIN_DB:
		kind = K_DB;
		break;
	case SQLITE_OPEN_WAL:
		kind = K_WAL;
		break;
	case SQLITE_OPEN_MAIN_JOURNAL:
		kind = K_JOURNAL;
		break;
	default:
		return SQLITE_CANTOPEN; /* temporary files: kept in memory (temp_store) */
	}
	if (name == NULL)
		return SQLITE_CANTOPEN;
	/* A new database is created 0600; its WAL, -shm and journal take its mode. */
	if (kind == K_DB && (flags & SQLITE_OPEN_CREATE)) {
		int fd = open(name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (fd >= 0)
			close(fd);
	}
	if ((f->page = sodium_malloc(PAGE)) == NULL)
		return SQLITE_NOMEM;
	rc = v->real->xOpen(v->real, name, f->real, flags, outflags);
	if (rc != SQLITE_OK || f->real->pMethods == NULL) {
		sodium_free(f->page);
		f->page = NULL;
		if (f->real->pMethods != NULL)
			f->real->pMethods->xClose(f->real);
		return rc != SQLITE_OK ? rc : SQLITE_CANTOPEN;
	}
	f->kind = kind;
	f->key = v->key;
	f->base.pMethods = &cfile_methods;
	return SQLITE_OK;
}

#define RV(vfs) (((struct fk_vfs *)(vfs)->pAppData)->real)

static int
x_delete(sqlite3_vfs *vfs, const char *name, int sync)
{
	return RV(vfs)->xDelete(RV(vfs), name, sync);
}

static int
x_access(sqlite3_vfs *vfs, const char *name, int flags, int *out)
{
	return RV(vfs)->xAccess(RV(vfs), name, flags, out);
}

static int
x_full_pathname(sqlite3_vfs *vfs, const char *name, int n, char *out)
{
	return RV(vfs)->xFullPathname(RV(vfs), name, n, out);
}

static void *
x_dlopen(sqlite3_vfs *vfs, const char *name)
{
	(void)vfs;
	(void)name;
	return NULL; /* no extensions */
}

static void
x_dlerror(sqlite3_vfs *vfs, int n, char *msg)
{
	(void)vfs;
	if (n > 0)
		snprintf(msg, (size_t)n, "extensions are not loaded in the hub database");
}

static void (*x_dlsym(sqlite3_vfs *vfs, void *h, const char *sym))(void)
{
	(void)vfs;
	(void)h;
	(void)sym;
	return NULL;
}

static void
x_dlclose(sqlite3_vfs *vfs, void *h)
{
	(void)vfs;
	(void)h;
}

static int
x_randomness(sqlite3_vfs *vfs, int n, char *out)
{
	(void)vfs;
	randombytes_buf(out, (size_t)n);
	return n;
}

static int
x_sleep(sqlite3_vfs *vfs, int us)
{
	return RV(vfs)->xSleep(RV(vfs), us);
}

static int
x_current_time(sqlite3_vfs *vfs, double *t)
{
	return RV(vfs)->xCurrentTime(RV(vfs), t);
}

static int
x_last_error(sqlite3_vfs *vfs, int n, char *msg)
{
	return RV(vfs)->xGetLastError(RV(vfs), n, msg);
}

static int
x_current_time64(sqlite3_vfs *vfs, sqlite3_int64 *t)
{
	return RV(vfs)->xCurrentTimeInt64(RV(vfs), t);
}

int
fk_vfs_new(fk_vfs **out, const uint8_t key[FK_KEY_LEN], fk_err *e)
{
	struct fk_vfs *v;
	sqlite3_vfs *real;

	*out = NULL;
	if (sqlite3_initialize() != SQLITE_OK || (real = sqlite3_vfs_find("unix")) == NULL ||
	    real->iVersion < 2)
		return fk_fail(e, FK_EIO, _("hub database: SQLite has no unix file system layer"));
	if ((v = sodium_malloc(sizeof *v)) == NULL)
		return fk_fail(e, FK_ENOMEM, _("out of memory"));
	memset(v, 0, sizeof *v);
	if ((v->key = sodium_malloc(FK_KEY_LEN)) == NULL) {
		sodium_free(v);
		return fk_fail(e, FK_ENOMEM, _("out of memory"));
	}
	memcpy(v->key, key, FK_KEY_LEN);
	v->real = real;
	snprintf(v->name, sizeof v->name, "fieldkit-sealed-%p", (void *)v);
	v->base.iVersion = 2;
	v->base.szOsFile = (int)(sizeof(struct cfile) + (size_t)real->szOsFile);
	v->base.mxPathname = real->mxPathname;
	v->base.zName = v->name;
	v->base.pAppData = v;
	v->base.xOpen = x_open;
	v->base.xDelete = x_delete;
	v->base.xAccess = x_access;
	v->base.xFullPathname = x_full_pathname;
	v->base.xDlOpen = x_dlopen;
	v->base.xDlError = x_dlerror;
	v->base.xDlSym = x_dlsym;
	v->base.xDlClose = x_dlclose;
	v->base.xRandomness = x_randomness;
	v->base.xSleep = x_sleep;
	v->base.xCurrentTime = x_current_time;
	v->base.xGetLastError = x_last_error;
	v->base.xCurrentTimeInt64 = x_current_time64;
	if (sqlite3_vfs_register(&v->base, 0) != SQLITE_OK) {
		fk_vfs_free(v);
		return fk_fail(e, FK_EIO, _("hub database: cannot register its file layer"));
	}
	*out = v;
	return 0;
}

const char *
fk_vfs_name(const fk_vfs *v)
{
	return v->name;
}

void
fk_vfs_free(fk_vfs *v)
{
	if (v == NULL)
		return;
	sqlite3_vfs_unregister(&v->base);
	sodium_free(v->key);
	sodium_free(v);
}

static int
pragma_int(sqlite3 *db, const char *sql, long long *out)
{
	sqlite3_stmt *st;
	int rc;

	if ((rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL)) != SQLITE_OK)
		return rc;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*out = sqlite3_column_int64(st, 0);
		rc = SQLITE_OK;
	}
	sqlite3_finalize(st);
	return rc;
}

int
fk_vfs_keyerr(int rc)
{
	return rc == SQLITE_IOERR_DATA || (rc & 0xff) == SQLITE_NOTADB ||
	    (rc & 0xff) == SQLITE_CORRUPT;
}

int
fk_vfs_fail(void *dbp, int rc, fk_err *e)
{
	sqlite3 *db = dbp;
	int sys = db != NULL ? sqlite3_system_errno(db) : 0;

	if (rc == 0 && db != NULL)
		rc = sqlite3_extended_errcode(db);
	if ((rc & 0xff) == SQLITE_FULL || sys == ENOSPC || sys == EDQUOT)
		return fk_fail(e, FK_EIO, _("the hub's disk is full: free some space on it and run "
		    "the command again (nothing was changed)"));
	return fk_fail(e, FK_EIO, _("hub database: %s"), db != NULL ? sqlite3_errmsg(db) :
	    sqlite3_errstr(rc));
}

static int
open_fail(sqlite3 *db, int rc, fk_err *e)
{
	if (fk_vfs_keyerr(rc))
		fk_fail(e, FK_EKEY, _("the hub database does not open with this hub's key (is it "
		    "another hub's, or damaged?)"));
	else
		fk_vfs_fail(db, rc, e);
	sqlite3_close(db);
	return -1;
}

int
fk_vfs_open(fk_vfs *v, const char *path, int flags, void **out, fk_err *e)
{
	sqlite3 *db = NULL;
	long long pages = 0, size = 0;
	int rc, reserve = -1;

	*out = NULL;
	rc = sqlite3_open_v2(path, &db, flags, v->name);
	if (rc == SQLITE_OK) {
		sqlite3_extended_result_codes(db, 1);
		rc = sqlite3_exec(db, "PRAGMA temp_store=MEMORY", NULL, NULL, NULL);
	}
	if (rc == SQLITE_OK)
		rc = pragma_int(db, "PRAGMA page_count", &pages);
	if (rc == SQLITE_OK && pages == 0 && !(flags & SQLITE_OPEN_READONLY)) {
		reserve = FK_VFS_RESERVE;
		rc = sqlite3_exec(db, "PRAGMA page_size=4096", NULL, NULL, NULL);
		if (rc == SQLITE_OK)
			rc = sqlite3_file_control(db, "main", SQLITE_FCNTL_RESERVE_BYTES, &reserve);
		if (rc != SQLITE_OK)
			return open_fail(db, sqlite3_extended_errcode(db), e);
		*out = db;
		return 0;
	}
	if (rc == SQLITE_OK)
		rc = pragma_int(db, "PRAGMA page_size", &size);
	if (rc == SQLITE_OK)
		rc = sqlite3_file_control(db, "main", SQLITE_FCNTL_RESERVE_BYTES, &reserve);
	if (rc != SQLITE_OK)
		return open_fail(db, db ? sqlite3_extended_errcode(db) : rc, e);
	if (size != PAGE || reserve != FK_VFS_RESERVE) {
		fk_fail(e, FK_EKEY, _("the hub database has pages of %lld bytes with %d reserved; "
		    "an encrypted hub database has %d with %d"), size, reserve, PAGE,
		    FK_VFS_RESERVE);
		sqlite3_close(db);
		return -1;
	}
	*out = db;
	return 0;
}

int
fk_vfs_is_plain(const uint8_t *head, size_t n)
{
	return n >= 16 && memcmp(head, "SQLite format 3", 16) == 0;
}
