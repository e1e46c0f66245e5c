/*
 * batch.c - see batch.h.
 */
#include "batch.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "record.h"

#define BATCH_KEY_LEN 32
#define PATH_CAP 1024

/* ---- the key ---- */

int
fk_batch_key(const char *home, fk_secret *key, fk_err *e)
{
	char *path = fk_path_join(home, FK_BATCH_KEY), tmp[PATH_MAX];
	uint8_t k[BATCH_KEY_LEN];
	int fd, rc = -1;

	key->p = NULL;
	if (path == NULL)
		return fk_fail(e, FK_ENOMEM, _("out of memory"));
	if (access(path, F_OK) != 0) {
		/* Made once: written aside, then linked into place (link fails if
		 * another run made it first; then that one is read). */
		snprintf(tmp, sizeof tmp, "%s.%ld.tmp", path, (long)getpid());
		randombytes_buf(k, sizeof k);
		fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		if (fd < 0 || fk_fd_write_all(fd, k, sizeof k, tmp, e) != 0 || fsync(fd) != 0) {
			if (fd >= 0)
				close(fd);
			unlink(tmp);
			sodium_memzero(k, sizeof k);
			if (e->code == FK_OK)
				fk_fail(e, FK_EIO, _("cannot write %s: %s"), tmp, strerror(errno));
			goto out;
		}
		close(fd);
		sodium_memzero(k, sizeof k);
		if (link(tmp, path) != 0 && errno != EEXIST) {
			fk_fail(e, FK_EIO, _("cannot write %s: %s"), path, strerror(errno));
			unlink(tmp);
			goto out;
		}
		unlink(tmp);
		if (fk_fsync_parent(path, e) != 0)
			goto out;
	}
	if (fk_read_secret_file(path, 64, key, e) != 0)
		goto out;
	if (key->len != BATCH_KEY_LEN) {
		fk_secret_free(key);
		fk_fail(e, FK_ECRYPTO, _("%s is damaged (not %d bytes): move it away to start a new "
		    "one (lines sealed before will then not be recognised)"), path, BATCH_KEY_LEN);
		goto out;
	}
	rc = 0;
out:
	free(path);
	return rc;
}

static int
hash_cb(const char *buf, size_t n, void *data)
{
	crypto_auth_hmacsha256_update(data, (const uint8_t *)buf, n);
	return 0;
}

int
fk_batch_hash(const fk_secret *key, const char *form_id, int version, const json_t *record,
    const char *extra, uint8_t out[FK_SHA256_LEN], fk_err *e)
{
	crypto_auth_hmacsha256_state st;
	char ver[24];
	int rc = 0;

	if (key == NULL || key->len != BATCH_KEY_LEN)
		return fk_fail(e, FK_ESTATE, _("no batch key"));
	snprintf(ver, sizeof ver, "%d", version);
	crypto_auth_hmacsha256_init(&st, key->p, key->len);
	crypto_auth_hmacsha256_update(&st, (const uint8_t *)"fieldkit-batch-v1", 18);
	crypto_auth_hmacsha256_update(&st, (const uint8_t *)form_id, strlen(form_id) + 1);
	crypto_auth_hmacsha256_update(&st, (const uint8_t *)ver, strlen(ver) + 1);
	/* The canonical JSON goes straight into the MAC: no copy of the record. */
	if (json_dump_callback(record, hash_cb, &st, JSON_COMPACT | JSON_SORT_KEYS |
	    JSON_ENCODE_ANY) != 0)
		rc = fk_fail(e, FK_ENOMEM, _("cannot serialize the record"));
	if (rc == 0 && extra != NULL) {
		crypto_auth_hmacsha256_update(&st, (const uint8_t *)"", 1);
		crypto_auth_hmacsha256_update(&st, (const uint8_t *)extra, strlen(extra));
	}
	if (rc == 0)
		crypto_auth_hmacsha256_final(&st, out);
	sodium_memzero(&st, sizeof st);
	return rc;
}

/* ---- attachments ---- */

void
fk_batch_files_free(fk_batch_files *f)
{
	size_t i;

	for (i = 0; i < f->n; i++) {
		free((char *)f->v[i].field);
		free((char *)f->v[i].path);
	}
	free(f->v);
	memset(f, 0, sizeof *f);
}

