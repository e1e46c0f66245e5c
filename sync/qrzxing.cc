// qrzxing.cc - the thin C++ shim over zxing-cpp 1.4 (see qrzxing.h).
#define ZX_USE_UTF8 1
#include <ReadBarcode.h>

#include "qrzxing.h"

extern "C" int
fk_zxing_scan(const uint8_t *px, int w, int h, int stride, fk_zxing_fn fn, void *ctx)
{
	try {
		ZXing::DecodeHints hints;

		hints.setFormats(ZXing::BarcodeFormat::QRCode);
		hints.setTryHarder(true);
		hints.setTryRotate(false);
		hints.setMaxNumberOfSymbols(16);
		ZXing::ImageView view(px, w, h, ZXing::ImageFormat::Lum, stride);
		int n = 0;

		for (const ZXing::Result &r : ZXing::ReadBarcodes(view, hints)) {
			if (!r.isValid())
				continue;
			// bytes(): the symbol's content as it is, no character set conversion
			const ZXing::ByteArray &b = r.bytes();
			int rc = fn(ctx, b.data(), b.size());

			if (rc != 0)
				return rc;
			n++;
		}
		return n;
	} catch (...) {
		return -1;
	}
}
