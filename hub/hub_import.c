/*
 * hub_import.c - importing a bundle: all of it in one transaction, or none of
 * it and the file in quarantine with the reason beside it. See hub.h.
 *
 * Order of checks: signature against a registered device (before the
 * manifest is decompressed), manifest sanity, then per record: ciphertext
 * hash against the manifest (as it streams), decryption with the hub
 * identity, capped decompression, the record's own id/device/seq against the
 * manifest, its attachments against the manifest, form validation.
 * Attachment files are written, fsynced and renamed to their hash before the
 * transaction commits, so a crash leaves at most an orphan file.
 */
#include "hub_int.h"
#include "match_db.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "io.h"
#include "kind.h"

/* New; held already; a conflict (another body under a held id, or a second
 * record at a (device, seq) the hub holds: a fork), kept in `conflicts`. */
enum { ST_NEW, ST_DUP, ST_CONF };

struct imp {
	fk_hubdb *h;
	fk_bundle_reader *r;
	const fk_bundle_manifest *m;
	fk_import_result *res;
	char now[FK_TIME_BUF];
	sqlite3_stmt *find, *findc, *findseq, *ins, *insc, *insa;
	int status;           /* of the current record */
	int fork;             /* it is a second record at a (device, seq) held */
	char **created;       /* attachment files this import added to files/ */
	size_t ncreated;
	json_t *rec;          /* the current record's JSON */
	char *files;          /* home/files */
};

static int
prep(sqlite3 *db, sqlite3_stmt **st, const char *sql, fk_err *e)
{
	if (sqlite3_prepare_v2(db, sql, -1, st, NULL) != SQLITE_OK)
		return fk_hub_sql_err(db, e);
	return 0;
}

static int
prepare_all(struct imp *im, fk_err *e)
{
	sqlite3 *db = im->h->db;

	return prep(db, &im->find, "SELECT ct_hash, device_id, seq FROM records WHERE record_id = ?", e) ||
	    prep(db, &im->findc, "SELECT 1 FROM conflicts WHERE record_id = ? AND "
	    "ct_hash = ?", e) ||
	    prep(db, &im->findseq, "SELECT 1 FROM records WHERE device_id = ? AND seq = ?", e) ||
	    prep(db, &im->ins, "INSERT INTO records(record_id, device_id, seq, ct_hash, prev,"
	    " form_id, form_version, short_ref, body, bundle_id, imported_at) VALUES(?, ?, ?,"
	    " ?, ?, ?, ?, ?, ?, ?, ?)", e) ||
	    prep(db, &im->insc, "INSERT INTO conflicts(record_id, device_id, seq, ct_hash, "
	    "prev, body, bundle_id, imported_at) VALUES(?, ?, ?, ?, ?, ?, ?, ?)", e) ||
	    prep(db, &im->insa, "INSERT OR IGNORE INTO attachments(att_id, record_id, "
	    "ct_hash, size, field, media_type, name) VALUES(?, ?, ?, ?, ?, ?, ?)", e) ? -1 : 0;
}

static void
finalize_all(struct imp *im)
{
	sqlite3_finalize(im->find);
	sqlite3_finalize(im->findc);
	sqlite3_finalize(im->findseq);
	sqlite3_finalize(im->ins);
	sqlite3_finalize(im->insc);
	sqlite3_finalize(im->insa);
}


static int
bad_rec(fk_err *e, const char *id, const char *what)
{
	return fk_fail(e, FK_EINPUT, _("record %s: %s"), id, what);
}

