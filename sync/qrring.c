/*
 * qrring.c - the ring around a screen frame's codes: found in a picture,
 * and the perspective inside it undone.
 *
 * Search: the picture is shrunk to about SEARCH_PIXELS, binarised against
 * the local mean (a window of 1/16 of its smaller side), and its dark
 * connected components are labelled. A ring is a component that does not
 * touch the picture's edge, spans at least a quarter of the picture each
 * way, covers little of its bounding box and nothing of the box's middle.
 * The smallest such component is taken (a monitor's bezel can look like a
 * ring too, around ours). Its corners come from the farthest-point method;
 * then, on the full picture, each side's outer edge is located at 36 points
 * with subpixel precision, a line is fitted, and the lines' intersections
 * are the corners.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "qrring.h"

#define SEARCH_PIXELS 400000L
#define EDGE_SAMPLES 36
#define BLOB_PIXELS 100000L

struct comp {
	long n, sum; /* pixels, and their grey levels added up */
	int x0, y0, x1, y1, edge;
};

struct search {
	int w, h, f;     /* size of the shrunk picture; shrink factor */
	uint8_t *px;     /* w * h grey */
	uint8_t *dark;   /* w * h: 1 = darker than the local mean */
	int32_t *lab;    /* w * h component labels, -1 = light */
	int32_t *stack;  /* w * h */
	struct comp *c;
	int nc, cap;
};

static void
search_free(struct search *s)
{
	free(s->px);
	free(s->dark);
	free(s->lab);
	free(s->stack);
	free(s->c);
}

static int
search_init(struct search *s, const fk_image *img, long pixels, int rdiv, int blur, fk_err *e)
{
	long area = (long)img->w * img->h;
	uint32_t *ii;
	int x, y, r, i, j;
	size_t n;

	memset(s, 0, sizeof *s);
	for (s->f = 1; area / ((long)s->f * s->f) > pixels; s->f++)
		;
	s->w = img->w / s->f;
	s->h = img->h / s->f;
	if (s->w < 32 || s->h < 32)
		return 0;
	n = (size_t)s->w * (size_t)s->h;
	s->px = malloc(n);
	s->dark = malloc(n);
	s->lab = malloc(n * sizeof *s->lab);
	s->stack = malloc(n * sizeof *s->stack);
	ii = malloc((size_t)(s->w + 1) * (size_t)(s->h + 1) * sizeof *ii);
	if (s->px == NULL || s->dark == NULL || s->lab == NULL || s->stack == NULL || ii == NULL) {
		free(ii);
		search_free(s);
		return fk_fail(e, FK_ENOMEM, _("out of memory"));
	}
	for (y = 0; y < s->h; y++)
		for (x = 0; x < s->w; x++) {
			unsigned sum = 0;

			for (j = 0; j < s->f; j++)
				for (i = 0; i < s->f; i++)
					sum += img->px[(size_t)(y * s->f + j) * (size_t)img->w +
					    (size_t)(x * s->f + i)];
			s->px[(size_t)y * s->w + x] = (uint8_t)(sum / (unsigned)(s->f * s->f));
		}
	if (blur > 0) {
		/* a box blur of (2 blur + 1)^2: a code's modules become one grey patch */
		uint8_t *t = malloc(n);

		if (t == NULL) {
			free(ii);
			search_free(s);
			return fk_fail(e, FK_ENOMEM, _("out of memory"));
		}
		for (y = 0; y < s->h; y++)
			for (x = 0; x < s->w; x++) {
				unsigned sum = 0, cnt = 0;

				for (j = y - blur; j <= y + blur; j++)
					for (i = x - blur; i <= x + blur; i++)
						if (i >= 0 && j >= 0 && i < s->w && j < s->h) {
							sum += s->px[(size_t)j * s->w + i];
							cnt++;
						}
				t[(size_t)y * s->w + x] = (uint8_t)(sum / cnt);
			}
		memcpy(s->px, t, n);
		free(t);
	}
	/* integral image, then dark = more than 10 below the mean of a (2r+1)^2 window */
	for (x = 0; x <= s->w; x++)
		ii[x] = 0;
	for (y = 1; y <= s->h; y++) {
		uint32_t row = 0;

		ii[(size_t)y * (s->w + 1)] = 0;
		for (x = 1; x <= s->w; x++) {
			row += s->px[(size_t)(y - 1) * s->w + x - 1];
			ii[(size_t)y * (s->w + 1) + x] = ii[(size_t)(y - 1) * (s->w + 1) + x] + row;
		}
	}
	r = (s->w < s->h ? s->w : s->h) / rdiv;
	if (r < 4)
		r = 4;
	for (y = 0; y < s->h; y++)
		for (x = 0; x < s->w; x++) {
			int xa = x - r < 0 ? 0 : x - r, xb = x + r + 1 > s->w ? s->w : x + r + 1;
			int ya = y - r < 0 ? 0 : y - r, yb = y + r + 1 > s->h ? s->h : y + r + 1;
			uint32_t sum = ii[(size_t)yb * (s->w + 1) + xb] - ii[(size_t)ya * (s->w + 1) + xb] -
			    ii[(size_t)yb * (s->w + 1) + xa] + ii[(size_t)ya * (s->w + 1) + xa];
			long mean = (long)(sum / (uint32_t)((xb - xa) * (yb - ya)));

			s->dark[(size_t)y * s->w + x] = s->px[(size_t)y * s->w + x] + 10 < mean;
		}
	free(ii);
	return 0;
}

