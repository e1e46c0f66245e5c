/*
 * draft.h - drafts: partial answers sealed with the draft key
 * (XChaCha20-Poly1305, random nonce per save; the draft's id, form and
 * version are authenticated as associated data).
 *
 * Owns: draft sealing and opening.
 * Must never: write draft plaintext anywhere but sodium_malloc memory.
 */
#ifndef FK_DRAFT_H
#define FK_DRAFT_H

#include "io.h"
#include "store.h"

#define FK_DRAFT_MAX (16u * 1024 * 1024)

/*
 * Seals pt and saves it as draft d->id (new or replacing), setting d->nonce,
 * d->saved_at (now) and, for a new draft, d->created_at if 0.
 */
int fk_draft_save(fk_store *s, const fk_secret *key, fk_store_draft *d, const uint8_t *pt,
    size_t n, fk_err *e) FK_WUR;
/* Loads and opens draft id into pt (sodium_malloc'd); FK_ECRYPTO if tampered. */
int fk_draft_load(fk_store *s, const fk_secret *key, const char *id, fk_store_draft *d,
    fk_secret *pt, fk_err *e) FK_WUR;

/* Lower-level, for tests. */
int fk_draft_seal(const fk_secret *key, fk_store_draft *d, const uint8_t *pt, size_t n,
    fk_buf *ct, fk_err *e) FK_WUR;
int fk_draft_open(const fk_secret *key, const fk_store_draft *d, fk_secret *pt,
    fk_err *e) FK_WUR;

#endif
