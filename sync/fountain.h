/*
 * fountain.h - a systematic random linear fountain code over GF(256).
 *
 * A message of k chunks of `chunk` bytes is sent as frames with an index:
 * index i < k carries chunk i as it is; index i >= k carries a "repair"
 * chunk, the sum over j of c_j * chunk_j, where c_0..c_{k-1} are the first k
 * bytes of ChaCha20 keystream (key = stream id (8) || index (u32 BE) || 20
 * zero bytes, nonce = 8 zero bytes, counter from 0). The receiver solves the
 * system by incremental Gauss-Jordan elimination and needs any k independent
 * frames; k + h random frames are independent with probability ~1 - 256^-(h+1).
 *
 * Owns: coefficient generation, encoding one frame's payload, decoding.
 * Never: parses frames or trusts a header (the caller checks k and chunk
 * against its limits before creating a decoder), or does I/O.
 */
#ifndef FK_FOUNTAIN_H
#define FK_FOUNTAIN_H

#include <stddef.h>
#include <stdint.h>

#define FK_FOUNTAIN_SID_LEN 8

/* Fills coef[0..k-1] with the coefficients of frame `index` (used for index >= k). */
void fk_fountain_coefs(const uint8_t sid[FK_FOUNTAIN_SID_LEN], uint32_t index,
    uint8_t *coef, uint32_t k);

/*
 * Writes the payload of frame `index` (chunk bytes) to out. msg holds k*chunk
 * bytes; scratch holds k bytes (used for repair frames).
 */
void fk_fountain_encode(const uint8_t *msg, uint32_t k, size_t chunk,
    const uint8_t sid[FK_FOUNTAIN_SID_LEN], uint32_t index, uint8_t *out, uint8_t *scratch);

typedef struct fk_fountain_dec fk_fountain_dec;

/* NULL when out of memory. Memory: k*chunk, plus k bytes per repair row held. */
fk_fountain_dec *fk_fountain_dec_new(uint32_t k, size_t chunk,
    const uint8_t sid[FK_FOUNTAIN_SID_LEN]);
void fk_fountain_dec_free(fk_fountain_dec *d);

/* Adds a frame: 1 = it raised the rank, 0 = redundant, -1 = out of memory. */
int fk_fountain_dec_add(fk_fountain_dec *d, uint32_t index, const uint8_t *payload);
uint32_t fk_fountain_dec_rank(const fk_fountain_dec *d);
/* The k*chunk message once rank == k, else NULL. */
const uint8_t *fk_fountain_dec_message(const fk_fountain_dec *d);

#endif
