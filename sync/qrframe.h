/*
 * qrframe.h - the bytes of one QR stream frame (docs/qr-stream.md).
 *
 *   off  len  field
 *   0    2    magic "FQ" (0x46 0x51)
 *   2    1    version 1
 *   3    8    stream id
 *   11   2    k, number of source chunks (u16 big-endian, >= 1)
 *   13   4    file length L in bytes (u32 big-endian)
 *   17   4    frame index (u32 big-endian); < k: source chunk, >= k: repair
 *   21   c    payload (c = chunk size, the same for every frame of a stream)
 *   21+c 4    CRC-32 (IEEE, as zlib's crc32) of bytes 0 .. 20+c (u32 big-endian)
 *
 * k must equal ceil((L + 32) / c): the stream carries the file followed by
 * its SHA-256, zero-padded to k * c bytes.
 *
 * Inside a QR symbol a frame is either the raw bytes (byte mode) or their
 * Base45 text (alphanumeric mode); fk_qrframe_from_symbol accepts both.
 *
 * Owns: building and parsing frames. Never: trusts a length or a field
 * before checking it, or allocates.
 */
#ifndef FK_QRFRAME_H
#define FK_QRFRAME_H

#include <stddef.h>
#include <stdint.h>

#define FK_QRF_VERSION 1
#define FK_QRF_HEADER 21
#define FK_QRF_OVERHEAD 25 /* header + CRC */
#define FK_QRF_HASHLEN 32  /* SHA-256 appended to the file */
#define FK_QRF_MAX_CHUNK 4096
#define FK_QRF_MAX (FK_QRF_OVERHEAD + FK_QRF_MAX_CHUNK)

typedef struct fk_qrframe {
	uint8_t sid[8];
	uint32_t k;
	uint32_t len;
	uint32_t index;
	size_t chunk;
	const uint8_t *payload; /* points into the parsed buffer */
} fk_qrframe;

/* Writes the frame (FK_QRF_OVERHEAD + f->chunk bytes) to out; returns its length. */
size_t fk_qrframe_build(const fk_qrframe *f, uint8_t *out);

/* Parses and checks a frame: 0 ok, -1 malformed (bad magic, version, CRC, sizes). */
int fk_qrframe_parse(const uint8_t *p, size_t n, fk_qrframe *f);

/*
 * Turns a QR symbol's data (raw frame bytes or Base45 text of them) into a
 * frame. buf (FK_QRF_MAX bytes) receives the decoded bytes; f points into it.
 */
int fk_qrframe_from_symbol(const uint8_t *sym, size_t n, uint8_t *buf, fk_qrframe *f);

/* The k a stream of len bytes in chunks of chunk bytes has (0 when too big). */
uint32_t fk_qrframe_k(uint64_t len, size_t chunk);

#endif
