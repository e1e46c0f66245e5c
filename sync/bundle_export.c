/*
 * bundle_export.c - writing a device's records into bundle files: parts under
 * a size limit, each written safely and read back (USB sticks lie). See
 * bundle_export.h.
 */
#include "bundle_export.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>
#include <zstd.h>

#include "io.h"

/*
 * Size bounds for --max-size. A part's size is at most the magic and lengths
 * lines, the zstd bound of its raw manifest JSON, the signature text (its
 * length depends only on the trusted comment) and the payload; every raw
 * manifest entry is at most ENTRY_RAW plus ATT_RAW per attachment (ids,
 * 64-hex hashes, 20-digit numbers, the chain link always counted).
 */
#define ENTRY_RAW 256
#define ATT_RAW 160
#define BASE_RAW 160
#define SIG_RAW 420

struct plan {
	fk_bundle_manifest *parts;
	size_t nparts;
	const char *device_id;
	uint64_t max, raw, payload; /* of the last part */
};

static uint64_t
head_bound(const struct plan *p, uint64_t raw)
{
	return 19 + 24 + ZSTD_COMPRESSBOUND(raw + strlen(p->device_id)) + SIG_RAW +
	    strlen(p->device_id);
}

static int
plan_fn(void *ctx, const fk_store_record *rec, fk_err *e)
{
	struct plan *p = ctx;
	uint64_t b = rec->ctlen, raw = ENTRY_RAW + ATT_RAW * rec->natt;
	fk_bundle_manifest *m;
	size_t i;

	for (i = 0; i < rec->natt; i++)
		b += rec->att[i].ctlen;
	if (p->max && head_bound(p, BASE_RAW + raw) + b > p->max)
		return fk_fail(e, FK_ELIMIT, _("record %s (%llu bytes with its attachments) "
		    "does not fit in --max-size; raise it"), rec->id, (unsigned long long)b);
	if (p->nparts == 0 || (p->max && head_bound(p, p->raw + raw) + p->payload + b > p->max) ||
	    p->parts[p->nparts - 1].n >= FK_BUNDLE_MAX_RECORDS / 2) {
		m = realloc(p->parts, (p->nparts + 1) * sizeof *m);
		if (m == NULL)
			return fk_fail(e, FK_ENOMEM, _("out of memory"));
		p->parts = m;
		memset(&m[p->nparts++], 0, sizeof *m);
		p->raw = BASE_RAW;
		p->payload = 0;
	}
	p->raw += raw;
	p->payload += b;
	return fk_bundle_manifest_add(&p->parts[p->nparts - 1], rec, e);
}

struct wctx {
	struct plan *p;
	const char *device_id;
	const fk_minisign_sk *sk;
	const char *dir;
	size_t part, idx;
	fk_atomic a;
	int open;
	fk_export_result *res;
};

static int
write_blob(fk_sink s, const uint8_t *p, size_t n, fk_err *e)
{
	return s.write(s.ctx, p, n, e);
}

static int
finish_part(struct wctx *w, fk_err *e)
{
	char **np;
	char *path = strdup(w->a.path);

	if (path == NULL)
		return fk_fail(e, FK_ENOMEM, _("out of memory"));
	w->open = 0;
	if (fk_atomic_commit(&w->a, e) != 0) {
		free(path);
		return -1;
	}
	np = realloc(w->res->paths, (w->res->nfiles + 1) * sizeof *np);
	if (np == NULL) {
		free(path);
		return fk_fail(e, FK_ENOMEM, _("out of memory"));
	}
	w->res->paths = np;
	np[w->res->nfiles++] = path;
	return 0;
}