/* The record's own fields must agree with the signed manifest. */
static int
check_record(struct imp *im, const fk_bundle_entry *en, json_t *j, fk_err *e)
{
	const char *s, *fid;
	json_t *atts, *v;
	size_t i;
	char hex[FK_SHA256_HEX + 1];

	s = json_string_value(json_object_get(j, "record_id"));
	if (s == NULL || strcmp(s, en->id) != 0)
		return bad_rec(e, en->id, _("its id differs from the manifest's (replaced?)"));
	s = json_string_value(json_object_get(j, "device_id"));
	if (s == NULL || strcmp(s, im->m->device_id) != 0)
		return bad_rec(e, en->id, _("it comes from another device"));
	v = json_object_get(j, "seq");
	if (!json_is_integer(v) || json_integer_value(v) != en->seq)
		return bad_rec(e, en->id, _("its sequence number differs from the manifest's"));
	fid = json_string_value(json_object_get(j, "form_id"));
	v = json_object_get(j, "form_version");
	if (fid == NULL || strlen(fid) > 63 || !json_is_integer(v) ||
	    !json_is_object(json_object_get(j, "answers")))
		return bad_rec(e, en->id, _("form id, version or answers missing"));
	atts = json_object_get(j, "attachments");
	if (atts == NULL && en->natt == 0)
		goto validate;
	if (!json_is_array(atts) || json_array_size(atts) != en->natt)
		return bad_rec(e, en->id, _("its attachments differ from the manifest's"));
	for (i = 0; i < en->natt; i++) {
		json_t *a = json_array_get(atts, i);
		json_t *sz = json_object_get(a, "size");
		fk_hex(en->att[i].hash, 32, hex);
		s = json_string_value(json_object_get(a, "id"));
		if (s == NULL || strcmp(s, en->att[i].id) != 0 ||
		    (s = json_string_value(json_object_get(a, "sha256_ct"))) == NULL ||
		    strcmp(s, hex) != 0 || !json_is_integer(sz) || json_integer_value(sz) < 0)
			return bad_rec(e, en->id, _("its attachments differ from the manifest's"));
	}
validate:
	if (im->h->validate != NULL &&
	    im->h->validate(im->h->vctx, fid, (int)json_integer_value(v), j, e) != 0)
		return fk_prefix(e, _("record %s"), en->id);
	return 0;
}

/* Whether the conflicts table holds this (record id, ciphertext) already. */
static int
conflict_held(struct imp *im, const fk_bundle_entry *en, const char *hex, int *held, fk_err *e)
{
	int k;

	sqlite3_reset(im->findc);
	sqlite3_bind_text(im->findc, 1, en->id, -1, SQLITE_STATIC);
	sqlite3_bind_text(im->findc, 2, hex, -1, SQLITE_STATIC);
	k = sqlite3_step(im->findc);
	sqlite3_reset(im->findc);
	if (k != SQLITE_ROW && k != SQLITE_DONE)
		return fk_hub_sql_err(im->h->db, e);
	*held = k == SQLITE_ROW;
	return 0;
}

/*
 * Looks the record up: new, a duplicate, or a conflict: a different body
 * under an id the hub holds, or a new id at a (device, seq) the hub holds
 * (a fork: a cloned device, or a store restored from a backup), which is
 * kept for review and never stored as a normal record.
 */
static int
classify(struct imp *im, const fk_bundle_entry *en, const char *hex, fk_err *e)
{
	int k, held;

	im->fork = 0;
	sqlite3_reset(im->find);
	sqlite3_bind_text(im->find, 1, en->id, -1, SQLITE_STATIC);
	k = sqlite3_step(im->find);
	if (k == SQLITE_DONE) {
		sqlite3_reset(im->find);
		sqlite3_reset(im->findseq);
		sqlite3_bind_text(im->findseq, 1, im->m->device_id, -1, SQLITE_STATIC);
		sqlite3_bind_int64(im->findseq, 2, en->seq);
		k = sqlite3_step(im->findseq);
		sqlite3_reset(im->findseq);
		if (k == SQLITE_DONE) {
			im->status = ST_NEW;
			return 0;
		}
		if (k != SQLITE_ROW || conflict_held(im, en, hex, &held, e) != 0)
			return k != SQLITE_ROW ? fk_hub_sql_err(im->h->db, e) : -1;
		im->fork = 1;
		im->status = held ? ST_DUP : ST_CONF;
		return 0;
	}
	if (k != SQLITE_ROW)
		return fk_hub_sql_err(im->h->db, e);
	if (strcmp((const char *)sqlite3_column_text(im->find, 1), im->m->device_id) != 0 ||
	    sqlite3_column_int64(im->find, 2) != en->seq) {
		sqlite3_reset(im->find);
		return bad_rec(e, en->id, _("the hub holds it from another device or under "
		    "another sequence number"));
	}
	if (strcmp((const char *)sqlite3_column_text(im->find, 0), hex) == 0) {
		im->status = ST_DUP;
		sqlite3_reset(im->find);
		return 0;
	}
	sqlite3_reset(im->find);
	if (conflict_held(im, en, hex, &held, e) != 0)
		return -1;
	im->status = held ? ST_DUP : ST_CONF;
	return 0;
}