/* Labels the dark components (4-connected). */
static int
search_label(struct search *s, fk_err *e)
{
	size_t n = (size_t)s->w * (size_t)s->h, p0;

	memset(s->lab, 0xff, n * sizeof *s->lab);
	for (p0 = 0; p0 < n; p0++) {
		struct comp c;
		size_t sp = 0;

		if (!s->dark[p0] || s->lab[p0] >= 0)
			continue;
		if (s->nc == s->cap) {
			int cap = s->cap ? s->cap * 2 : 256;
			struct comp *nc = realloc(s->c, (size_t)cap * sizeof *nc);

			if (nc == NULL)
				return fk_fail(e, FK_ENOMEM, _("out of memory"));
			s->c = nc;
			s->cap = cap;
		}
		c.n = c.sum = 0;
		c.x0 = c.x1 = (int)(p0 % (size_t)s->w);
		c.y0 = c.y1 = (int)(p0 / (size_t)s->w);
		c.edge = 0;
		s->lab[p0] = s->nc;
		s->stack[sp++] = (int32_t)p0;
		while (sp > 0) {
			int32_t p = s->stack[--sp];
			int x = p % s->w, y = p / s->w, d;

			c.n++;
			c.sum += s->px[p];
			if (x < c.x0)
				c.x0 = x;
			if (x > c.x1)
				c.x1 = x;
			if (y < c.y0)
				c.y0 = y;
			if (y > c.y1)
				c.y1 = y;
			if (x == 0 || y == 0 || x == s->w - 1 || y == s->h - 1)
				c.edge = 1;
			for (d = 0; d < 4; d++) {
				int nx = x + (d == 0) - (d == 1), ny = y + (d == 2) - (d == 3);
				size_t np;

				if (nx < 0 || ny < 0 || nx >= s->w || ny >= s->h)
					continue;
				np = (size_t)ny * (size_t)s->w + (size_t)nx;
				if (s->dark[np] && s->lab[np] < 0) {
					s->lab[np] = s->nc;
					s->stack[sp++] = (int32_t)np;
				}
			}
		}
		s->c[s->nc++] = c;
	}
	return 0;
}

/*
 * True if component i is ring-shaped: large, sparse, inside the picture,
 * and hollow: nothing of it in the middle of its box, which is clearly
 * lighter than the ring (the edge of a large dark patch is not a ring).
 */
static int
is_ring(const struct search *s, int i)
{
	const struct comp *c = &s->c[i];
	long bw = c->x1 - c->x0 + 1, bh = c->y1 - c->y0 + 1, sum = 0, n = 0;
	int x, y;

	if (bw * 4 < s->w || bh * 4 < s->h || c->n * 20 > bw * bh * 7)
		return 0;
	/* cut by the picture's edge: only a thin stroke (not the dark around a page) */
	if (c->edge && c->n * 40 > 2 * (bw + bh) * (bw < bh ? bw : bh))
		return 0;
	for (y = c->y0 + (int)(bh * 3 / 10); y <= c->y1 - (int)(bh * 3 / 10); y++)
		for (x = c->x0 + (int)(bw * 3 / 10); x <= c->x1 - (int)(bw * 3 / 10); x++) {
			if (s->lab[(size_t)y * s->w + x] == i)
				return 0;
			sum += s->px[(size_t)y * s->w + x];
			n++;
		}
	return n > 0 && sum / n > c->sum / c->n + 20;
}

