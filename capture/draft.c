/*
 * draft.c - see draft.h.
 */
#include "draft.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

static size_t
draft_ad(const fk_store_draft *d, char *ad, size_t cap)
{
	int n = snprintf(ad, cap, "fieldkit-draft-v1|%s|%s|%d", d->id, d->form_id,
	    d->form_version);

	return n < 0 ? 0 : ((size_t)n < cap ? (size_t)n : cap - 1);
}

int
fk_draft_seal(const fk_secret *key, fk_store_draft *d, const uint8_t *pt, size_t n,
    fk_buf *ct, fk_err *e)
{
	char ad[256];
	size_t adlen = draft_ad(d, ad, sizeof ad);
	unsigned long long clen;

	if (key == NULL || key->p == NULL || key->len != 32)
		return fk_fail(e, FK_ESTATE, _("the draft key is not unlocked"));
	if (n > FK_DRAFT_MAX)
		return fk_fail(e, FK_ELIMIT, _("the draft is larger than %u bytes"), FK_DRAFT_MAX);
	randombytes_buf(d->nonce, sizeof d->nonce);
	fk_buf_free(ct);
	ct->p = malloc(n + crypto_aead_xchacha20poly1305_ietf_ABYTES);
	if (ct->p == NULL)
		return fk_fail(e, FK_ENOMEM, _("out of memory"));
	ct->cap = n + crypto_aead_xchacha20poly1305_ietf_ABYTES;
	crypto_aead_xchacha20poly1305_ietf_encrypt(ct->p, &clen, pt, n, (const uint8_t *)ad,
	    adlen, NULL, d->nonce, key->p);
	ct->len = (size_t)clen;
	d->ct = ct->p;
	d->ctlen = ct->len;
	return 0;
}

int
fk_draft_open(const fk_secret *key, const fk_store_draft *d, fk_secret *pt, fk_err *e)
{
	char ad[256];
	size_t adlen = draft_ad(d, ad, sizeof ad);
	unsigned long long mlen;

	pt->p = NULL;
	if (d->ctlen < crypto_aead_xchacha20poly1305_ietf_ABYTES || d->ctlen > FK_DRAFT_MAX + 64)
		return fk_fail(e, FK_ECRYPTO, _("draft %s is damaged"), d->id);
	if (fk_secret_alloc(pt, d->ctlen - crypto_aead_xchacha20poly1305_ietf_ABYTES, e) != 0)
		return -1;
	if (crypto_aead_xchacha20poly1305_ietf_decrypt(pt->p, &mlen, NULL, d->ct, d->ctlen,
		(const uint8_t *)ad, adlen, d->nonce, key->p) != 0) {
		fk_secret_free(pt);
		return fk_fail(e, FK_ECRYPTO,
		    _("draft %s does not open with this device's draft key (damaged or not from this device)"),
		    d->id);
	}
	pt->len = (size_t)mlen;
	return 0;
}

int
fk_draft_save(fk_store *s, const fk_secret *key, fk_store_draft *d, const uint8_t *pt,
    size_t n, fk_err *e)
{
	fk_buf ct = { 0 };
	int rc;

	d->saved_at = (int64_t)time(NULL);
	if (d->created_at == 0)
		d->created_at = d->saved_at;
	rc = fk_draft_seal(key, d, pt, n, &ct, e);
	if (rc == 0)
		rc = fk_store_draft_put(s, d, e);
	fk_buf_free(&ct);
	d->ct = NULL;
	d->ctlen = 0;
	return rc;
}

int
fk_draft_load(fk_store *s, const fk_secret *key, const char *id, fk_store_draft *d,
    fk_secret *pt, fk_err *e)
{
	fk_buf ct = { 0 };
	int rc;

	pt->p = NULL;
	rc = fk_store_draft_get(s, id, d, &ct, e);
	if (rc == 0)
		rc = fk_draft_open(key, d, pt, e);
	fk_buf_free(&ct);
	d->ct = NULL;
	d->ctlen = 0;
	return rc;
}

int
fk_draft_hold(const char *home, const char *id, int *fd, fk_err *e)
{
	char dir[4096], path[4200];
	int rc;

	*fd = -1;
	if (!fk_uuid_valid(id))
		return fk_fail(e, FK_EINPUT, _("not a draft id: %.40s"), id);
	if ((size_t)snprintf(dir, sizeof dir, "%s/locks", home) >= sizeof dir)
		return fk_fail(e, FK_EINPUT, _("the device folder's name is too long"));
	if (fk_mkdirs(dir, 0700, e) != 0)
		return -1;
	snprintf(path, sizeof path, "%s/%s", dir, id);
	if ((rc = fk_lock_try(path, fd, e)) == 1)
		return fk_fail(e, FK_ESTATE, _("draft %.8s is open elsewhere (in the form app "
		    "or another terminal): finish or close it there first"), id);
	return rc;
}

void
fk_draft_release(int *fd, const char *home, const char *id)
{
	char path[4200];

	/* Unlinked while still held, so no other process takes the old file's
	 * lock for a draft that no longer exists. */
	if (*fd >= 0 && home != NULL && id != NULL && fk_uuid_valid(id) &&
	    (size_t)snprintf(path, sizeof path, "%s/locks/%s", home, id) < sizeof path)
		(void)unlink(path);
	if (*fd >= 0)
		close(*fd); /* the lock goes with it */
	*fd = -1;
}