static int
store_record(struct imp *im, const fk_bundle_entry *en, const char *hex, const char *body,
    fk_err *e)
{
	sqlite3_stmt *st = im->status == ST_NEW ? im->ins : im->insc;
	char prev[FK_SHA256_HEX + 1];
	const char *sref = json_string_value(json_object_get(im->rec, "short_ref"));
	int i = 1, k;

	fk_hex(en->prev, 32, prev);
	sqlite3_reset(st);
	sqlite3_bind_text(st, i++, en->id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, i++, im->m->device_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, i++, en->seq);
	sqlite3_bind_text(st, i++, hex, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, i++, prev, -1, SQLITE_TRANSIENT);
	if (im->status == ST_NEW) {
		sqlite3_bind_text(st, i++, json_string_value(json_object_get(im->rec,
		    "form_id")), -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, i++, json_integer_value(json_object_get(im->rec,
		    "form_version")));
		if (sref != NULL)
			sqlite3_bind_text(st, i++, sref, -1, SQLITE_STATIC);
		else
			sqlite3_bind_null(st, i++);
	}
	sqlite3_bind_text(st, i++, body, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, i++, im->m->bundle_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, i++, im->now, -1, SQLITE_STATIC);
	k = sqlite3_step(st);
	sqlite3_reset(st);
	if (k != SQLITE_DONE)
		return fk_hub_sql_err(im->h->db, e);
	if (im->status == ST_NEW) {
		im->res->nnew++;
	} else {
		im->res->nconf++;
		im->res->nfork += im->fork;
	}
	return 0;
}

static int
import_record(struct imp *im, const fk_bundle_entry *en, fk_err *e)
{
	fk_buf ct = {0}, z = {0}, js = {0};
	char hex[FK_SHA256_HEX + 1], *body = NULL;
	int rc = -1;

	ct.max = en->len;
	if (fk_bundle_read(im->r, fk_buf_sink(&ct), e) != 0)
		goto fail;
	fk_hex(en->ct_hash, 32, hex);
	if (classify(im, en, hex, e) != 0)
		goto fail;
	im->res->nrec++;
	json_decref(im->rec);
	im->rec = NULL;
	if (im->status == ST_DUP) {
		im->res->ndup++;
		rc = 0;
		goto fail;
	}
	if (fk_age_decrypt_buf(im->h->ids, ct.p, ct.len, FK_HUB_MAX_RECORD_JSON, &z, e) != 0) {
		fk_prefix(e, _("record %s cannot be opened with this hub's key"), en->id);
		goto fail;
	}
	if (fk_zstd_inflate(z.p, z.len, FK_HUB_MAX_RECORD_JSON, &js, e) != 0) {
		fk_prefix(e, _("record %s"), en->id);
		goto fail;
	}
	im->rec = json_loadb((const char *)js.p, js.len, JSON_REJECT_DUPLICATES, NULL);
	if (im->rec == NULL || !json_is_object(im->rec)) {
		bad_rec(e, en->id, _("not a JSON object"));
		goto fail;
	}
	if (check_record(im, en, im->rec, e) != 0)
		goto fail;
	if ((body = json_dumps(im->rec, JSON_COMPACT)) == NULL) {
		fk_fail(e, FK_ENOMEM, _("out of memory"));
		goto fail;
	}
	rc = store_record(im, en, hex, body, e);
	/* matching: index the new record in the same transaction (match_db.c) */
	if (rc == 0 && im->status == ST_NEW)
		rc = fk_match_db_add(im->h, en->id, json_string_value(json_object_get(im->rec,
		    "form_id")), im->rec, e);
fail:
	if (z.p)
		sodium_memzero(z.p, z.len);
	if (js.p)
		sodium_memzero(js.p, js.len);
	fk_buf_free(&ct);
	fk_buf_free(&z);
	fk_buf_free(&js);
	free(body);
	return rc;
}