/* Orders four corners TL, TR, BR, BL (by angle from their middle, y downwards). */
static void
order_corners(double px[4], double py[4])
{
	double mx = 0, my = 0, ang[4], tx[4], ty[4];
	int x, y, k, order[4] = {0, 1, 2, 3};

	for (k = 0; k < 4; k++) {
		mx += px[k] / 4;
		my += py[k] / 4;
	}
	for (k = 0; k < 4; k++)
		ang[k] = atan2(py[k] - my, px[k] - mx);
	for (x = 0; x < 4; x++)
		for (y = x + 1; y < 4; y++)
			if (ang[order[y]] < ang[order[x]]) {
				k = order[x];
				order[x] = order[y];
				order[y] = k;
			}
	for (k = 0; k < 4; k++) {
		tx[k] = px[order[k]];
		ty[k] = py[order[k]];
	}
	memcpy(px, tx, sizeof tx);
	memcpy(py, ty, sizeof ty);
}

/* Corners of component i by the farthest-point method, ordered TL, TR, BR, BL. */
static void
ring_corners(const struct search *s, int i, double px[4], double py[4])
{
	const struct comp *c = &s->c[i];
	double cx = (c->x0 + c->x1) / 2.0, cy = (c->y0 + c->y1) / 2.0, best[4] = {-1, -1, -1, -1};
	double ax, ay;
	int x, y, k;

	for (k = 0; k < 4; k++)
		px[k] = py[k] = 0;
	for (y = c->y0; y <= c->y1; y++)
		for (x = c->x0; x <= c->x1; x++) {
			double d = (x - cx) * (x - cx) + (y - cy) * (y - cy);

			if (s->lab[(size_t)y * s->w + x] == i && d > best[0]) {
				best[0] = d;
				px[0] = x;
				py[0] = y;
			}
		}
	for (y = c->y0; y <= c->y1; y++)
		for (x = c->x0; x <= c->x1; x++) {
			double d = (x - px[0]) * (x - px[0]) + (y - py[0]) * (y - py[0]);

			if (s->lab[(size_t)y * s->w + x] == i && d > best[1]) {
				best[1] = d;
				px[1] = x;
				py[1] = y;
			}
		}
	ax = px[1] - px[0];
	ay = py[1] - py[0];
	for (y = c->y0; y <= c->y1; y++)
		for (x = c->x0; x <= c->x1; x++) {
			double cr = ax * (y - py[0]) - ay * (x - px[0]);

			if (s->lab[(size_t)y * s->w + x] != i)
				continue;
			if (cr > best[2]) {
				best[2] = cr;
				px[2] = x;
				py[2] = y;
			}
			if (-cr > best[3]) {
				best[3] = -cr;
				px[3] = x;
				py[3] = y;
			}
		}
	/* by angle from -pi: TL, TR, BR, BL for a picture whose y grows downwards */
	order_corners(px, py);
}

#define RAYS 360

/* Least-squares line a*x + b*y = c (a^2 + b^2 = 1) through n points. */
static void
lsq_line(const double *px, const double *py, int n, double *a, double *b, double *c)
{
	double mx = 0, my = 0, sxx = 0, sxy = 0, syy = 0, th;
	int i;

	for (i = 0; i < n; i++) {
		mx += px[i];
		my += py[i];
	}
	mx /= n;
	my /= n;
	for (i = 0; i < n; i++) {
		sxx += (px[i] - mx) * (px[i] - mx);
		sxy += (px[i] - mx) * (py[i] - my);
		syy += (py[i] - my) * (py[i] - my);
	}
	th = 0.5 * atan2(2 * sxy, sxx - syy);
	*a = -sin(th);
	*b = cos(th);
	*c = *a * mx + *b * my;
}

/*
 * The fourth side of a ring when the picture's edge hides it: parallel to
 * the side opposite (of the three lines found, the one not nearly parallel
 * to another), through the farthest point where the edge cuts the ring. The
 * perspective along that side is then guessed, not measured, which zbar
 * tolerates for the codes seen whole.
 */
