/*
 * hub_serve.h - `hub serve`: the hub's HTTPS server for network sync
 * (docs/sync-protocol.md), on libmicrohttpd with GnuTLS.
 *
 * Devices upload bundles with a subset of tus 1.0 (creation,
 * creation-with-upload, checksum, expiration); every request is signed by
 * the device's registered key and checked before any body byte is read. A
 * complete upload is imported exactly as `hub import` imports a file (one
 * transaction, quarantine on refusal) and answered with a hub-signed
 * receipt for the bundle's records; the same bundle again gets the same
 * receipt.
 *
 * Owns: the HTTP side, request authentication, the replay cache, limits
 * (connections per address and in all, idle timeout, memory per
 * connection, body and bundle sizes, upload quota), the log.
 * Must never: read a body before the request's signature verified, answer
 * success for a chunk before it is durable, import a bundle other than
 * through fk_hub_import_file, or write a personal detail (names, answers,
 * addresses) to its log.
 */
#ifndef FK_HUB_SERVE_H
#define FK_HUB_SERVE_H

#include "hub.h"
#include "io.h"
#include "minisign.h"

typedef struct fk_serve_opts {
	const char *listen;        /* "ADDR:PORT" ("127.0.0.1:8443", "[::]:8443", ":8443") */
	uint64_t max_bundle;       /* the largest upload (Tus-Max-Size) */
	uint64_t quota;            /* bytes all partial uploads may reserve */
	int expire_days;           /* a partial upload not appended to for this long goes */
	int per_ip;                /* connections per client address */
	int max_conn;              /* connections in all */
	int timeout;               /* seconds a connection may stay idle */
	int max_partial;           /* partial uploads per device */
} fk_serve_opts;

/* Defaults for every field but listen. */
void fk_serve_opts_default(fk_serve_opts *o);

/* One line of the log, without a line end (what happened, never to whom). */
typedef void (*fk_serve_log_fn)(void *ctx, const char *line);

typedef struct fk_server fk_server;

/*
 * Starts serving. h must be unlocked with a validator set (as for import);
 * sign is the hub's receipt key; key/crt the TLS key and certificate (PEM).
 * All are borrowed until fk_serve_stop.
 */
int fk_serve_start(fk_server **out, fk_hubdb *h, const fk_serve_opts *o,
    const fk_secret *key, const fk_buf *crt, const fk_minisign_sk *sign,
    fk_serve_log_fn log, void *lctx, fk_err *e) FK_WUR;
/* The port it listens on (useful with port 0). */
int fk_serve_port(const fk_server *s);
/* Housekeeping (expired uploads); call every few minutes. */
void fk_serve_tick(fk_server *s);
void fk_serve_stop(fk_server *s);

#endif