/* ---- attachments ---- */

struct fdsink {
	int fd;
};

static int
fd_write(void *ctx, const uint8_t *p, size_t n, fk_err *e)
{
	struct fdsink *s = ctx;

	return fk_fd_write_all(s->fd, p, n, _("an attachment"), e);
}

/* Checks that an age file opens with the hub key and holds exactly size bytes. */
static int
att_opens(struct imp *im, int fd, uint64_t size, const char *id, fk_err *e)
{
	FILE *f;
	fk_age_dec *d;
	uint8_t buf[65536];
	uint64_t total = 0;
	long n = 0;
	int dfd = dup(fd);

	if (dfd < 0 || lseek(dfd, 0, SEEK_SET) != 0 || (f = fdopen(dfd, "rb")) == NULL) {
		if (dfd >= 0)
			close(dfd);
		return fk_fail(e, FK_EIO, _("cannot reread an attachment: %s"), strerror(errno));
	}
	d = fk_age_dec_open(fk_file_source(f), 0, im->h->ids, e);
	while (d != NULL && (n = fk_age_dec_read(d, buf, sizeof buf, e)) > 0)
		total += (uint64_t)n;
	fk_age_dec_free(d);
	fclose(f);
	sodium_memzero(buf, sizeof buf);
	if (d == NULL || n < 0)
		return fk_prefix(e, _("attachment %s cannot be opened with this hub's key"), id);
	if (total != size)
		return fk_fail(e, FK_EINPUT, _("attachment %s is %llu bytes, its record says %llu"),
		    id, (unsigned long long)total, (unsigned long long)size);
	return 0;
}

/* Notes a file this import adds to files/, to take it away again if the
 * bundle is refused (before the rollback, while the import holds the lock). */
static int
remember(struct imp *im, const char *path, fk_err *e)
{
	char **n = realloc(im->created, (im->ncreated + 1) * sizeof *n);

	if (n == NULL)
		return fk_fail(e, FK_ENOMEM, _("out of memory"));
	im->created = n;
	if ((n[im->ncreated] = strdup(path)) == NULL)
		return fk_fail(e, FK_ENOMEM, _("out of memory"));
	im->ncreated++;
	return 0;
}

static void
forget_created(struct imp *im, int unlink_them)
{
	size_t i;

	for (i = 0; i < im->ncreated; i++) {
		if (unlink_them)
			unlink(im->created[i]);
		free(im->created[i]);
	}
	free(im->created);
	im->created = NULL;
	im->ncreated = 0;
}