static int
side_out(double la[4], double lb[4], double lc[4], double ang[4], const double *ex,
    const double *ey, int ne, double cx, double cy)
{
	int i, j, opp = -1;
	double best = 1e9, far = 0, d;

	for (i = 0; i < 3; i++)
		for (j = i + 1; j < 3; j++) {
			d = fabs(la[i] * lb[j] - la[j] * lb[i]);
			if (d < best) {
				best = d;
				opp = 3 - i - j;
			}
		}
	if (opp < 0 || best > 0.5)
		return -1;
	/* the hidden side is on the other side of the middle from its opposite */
	d = la[opp] * cx + lb[opp] * cy - lc[opp];
	for (i = 0; i < ne; i++) {
		double v = la[opp] * ex[i] + lb[opp] * ey[i] - lc[opp];

		if (v * d > 0 && fabs(v) > fabs(far))
			far = v;
	}
	if (far == 0)
		return -1;
	la[3] = la[opp];
	lb[3] = lb[opp];
	lc[3] = lc[opp] + far;
	d = la[3] * cx + lb[3] * cy - lc[3];
	ang[3] = atan2(-lb[3] * d, -la[3] * d);
	return 0;
}

/*
 * Corners of component i when the picture's edge cuts it (a corner of the
 * ring out of view, or its stroke touching the edge): the ring's outer
 * boundary is sampled along rays from the middle of its box, points where
 * the boundary is the picture's edge are dropped, four lines are found among
 * the rest (the line through two points that most others lie on, four
 * times), and neighbouring lines meet at the corners, which may lie outside
 * the picture. 0, or -1 when four sides are not seen.
 */
static int
ring_lines(const struct search *s, int i, double px[4], double py[4])
{
	const struct comp *c = &s->c[i];
	double cx = (c->x0 + c->x1) / 2.0, cy = (c->y0 + c->y1) / 2.0;
	double bx[RAYS], by[RAYS], la[4], lb[4], lc[4], ang[4], tx[RAYS], ty[RAYS];
	double ex[RAYS], ey[RAYS];
	int used[RAYS], n = 0, ne = 0, k, j, l, order[4] = {0, 1, 2, 3};

	for (k = 0; k < RAYS; k++) {
		double dx = cos(2 * M_PI * k / RAYS), dy = sin(2 * M_PI * k / RAYS), r;
		int lx = -1, ly = -1;

		for (r = 0;; r += 0.5) {
			int x = (int)lrint(cx + dx * r), y = (int)lrint(cy + dy * r);

			if (x < 0 || y < 0 || x >= s->w || y >= s->h)
				break;
			if (s->lab[(size_t)y * s->w + x] == i) {
				lx = x;
				ly = y;
			}
		}
		if (lx < 0)
			continue;
		if (lx <= 1 || ly <= 1 || lx >= s->w - 2 || ly >= s->h - 2) {
			ex[ne] = lx; /* where the picture's edge cuts the ring */
			ey[ne] = ly;
			ne++;
			continue;
		}
		bx[n] = lx;
		by[n] = ly;
		used[n] = 0;
		n++;
	}
	if (n < 24)
		return -1;
	for (l = 0; l < 4; l++) {
		int best = 0, ba = -1, bb = -1, m = 0, a, d, nu = 0, un[RAYS];
		double sa = 0, sb = 0;

		for (j = 0; j < n; j++)
			if (!used[j])
				un[nu++] = j;
		d = nu / 24 > 2 ? nu / 24 : 2;
		for (a = 0; a < nu && nu > d; a++) {
			int p0 = un[a], p1 = un[(a + d) % nu], cnt = 0;
			double ux, uy, len;

			ux = bx[p1] - bx[p0];
			uy = by[p1] - by[p0];
			if ((len = hypot(ux, uy)) < 2)
				continue;
			for (j = 0; j < nu; j++)
				cnt += fabs((bx[un[j]] - bx[p0]) * uy - (by[un[j]] - by[p0]) * ux) <= 1.5 * len;
			if (cnt > best) {
				best = cnt;
				ba = p0;
				bb = p1;
			}
		}
		if (ba < 0 || best < 6) {
			if (l == 3 && ne > 0 && side_out(la, lb, lc, ang, ex, ey, ne, cx, cy) == 0)
				break;
			return -1;
		}
		{
			double ux = bx[bb] - bx[ba], uy = by[bb] - by[ba], len = hypot(ux, uy);
			int pass;

			for (j = 0; j < nu; j++)
				if (fabs((bx[un[j]] - bx[ba]) * uy - (by[un[j]] - by[ba]) * ux) <= 1.5 * len) {
					tx[m] = bx[un[j]];
					ty[m] = by[un[j]];
					m++;
				}
			/* the line through the two points, refitted to its inliers twice */
			for (pass = 0; pass < 2; pass++) {
				lsq_line(tx, ty, m, &la[l], &lb[l], &lc[l]);
				for (j = m = 0; j < nu; j++)
					if (fabs(la[l] * bx[un[j]] + lb[l] * by[un[j]] - lc[l]) <= 1.5) {
						tx[m] = bx[un[j]];
						ty[m] = by[un[j]];
						m++;
					}
				if (m < 6)
					return -1;
			}
			for (j = 0; j < nu; j++)
				if (fabs(la[l] * bx[un[j]] + lb[l] * by[un[j]] - lc[l]) <= 1.5) {
					used[un[j]] = 1;
					sa += bx[un[j]];
					sb += by[un[j]];
				}
		}
		lsq_line(tx, ty, m, &la[l], &lb[l], &lc[l]);
		ang[l] = atan2(sb / m - cy, sa / m - cx);
	}
	for (k = 0; k < 4; k++)
		for (j = k + 1; j < 4; j++)
			if (ang[order[j]] < ang[order[k]]) {
				l = order[k];
				order[k] = order[j];
				order[j] = l;
			}
	for (k = 0; k < 4; k++) {
		int p = order[k], q = order[(k + 1) % 4];
		double det = la[p] * lb[q] - la[q] * lb[p];

		if (fabs(det) < 0.2) /* neighbouring sides nearly parallel: not a ring */
			return -1;
		px[k] = (lc[p] * lb[q] - lc[q] * lb[p]) / det;
		py[k] = (la[p] * lc[q] - la[q] * lc[p]) / det;
		if (px[k] < -s->w / 2.0 || py[k] < -s->h / 2.0 || px[k] > s->w * 1.5 || py[k] > s->h * 1.5)
			return -1;
	}
	return 0;
}

