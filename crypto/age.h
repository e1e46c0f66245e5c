/*
 * age.h - the age v1 file format (C2SP age.md), byte-exact, on libsodium 1.0.18.
 *
 * Encrypts to X25519 recipients (age1...) or to a passphrase (scrypt), and
 * decrypts with X25519 identities (AGE-SECRET-KEY-1...) or a passphrase.
 * Both directions stream in 64 KiB chunks, so memory stays flat for any size;
 * ASCII armor is supported both ways. Files we write open with `age -d`, and
 * files `age -e` writes open here.
 *
 * Secrets (identities, file keys, passphrases) live in sodium_malloc memory
 * and are wiped when freed. The decryptor never releases plaintext that has not
 * been authenticated: each chunk is released only after its tag verifies.
 * Parsers take bytes and a length (or a source) and are fuzzable.
 */
#ifndef FK_AGE_H
#define FK_AGE_H

#include "fk.h"
#include "io.h"

#define FK_AGE_RECIPIENT_LEN 62  /* "age1" + 58 */
#define FK_AGE_IDENTITY_LEN 74   /* "AGE-SECRET-KEY-1" + 58 */
#define FK_AGE_CHUNK 65536
#define FK_AGE_DEFAULT_LOGN 18   /* what age writes by default */
#define FK_AGE_MAX_LOGN 20       /* the most we spend on decrypting (1 GiB) */
#define FK_AGE_MAX_HEADER (256 * 1024)
#define FK_AGE_MAX_STANZAS 1024

/* Keys. */
void fk_age_keygen(uint8_t sk[FK_KEY_LEN], uint8_t pk[FK_KEY_LEN]);
int fk_age_pubkey(const uint8_t sk[FK_KEY_LEN], uint8_t pk[FK_KEY_LEN]);
void fk_age_format_recipient(const uint8_t pk[FK_KEY_LEN], char out[FK_AGE_RECIPIENT_LEN + 1]);
/* out must be secret memory of at least FK_AGE_IDENTITY_LEN + 1 bytes. */
void fk_age_format_identity(const uint8_t sk[FK_KEY_LEN], char *out);
int fk_age_parse_recipient(const char *s, size_t len, uint8_t pk[FK_KEY_LEN], fk_err *e) FK_WUR;
int fk_age_parse_identity(const char *s, size_t len, uint8_t sk[FK_KEY_LEN], fk_err *e) FK_WUR;

/* What to encrypt to: X25519 recipients, or (exclusively) a passphrase. */
typedef struct fk_age_recipients {
	size_t n, cap;
	uint8_t (*pk)[FK_KEY_LEN];
	const uint8_t *pass; /* borrowed; not NULL = scrypt */
	size_t passlen;
	int logn;            /* scrypt work factor; 0 = FK_AGE_DEFAULT_LOGN */
} fk_age_recipients;
int fk_age_recipients_add(fk_age_recipients *r, const uint8_t pk[FK_KEY_LEN], fk_err *e) FK_WUR;
/* Parses recipients-file text: age1... lines, '#' comments, blank lines. */
int fk_age_recipients_parse(fk_age_recipients *r, const uint8_t *p, size_t len,
    fk_err *e) FK_WUR;
void fk_age_recipients_free(fk_age_recipients *r);

/* What to decrypt with: X25519 identities, and/or a passphrase on demand. */
typedef struct fk_age_identities {
	size_t n, cap;
	uint8_t *sk;         /* n * 32 bytes of sodium_malloc memory */
	/* Asked only when the file is passphrase-encrypted. May be NULL. */
	int (*get_pass)(void *ctx, fk_secret *out, fk_err *e);
	void *pass_ctx;
	int max_logn;        /* 0 = FK_AGE_MAX_LOGN */
} fk_age_identities;
int fk_age_identities_add(fk_age_identities *ids, const uint8_t sk[FK_KEY_LEN], fk_err *e) FK_WUR;
/* Parses identity-file text: AGE-SECRET-KEY-1... lines, '#' comments, blank lines. */
int fk_age_identities_parse(fk_age_identities *ids, const uint8_t *p, size_t len,
    fk_err *e) FK_WUR;
/*
 * Loads an identity file. A file that is itself age-encrypted (plain or armored)
 * is decrypted first with a passphrase from passfile or the terminal, as age does.
 * The file must not be readable by others.
 */
int fk_age_identities_load(fk_age_identities *ids, const char *path, const char *passfile,
    fk_err *e) FK_WUR;
/* As fk_age_identities_load, with the passphrase given (asked once by the caller). */
int fk_age_identities_load_pass(fk_age_identities *ids, const char *path, const uint8_t *pass,
    size_t passlen, fk_err *e) FK_WUR;
void fk_age_identities_free(fk_age_identities *ids);

/* Streaming encryption. */
typedef struct fk_age_enc fk_age_enc;
fk_age_enc *fk_age_enc_new(const fk_age_recipients *r, int armor, fk_sink out, fk_err *e);
int fk_age_enc_write(fk_age_enc *enc, const uint8_t *p, size_t n, fk_err *e) FK_WUR;
int fk_age_enc_finish(fk_age_enc *enc, fk_err *e) FK_WUR;
void fk_age_enc_free(fk_age_enc *enc);
int fk_age_encrypt_buf(const fk_age_recipients *r, int armor, const uint8_t *p, size_t n,
    fk_buf *out, fk_err *e) FK_WUR;

/*
 * Streaming decryption. armor: 0 = binary, 1 = armored, -1 = detect (as the
 * age command does: armored when the input starts with the armor header,
 * after optional whitespace). fk_age_dec_open reads and authenticates the
 * header; fk_age_dec_read returns authenticated plaintext, 0 at the verified
 * end, -1 on error. Error classes: FK_EHEADER, FK_ENOMATCH, FK_EHMAC,
 * FK_EPAYLOAD, FK_EARMOR, FK_EIO.
 */
typedef struct fk_age_dec fk_age_dec;
fk_age_dec *fk_age_dec_open(fk_source in, int armor, const fk_age_identities *ids,
    fk_err *e);
long fk_age_dec_read(fk_age_dec *dec, uint8_t *buf, size_t n, fk_err *e);
void fk_age_dec_free(fk_age_dec *dec);
/* Whether the file's header was a scrypt (passphrase) one. */
int fk_age_dec_is_scrypt(const fk_age_dec *dec);
/* Decrypts a whole buffer (armor detected); fails with FK_ELIMIT past max (0 = none). */
int fk_age_decrypt_buf(const fk_age_identities *ids, const uint8_t *p, size_t n,
    size_t max, fk_buf *out, fk_err *e) FK_WUR;

/* True if p looks like an age file (binary or armored). */
int fk_age_is_age(const uint8_t *p, size_t n);

#endif