static int
files_add(fk_batch_files *f, const char *field, const char *path, const char *id, fk_err *e)
{
	if (f->n == f->cap) {
		size_t cap = f->cap ? f->cap * 2 : 4;
		fk_attach_in *v = realloc(f->v, cap * sizeof *v);
		if (v == NULL)
			return fk_fail(e, FK_ENOMEM, _("out of memory"));
		f->v = v;
		f->cap = cap;
	}
	memset(&f->v[f->n], 0, sizeof f->v[f->n]);
	f->v[f->n].field = strdup(field);
	f->v[f->n].path = strdup(path);
	snprintf(f->v[f->n].id, sizeof f->v[f->n].id, "%s", id);
	if (f->v[f->n].field == NULL || f->v[f->n].path == NULL) {
		free((char *)f->v[f->n].field);
		free((char *)f->v[f->n].path);
		return fk_fail(e, FK_ENOMEM, _("out of memory"));
	}
	f->n++;
	return 0;
}

/*
 * The answer for file (a full path) at path; problems named without the
 * file's name. Returns 0, 1 (an issue was added) or -1.
 */
static int
answer_for(const char *path, const char *file, uint64_t limit, json_t **val,
    fk_batch_files *files, fk_issues *is, fk_err *e)
{
	fk_attach_in a;
	struct stat st;
	uint8_t head[FK_SNIFF_LEN];
	const char *claimed, *content;
	ssize_t n = -1;
	int fd;

	*val = NULL;
	if ((fd = open(file, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK)) < 0)
		return fk_issue_add(is, path, "attachment_missing", e, "%s", errno == ENOENT ?
		    _("the file is not there") : _("the file cannot be opened")) ? -1 : 1;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return fk_issue_add(is, path, "attachment_missing", e, "%s",
		    _("the file is not a regular file")) ? -1 : 1;
	}
	if ((uint64_t)st.st_size > limit) {
		close(fd);
		return fk_issue_add(is, path, "attachment_limit", e,
		    _("the file is %lld bytes, over the device limit of %llu"), (long long)st.st_size,
		    (unsigned long long)limit) ? -1 : 1;
	}
	do
		n = read(fd, head, sizeof head);
	while (n < 0 && errno == EINTR);
	close(fd);
	claimed = fk_media_type(file);
	content = n > 0 ? fk_media_sniff(head, (size_t)n) : NULL;
	if (content == NULL)
		return fk_issue_add(is, path, "attachment_type", e, "%s",
		    _("the file's content is no type fieldkit knows (JPEG, PNG, PDF, ...)")) ? -1 : 1;
	if (!fk_media_compatible(claimed, content))
		return fk_issue_add(is, path, "attachment_type", e,
		    _("the file's content is %s, not what its name says (%s)"), fk_media_name(content),
		    fk_media_name(claimed)) ? -1 : 1;
	memset(&a, 0, sizeof a);
	a.field = path;
	a.path = file;
	if (fk_attach_answer(&a, limit, val, e) != 0) {
		if (e->code == FK_ENOMEM)
			return -1;
		fk_err_clear(e);
		return fk_issue_add(is, path, "attachment_missing", e, "%s",
		    _("the file cannot be read")) ? -1 : 1;
	}
	if (files_add(files, path, file, a.id, e) != 0) {
		json_decref(*val);
		*val = NULL;
		return -1;
	}
	return 0;
}

/* A {"path": ...} inside the batch's folder, as a full path in out. Returns 0, 1 or -1. */
static int
inside(const char *path, const json_t *v, const char *base, char *out, size_t cap, fk_issues *is,
    fk_err *e)
{
	const char *rel = json_string_value(json_object_get(v, "path")), *p;
	char joined[PATH_MAX], *real, *rbase;
	int rc = 1;

	if (!json_is_object(v) || json_object_size(v) != 1 || rel == NULL || *rel == '\0')
		return fk_issue_add(is, path, "attachment_form", e, "%s",
		    _("name the file as {\"path\": \"photo.jpg\"}, relative to the batch file's folder")) ?
		    -1 : 1;
	for (p = rel; *p; p += strcspn(p, "/"), p += *p == '/')
		if (strncmp(p, "..", 2) == 0 && (p[2] == '/' || p[2] == '\0'))
			break;
	if (*rel == '/' || *p != '\0' || strlen(rel) != json_string_length(json_object_get(v, "path")))
		return fk_issue_add(is, path, "attachment_path", e, "%s",
		    _("the file's path must stay inside the batch file's folder")) ? -1 : 1;
	if (snprintf(joined, sizeof joined, "%s/%s", base, rel) >= (int)sizeof joined)
		return fk_issue_add(is, path, "attachment_path", e, "%s", _("the path is too long")) ?
		    -1 : 1;
	if ((real = realpath(joined, NULL)) == NULL) {
		snprintf(out, cap, "%s", joined); /* reported as missing by answer_for */
		return 0;
	}
	rbase = realpath(base, NULL);
	/* A link inside the folder may not lead out of it. */
	if (rbase != NULL && strncmp(real, rbase, strlen(rbase)) == 0 &&
	    (real[strlen(rbase)] == '/' || strcmp(rbase, "/") == 0)) {
		snprintf(out, cap, "%s", real);
		rc = 0;
	} else if (fk_issue_add(is, path, "attachment_path", e, "%s",
	    _("the file's path must stay inside the batch file's folder")) != 0) {
		rc = -1;
	}
	free(real);
	free(rbase);
	return rc;
}