static int
inside(const fk_image *im, double x, double y)
{
	return x >= 1 && y >= 1 && x < im->w - 2 && y < im->h - 2;
}

/* Fits a*x + b*y = c (a^2 + b^2 = 1) to n points; drops outliers once. */
static int
fit_line(double *px, double *py, int n, double *a, double *b, double *c)
{
	int pass, i, m;

	for (pass = 0; pass < 2; pass++) {
		if (n < 6)
			return -1;
		lsq_line(px, py, n, a, b, c);
		for (i = m = 0; i < n; i++)
			if (fabs(*a * px[i] + *b * py[i] - *c) <= 1.5) {
				px[m] = px[i];
				py[m] = py[i];
				m++;
			}
		n = m;
	}
	return 0;
}

/* Moves the corners onto the intersections of the sides' fitted outer edges. */
static void
refine(const fk_image *im, double qx[4], double qy[4], double t)
{
	double la[4], lb[4], lc[4], ex[EDGE_SAMPLES], ey[EDGE_SAMPLES];
	double mx = (qx[0] + qx[1] + qx[2] + qx[3]) / 4, my = (qy[0] + qy[1] + qy[2] + qy[3]) / 4;
	int i, k;

	for (i = 0; i < 4; i++) {
		double x0 = qx[i], y0 = qy[i], x1 = qx[(i + 1) % 4], y1 = qy[(i + 1) % 4];
		double dx = x1 - x0, dy = y1 - y0, len = hypot(dx, dy), nx, ny;
		int n = 0;

		if (len < 8)
			return;
		nx = dy / len;
		ny = -dx / len;
		if (nx * ((x0 + x1) / 2 - mx) + ny * ((y0 + y1) / 2 - my) < 0) {
			nx = -nx;
			ny = -ny;
		}
		for (k = 0; k < EDGE_SAMPLES; k++) {
			double s = (k + 2.0) / (EDGE_SAMPLES + 3), bx = x0 + dx * s, by = y0 + dy * s;
			double lo = 255, hi = 0, u, v, prev, mid;

			if (!inside(im, bx - nx * 2 * t, by - ny * 2 * t) ||
			    !inside(im, bx + nx * 2 * t, by + ny * 2 * t))
				continue;
			for (u = -2 * t; u <= 2 * t; u += 0.5) {
				v = fk_image_sample(im, bx + nx * u, by + ny * u);
				lo = v < lo ? v : lo;
				hi = v > hi ? v : hi;
			}
			if (hi - lo < 20)
				continue;
			mid = (lo + hi) / 2;
			/* outwards from inside the stroke: the first dark-to-light crossing */
			prev = fk_image_sample(im, bx - nx * t * 0.5, by - ny * t * 0.5);
			for (u = -t * 0.5 + 0.25; u <= 2 * t; u += 0.25) {
				v = fk_image_sample(im, bx + nx * u, by + ny * u);
				if (prev < mid && v >= mid) {
					double f = (mid - prev) / (v - prev), o = u - 0.25 + 0.25 * f;

					ex[n] = bx + nx * o;
					ey[n] = by + ny * o;
					n++;
					break;
				}
				prev = v;
			}
		}
		if (fit_line(ex, ey, n, &la[i], &lb[i], &lc[i]) != 0)
			return;
	}
	{
		double nqx[4], nqy[4];

		for (i = 0; i < 4; i++) {
			int j = (i + 3) % 4; /* corner i joins side j (ending there) and side i */
			double det = la[i] * lb[j] - la[j] * lb[i];

			if (fabs(det) < 1e-3)
				return;
			nqx[i] = (lc[i] * lb[j] - lc[j] * lb[i]) / det;
			nqy[i] = (la[i] * lc[j] - la[j] * lc[i]) / det;
			if (hypot(nqx[i] - qx[i], nqy[i] - qy[i]) > 3 * t + 6)
				return;
		}
		memcpy(qx, nqx, sizeof nqx);
		memcpy(qy, nqy, sizeof nqy);
	}
}

