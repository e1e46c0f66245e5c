/*
 * minisign.h - minisign keys and signatures (jedisct1/minisign 0.11 formats),
 * byte-exact, on libsodium.
 *
 * Signing writes the hashed "ED" form (Ed25519 over BLAKE2b-512 of the data)
 * with a trusted comment; verification accepts "ED" and the legacy "Ed" form
 * (unless hashed-only is asked, as `minisign -H`), checks the key id, and
 * checks the global signature over the trusted comment. Secret keys are kept
 * in minisign's own format, passphrase-protected (scrypt), or unencrypted
 * only when asked for. Secrets live in sodium_malloc memory.
 * Every parser takes bytes and a length and is fuzzable.
 */
#ifndef FK_MINISIGN_H
#define FK_MINISIGN_H

#include "fk.h"
#include "io.h"

#define FK_MINISIGN_TRUSTED_MAX 8192
#define FK_MINISIGN_UNTRUSTED_MAX 1024

typedef struct fk_minisign_pk {
	uint8_t keynum[8];
	uint8_t pk[FK_KEY_LEN];
} fk_minisign_pk;

/* Always allocated with sodium_malloc via fk_minisign_keygen / _sk_decode. */
typedef struct fk_minisign_sk {
	uint8_t keynum[8];
	uint8_t sk[64]; /* libsodium Ed25519 secret key (seed || pk) */
} fk_minisign_sk;

/* A new key pair. *sk is sodium_malloc'd; free with fk_minisign_sk_free. */
int fk_minisign_keygen(fk_minisign_sk **sk, fk_minisign_pk *pk, fk_err *e) FK_WUR;
void fk_minisign_sk_free(fk_minisign_sk *sk);
void fk_minisign_sk_public(const fk_minisign_sk *sk, fk_minisign_pk *pk);

/* The key id as minisign prints it (16 upper-case hex digits). */
void fk_minisign_keyid_hex(const uint8_t keynum[8], char out[17]);

/*
 * Secret key file text. pass == NULL writes an unencrypted key (minisign -W).
 * The scrypt cost is stored in the file; we write 64 MiB / 2^16 so a 1 GB
 * Raspberry Pi can open it.
 */
int fk_minisign_sk_encode(const fk_minisign_sk *sk, const uint8_t *pass, size_t passlen,
    fk_secret *out, fk_err *e) FK_WUR;
/* Parses secret key file text; pass may be NULL for an unencrypted key. */
int fk_minisign_sk_decode(const uint8_t *p, size_t len, const uint8_t *pass, size_t passlen,
    fk_minisign_sk **out, fk_err *e) FK_WUR;
/* Whether secret key file text is passphrase-protected (1), not (0), or malformed (-1). */
int fk_minisign_sk_encrypted(const uint8_t *p, size_t len);

/* Public key file text ("untrusted comment: minisign public key ID\n<base64>\n"). */
int fk_minisign_pk_encode(const fk_minisign_pk *pk, fk_buf *out, fk_err *e) FK_WUR;
/* Parses a public key file's text, or a bare base64 key (minisign -P). */
int fk_minisign_pk_parse(const uint8_t *p, size_t len, fk_minisign_pk *pk, fk_err *e) FK_WUR;

/* BLAKE2b-512 of data, streaming. */
typedef struct fk_minisign_hasher {
	uint8_t state[512] __attribute__((aligned(64)));
} fk_minisign_hasher;
void fk_minisign_hash_init(fk_minisign_hasher *h);
void fk_minisign_hash_update(fk_minisign_hasher *h, const uint8_t *p, size_t n);
void fk_minisign_hash_final(fk_minisign_hasher *h, uint8_t out[64]);

/*
 * Signs a BLAKE2b-512 hash ("ED" form) and writes the 4-line signature file
 * text to out. trusted: the trusted comment (no newlines); untrusted may be
 * NULL ("signature from minisign secret key").
 */
int fk_minisign_sign_hash(const fk_minisign_sk *sk, const uint8_t hash[64],
    const char *trusted, const char *untrusted, fk_buf *out, fk_err *e) FK_WUR;
