/*
 * fk.h - conventions shared by every fieldkit module.
 *
 * One error convention across the code base: functions return 0 on success and
 * -1 on failure, and fill a caller-supplied fk_err with a one-line message a
 * field worker or an operator can act on, plus a machine-readable class.
 * Nothing here allocates secrets; see fk_secret_* in io.h for that.
 */
#ifndef FK_H
#define FK_H

#include <stddef.h>
#include <stdint.h>
#include <libintl.h>

#define _(s) gettext(s)
#define N_(s) (s)

/* Lengths every module shares. */
#define FK_SHA256_LEN 32                      /* bytes of a SHA-256 */
#define FK_SHA256_HEX (2 * FK_SHA256_LEN)     /* its hex digits */
#define FK_KEY_LEN 32                         /* X25519 / XChaCha20 key bytes */
#define FK_UUID_LEN 36                        /* characters of a UUID */
#define FK_UUID_BUF (FK_UUID_LEN + 1)         /* with its NUL */
#define FK_TIME_BUF 32                        /* an RFC 3339 time with its NUL */

#define FK_WUR __attribute__((warn_unused_result))
#define FK_PRINTF(a, b) __attribute__((format(printf, a, b)))

/* Error classes. Tests and callers branch on these, never on message text. */
enum fk_errcode {
	FK_OK = 0,
	FK_EIO,        /* a file or stream could not be read or written */
	FK_EUSAGE,     /* the command line is wrong */
	FK_EINPUT,     /* outside input is malformed */
	FK_ENOMEM,
	FK_EHEADER,    /* age: malformed header */
	FK_ENOMATCH,   /* age: no identity opens the file */
	FK_EHMAC,      /* age: header MAC wrong */
	FK_EPAYLOAD,   /* age: payload corrupt or truncated */
	FK_EARMOR,     /* age: ASCII armor malformed */
	FK_EKEY,       /* a key file is malformed, of the wrong kind, or unsafe */
	FK_EPASS,      /* wrong passphrase */
	FK_ESIG,       /* signature does not verify */
	FK_EPERM,      /* permissions of a secret file are unsafe */
	FK_ELIMIT,     /* a configured limit was exceeded */
	FK_ESTATE,     /* the operation does not fit the current state */
	FK_ECRYPTO,    /* a cryptographic primitive failed unexpectedly */
};

typedef struct fk_err {
	int code;
	char msg[512];
} fk_err;

/* Sets e (if not NULL) and returns -1. */
int fk_fail(fk_err *e, int code, const char *fmt, ...) FK_PRINTF(3, 4);
/* Prefixes the message already in e with "prefix: ". Returns -1. */
int fk_prefix(fk_err *e, const char *fmt, ...) FK_PRINTF(2, 3);
void fk_err_clear(fk_err *e);

/*
 * How many threads CPU-heavy work may use: FIELDKIT_THREADS if set (1 = no
 * extra threads), else the online processors, at most 4. (qemu-user 7.2 hangs
 * in pthread_create on some hosts; the arm64 tests run with FIELDKIT_THREADS=1.)
 */
int fk_threads(void);

/*
 * Status of a slow step inside a library call ("Deriving a key from the
 * passphrase"): phase 0 when it starts, 1 when it ended well, -1 when it
 * failed. Library code calls fk_status(); the command layer decides whether
 * and how a person sees it (fk_status_set). Nothing is shown by default.
 */
typedef void (*fk_status_fn)(void *ctx, const char *what, int phase);
void fk_status_set(fk_status_fn fn, void *ctx);
void fk_status(const char *what, int phase);

/* A pull source: returns bytes read (>0), 0 at end of input, -1 on error (e set). */
typedef struct fk_source {
	long (*read)(void *ctx, uint8_t *buf, size_t len, fk_err *e);
	void *ctx;
} fk_source;

/* A push sink: returns 0 or -1 (e set). */
typedef struct fk_sink {
	int (*write)(void *ctx, const uint8_t *buf, size_t len, fk_err *e);
	void *ctx;
} fk_sink;

/* Reads exactly len bytes unless the source ends: returns bytes read, or -1. */
long fk_source_read_full(fk_source *s, uint8_t *buf, size_t len, fk_err *e);

/* Sources and sinks over memory. */
typedef struct fk_memsrc {
	const uint8_t *p;
	size_t len, off;
} fk_memsrc;
fk_source fk_memsrc_init(fk_memsrc *m, const uint8_t *p, size_t len);

typedef struct fk_buf {
	uint8_t *p;
	size_t len, cap;
	size_t max; /* 0 = unlimited */
} fk_buf;
fk_sink fk_buf_sink(fk_buf *b);
/* A sink that discards. */
fk_sink fk_null_sink(void);

int fk_buf_append(fk_buf *b, const void *p, size_t n, fk_err *e) FK_WUR;
void fk_buf_free(fk_buf *b);

#endif