static int
store_att(struct imp *im, const fk_bundle_entry *en, size_t ai, fk_err *e)
{
	json_t *a = json_array_get(json_object_get(im->rec, "attachments"), ai);
	uint64_t size = (uint64_t)json_integer_value(json_object_get(a, "size"));
	char hex[FK_SHA256_HEX + 1], tmp[4200], fin[4200];
	struct fdsink s;
	struct stat st;
	fk_sink sink;
	int rc = -1, k;

	fk_hex(en->att[ai].hash, 32, hex);
	snprintf(tmp, sizeof tmp, "%s/.tmp-%s-XXXXXX", im->files, hex);
	snprintf(fin, sizeof fin, "%s/%s.age", im->files, hex);
	if ((s.fd = mkstemp(tmp)) < 0)
		return fk_fail(e, FK_EIO, _("cannot create a file in %s: %s"), im->files,
		    strerror(errno));
	sink.write = fd_write;
	sink.ctx = &s;
	if (fk_bundle_read(im->r, sink, e) != 0 ||
	    att_opens(im, s.fd, size, en->att[ai].id, e) != 0)
		goto fail;
	if (fsync(s.fd) != 0) {
		fk_fail(e, FK_EIO, _("cannot sync %s: %s"), tmp, strerror(errno));
		goto fail;
	}
	if (lstat(fin, &st) == 0) {
		/* held already (the same ciphertext, by its hash): keep that one */
	} else if (remember(im, fin, e) != 0) {
		goto fail;
	} else if (rename(tmp, fin) != 0) {
		fk_fail(e, FK_EIO, _("cannot rename %s: %s"), tmp, strerror(errno));
		free(im->created[--im->ncreated]);
		goto fail;
	} else {
		tmp[0] = 0;
	}
	sqlite3_reset(im->insa);
	k = 1;
	sqlite3_bind_text(im->insa, k++, en->att[ai].id, -1, SQLITE_STATIC);
	sqlite3_bind_text(im->insa, k++, en->id, -1, SQLITE_STATIC);
	sqlite3_bind_text(im->insa, k++, hex, -1, SQLITE_STATIC);
	sqlite3_bind_int64(im->insa, k++, (sqlite3_int64)size);
	sqlite3_bind_text(im->insa, k++, json_string_value(json_object_get(a, "field")), -1,
	    SQLITE_STATIC);
	sqlite3_bind_text(im->insa, k++, json_string_value(json_object_get(a, "media_type")),
	    -1, SQLITE_STATIC);
	sqlite3_bind_text(im->insa, k++, json_string_value(json_object_get(a, "name")), -1,
	    SQLITE_STATIC);
	k = sqlite3_step(im->insa);
	sqlite3_reset(im->insa);
	if (k != SQLITE_DONE) {
		fk_hub_sql_err(im->h->db, e);
		goto fail;
	}
	im->res->natt++;
	rc = 0;
fail:
	close(s.fd);
	if (tmp[0])
		unlink(tmp);
	return rc;
}

/* ---- quarantine ---- */

/*
 * Copies size bytes of the open file fd (from its start) to dst. The size is
 * the one fstat gave when the file was opened: a file that grows meanwhile is
 * cut there, so nothing on a stick makes the copy endless. Refused when it
 * would leave the hub's disk with less than 64 MiB free.
 */
static int
copy_to(int fd, off_t size, const char *dir, const char *dst, fk_err *e)
{
	fk_atomic a;
	uint8_t buf[65536];
	struct statvfs vf;
	off_t off = 0;
	fk_sink s;

	if (statvfs(dir, &vf) == 0 &&
	    (unsigned long long)size + (64ull << 20) >
	    (unsigned long long)vf.f_bavail * vf.f_frsize)
		return fk_fail(e, FK_ELIMIT, _("not copied: %lld bytes would fill the hub's disk"),
		    (long long)size);
	if (fk_atomic_open(&a, dst, 0600, e) != 0)
		return -1;
	s = fk_atomic_sink(&a);
	while (off < size) {
		size_t want = size - off < (off_t)sizeof buf ? (size_t)(size - off) : sizeof buf;
		ssize_t n = pread(fd, buf, want, off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break; /* it shrank: what there was */
		if (s.write(s.ctx, buf, (size_t)n, e) != 0) {
			fk_atomic_abort(&a);
			return -1;
		}
		off += n;
	}
	return fk_atomic_commit(&a, e);
}

/* Of a file that is not a bundle at all, what quarantine keeps as evidence. */
#define QUARANTINE_HEAD 65536

/* Whether the first n bytes of fd and of the file at path are the same, and it has n. */
static int
same_bytes(int fd, const char *path, off_t n)
{
	uint8_t a[65536], b[65536];
	struct stat st;
	off_t off = 0;
	int g = fk_open_regular(path, "", 1, &st, NULL), same = 0;

	if (g < 0)
		return 0;
	if (st.st_size != n)
		goto out;
	while (off < n) {
		size_t want = n - off < (off_t)sizeof a ? (size_t)(n - off) : sizeof a;
		ssize_t x = pread(fd, a, want, off), y = pread(g, b, want, off);

		if (x <= 0 || x != y || memcmp(a, b, (size_t)x) != 0)
			goto out;
		off += x;
	}
	same = 1;
out:
	close(g);
	return same;
}

/* A copy of the first n bytes of fd already in quarantine (dir), by name and bytes. */
static int
already_kept(const char *dir, const char *base, int fd, off_t n, char *found, size_t cap)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	size_t bl = strlen(base);
	int hit = 0;

	if (d == NULL)
		return 0;
	while (!hit && (de = readdir(d)) != NULL) {
		size_t l = strlen(de->d_name);
		char path[4600];

		/* names are STAMP-I-BASE */
		if (l <= bl + 1 || de->d_name[l - bl - 1] != '-' || strcmp(de->d_name + l - bl, base) != 0)
			continue;
		snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
		if (same_bytes(fd, path, n)) {
			snprintf(found, cap, "%.4000s", path);
			hit = 1;
		}
	}
	closedir(d);
	return hit;
}

