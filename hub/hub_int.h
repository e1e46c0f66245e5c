/*
 * hub_int.h - internals shared by hub.c and hub_import.c. Not an API.
 */
#ifndef FK_HUB_INT_H
#define FK_HUB_INT_H

#include <sqlite3.h>

#include "hub.h"

#include "hub_vfs.h"

struct fk_hubdb {
	sqlite3 *db;          /* NULL until the hub is unlocked */
	fk_vfs *vfs;          /* the page encryption hub.db is opened through */
	fk_secret pass;       /* the hub passphrase, asked once (fk_hub_sign_key) */
	char *home;
	char name[FK_NAME_MAX + 1];
	fk_age_identities own_ids;
	const fk_age_identities *ids;
	fk_hub_validator validate;
	void *vctx;
	fk_hub_progress_fn progress;
	void *pctx;
};

int fk_hub_sql_err(sqlite3 *db, fk_err *e);
int fk_hub_exec(sqlite3 *db, const char *sql, fk_err *e);
int fk_hub_meta_set(fk_hubdb *h, const char *k, const char *v, fk_err *e);
/* -1 with a one-line "unlock it first" error when h has no database yet. */
int fk_hub_need_db(const fk_hubdb *h, fk_err *e);
/* 1 when home/hub.db is a plain SQLite file (not encrypted), 0 if not or
 * absent, -1 on error. */
int fk_hub_db_plain(const char *home, fk_err *e);
/* Asks the passphrase (once) and loads identity.age into h->own_ids. */
int fk_hub_load_identity(fk_hubdb *h, const char *passfile, fk_err *e);
/* A page-encryption VFS with the database key of ids (hub_vfs.h). */
int fk_hub_new_vfs(const fk_age_identities *ids, fk_vfs **v, fk_err *e);

#endif
