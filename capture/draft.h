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

/*
 * Holds draft id for this process, so that two faces (the terminal wizard and
 * the form app, or two terminals) never edit one draft at once and overwrite
 * each other's answers: an advisory lock (flock) on HOME/locks/ID, released
 * by fk_draft_release or when the process ends, however it ends. 0 with *fd
 * set; -1 with FK_ESTATE when another process holds the draft.
 */
int fk_draft_hold(const char *home, const char *id, int *fd, fk_err *e) FK_WUR;
/* Releases a hold (fd -1: nothing); *fd becomes -1. With home and id, the
 * draft is gone (sealed or discarded): its lock file goes too. */
void fk_draft_release(int *fd, const char *home, const char *id);

/* Lower-level, for tests. */
int fk_draft_seal(const fk_secret *key, fk_store_draft *d, const uint8_t *pt, size_t n,
    fk_buf *ct, fk_err *e) FK_WUR;
int fk_draft_open(const fk_secret *key, const fk_store_draft *d, fk_secret *pt,
    fk_err *e) FK_WUR;

#endif