/* Whether path is a file in the folder dir (the same folder, by device and inode). */
static int
inside(const char *path, const char *dir)
{
	char *copy = strdup(path);
	struct stat a, b;
	int in;

	if (copy == NULL)
		return 0;
	in = stat(dirname(copy), &a) == 0 && stat(dir, &b) == 0 && a.st_dev == b.st_dev &&
	    a.st_ino == b.st_ino;
	free(copy);
	return in;
}

static void
quarantine(fk_hubdb *h, const char *path, int fd, off_t size, const fk_err *why,
    fk_import_result *res)
{
	char dir[4096], dst[4600], rsn[4700], stamp[FK_TIME_BUF], *copy = strdup(path);
	char text[2200];
	uint8_t head[64];
	time_t t = time(NULL);
	struct tm tm;
	struct stat st;
	fk_err e2 = {0};
	ssize_t hn;
	off_t keep = size;
	int i, n;

	if (copy == NULL)
		return;
	snprintf(dir, sizeof dir, "%s/%s", h->home, FK_HUB_QUARANTINE);
	if (fk_mkdirs(dir, 0700, &e2) != 0)
		goto out;
	if (inside(path, dir)) {
		snprintf(res->qnote, sizeof res->qnote, "%s", _("already in quarantine: not copied again"));
		goto out;
	}
	/* Anything that does not even start as a bundle is kept only in part: a
	 * stick's junk (a 3 GB file named x.fkb) must not fill the hub's disk. */
	hn = pread(fd, head, sizeof head, 0);
	if (hn < 0 || fk_kind_of(head, (size_t)hn) != FK_KIND_BUNDLE) {
		if (size > QUARANTINE_HEAD) {
			keep = QUARANTINE_HEAD;
			snprintf(res->qnote, sizeof res->qnote,
			    _("not a bundle: only its first %d of %lld bytes kept"), QUARANTINE_HEAD,
			    (long long)size);
		}
	}
	if (already_kept(dir, basename(copy), fd, keep, res->quarantined, sizeof res->quarantined)) {
		fk_buf old = {0};

		snprintf(res->qnote, sizeof res->qnote, "%s", _("the same file is already in quarantine"));
		/* its reason file gains this refusal's reason (it may be another) */
		snprintf(rsn, sizeof rsn, "%s.reason", res->quarantined);
		if (fk_read_file(rsn, 1 << 20, &old, &e2) == 0 &&
		    fk_buf_append(&old, why->msg, strlen(why->msg), &e2) == 0 &&
		    fk_buf_append(&old, "\n", 1, &e2) == 0 &&
		    fk_write_file_atomic(rsn, old.p, old.len, 0600, &e2) != 0)
			fk_err_clear(&e2);
		fk_buf_free(&old);
		goto out;
	}
	gmtime_r(&t, &tm);
	strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &tm);
	for (i = 0; i < 1000; i++) {
		snprintf(dst, sizeof dst, "%s/%s-%d-%s", dir, stamp, i, basename(copy));
		if (lstat(dst, &st) != 0)
			break;
	}
	snprintf(rsn, sizeof rsn, "%s.reason", dst);
	if (copy_to(fd, keep, dir, dst, &e2) == 0)
		snprintf(res->quarantined, sizeof res->quarantined, "%.4000s", dst);
	else
		snprintf(res->qnote, sizeof res->qnote, "%s", e2.msg);
	n = snprintf(text, sizeof text, "%s\n%s%s", why->msg, res->qnote,
	    res->qnote[0] ? "\n" : "");
	if (fk_write_file_atomic(rsn, text, (size_t)n < sizeof text ? (size_t)n : sizeof text - 1,
	    0600, &e2) != 0)
		goto out;
