/*
 * qr_diag.c - why camera pictures of screen frames fail (a bench tool, not
 * installed; tests/bench/qr_camera_bench.sh section 6).
 *
 *   qr_diag RX0 RY0 RX1 RY1 < LIST
 *
 * RX0..RY1: the ring's outer edge in the sent PNG (pixels). Each line of LIST
 * is "PICTURE X0 Y0 X1 Y1 X2 Y2 X3 Y3": a camera picture and where the PNG's
 * corners landed in it (qr_camsim --corners). For each picture it prints
 * whether the ring was found, the largest distance of a found corner from
 * the truth, how many of the ring's true corners are inside the picture,
 * the codes read by ring+zbar and by the whole reader, and the time taken.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "image.h"
#include "qr.h"
#include "qrring.h"

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int
codes(const fk_image *img, unsigned dec, double *ms)
{
	fk_err e;
	fk_qr_rx *rx = fk_qr_rx_new(0, &e);
	double t0 = now_ms();
	int n;

	fk_qr_rx_set_decoders(rx, dec);
	n = fk_qr_rx_scan(rx, img, &e);
	*ms = now_ms() - t0;
	fk_qr_rx_free(rx);
	return n;
}

int
main(int argc, char **argv)
{
	double r[4], pw, ph;
	char line[8192], path[4096];
	long tot = 0, tot_ring = 0, n = 0, ring_n = 0;
	double tms = 0;

	if (argc != 7) {
		fprintf(stderr, "usage: qr_diag PNGW PNGH RX0 RY0 RX1 RY1 < LIST\n");
		return 2;
	}
	pw = atof(argv[1]);
	ph = atof(argv[2]);
	for (int i = 0; i < 4; i++)
		r[i] = atof(argv[3 + i]);
	while (fgets(line, sizeof line, stdin) != NULL) {
		double c[8], sx[4] = {0, pw, pw, 0}, sy[4] = {0, 0, ph, ph}, dx[4], dy[4], h[9];
		double tx[4], ty[4], err = -1, ms1, ms2;
		double rx[4] = {r[0], r[2], r[2], r[0]}, ry[4] = {r[1], r[1], r[3], r[3]};
		fk_image img;
		fk_qr_quad q;
		fk_err e;
		int found, inside = 0, a, b, nb;
		double bms;

		if (sscanf(line, "%4095s %lf %lf %lf %lf %lf %lf %lf %lf", path, &c[0], &c[1], &c[2],
		    &c[3], &c[4], &c[5], &c[6], &c[7]) != 9)
			continue;
		for (int i = 0; i < 4; i++) {
			dx[i] = c[2 * i];
			dy[i] = c[2 * i + 1];
		}
		if (fk_qr_homography(sx, sy, dx, dy, h) != 0 || fk_image_load(path, &img, &e) != 0)
			continue;
		for (int i = 0; i < 4; i++) {
			double d = h[6] * rx[i] + h[7] * ry[i] + h[8];

			tx[i] = (h[0] * rx[i] + h[1] * ry[i] + h[2]) / d;
			ty[i] = (h[3] * rx[i] + h[4] * ry[i] + h[5]) / d;
			inside += tx[i] >= 0 && ty[i] >= 0 && tx[i] < img.w && ty[i] < img.h;
		}
		found = fk_qr_ring_find(&img, &q, &e);
		if (found == 1 && getenv("QR_DIAG_SAVE") != NULL) {
			fk_image rect;
			char out[4200];

			snprintf(out, sizeof out, "%s.rect.png", path);
			if (fk_qr_ring_rectify(&img, &q, &rect, &e) == 0) {
				fk_qr_cell cell[64];
				int nc = fk_qr_ring_cells(&rect, cell, 64);

				printf("%dx%d, cells %d:", rect.w, rect.h, nc);
				for (int m = 0; m < nc; m++)
					printf(" %d,%d+%dx%d", cell[m].x, cell[m].y, cell[m].w, cell[m].h);
				printf("\n");
				if (fk_image_save_png(&rect, 0, out, &e) != 0)
					fprintf(stderr, "cannot save %s\n", out);
				fk_image_free(&rect);
			}
		}
		if (found == 1)
			for (int i = 0; i < 4; i++) {
				double dd = hypot(q.x[i] - tx[i], q.y[i] - ty[i]);

				err = dd > err ? dd : err;
			}
		{
			fk_qr_cell cell[32];
			double t0 = now_ms();

			nb = fk_qr_blobs(&img, cell, 32, &e);
			bms = now_ms() - t0;
		}
		a = codes(&img, FK_QR_DEC_RING, &ms1);
		b = codes(&img, FK_QR_DEC_ALL, &ms2);
		printf("%s ring=%d err=%.2f inside=%d zbar=%d all=%d ms=%.0f blobs=%d (%.1f ms)\n", path,
		    found, err, inside, a, b, ms2, nb, bms);
		n++;
		tot += b;
		tot_ring += a;
		ring_n += found == 1;
		tms += ms2;
		fk_image_free(&img);
	}
	printf("pictures %ld, ring found %ld, codes ring+zbar %ld, all %ld, %.1f ms per picture\n",
	    n, ring_n, tot_ring, tot, n ? tms / n : 0);
	return 0;
}
