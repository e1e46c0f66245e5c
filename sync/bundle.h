/*
 * bundle.h - the USB bundle: one file carrying a device's sealed records and
 * attachments to a hub, with a minisign-signed manifest (docs/bundle-format.md).
 *
 *   "fieldkit-bundle v1\n"
 *   "<M> <S>\n"                 decimal lengths
 *   M bytes                     zstd frame of the manifest JSON
 *   S bytes                     minisign signature (text) over those M bytes
 *   payload                     the age files, in manifest order, back to back
 *
 * Files: bundle_format.c (manifest, head), bundle_read.c (the reader);
 * writing whole bundles from a store is bundle_export.h's.
 *
 * Owns: writing a bundle head from a manifest, and reading a bundle as a
 * stream with flat memory: the signature is checked (key chosen by the
 * device id in the signed trusted comment) before the manifest is even
 * decompressed, decompression is capped, every blob is hashed against the
 * manifest as it streams, and trailing or missing bytes are errors.
 * Must never: hand out a blob's bytes as good before its hash matched (callers
 * get the bytes streamed, then the verdict: discard on error), trust a length
 * from the file without a cap, or decrypt anything (that is the hub's job).
 */
#ifndef FK_BUNDLE_H
#define FK_BUNDLE_H

#include <stdint.h>

#include "fk.h"
#include "util.h"
#include "minisign.h"
#include "store.h"
#include "wire.h"

#define FK_BUNDLE_MAGIC "fieldkit-bundle v1\n"
#define FK_BUNDLE_TC_PREFIX "fieldkit-bundle v1 device="
#define FK_BUNDLE_UNTRUSTED "fieldkit bundle manifest"
/*
 * Manifest limits: room for FK_BUNDLE_MAX_RECORDS records with attachments
 * (500,000 records with one each: a 141 MB manifest, about 55 MB compressed).
 * The reader parses it one entry at a time (no JSON tree of the whole of it),
 * so its memory is the text and the entries: about 310 MB at that size, and a
 * small file cannot ask for much, since a manifest may expand at most
 * FK_BUNDLE_MAX_RATIO times (plus 1 MB) when decompressed.
 */
#define FK_BUNDLE_MAX_MANIFEST_Z (96u << 20)  /* compressed manifest */
#define FK_BUNDLE_MAX_MANIFEST (256u << 20)   /* decompressed manifest */
#define FK_BUNDLE_MAX_RATIO 16
#define FK_BUNDLE_MAX_SIG 4096
#define FK_BUNDLE_MAX_RECORDS 500000
#define FK_BUNDLE_MAX_BLOBS 2000000           /* records and attachments in all */
#define FK_BUNDLE_MAX_ATT 256                 /* attachments per record */
#define FK_BUNDLE_MAX_RECORD_CT (32u << 20)   /* one record's age file */
#define FK_BUNDLE_MAX_ATT_CT (1ull << 32)     /* one attachment's age file */

typedef struct fk_bundle_blob {
	char id[FK_UUID_BUF];
	uint8_t hash[FK_SHA256_LEN];   /* SHA-256 of the age file */
	uint64_t len;
} fk_bundle_blob;

typedef struct fk_bundle_entry {
	char id[FK_UUID_BUF];
	int64_t seq;
	uint8_t ct_hash[FK_SHA256_LEN];
	uint8_t prev[FK_SHA256_LEN];   /* hash-chain link: ct_hash of seq-1 (zeros for seq 1) */
	uint64_t len;
	size_t natt;
	fk_bundle_blob *att;
} fk_bundle_entry;

typedef struct fk_bundle_manifest {
	char device_id[FK_ID_MAX + 1];
	char bundle_id[FK_UUID_BUF];
	char created[FK_TIME_BUF];
	size_t n, cap;
	fk_bundle_entry *rec;
	uint64_t payload_len;
} fk_bundle_manifest;

/* Appends a zeroed entry and returns it (NULL, e set, when out of memory). */
fk_bundle_entry *fk_bundle_manifest_grow(fk_bundle_manifest *m, fk_err *e);
/* Appends a record's metadata (not its bytes). */
int fk_bundle_manifest_add(fk_bundle_manifest *m, const fk_store_record *rec,
    fk_err *e) FK_WUR;
void fk_bundle_manifest_free(fk_bundle_manifest *m);
/* Bytes a record adds to the payload (its ct and attachments). */
uint64_t fk_bundle_entry_bytes(const fk_bundle_entry *r);
/* Fills bundle_id (random UUID) and created (now) if empty. */
void fk_bundle_manifest_stamp(fk_bundle_manifest *m);

/* Writes magic, lengths, compressed manifest and signature. The caller then
 * writes every blob in manifest order (record ct, then its attachments). */
int fk_bundle_write_head(const fk_bundle_manifest *m, const fk_minisign_sk *sk,
    fk_sink out, fk_err *e) FK_WUR;

/*
 * Reading. keyfn gives the public key of the device named in the signature's
 * trusted comment; it fails (FK_ESIG/FK_ESTATE) for unknown or revoked
 * devices. keyfn == NULL skips the signature (bundle info only).
 */
typedef int (*fk_bundle_keyfn)(void *ctx, const char *device_id, fk_minisign_pk *pk,
    fk_err *e);
typedef struct fk_bundle_reader fk_bundle_reader;

fk_bundle_reader *fk_bundle_open(fk_source in, fk_bundle_keyfn keyfn, void *ctx,
    fk_err *e);
void fk_bundle_close(fk_bundle_reader *r);
const fk_bundle_manifest *fk_bundle_manifest_of(const fk_bundle_reader *r);
/* The signed bytes (compressed manifest), the signature text, the manifest JSON. */
void fk_bundle_raw(const fk_bundle_reader *r, const uint8_t **mz, size_t *mzlen,
    const uint8_t **sig, size_t *siglen, const uint8_t **json, size_t *jsonlen);
/* Whether the signature was checked (keyfn given). */
int fk_bundle_signed(const fk_bundle_reader *r);

/*
 * The next blob: sets *ri (record index) and *ai (attachment index, or
 * (size_t)-1 for the record's own ct) and returns 1; returns 0 when all
 * blobs were read and the file ended exactly there; -1 on error.
 */
int fk_bundle_peek(fk_bundle_reader *r, size_t *ri, size_t *ai, fk_err *e) FK_WUR;
/* Streams the next blob to out and checks its length and hash. */
int fk_bundle_read(fk_bundle_reader *r, fk_sink out, fk_err *e) FK_WUR;

/* Reads and checks every blob, discarding the bytes. */
int fk_bundle_verify_all(fk_bundle_reader *r, fk_err *e) FK_WUR;



/* Opens a bundle file and verifies everything against pk (or keyfn). */
int fk_bundle_verify_file(const char *path, fk_bundle_keyfn keyfn, void *ctx,
    fk_bundle_manifest *copy, fk_err *e) FK_WUR;

#endif
