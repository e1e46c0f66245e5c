/*
 * hub_vfs.h - the hub database encrypted at rest: an SQLite VFS over the
 * system's own ("unix") that seals every page image it writes and opens every
 * page image it reads, with XChaCha20-Poly1305 (libsodium) under one 32-byte
 * key. See docs/keys.md for why this and not SQLCipher, and for what it does
 * and does not hide.
 *
 * Pages are FK_VFS_PAGE bytes and the database reserves FK_VFS_RESERVE bytes
 * at the end of each page (SQLite's "reserved space"), which hold the page's
 * random nonce and its tag; the page number is the associated data. The same
 * transform applies wherever SQLite writes a page image: the database file,
 * the page content of WAL frames, and page records in a rollback journal.
 * Everything else in those files (WAL and frame headers, journal headers,
 * the -shm index) is SQLite's bookkeeping and stays as SQLite wrote it.
 * Temporary files are refused: a connection on this VFS must keep
 * temp_store=MEMORY, so that no sort or statement journal spills plaintext.
 *
 * Owns: the page format on disk. Must never: write a page image unsealed,
 * hand SQLite a page that did not authenticate (except a page of zeros,
 * which SQLite can meet in a file it extended), or open a temporary file.
 */
#ifndef FK_HUB_VFS_H
#define FK_HUB_VFS_H

#include <stdint.h>

#include "fk.h"

#define FK_VFS_PAGE 4096
#define FK_VFS_NONCE 24
#define FK_VFS_TAG 16
#define FK_VFS_RESERVE (FK_VFS_NONCE + FK_VFS_TAG)

typedef struct fk_vfs fk_vfs;

/* Registers a VFS (not the default) that seals with key; its name is unique. */
int fk_vfs_new(fk_vfs **v, const uint8_t key[FK_KEY_LEN], fk_err *e) FK_WUR;
/* Its name, for sqlite3_open_v2 or a URI's vfs= parameter. */
const char *fk_vfs_name(const fk_vfs *v);
/* Unregisters it and wipes the key; every connection on it must be closed. */
void fk_vfs_free(fk_vfs *v);

/*
 * Opens the database at path (flags as sqlite3_open_v2's) on this VFS, with
 * its page size and reserved bytes (a new, empty database gets them before
 * anything is written), temporary files in memory, and a check that it opens
 * with the key. *db is an sqlite3 *, NULL on failure: -1 with FK_EKEY when the
 * file does not open with this key (another hub's database, a changed page,
 * or not a file sealed by this VFS), FK_EIO otherwise.
 */
int fk_vfs_open(fk_vfs *v, const char *path, int flags, void **db, fk_err *e) FK_WUR;

/* True when an SQLite error code (extended or not) says a page did not open. */
int fk_vfs_keyerr(int sqlite_rc);

/*
 * Says why a call on db (an sqlite3 *) failed, for a person: a full disk as
 * such, whatever SQLite called it ("database or disk is full", or "disk I/O
 * error" when it struck a sync or the WAL index); rc is the failed call's
 * result, or 0 for the connection's last one. FK_EIO; returns -1.
 */
int fk_vfs_fail(void *db, int rc, fk_err *e);

/* True when the first bytes of a file are a plain SQLite header. */
int fk_vfs_is_plain(const uint8_t *head, size_t n);

#endif
