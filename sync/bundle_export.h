/*
 * bundle_export.h - a device's records into bundle files.
 *
 * Owns: cutting the records into parts of at most a given size, writing each
 * under a temporary name, fsyncing, renaming, evicting it from the page cache
 * and reading it back against the device key (USB sticks lie).
 * Must never: leave a file under its final name that did not verify.
 */
#ifndef FK_BUNDLE_EXPORT_H
#define FK_BUNDLE_EXPORT_H

#include "bundle.h"

/*
 * Export: writes every record the iterator yields (in order) into one bundle,
 * or several of at most max_size bytes each (0 = no limit), in dir. Each file
 * is written under a temporary name, fsynced, renamed, evicted from the page
 * cache and read back and verified against pk (USB sticks lie).
 */
typedef int (*fk_record_fn)(void *ctx, const fk_store_record *rec, fk_err *e);
typedef int (*fk_record_iter)(void *ictx, fk_record_fn fn, void *ctx, fk_err *e);

typedef struct fk_export_result {
	size_t nrec, natt, nfiles;
	uint64_t bytes;
	char **paths;
} fk_export_result;

int fk_bundle_export(fk_record_iter it, void *ictx, const char *device_id,
    const fk_minisign_sk *sk, const char *dir, uint64_t max_size,
    fk_export_result *res, fk_err *e) FK_WUR;
void fk_export_result_free(fk_export_result *res);

#endif
