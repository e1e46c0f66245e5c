/*
 * qrcam.c - receiving a QR stream from a camera (a V4L2 device, through
 * zbar's video module): each picture goes through the same reader as an
 * image file (fk_qr_rx_scan: ring, zbar, zxing).
 */
#include <zbar.h>

#include "qr.h"

int
fk_qr_receive_camera(const char *dev, int width, int height, unsigned decoders, fk_buf *out,
    fk_qr_progress_fn cb, void *ctx, volatile sig_atomic_t *stop, fk_err *e)
{
	zbar_video_t *vid;
	fk_qr_rx *rx;
	fk_qr_progress p;
	int rc = -1;

	if ((rx = fk_qr_rx_new(0, e)) == NULL)
		return -1;
	fk_qr_rx_set_decoders(rx, decoders);
	if ((vid = zbar_video_create()) == NULL) {
		fk_qr_rx_free(rx);
		return fk_fail(e, FK_ENOMEM, _("out of memory"));
	}
	zbar_video_request_size(vid, (unsigned)width, (unsigned)height);
	if (zbar_video_open(vid, dev) != 0 || zbar_negotiate_format(vid, NULL) != 0) {
		fk_fail(e, FK_EIO, _("cannot open the camera %s; check the device name and that no "
		    "other program uses it"), dev);
		goto out;
	}
	if (zbar_video_enable(vid, 1) != 0) {
		fk_fail(e, FK_EIO, _("cannot start the camera %s"), dev);
		goto out;
	}
	while (!fk_qr_rx_done(rx) && (stop == NULL || !*stop)) {
		zbar_image_t *raw = zbar_video_next_image(vid), *grey;
		fk_image img;
		int n;

		if (raw == NULL) {
			if (stop != NULL && *stop)
				break;
			fk_fail(e, FK_EIO, _("the camera %s stopped"), dev);
			goto off;
		}
		grey = zbar_image_convert(raw, zbar_fourcc('Y', '8', '0', '0'));
		zbar_image_destroy(raw);
		if (grey == NULL) {
			fk_fail(e, FK_ENOMEM, _("out of memory"));
			goto off;
		}
		img.w = (int)zbar_image_get_width(grey);
		img.h = (int)zbar_image_get_height(grey);
		/* read only: fk_qr_rx_scan does not write to the picture */
		img.px = (uint8_t *)(uintptr_t)zbar_image_get_data(grey);
		n = img.px != NULL && img.w > 0 && img.h > 0 &&
		    zbar_image_get_data_length(grey) >= (unsigned long)img.w * (unsigned long)img.h ?
		    fk_qr_rx_scan(rx, &img, e) : 0;
		zbar_image_destroy(grey);
		if (n < 0)
			goto off;
		if (cb != NULL) {
			fk_qr_rx_progress(rx, &p);
			cb(&p, NULL, ctx);
		}
	}
	rc = fk_qr_rx_take(rx, out, e);
off:
	zbar_video_enable(vid, 0);
out:
	zbar_video_destroy(vid);
	fk_qr_rx_free(rx);
	return rc;
}
