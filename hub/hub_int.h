/*
 * hub_int.h - internals shared by hub.c and hub_import.c. Not an API.
 */
#ifndef FK_HUB_INT_H
#define FK_HUB_INT_H

#include <sqlite3.h>

#include "hub.h"

struct fk_hubdb {
	sqlite3 *db;
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

#endif