/* Convex, with sides of at least 32 pixels. */
static int
quad_ok(const fk_qr_quad *q)
{
	int i, sign = 0;

	for (i = 0; i < 4; i++) {
		int j = (i + 1) % 4, k = (i + 2) % 4;
		double cr = (q->x[j] - q->x[i]) * (q->y[k] - q->y[j]) -
		    (q->y[j] - q->y[i]) * (q->x[k] - q->x[j]);

		if (!isfinite(cr) || hypot(q->x[j] - q->x[i], q->y[j] - q->y[i]) < 32)
			return 0;
		if (sign == 0)
			sign = cr > 0 ? 1 : -1;
		else if ((cr > 0 ? 1 : -1) != sign || cr == 0)
			return 0;
	}
	return 1;
}

int
fk_qr_ring_find(const fk_image *img, fk_qr_quad *q, fk_err *e)
{
	struct search s;
	struct comp *c;
	int i, best, found = 0, tries;
	long bestarea = 0;
	double t;

	if (img->w < 64 || img->h < 64)
		return 0;
	if (search_init(&s, img, SEARCH_PIXELS, 16, 0, e) != 0)
		return -1;
	if (s.px == NULL)
		return 0;
	if (search_label(&s, e) != 0) {
		search_free(&s);
		return -1;
	}
	/* the smallest ring first; one the picture's edge cuts needs four sides in view */
	for (tries = 0; tries < 4 && !found; tries++) {
		best = -1;
		for (i = 0; i < s.nc; i++) {
			long area = (long)(s.c[i].x1 - s.c[i].x0 + 1) * (s.c[i].y1 - s.c[i].y0 + 1);

			if (s.c[i].n > 0 && (best < 0 || area < bestarea) && is_ring(&s, i)) {
				best = i;
				bestarea = area;
			}
		}
		if (best < 0)
			break;
		c = &s.c[best];
		if (!c->edge)
			ring_corners(&s, best, q->x, q->y);
		else if (ring_lines(&s, best, q->x, q->y) == 0)
			order_corners(q->x, q->y);
		else {
			c->n = 0; /* not a ring after all: the next one */
			continue;
		}
		for (i = 0; i < 4; i++) {
			q->x[i] = q->x[i] * s.f + s.f / 2.0;
			q->y[i] = q->y[i] * s.f + s.f / 2.0;
		}
		t = (double)c->n * s.f / (2.0 * (c->x1 - c->x0 + c->y1 - c->y0 + 2));
		refine(img, q->x, q->y, t < 2 ? 2 : t);
		found = quad_ok(q);
		c->n = 0;
	}
	search_free(&s);
	return found;
}

