/*
 * qrring.h - finding the dark ring that fieldkit draws around the codes of a
 * screen frame, in a camera's picture, and undoing the perspective inside it
 * (docs/qr-stream.md, "Screen frames").
 *
 * A camera held a little off-axis sees the screen as a trapezoid; zbar reads
 * codes poorly once their corners are displaced by a few percent. The ring is
 * a rectangle on the screen, so its four corners in the picture give the
 * homography that makes the codes square again.
 *
 * Owns: the ring's detection and the warp. Never: trusts the picture (any
 * pixels give a ring or none, never a crash; memory is bounded by the
 * picture's size).
 */
#ifndef FK_QRRING_H
#define FK_QRRING_H

#include "fk.h"
#include "image.h"

/* Corners of the ring's outer edge in picture coordinates: TL, TR, BR, BL. */
typedef struct fk_qr_quad {
	double x[4], y[4];
} fk_qr_quad;

/*
 * Looks for the ring: 1 and q set when found, 0 when the picture has none,
 * -1 (e set) when out of memory.
 */
int fk_qr_ring_find(const fk_image *img, fk_qr_quad *q, fk_err *e) FK_WUR;

/*
 * Warps the inside of q to an upright image as large as the quad's longest
 * sides (at most 4 times the picture's pixels); 0, or -1 (e set).
 */
int fk_qr_ring_rectify(const fk_image *img, const fk_qr_quad *q, fk_image *out,
    fk_err *e) FK_WUR;

/* A rectangle of an image: a code's cell in a rectified screen frame. */
typedef struct fk_qr_cell {
	int x, y, w, h;
} fk_qr_cell;

/*
 * The cells of the codes in a rectified screen frame (the ring's inside):
 * the runs of columns and of rows that hold dark pixels, between the light
 * gaps, each widened to the middle of the gaps beside it. The number of
 * cells written (at most max; at most 8 columns and 8 rows), 0 when none.
 * Reading each cell alone finds codes zbar misses among several.
 */
int fk_qr_ring_cells(const fk_image *rect, fk_qr_cell *cells, int max);

/*
 * Code-sized dark blobs of a picture without a ring (a printed sheet
 * photographed turned, unevenly lit): the picture shrunk and binarised
 * against the local mean, where a code is one dark patch; patches about
 * square, mostly filled, neither tiny nor half the picture. Their boxes in
 * picture coordinates, widened by a fifth; the number written (at most max),
 * 0 when none, -1 when out of memory (e set).
 */
int fk_qr_blobs(const fk_image *img, fk_qr_cell *cells, int max, fk_err *e) FK_WUR;

/*
 * The homography h (h[8] = 1) taking the points (sx, sy) to (dx, dy), four
 * each: x' = (h0 x + h1 y + h2) / (h6 x + h7 y + h8), y' likewise with h3..h5;
 * -1 when three of them are on a line.
 */
int fk_qr_homography(const double sx[4], const double sy[4], const double dx[4],
    const double dy[4], double h[9]);

#endif