static int
walk(const fk_form *f, json_t *obj, const char *prefix, const char *base, uint64_t limit,
    int strict, fk_batch_files *files, fk_issues *is, fk_err *e)
{
	char path[PATH_CAP], full[PATH_MAX];
	const char *k;
	json_t *v, *el, *ans;
	size_t i;
	int r;

	json_object_foreach(obj, k, v) {
		const fk_field *x = fk_form_find(f, k);
		snprintf(path, sizeof path, "%s%s%s", prefix, *prefix ? "." : "", k);
		if (x == NULL || v == NULL || json_is_null(v))
			continue;
		if (fk_field_type(x) == FK_T_REPEAT && json_is_array(v)) {
			json_array_foreach(v, i, el) {
				char sub[PATH_CAP + 32];
				snprintf(sub, sizeof sub, "%s[%zu]", path, i);
				if (json_is_object(el) &&
				    walk(f, el, sub, base, limit, strict, files, is, e) != 0)
					return -1;
			}
			continue;
		}
		if (fk_field_type(x) != FK_T_ATTACHMENT)
			continue;
		if (!strict && json_object_get(v, "path") == NULL)
			continue;
		if ((r = inside(path, v, base, full, sizeof full, is, e)) != 0) {
			if (r < 0)
				return -1;
			continue;
		}
		if ((r = answer_for(path, full, limit, &ans, files, is, e)) < 0)
			return -1;
		if (r == 0 && json_object_set_new(obj, k, ans) != 0)
			return fk_fail(e, FK_ENOMEM, _("out of memory"));
	}
	return 0;
}

int
fk_batch_attachments(const fk_form *f, json_t *record, const char *base, uint64_t limit,
    int strict, fk_batch_files *files, fk_issues *is, fk_err *e)
{
	if (!json_is_object(record))
		return 0;
	return walk(f, record, "", base, limit, strict, files, is, e);
}

int
fk_batch_attach_at(const fk_form *f, json_t *record, const char *answer, const char *file,
    uint64_t limit, fk_batch_files *files, fk_issues *is, fk_err *e)
{
	const char *p = answer;
	json_t *cur = record, *ans;
	char name[128];
	int r;

	/* Walk (and make) the entries up to the answer. */
	for (;;) {
		size_t n = strcspn(p, ".[");
		const fk_field *x;
		if (n == 0 || n >= sizeof name)
			goto bad;
		memcpy(name, p, n);
		name[n] = '\0';
		p += n;
		if ((x = fk_form_find(f, name)) == NULL)
			goto bad;
		if (*p == '\0') {
			if (fk_field_type(x) != FK_T_ATTACHMENT)
				goto bad;
			if (json_object_get(cur, name) != NULL)
				return fk_issue_add(is, answer, "attachment_form", e, "%s",
				    _("--attach names an answer the record already gives")) ? -1 : 1;
			if ((r = answer_for(answer, file, limit, &ans, files, is, e)) != 0)
				return r;
			return json_object_set_new(cur, name, ans) == 0 ? 0 :
			    fk_fail(e, FK_ENOMEM, _("out of memory"));
		}
		if (*p == '[') {
			char *end;
			unsigned long idx = strtoul(p + 1, &end, 10);
			json_t *arr = json_object_get(cur, name);
			if (fk_field_type(x) != FK_T_REPEAT || *end != ']' || end[1] != '.')
				goto bad;
			if (arr == NULL) {
				if ((arr = json_array()) == NULL || json_object_set_new(cur, name, arr) != 0)
					return fk_fail(e, FK_ENOMEM, _("out of memory"));
			}
			if (!json_is_array(arr) || idx > json_array_size(arr))
				goto bad;
			if (idx == json_array_size(arr) && json_array_append_new(arr, json_object()) != 0)
				return fk_fail(e, FK_ENOMEM, _("out of memory"));
			cur = json_array_get(arr, idx);
			if (!json_is_object(cur))
				goto bad;
			p = end + 2;
			continue;
		}
		goto bad;
	}
bad:
	return fk_issue_add(is, answer, "attachment_form", e, "%s",
	    _("--attach names no attachment question at this path (give the answer's path, e.g. "
	      "children[0].child_photos[0].photo)")) ? -1 : 1;
}