int
fk_qr_homography(const double sx[4], const double sy[4], const double dx[4], const double dy[4],
    double h[9])
{
	double a[8][9];
	int i, j, k, piv;

	for (i = 0; i < 4; i++) {
		double r1[9] = {sx[i], sy[i], 1, 0, 0, 0, -dx[i] * sx[i], -dx[i] * sy[i], dx[i]};
		double r2[9] = {0, 0, 0, sx[i], sy[i], 1, -dy[i] * sx[i], -dy[i] * sy[i], dy[i]};

		memcpy(a[2 * i], r1, sizeof r1);
		memcpy(a[2 * i + 1], r2, sizeof r2);
	}
	for (i = 0; i < 8; i++) {
		piv = i;
		for (j = i + 1; j < 8; j++)
			if (fabs(a[j][i]) > fabs(a[piv][i]))
				piv = j;
		if (fabs(a[piv][i]) < 1e-12)
			return -1;
		for (k = 0; k < 9; k++) {
			double tmp = a[i][k];

			a[i][k] = a[piv][k];
			a[piv][k] = tmp;
		}
		for (j = 0; j < 8; j++) {
			double f;

			if (j == i)
				continue;
			f = a[j][i] / a[i][i];
			for (k = i; k < 9; k++)
				a[j][k] -= f * a[i][k];
		}
	}
	for (i = 0; i < 8; i++)
		h[i] = a[i][8] / a[i][i];
	h[8] = 1;
	return 0;
}

int
fk_qr_ring_rectify(const fk_image *img, const fk_qr_quad *q, fk_image *out, fk_err *e)
{
	double top = hypot(q->x[1] - q->x[0], q->y[1] - q->y[0]);
	double bot = hypot(q->x[2] - q->x[3], q->y[2] - q->y[3]);
	double lef = hypot(q->x[3] - q->x[0], q->y[3] - q->y[0]);
	double rig = hypot(q->x[2] - q->x[1], q->y[2] - q->y[1]);
	double W = top > bot ? top : bot, H = lef > rig ? lef : rig, h[9];
	double rx[4], ry[4], lim = 4.0 * img->w * img->h;
	int w, hh, x, y;

	if (lim > FK_IMAGE_MAX_PIXELS)
		lim = FK_IMAGE_MAX_PIXELS;
	if (!quad_ok(q))
		return fk_fail(e, FK_EINPUT, _("not a usable quadrilateral"));
	if (W * H > lim) {
		double f = sqrt(lim / (W * H));

		W *= f;
		H *= f;
	}
	w = (int)ceil(W);
	hh = (int)ceil(H);
	rx[0] = 0;
	ry[0] = 0;
	rx[1] = w;
	ry[1] = 0;
	rx[2] = w;
	ry[2] = hh;
	rx[3] = 0;
	ry[3] = hh;
	if (fk_qr_homography(rx, ry, q->x, q->y, h) != 0)
		return fk_fail(e, FK_EINPUT, _("not a usable quadrilateral"));
	if (fk_image_alloc(out, w, hh, 255, e) != 0)
		return -1;
	for (y = 0; y < hh; y++)
		for (x = 0; x < w; x++) {
			double xx = x + 0.5, yy = y + 0.5, d = h[6] * xx + h[7] * yy + h[8];
			double v = d > 1e-9 ? fk_image_sample(img, (h[0] * xx + h[1] * yy + h[2]) / d - 0.5,
			    (h[3] * xx + h[4] * yy + h[5]) / d - 0.5) : 255;

			out->px[(size_t)y * (size_t)w + (size_t)x] = (uint8_t)(v + 0.5);
		}
	return 0;
}

#define CELL_RUNS 8