out:
	free(copy);
}

/* ---- the import ---- */

/* A bundle seen before: its records will all be duplicates; say when. */
static int
replayed(struct imp *im, fk_err *e)
{
	sqlite3_stmt *st;
	int k;

	if (prep(im->h->db, &st, "SELECT imported_at FROM bundles WHERE bundle_id = ?", e))
		return -1;
	sqlite3_bind_text(st, 1, im->m->bundle_id, -1, SQLITE_STATIC);
	k = sqlite3_step(st);
	if (k == SQLITE_ROW)
		snprintf(im->res->replayed, sizeof im->res->replayed, "%s",
		    (const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	return k == SQLITE_ROW || k == SQLITE_DONE ? 0 : fk_hub_sql_err(im->h->db, e);
}

static int
run(struct imp *im, FILE *f, fk_err *e)
{
	size_t ri, ai;
	int k;

	im->r = fk_bundle_open(fk_file_source(f), fk_hub_device_key, im->h, e);
	if (im->r == NULL)
		return -1;
	im->m = fk_bundle_manifest_of(im->r);
	snprintf(im->res->device_id, sizeof im->res->device_id, "%s", im->m->device_id);
	snprintf(im->res->bundle_id, sizeof im->res->bundle_id, "%s", im->m->bundle_id);
	if (prepare_all(im, e) != 0)
		return -1;
	if (fk_hub_exec(im->h->db, "BEGIN IMMEDIATE", e) != 0 || replayed(im, e) != 0)
		return -1;
	while ((k = fk_bundle_peek(im->r, &ri, &ai, e)) == 1) {
		const fk_bundle_entry *en = &im->m->rec[ri];
		if (ai == (size_t)-1)
			k = import_record(im, en, e);
		else if (im->status == ST_DUP)
			k = fk_bundle_read(im->r, fk_null_sink(), e);
		else
			k = store_att(im, en, ai, e);
		if (k != 0)
			return -1;
		if (im->h->progress != NULL && ai == (size_t)-1 && ri % 500 == 0)
			im->h->progress(im->h->pctx, ri, im->m->n);
	}
	return k;
}

static int
finish(struct imp *im, fk_err *e)
{
	sqlite3_stmt *st;
	char detail[256];
	int k;

	/* The attachment files this import added: their names in files/ (and
	 * files/ in the hub's folder) on disk before the records that refer to
	 * them. Nothing to sync when it added none. */
	if ((im->ncreated > 0 && (fk_fsync_parent(im->created[0], e) != 0 ||
	    fk_fsync_parent(im->files, e) != 0)) ||
	    prep(im->h->db, &st, "INSERT OR IGNORE INTO bundles(bundle_id, device_id, created,"
	    " imported_at, nrec, nnew, ndup, nconf) VALUES(?, ?, ?, ?, ?, ?, ?, ?)", e) != 0)
		return -1;
	sqlite3_bind_text(st, 1, im->m->bundle_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, im->m->device_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, im->m->created, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, im->now, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, (sqlite3_int64)im->res->nrec);
	sqlite3_bind_int64(st, 6, (sqlite3_int64)im->res->nnew);
	sqlite3_bind_int64(st, 7, (sqlite3_int64)im->res->ndup);
	sqlite3_bind_int64(st, 8, (sqlite3_int64)im->res->nconf);
	k = sqlite3_step(st);
	sqlite3_finalize(st);
	if (k != SQLITE_DONE)
		return fk_hub_sql_err(im->h->db, e);
	snprintf(detail, sizeof detail, "bundle %s from %s: %zu new, %zu duplicate, "
	    "%zu conflict", im->m->bundle_id, im->m->device_id, im->res->nnew, im->res->ndup,
	    im->res->nconf);
	if (fk_hub_audit(im->h, "import", detail, (long)im->res->nnew, e) != 0)
		return -1;
	return fk_hub_exec(im->h->db, "COMMIT", e);
}

/*
 * Opens the file to import: a regular file, never through a symbolic link
 * (a stick may hold `z.fkb -> /dev/zero` or a link to any local file), and
 * without blocking (a FIFO named p.fkb would wait forever for a writer).
 * Anything else is skipped: nothing read, nothing copied.
 */
static int
open_regular(const char *path, int *fdp, struct stat *st, fk_err *e)
{
	if ((*fdp = fk_open_regular(path, _("a bundle"), 1, st, e)) >= 0)
		return 0;
	if (e->code == FK_EINPUT) {
		char what[sizeof e->msg];

		snprintf(what, sizeof what, "%s", e->msg);
		fk_fail(e, FK_EINPUT, _("%s: skipped"), what);
	}
	return -1;
}

int
fk_hub_import_file(fk_hubdb *h, const char *path, fk_import_result *res, fk_err *e)
{
	struct imp im = {0};
	struct stat st;
	FILE *f;
	int fd, rc = -1;

	memset(res, 0, sizeof *res);
	if (fk_hub_need_db(h, e) != 0)
		return -1;
	if (open_regular(path, &fd, &st, e) != 0) {
		fk_err e2;
		res->skipped = 1;
		if (fk_hub_audit(h, "skip", e->msg, 0, &e2) != 0)
			fk_err_clear(&e2);
		return -1;
	}
	im.h = h;
	im.res = res;
	fk_now_rfc3339(im.now);
	im.files = fk_path_join(h->home, FK_HUB_FILES);
	if (im.files == NULL || fk_mkdirs(im.files, 0700, e) != 0) {
		free(im.files);
		close(fd);
		return -1;
	}
	if ((f = fdopen(fd, "rb")) == NULL) {
		free(im.files);
		close(fd);
		return fk_fail(e, FK_EIO, _("cannot open %s: %s"), path, strerror(errno));
	}
	if (run(&im, f, e) == 0 && finish(&im, e) == 0)
		rc = 0;
	if (rc != 0) {
		fk_err e2;
		/* The attachment files this import added go before the rollback, while
		 * it still holds the database: no other import can refer to them yet. */
		forget_created(&im, 1);
		if (im.files != NULL && fk_fsync_parent(im.files, &e2) != 0)
			fk_err_clear(&e2);
		if (!sqlite3_get_autocommit(h->db))
			sqlite3_exec(h->db, "ROLLBACK", NULL, NULL, NULL);
		/* A failure of the hub's own (its disk full, its database) says
		 * nothing about the bundle: it is not copied, and may be imported
		 * again as it is. */
		if (e->code != FK_EIO && e->code != FK_ENOMEM)
			quarantine(h, path, fileno(f), st.st_size, e, res);
		else
			res->hub_failed = 1;
		if (fk_hub_audit(h, "refuse", e->msg, 0, &e2) != 0)
			fk_err_clear(&e2);
		memset(res->device_id, 0, sizeof res->device_id);
	}
	forget_created(&im, 0);
	if (h->progress != NULL)
		h->progress(h->pctx, im.m != NULL ? im.m->n : 0, im.m != NULL ? im.m->n : 0);
	json_decref(im.rec);
	finalize_all(&im);
	fk_bundle_close(im.r);
	fclose(f);
	free(im.files);
	return rc;
}
