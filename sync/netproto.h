/*
 * netproto.h - the wire pieces of network sync (docs/sync-protocol.md) that
 * the device's client and the hub's server share: signed requests, upload
 * metadata, chunk checksums, and the error tokens a hub answers with.
 *
 * A request is signed with the device's Ed25519 key (the one its minisign key
 * holds) over a "signature base": the method, the path, the hub it is meant
 * for, the device id, a time, a random nonce, and the tus headers that carry
 * meaning (Upload-Length, -Offset, -Metadata, -Checksum, Content-Length). The
 * body is covered through Upload-Checksum (SHA-256 of the chunk), so a hub can
 * refuse a request on its headers alone, before it reads a body byte.
 *
 * Owns: building, signing, parsing and checking signatures; parsing the
 * outside headers (bytes + length, fuzzable). Must never: accept a signature
 * whose base differs in any byte, or a header with anything after its fields.
 */
#ifndef FK_NETPROTO_H
#define FK_NETPROTO_H

#include <stdint.h>

#include "bundle.h"
#include "fk.h"
#include "minisign.h"
#include "util.h"

#define FK_NET_PROTOCOL "1"
#define FK_NET_SIG_HEADER "Fieldkit-Signature"
#define FK_NET_WINDOW 300          /* seconds a signed request stays valid either way */
#define FK_NET_NONCE_LEN 22        /* base64url of 16 random bytes, no padding */
#define FK_NET_SIG_MAX 200         /* the header value, with its NUL */
#define FK_NET_CT_RECEIPT "application/vnd.fieldkit.receipt"
#define FK_NET_CT_CHUNK "application/offset+octet-stream"
#define FK_NET_MAX_CHUNK (8u << 20)  /* the largest PATCH body a hub takes */

/* What a request's signature covers. Absent headers are "" (never NULL). */
typedef struct fk_net_req {
	const char *method;         /* "POST", "HEAD", "PATCH" */
	const char *path;           /* "/v1/bundles/..." as sent */
	const char *hub_keyid;      /* 16 hex digits: the hub's minisign key id */
	const char *upload_length;
	const char *upload_offset;
	const char *upload_metadata;
	const char *upload_checksum;
	const char *content_length;
} fk_net_req;

/* A parsed Fieldkit-Signature header: "v1 <device id> <created> <nonce> <sig b64>". */
typedef struct fk_net_sig {
	char device_id[FK_ID_MAX + 1];
	int64_t created;
	char nonce[FK_NET_NONCE_LEN + 1];
	uint8_t sig[64];
} fk_net_sig;

/* The exact bytes that are signed (docs/sync-protocol.md, "Signed requests"). */
int fk_net_sig_base(const fk_net_req *r, const char *device_id, int64_t created,
    const char *nonce, fk_buf *out, fk_err *e) FK_WUR;

/* Signs r now (created = now + skew, fresh nonce); writes the header value. */
int fk_net_sign(const fk_net_req *r, const char *device_id, const fk_minisign_sk *sk,
    int64_t skew, char out[FK_NET_SIG_MAX], fk_err *e) FK_WUR;

/* Parses a header value strictly (FK_EINPUT on any defect). */
int fk_net_sig_parse(const char *p, size_t n, fk_net_sig *s, fk_err *e) FK_WUR;

/* Checks s over r under the device's public key (FK_ESIG when it does not verify). */
int fk_net_sig_verify(const fk_net_req *r, const fk_net_sig *s, const fk_minisign_pk *pk,
    fk_err *e) FK_WUR;

/* Upload-Metadata: "bundle_id <b64>,sha256 <b64>" (either order, nothing else). */
int fk_net_meta_encode(const char *bundle_id, const uint8_t sha256[32], char *out,
    size_t cap);
int fk_net_meta_parse(const char *p, size_t n, char bundle_id[FK_UUID_BUF],
    uint8_t sha256[32], fk_err *e) FK_WUR;

/* Upload-Checksum: "sha256 <b64 of 32 bytes>". */
void fk_net_checksum_encode(const uint8_t sha256[32], char out[64]);
int fk_net_checksum_parse(const char *p, size_t n, uint8_t sha256[32], fk_err *e) FK_WUR;

/* A decimal header value (Upload-Offset, Upload-Length, Content-Length):
 * digits only, no leading zeros, at most max. */
int fk_net_u64_parse(const char *p, size_t n, uint64_t max, uint64_t *v) FK_WUR;

/* The hub key id as signed requests name it, from a card's sign_pubkey (base64). */
int fk_net_hub_keyid(const fk_minisign_pk *pk, char out[17]);

/* Upload ids: "<bundle id>-<first 16 hex of the bundle's SHA-256>". */
#define FK_NET_UPLOAD_ID_LEN (FK_UUID_LEN + 17)
void fk_net_upload_id(const char *bundle_id, const uint8_t sha256[32],
    char out[FK_NET_UPLOAD_ID_LEN + 1]);
int fk_net_upload_id_valid(const char *s);

#endif