/* Runs of busy entries of at least min long; their bounds widened to the gaps' middles. */
static int
cell_runs(const int *busy, int n, int min, int lo[CELL_RUNS], int hi[CELL_RUNS])
{
	int i = 0, k = 0, a;

	while (i < n) {
		if (!busy[i]) {
			i++;
			continue;
		}
		for (a = i; i < n && busy[i]; i++)
			;
		if (i - a < min)
			continue;
		if (k == CELL_RUNS)
			return 0;
		lo[k] = a;
		hi[k] = i;
		k++;
	}
	for (i = 0; i < k; i++) {
		int l = i == 0 ? 0 : (hi[i - 1] + lo[i]) / 2, h = i == k - 1 ? n : (hi[i] + lo[i + 1] + 1) / 2;

		if (i > 0)
			hi[i - 1] = (hi[i - 1] + lo[i] + 1) / 2;
		lo[i] = l;
		if (i == k - 1)
			hi[i] = h;
	}
	return k;
}

int
fk_qr_ring_cells(const fk_image *rect, fk_qr_cell *cells, int max)
{
	unsigned long hist[256] = {0}, acc = 0, n = (unsigned long)rect->w * (unsigned long)rect->h;
	int *col, *row, x, y, p10 = -1, p90 = -1, thr, nc, nr, i, j, k = 0;
	int clo[CELL_RUNS], chi[CELL_RUNS], rlo[CELL_RUNS], rhi[CELL_RUNS];

	if (rect->w < 32 || rect->h < 32)
		return 0;
	for (i = 0; i < (int)n; i++)
		hist[rect->px[i]]++;
	for (i = 0; i < 256; i++) {
		acc += hist[i];
		if (p10 < 0 && acc * 10 >= n)
			p10 = i;
		if (p90 < 0 && acc * 10 >= n * 9)
			p90 = i;
	}
	if (p90 - p10 < 30)
		return 0;
	thr = (p10 + p90) / 2;
	col = calloc((size_t)rect->w, sizeof *col);
	row = calloc((size_t)rect->h, sizeof *row);
	if (col == NULL || row == NULL) {
		free(col);
		free(row);
		return 0;
	}
	for (y = 0; y < rect->h; y++)
		for (x = 0; x < rect->w; x++)
			if (rect->px[(size_t)y * (size_t)rect->w + (size_t)x] < thr) {
				col[x]++;
				row[y]++;
			}
	for (x = 0; x < rect->w; x++)
		col[x] = col[x] * 100 > rect->h * 25;
	for (y = 0; y < rect->h; y++)
		row[y] = row[y] * 100 > rect->w * 25;
	nc = cell_runs(col, rect->w, rect->w * 8 / 100, clo, chi);
	nr = cell_runs(row, rect->h, rect->h * 8 / 100, rlo, rhi);
	free(col);
	free(row);
	for (j = 0; j < nr; j++)
		for (i = 0; i < nc && k < max; i++) {
			cells[k].x = clo[i];
			cells[k].y = rlo[j];
			cells[k].w = chi[i] - clo[i];
			cells[k].h = rhi[j] - rlo[j];
			k++;
		}
	return k;
}

int
fk_qr_blobs(const fk_image *img, fk_qr_cell *cells, int max, fk_err *e)
{
	struct search s;
	int i, k = 0;

	if (img->w < 64 || img->h < 64)
		return 0;
	/* small enough that a code's modules blur into one grey patch */
	if (search_init(&s, img, BLOB_PIXELS, 8, 2, e) != 0)
		return -1;
	if (s.px == NULL)
		return 0;
	if (search_label(&s, e) != 0) {
		search_free(&s);
		return -1;
	}
	for (i = 0; i < s.nc && k < max; i++) {
		const struct comp *c = &s.c[i];
		long bw = c->x1 - c->x0 + 1, bh = c->y1 - c->y0 + 1;
		int mw, mh, x0, y0, x1, y1;

		if (bw < 8 || bh < 8 || bw * 3 > s.w || bh * 3 > s.h || bw > 2 * bh || bh > 2 * bw ||
		    c->n * 10 < bw * bh * 4)
			continue;
		mw = (int)(bw * s.f / 5);
		mh = (int)(bh * s.f / 5);
		x0 = c->x0 * s.f - mw;
		y0 = c->y0 * s.f - mh;
		x1 = (c->x1 + 1) * s.f + mw;
		y1 = (c->y1 + 1) * s.f + mh;
		cells[k].x = x0 < 0 ? 0 : x0;
		cells[k].y = y0 < 0 ? 0 : y0;
		cells[k].w = (x1 > img->w ? img->w : x1) - cells[k].x;
		cells[k].h = (y1 > img->h ? img->h : y1) - cells[k].y;
		k++;
	}
	search_free(&s);
	return k;
}
