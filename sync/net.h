/*
 * net.h - the device's network client (docs/sync-protocol.md), on libcurl.
 *
 * Sends one bundle file to a hub with resumable uploads: creates the upload
 * (or learns how much the hub holds), sends chunks at the hub's offset with
 * a checksum each, resumes after any break, and returns only when the hub's
 * receipt arrived and verified under the hub key from its card, when the
 * link failed for now, or when the hub refused. Every request is signed with
 * the device key. TLS is checked against the pins from the hub card (no
 * certificate authority needed), or against the system's authorities when
 * the card has no pin.
 *
 * Owns: the HTTP side of a push, retries within one attempt, chunk sizing,
 * failure classes. Must never: take anything but a receipt that verifies as
 * delivery (a 200 from a captive portal or proxy is not), print, or keep a
 * secret outside sodium memory.
 */
#ifndef FK_NET_H
#define FK_NET_H

#include <stdint.h>

#include "fk.h"
#include "minisign.h"
#include "netproto.h"

typedef struct fk_net_target {
	const char *url;         /* "https://host:port" (a path prefix may follow) */
	const char *pins;        /* "sha256//...;sha256//..." or NULL: CA checks */
	const char *cainfo;      /* a CA file instead of the system's (may be NULL) */
	fk_minisign_pk hub_pk;   /* the hub's receipt key, from its card */
	const char *hub_name;    /* the hub's name, from its card */
} fk_net_target;

enum fk_net_outcome { FK_NET_DELIVERED = 0, FK_NET_TEMPFAIL, FK_NET_REFUSED };

/* Failure classes, in words a person reads in `push --status` (stored in
 * English; shown through gettext, so each is a msgid in po/). */
#define FK_NET_C_OFFLINE "offline"
#define FK_NET_C_UNREACHABLE "hub unreachable"
#define FK_NET_C_PIN "TLS pin mismatch"
#define FK_NET_C_TLS "TLS failure"
#define FK_NET_C_STALLED "stalled"
#define FK_NET_C_BROKEN "connection broken"
#define FK_NET_C_NOTHUB "not a fieldkit hub (captive portal or proxy?)"
#define FK_NET_C_BUSY "hub busy"
#define FK_NET_C_BADRECEIPT "receipt does not verify"
#define FK_NET_C_REFUSED "refused"

typedef struct fk_net_result {
	int outcome;             /* enum fk_net_outcome */
	char cls[64];            /* the failure class (FK_NET_C_*), "" when delivered */
	char reason[320];        /* the hub's reason when refused (its words) */
	char token[40];          /* its Fieldkit-Error token when refused ("revoked", ...) */
	uint64_t hub_offset;     /* bytes the hub holds, as last heard */
	uint64_t length;         /* of the bundle */
	uint64_t sent;           /* body bytes handed to the network */
	unsigned requests, breaks;
	int retry_after;         /* seconds the hub asked to wait (0: none) */
	uint8_t *receipt;        /* the receipt bytes when delivered (free with fk_net_result_free) */
	size_t receipt_len;
} fk_net_result;
void fk_net_result_free(fk_net_result *r);

typedef struct fk_net_client fk_net_client;

/* sk is borrowed (it signs every request); the target's strings too. */
fk_net_client *fk_net_client_new(const fk_net_target *t, const char *device_id,
    const fk_minisign_sk *sk, fk_err *e);
void fk_net_client_free(fk_net_client *c);

/* Hears how far an upload is: bytes the hub holds plus the chunk in flight. */
typedef void (*fk_net_progress_fn)(void *ctx, uint64_t done, uint64_t total);
void fk_net_set_progress(fk_net_client *c, fk_net_progress_fn fn, void *ctx);

/*
 * Pushes one bundle file. Returns 0 with res->outcome set (DELIVERED: the
 * receipt verified and is in res), -1 only when the file cannot be read.
 * Within one call, breaks are resumed at once for as long as they come
 * with progress; after max_stuck breaks in a row without progress the call
 * gives up with FK_NET_TEMPFAIL.
 */
int fk_net_push_file(fk_net_client *c, const char *path, fk_net_result *res,
    fk_err *e) FK_WUR;

/* Tuning (tests, benchmarks): consecutive breaks without progress before
 * giving up (default 3), the stall limit in seconds (default 60), the
 * first chunk size (default 1 MiB). */
void fk_net_tune(fk_net_client *c, int max_stuck, int stall_secs, uint64_t first_chunk);

/*
 * One raw request, for tests of the hub: headers as given (absent = NULL),
 * signed unless sig is not NULL (then that exact header value is sent,
 * to replay it); the signature used is copied to sig_used (may be NULL).
 */
typedef struct fk_net_raw_resp {
	long status;
	int is_hub;              /* had Fieldkit-Protocol: 1 */
	char error[40];          /* Fieldkit-Error */
	char offset[24];         /* Upload-Offset */
	char ctype[80];
	int64_t hub_time;
	int curl_code;
	uint64_t uploaded;       /* body bytes curl sent */
	fk_buf body;
} fk_net_raw_resp;
int fk_net_raw(fk_net_client *c, const char *method, const char *path, const char *ulength,
    const char *uoffset, const char *umeta, const char *uchecksum, const uint8_t *body,
    size_t n, const char *sig, char sig_used[FK_NET_SIG_MAX], fk_net_raw_resp *r,
    fk_err *e) FK_WUR;

#endif