static int
write_fn(void *ctx, const fk_store_record *rec, fk_err *e)
{
	struct wctx *w = ctx;
	fk_bundle_manifest *m;
	char path[4096];
	fk_sink s;
	size_t i;

	/* Records finalized since the plan was made wait for the next export
	 * (capture may run meanwhile: `push --watch`). */
	if (w->part >= w->p->nparts)
		return 1;
	m = &w->p->parts[w->part];
	if (!w->open) {
		snprintf(path, sizeof path, "%s%s%s-%.8s.fkb", w->dir, fk_dir_sep(w->dir), w->device_id,
		    m->bundle_id);
		if (fk_atomic_open(&w->a, path, 0644, e) != 0)
			return -1;
		w->open = 1;
		if (fk_bundle_write_head(m, w->sk, fk_atomic_sink(&w->a), e) != 0)
			return -1;
	}
	if (w->idx >= m->n || strcmp(m->rec[w->idx].id, rec->id) != 0 ||
	    memcmp(m->rec[w->idx].ct_hash, rec->ct_hash, 32) != 0)
		return fk_fail(e, FK_ESTATE, _("the device store changed during export; "
		    "run export again"));
	s = fk_atomic_sink(&w->a);
	if (write_blob(s, rec->ct, rec->ctlen, e) != 0)
		return -1;
	for (i = 0; i < rec->natt; i++)
		if (write_blob(s, rec->att[i].ct, rec->att[i].ctlen, e) != 0)
			return -1;
	w->res->nrec++;
	w->res->natt += rec->natt;
	if (++w->idx == m->n) {
		if (finish_part(w, e) != 0)
			return -1;
		w->part++;
		w->idx = 0;
	}
	return 0;
}

struct pkctx {
	const char *device_id;
	fk_minisign_pk pk;
};

static int
own_key(void *ctx, const char *device_id, fk_minisign_pk *pk, fk_err *e)
{
	struct pkctx *k = ctx;

	if (strcmp(device_id, k->device_id) != 0)
		return fk_fail(e, FK_ESIG, _("bundle signed for another device"));
	*pk = k->pk;
	return 0;
}

int
fk_bundle_export(fk_record_iter it, void *ictx, const char *device_id,
    const fk_minisign_sk *sk, const char *dir, uint64_t max_size,
    fk_export_result *res, fk_err *e)
{
	struct plan p = {0};
	struct wctx w = {0};
	struct pkctx k;
	size_t i;
	int rc = -1;

	memset(res, 0, sizeof *res);
	p.max = max_size;
	p.device_id = device_id;
	if (it(ictx, plan_fn, &p, e) != 0)
		goto fail;
	for (i = 0; i < p.nparts; i++) {
		snprintf(p.parts[i].device_id, sizeof p.parts[i].device_id, "%s", device_id);
		fk_bundle_manifest_stamp(&p.parts[i]);
	}
	w.p = &p;
	w.device_id = device_id;
	w.sk = sk;
	w.dir = dir;
	w.res = res;
	if (p.nparts > 0 && it(ictx, write_fn, &w, e) != 0)
		goto fail;
	if (w.part != p.nparts || w.open) {
		fk_fail(e, FK_ESTATE, _("the device store changed during export; run export again"));
		goto fail;
	}
	k.device_id = device_id;
	fk_minisign_sk_public(sk, &k.pk);
	for (i = 0; i < res->nfiles; i++) {
		struct stat st;
		if (fk_bundle_verify_file(res->paths[i], own_key, &k, NULL, e) != 0) {
			fk_prefix(e, _("the bundle written does not read back correctly "
			    "(faulty USB stick?)"));
			goto fail;
		}
		if (stat(res->paths[i], &st) == 0)
			res->bytes += (uint64_t)st.st_size;
	}
	rc = 0;
fail:
	if (w.open)
		fk_atomic_abort(&w.a);
	for (i = 0; i < p.nparts; i++)
		fk_bundle_manifest_free(&p.parts[i]);
	free(p.parts);
	return rc;
}

void
fk_export_result_free(fk_export_result *res)
{
	size_t i;

	for (i = 0; i < res->nfiles; i++)
		free(res->paths[i]);
	free(res->paths);
	memset(res, 0, sizeof *res);
}