/* Convenience: signs a buffer. */
int fk_minisign_sign_buf(const fk_minisign_sk *sk, const uint8_t *p, size_t n,
    const char *trusted, const char *untrusted, fk_buf *out, fk_err *e) FK_WUR;

/*
 * Verifies signature file text sig[0..siglen) for data whose BLAKE2b-512 is
 * hash. legacy_msg (may be NULL) is the data itself, needed only for the
 * legacy "Ed" form; hashed_only refuses "Ed" (minisign -H). On success, copies
 * the trusted comment (NUL-terminated) into trusted if not NULL (trusted_cap
 * bytes). Fails with FK_ESIG (bad signature, wrong key id) or FK_EINPUT.
 */
int fk_minisign_verify(const fk_minisign_pk *pk, const uint8_t *sig, size_t siglen,
    const uint8_t hash[64], const uint8_t *legacy_msg, size_t legacy_len, int hashed_only,
    char *trusted, size_t trusted_cap, fk_err *e) FK_WUR;
/* Convenience: verifies a buffer. */
int fk_minisign_verify_buf(const fk_minisign_pk *pk, const uint8_t *sig, size_t siglen,
    const uint8_t *p, size_t n, char *trusted, size_t trusted_cap, fk_err *e) FK_WUR;

/* The scrypt cost we write (64 MiB, one pass: N = 2^16, r = 8, p = 1), and the most we accept when reading:
 * minisign -G's own "sensitive" cost (1 GiB), so its keys open here. */
#define FK_MINISIGN_OPSLIMIT 2097152ULL
#define FK_MINISIGN_MEMLIMIT 67108864ULL
#define FK_MINISIGN_MAX_OPSLIMIT 33554432ULL
#define FK_MINISIGN_MAX_MEMLIMIT 1073741824ULL
/* The largest file a legacy "Ed" signature is checked for (it needs the whole
 * file in memory; minisign has the same limit). */
#define FK_MINISIGN_LEGACY_MAX ((size_t)1 << 30)
/* The largest signature / key file we read. */
#define FK_MINISIGN_FILE_MAX 16384

/* As fk_minisign_sk_encode, with an explicit scrypt cost (tests use a low one). */
int fk_minisign_sk_encode_limits(const fk_minisign_sk *sk, const uint8_t *pass,
    size_t passlen, uint64_t opslimit, uint64_t memlimit, fk_secret *out, fk_err *e) FK_WUR;

/* A parsed signature file. Comments are NUL-terminated. */
typedef struct fk_minisign_sig {
	uint8_t alg[2];        /* "ED" (hashed) or "Ed" (legacy) */
	uint8_t keynum[8];
	uint8_t sig[64];
	uint8_t global_sig[64];
	size_t trusted_len;
	char trusted[FK_MINISIGN_TRUSTED_MAX];
	char untrusted[FK_MINISIGN_UNTRUSTED_MAX];
} fk_minisign_sig;
/* Parses signature file text strictly (FK_EINPUT on any defect). */
int fk_minisign_sig_parse(const uint8_t *p, size_t len, fk_minisign_sig *s, fk_err *e) FK_WUR;
/* Whether a parsed signature is the legacy "Ed" form. */
int fk_minisign_sig_legacy(const fk_minisign_sig *s);

/* The trusted comment minisign writes by default:
 * "timestamp:<unix>\tfile:<basename>\thashed". */
void fk_minisign_default_trusted(const char *path, uint64_t now, char *out, size_t cap);

/* Checks comments before signing: one line each, within minisign's limits
 * (trusted NULL is refused; untrusted may be NULL). */
int fk_minisign_comments_ok(const char *trusted, const char *untrusted, fk_err *e) FK_WUR;

/* Loads a secret key file (must be 0600), asking its passphrase if it has one. */
int fk_minisign_sk_load(const char *path, const char *passfile, fk_minisign_sk **out,
    fk_err *e) FK_WUR;
/* Loads a public key file. */
int fk_minisign_pk_load(const char *path, fk_minisign_pk *pk, fk_err *e) FK_WUR;

#endif
