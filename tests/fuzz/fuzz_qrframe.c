/*
 * fuzz_qrframe.c - libFuzzer entry point for the QR stream frame parser and
 * the receiver behind it: any bytes, as raw frames or Base45 text, must be
 * refused or accepted without crashing or reading out of bounds.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "fk.h"
#include "qr.h"
#include "qrframe.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t buf[FK_QRF_MAX];
	fk_qrframe f;
	fk_qr_rx *rx;
	fk_buf out = {0};
	fk_err e;
	size_t off = 0, n;

	(void)fk_qrframe_from_symbol(data, size, buf, &f);
	/* Split the input into symbols at 0xFF 0x00 and feed them all to one receiver. */
	rx = fk_qr_rx_new(64 * 1024, &e);
	if (rx == NULL)
		return 0;
	while (off < size) {
		for (n = 0; off + n + 1 < size && !(data[off + n] == 0xFF && data[off + n + 1] == 0);
		    n++)
			;
		if (off + n + 1 >= size)
			n = size - off;
		if (fk_qr_rx_feed(rx, data + off, n, &e) < 0)
			break;
		off += n + 2;
	}
	if (fk_qr_rx_take(rx, &out, &e) == 0)
		fk_buf_free(&out);
	fk_qr_rx_free(rx);
	return 0;
}
