/*
 * qr_camsim.c - what a camera sees of a QR frame shown on a screen, or of a
 * printed page photographed by a phone: the judge of tests/cli/qr_camera.sh
 * and tests/bench/qr_camera_bench.sh (a test tool, not installed).
 *
 *   qr_camsim screen [options] -o OUTDIR IN.png...
 *   qr_camsim paper  [options] -o OUTDIR IN.png...
 *
 * screen: IN is put on a WxH screen (--screen, default 1920x1080; --fit
 * scales it to fit, bilinear, as a full-screen image viewer does; otherwise
 * 1:1, centred, on black) with a dark bezel. A CWxCH camera (--camera,
 * default 1280x720) sees the screen at --scale camera pixels per screen pixel
 * (default 0.6: the screen spans 90% of the picture's width), or at --ppm P
 * camera pixels per module given --module M screen pixels per module of IN.
 * The picture's corners are then displaced by --key K times the picture's
 * size (--pattern random: each corner by K in x and y with random signs;
 * yaw: the right side farther away; pitch: the top farther away) and the
 * result recentred where the camera points; --rot turns it by degrees.
 * Each camera pixel integrates 4x4 samples; the screen's black and white
 * become grey 35 and 215; then Gaussian blur (--blur sigma, default 1.0 px),
 * Gaussian noise (--noise sigma, default 5 grey levels) and JPEG (--quality,
 * default 70). --corners prints where the screen's corners landed.
 * paper: IN is an A4 page; a phone camera (default 3024x4032) sees the page
 * filling --cover (0.9) of its picture, turned by --rot, keystoned by --key;
 * --light L darkens one side (a gradient in a random direction) and the
 * corners (vignette); --shadow S darkens the page beyond a soft straight edge
 * at a random angle by S (0.5: to half); --fold F creases the page across
 * the middle (a dark line), shading the lower half and bending it by F of
 * the picture's size. A page turned by --rot fills --cover of the picture
 * whatever the angle; turned by about a quarter (45-135 degrees), the phone
 * is held sideways (the picture's width and height swapped).
 * Every image gets its own random jitter from --seed and its position.
 */
#include <math.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h>
#include <png.h>

typedef struct {
	int w, h;
	float *p;
} img_t;

static uint64_t rs;

static double
urand(void)
{
	rs ^= rs << 13;
	rs ^= rs >> 7;
	rs ^= rs << 17;
	return (double)(rs >> 11) / 9007199254740992.0;
}

static double
nrand(void)
{
	double u = urand(), v = urand();

	if (u < 1e-12)
		u = 1e-12;
	return sqrt(-2 * log(u)) * cos(2 * M_PI * v);
}

static int
load_png(const char *path, img_t *im)
{
	png_image pi;
	uint8_t *b;
	size_t i;

	memset(&pi, 0, sizeof pi);
	pi.version = PNG_IMAGE_VERSION;
	if (!png_image_begin_read_from_file(&pi, path))
		return -1;
	pi.format = PNG_FORMAT_GRAY;
	b = malloc(PNG_IMAGE_SIZE(pi));
	if (!png_image_finish_read(&pi, NULL, b, 0, NULL))
		return -1;
	im->w = (int)pi.width;
	im->h = (int)pi.height;
	im->p = malloc(sizeof(float) * (size_t)im->w * (size_t)im->h);
	for (i = 0; i < (size_t)im->w * (size_t)im->h; i++)
		im->p[i] = b[i];
	free(b);
	return 0;
}

static void
save_jpeg(const char *path, const img_t *im, int q)
{
	struct jpeg_compress_struct c;
	struct jpeg_error_mgr jerr;
	FILE *f = fopen(path, "wb");
	uint8_t *row = malloc((size_t)im->w);
	int x;

	if (f == NULL) {
		perror(path);
		exit(1);
	}
	c.err = jpeg_std_error(&jerr);
	jpeg_create_compress(&c);
	jpeg_stdio_dest(&c, f);
	c.image_width = (JDIMENSION)im->w;
	c.image_height = (JDIMENSION)im->h;
	c.input_components = 1;
	c.in_color_space = JCS_GRAYSCALE;
	jpeg_set_defaults(&c);
	jpeg_set_quality(&c, q, TRUE);
	jpeg_start_compress(&c, TRUE);
	while (c.next_scanline < c.image_height) {
		const float *s = im->p + (size_t)c.next_scanline * (size_t)im->w;
		JSAMPROW r = row;

		for (x = 0; x < im->w; x++)
			row[x] = (uint8_t)(s[x] < 0 ? 0 : s[x] > 255 ? 255 : lrintf(s[x]));
		jpeg_write_scanlines(&c, &r, 1);
	}
	jpeg_finish_compress(&c);
	jpeg_destroy_compress(&c);
	fclose(f);
	free(row);
}

static float
at(const img_t *im, double x, double y, float outside)
{
	int x0 = (int)floor(x), y0 = (int)floor(y);
	double fx = x - x0, fy = y - y0;
	float a, b, c, d;

	if (x0 < -1 || y0 < -1 || x0 >= im->w || y0 >= im->h)
		return outside;
#define PX(X, Y) ((X) < 0 || (Y) < 0 || (X) >= im->w || (Y) >= im->h ? outside : \
	im->p[(size_t)(Y) * (size_t)im->w + (size_t)(X)])
	a = PX(x0, y0);
	b = PX(x0 + 1, y0);
	c = PX(x0, y0 + 1);
	d = PX(x0 + 1, y0 + 1);
#undef PX
	return (float)((a * (1 - fx) + b * fx) * (1 - fy) + (c * (1 - fx) + d * fx) * fy);
}

/*
 * Homography from 4 points src -> dst: h[9] with h[8] = 1. The simulator has
 * its own (sync/qrring.c has the receiver's): the judge shares no code with
 * what it judges.
 */
static void
homography(const double src[8], const double dst[8], double h[9])
{
	double a[8][9];
	int i, j, k, piv;

	for (i = 0; i < 4; i++) {
		double x = src[2 * i], y = src[2 * i + 1], u = dst[2 * i], v = dst[2 * i + 1];
		double r1[9] = {x, y, 1, 0, 0, 0, -u * x, -u * y, u};
		double r2[9] = {0, 0, 0, x, y, 1, -v * x, -v * y, v};

		memcpy(a[2 * i], r1, sizeof r1);
		memcpy(a[2 * i + 1], r2, sizeof r2);
	}
	for (i = 0; i < 8; i++) {
		piv = i;
		for (j = i + 1; j < 8; j++)
			if (fabs(a[j][i]) > fabs(a[piv][i]))
				piv = j;
		for (k = 0; k < 9; k++) {
			double t = a[i][k];
			a[i][k] = a[piv][k];
			a[piv][k] = t;
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
}

static void
happly(const double h[9], double x, double y, double *u, double *v)
{
	double w = h[6] * x + h[7] * y + h[8];

	*u = (h[0] * x + h[1] * y + h[2]) / w;
	*v = (h[3] * x + h[4] * y + h[5]) / w;
}

static void
blur(img_t *im, double sigma)
{
	int r = (int)ceil(sigma * 3), x, y, k;
	float *kern, *tmp;
	double s = 0;

	if (sigma <= 0.05)
		return;
	kern = malloc(sizeof(float) * (size_t)(2 * r + 1));
	tmp = malloc(sizeof(float) * (size_t)im->w * (size_t)im->h);
	for (k = -r; k <= r; k++)
		s += kern[k + r] = (float)exp(-k * k / (2 * sigma * sigma));
	for (k = 0; k <= 2 * r; k++)
		kern[k] /= (float)s;
	for (y = 0; y < im->h; y++)
		for (x = 0; x < im->w; x++) {
			float a = 0;

			for (k = -r; k <= r; k++) {
				int xx = x + k < 0 ? 0 : x + k >= im->w ? im->w - 1 : x + k;
				a += kern[k + r] * im->p[(size_t)y * im->w + xx];
			}
			tmp[(size_t)y * im->w + x] = a;
		}
	for (y = 0; y < im->h; y++)
		for (x = 0; x < im->w; x++) {
			float a = 0;

			for (k = -r; k <= r; k++) {
				int yy = y + k < 0 ? 0 : y + k >= im->h ? im->h - 1 : y + k;
				a += kern[k + r] * tmp[(size_t)yy * im->w + x];
			}
			im->p[(size_t)y * im->w + x] = a;
		}
	free(tmp);
	free(kern);
}

/* Scales src to fit a WxH canvas (bilinear with area prefilter when shrinking), centred. */
static void
place(const img_t *src, img_t *dst, int fit, float bg)
{
	double s = 1, ox, oy;
	int x, y, i, j, ss;

	if (fit) {
		s = fmin((double)dst->w / src->w, (double)dst->h / src->h);
	}
	ss = s < 1 ? (int)ceil(1 / s) : 1;
	ox = (dst->w - src->w * s) / 2;
	oy = (dst->h - src->h * s) / 2;
	for (y = 0; y < dst->h; y++)
		for (x = 0; x < dst->w; x++) {
			float a = 0;

			for (j = 0; j < ss; j++)
				for (i = 0; i < ss; i++) {
					double sx = (x + (i + 0.5) / ss - ox) / s - 0.5;
					double sy = (y + (j + 0.5) / ss - oy) / s - 0.5;

					if (sx < -0.5 || sy < -0.5 || sx > src->w - 0.5 || sy > src->h - 0.5)
						a += bg;
					else
						a += at(src, sx < 0 ? 0 : sx > src->w - 1 ? src->w - 1 : sx,
						    sy < 0 ? 0 : sy > src->h - 1 ? src->h - 1 : sy, bg);
				}
			dst->p[(size_t)y * dst->w + x] = a / (ss * ss);
		}
}

struct opts {
	int paper;
	int sw, sh, cw, ch;
	double scale, ppm, module, key, rot, blur, noise, light, fold, cover, shadow;
	double black, white;
	int fit, quality, pattern, corners;
	unsigned seed;
};

/* Renders the camera image: cam(x,y) = mean of src(H^-1(x,y)) over 4x4 samples. */
static void
render(const img_t *scr, img_t *cam, const double hinv[9], const double *hinv2, double foldy,
    float outside)
{
	int x, y, i, j;

	for (y = 0; y < cam->h; y++)
		for (x = 0; x < cam->w; x++) {
			float a = 0;

			for (j = 0; j < 4; j++)
				for (i = 0; i < 4; i++) {
					double u, v;

					happly(hinv, x + (i + 0.5) / 4, y + (j + 0.5) / 4, &u, &v);
					if (hinv2 != NULL && v > foldy)
						happly(hinv2, x + (i + 0.5) / 4, y + (j + 0.5) / 4, &u, &v);
					a += at(scr, u - 0.5, v - 0.5, outside);
				}
			cam->p[(size_t)y * cam->w + x] = a / 16;
		}
}

static void
inv3(const double m[9], double r[9])
{
	double d = m[0] * (m[4] * m[8] - m[5] * m[7]) - m[1] * (m[3] * m[8] - m[5] * m[6]) +
	    m[2] * (m[3] * m[7] - m[4] * m[6]);

	r[0] = (m[4] * m[8] - m[5] * m[7]) / d;
	r[1] = (m[2] * m[7] - m[1] * m[8]) / d;
	r[2] = (m[1] * m[5] - m[2] * m[4]) / d;
	r[3] = (m[5] * m[6] - m[3] * m[8]) / d;
	r[4] = (m[0] * m[8] - m[2] * m[6]) / d;
	r[5] = (m[2] * m[3] - m[0] * m[5]) / d;
	r[6] = (m[3] * m[7] - m[4] * m[6]) / d;
	r[7] = (m[1] * m[6] - m[0] * m[7]) / d;
	r[8] = (m[0] * m[4] - m[1] * m[3]) / d;
}

/*
 * The four corners (TL, TR, BR, BL) of a sw x sh rectangle seen at `scale`,
 * centred in the camera picture with a little random offset, rotated, then
 * the picture's corners displaced by key * picture size.
 */
static void
corners(const struct opts *o, double sw, double sh, double scale, double out[8])
{
	double cx = o->cw / 2.0 + (urand() - 0.5) * 0.02 * o->cw;
	double cy = o->ch / 2.0 + (urand() - 0.5) * 0.02 * o->ch;
	double rot = (o->rot + (urand() - 0.5) * 0.5) * M_PI / 180;
	double pic[8] = {0, 0, o->cw, 0, o->cw, o->ch, 0, o->ch}, disp[8], dh[9];
	int i;

	for (i = 0; i < 4; i++) {
		double x = ((i == 1 || i == 2) ? 0.5 : -0.5) * sw * scale;
		double y = (i >= 2 ? 0.5 : -0.5) * sh * scale;

		out[2 * i] = cx + x * cos(rot) - y * sin(rot);
		out[2 * i + 1] = cy + x * sin(rot) + y * cos(rot);
	}
	for (i = 0; i < 4; i++) {
		double dx = 0, dy = 0, sx = (i == 1 || i == 2) ? 1 : -1, sy = i >= 2 ? 1 : -1;

		switch (o->pattern) {
		case 0: /* random: each corner moved by key in x and y, random signs */
			dx = (urand() < 0.5 ? -1 : 1) * o->key * o->cw;
			dy = (urand() < 0.5 ? -1 : 1) * o->key * o->ch;
			break;
		case 1: /* yaw: the right side farther away (smaller) */
			dy = sx > 0 ? -sy * o->key * o->ch : sy * o->key * o->ch * 0;
			break;
		case 2: /* pitch: the top farther away */
			dx = sy < 0 ? -sx * o->key * o->cw : 0;
			break;
		}
		disp[2 * i] = pic[2 * i] + dx;
		disp[2 * i + 1] = pic[2 * i + 1] + dy;
	}
	homography(pic, disp, dh);
	for (i = 0; i < 4; i++)
		happly(dh, out[2 * i], out[2 * i + 1], &out[2 * i], &out[2 * i + 1]);
	{
		/* the person aims at the middle of what they look at: recentre */
		double x0 = 1e9, x1 = -1e9, y0 = 1e9, y1 = -1e9, sx, sy;

		for (i = 0; i < 4; i++) {
			x0 = fmin(x0, out[2 * i]);
			x1 = fmax(x1, out[2 * i]);
			y0 = fmin(y0, out[2 * i + 1]);
			y1 = fmax(y1, out[2 * i + 1]);
		}
		sx = cx - (x0 + x1) / 2;
		sy = cy - (y0 + y1) / 2;
		for (i = 0; i < 4; i++) {
			out[2 * i] += sx;
			out[2 * i + 1] += sy;
		}
	}
}

static void
camera_finish(const struct opts *o, img_t *cam)
{
	size_t i, n = (size_t)cam->w * cam->h;

	blur(cam, o->blur);
	for (i = 0; i < n; i++)
		cam->p[i] += (float)(nrand() * o->noise);
}

static void
do_screen(const struct opts *o, const img_t *in, img_t *cam)
{
	img_t scr = {o->sw, o->sh, NULL};
	double scale = o->scale, src[8], dst[8], h[9], hi[9];
	size_t i, n;

	scr.p = malloc(sizeof(float) * (size_t)o->sw * o->sh);
	place(in, &scr, o->fit, 0);
	/* the camera sees screen white and black as grey levels */
	n = (size_t)o->sw * o->sh;
	for (i = 0; i < n; i++)
		scr.p[i] = (float)(o->black + (o->white - o->black) * scr.p[i] / 255);
	if (o->ppm > 0) {
		double m = o->module;

		if (o->fit)
			m *= fmin((double)o->sw / in->w, (double)o->sh / in->h);
		scale = o->ppm / m;
	}
	/* a dark bezel of 20 px around the screen */
	{
		img_t big = {o->sw + 40, o->sh + 40, NULL};
		int x, y;

		big.p = malloc(sizeof(float) * (size_t)big.w * big.h);
		for (y = 0; y < big.h; y++)
			for (x = 0; x < big.w; x++)
				big.p[(size_t)y * big.w + x] = x < 20 || y < 20 || x >= o->sw + 20 ||
				    y >= o->sh + 20 ? 15 : scr.p[(size_t)(y - 20) * o->sw + x - 20];
		free(scr.p);
		scr = big;
	}
	src[0] = 0; src[1] = 0; src[2] = scr.w; src[3] = 0;
	src[4] = scr.w; src[5] = scr.h; src[6] = 0; src[7] = scr.h;
	corners(o, scr.w, scr.h, scale, dst);
	homography(src, dst, h);
	if (o->corners) {
		double u[8];
		int q;

		/* the screen's own corners (inside the bezel) */
		happly(h, 20, 20, &u[0], &u[1]);
		happly(h, 20 + o->sw, 20, &u[2], &u[3]);
		happly(h, 20 + o->sw, 20 + o->sh, &u[4], &u[5]);
		happly(h, 20, 20 + o->sh, &u[6], &u[7]);
		for (q = 0; q < 8; q++)
			printf("%.2f%c", u[q], q == 7 ? '\n' : ' ');
	}
	inv3(h, hi);
	render(&scr, cam, hi, NULL, 0, 70);
	free(scr.p);
	camera_finish(o, cam);
}

static void
do_paper(const struct opts *o, const img_t *in, img_t *cam)
{
	img_t pg = *in;
	double scale, src[8], dst[8], dst2[8], h[9], hi[9], h2[9], hi2[9];
	int x, y;
	float *lit;
	double gx = urand() - 0.5, gy = urand() - 0.5, gl = hypot(gx, gy);
	double sa = urand() * 2 * M_PI, sx = cos(sa), sy = sin(sa);

	/* uneven light on the page itself: a gradient across the page plus vignette */
	lit = malloc(sizeof(float) * (size_t)in->w * in->h);
	gx /= gl;
	gy /= gl;
	for (y = 0; y < in->h; y++)
		for (x = 0; x < in->w; x++) {
			double u = (double)x / in->w - 0.5, v = (double)y / in->h - 0.5;
			double g = 1 - o->light * (0.5 + (u * gx + v * gy));
			double vig = 1 - o->light * 0.6 * (u * u + v * v);
			double f = g * vig;
			double val = in->p[(size_t)y * in->w + x];

			/* paper reflects 235, ink 25; the fold's crease is a dark line */
			val = 25 + (235 - 25) * val / 255;
			if (o->fold > 0) {
				double d = fabs(v) * in->h;

				if (d < 6)
					val *= 0.55 + 0.45 * d / 6;
				if (v > 0)
					val *= 0.82; /* the lower half tilts away from the light */
			}
			if (o->shadow > 0) {
				/* a shadow's edge across the page (a hand, a phone), soft over 2% */
				double sd = u * sx + v * sy - 0.15;

				f *= sd > 0.01 ? 1 - o->shadow : sd < -0.01 ? 1 : 1 - o->shadow * (sd + 0.01) / 0.02;
			}
			lit[(size_t)y * in->w + x] = (float)(val * (f < 0.15 ? 0.15 : f));
		}
	pg.p = lit;
	{
		/* the page turned by --rot fills --cover of the picture */
		double r = o->rot * M_PI / 180, bw = fabs(in->w * cos(r)) + fabs(in->h * sin(r));
		double bh = fabs(in->w * sin(r)) + fabs(in->h * cos(r));

		scale = o->cover * o->ch / bh;
		if (o->cover * o->cw / bw < scale)
			scale = o->cover * o->cw / bw;
	}
	src[0] = 0; src[1] = 0; src[2] = in->w; src[3] = 0;
	src[4] = in->w; src[5] = in->h; src[6] = 0; src[7] = in->h;
	corners(o, in->w, in->h, scale, dst);
	homography(src, dst, h);
	inv3(h, hi);
	if (o->fold > 0) {
		/* the lower half bends: its far corners move by fold * picture size */
		double mid[4], s2[8];

		happly(h, 0, in->h / 2.0, &mid[0], &mid[1]);
		happly(h, in->w, in->h / 2.0, &mid[2], &mid[3]);
		s2[0] = 0; s2[1] = in->h / 2.0; s2[2] = in->w; s2[3] = in->h / 2.0;
		s2[4] = in->w; s2[5] = in->h; s2[6] = 0; s2[7] = in->h;
		dst2[0] = mid[0]; dst2[1] = mid[1]; dst2[2] = mid[2]; dst2[3] = mid[3];
		dst2[4] = dst[4] + o->fold * o->cw * 0.5;
		dst2[5] = dst[5] - o->fold * o->ch;
		dst2[6] = dst[6] - o->fold * o->cw * 0.5;
		dst2[7] = dst[7] - o->fold * o->ch;
		homography(s2, dst2, h2);
		inv3(h2, hi2);
		render(&pg, cam, hi, hi2, in->h / 2.0, 90);
		/* camera points that the upper mapping sends to the lower half are drawn
		 * through the lower half's mapping (render); points between them stay. */
	} else {
		render(&pg, cam, hi, NULL, 0, 90);
	}
	free(lit);
	camera_finish(o, cam);
}

int
main(int argc, char **argv)
{
	struct opts o = {0, 1920, 1080, 1280, 720, 0.6, 0, 0, 0, 0, 1.0, 5, 0, 0, 0.9, 0, 35, 215,
	    1, 70, 0, 0, 1};
	const char *outdir = NULL;
	int i, idx = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: camsim screen|paper [options] -o OUTDIR IN.png...\n");
		return 2;
	}
	if (strcmp(argv[1], "paper") == 0) {
		o.paper = 1;
		o.cw = 3024;
		o.ch = 4032;
		o.blur = 1.2;
		o.noise = 4;
		o.quality = 85;
	}
	for (i = 2; i < argc; i++) {
		const char *a = argv[i];
#define ARG(name) (strcmp(a, name) == 0 && i + 1 < argc && (a = argv[++i]) != NULL)
		if (ARG("-o")) outdir = a;
		else if (ARG("--key")) o.key = atof(a);
		else if (ARG("--pattern")) o.pattern = strcmp(a, "yaw") == 0 ? 1 : strcmp(a, "pitch") == 0 ? 2 : 0;
		else if (ARG("--scale")) o.scale = atof(a);
		else if (ARG("--ppm")) o.ppm = atof(a);
		else if (ARG("--module")) o.module = atof(a);
		else if (ARG("--rot")) o.rot = atof(a);
		else if (ARG("--blur")) o.blur = atof(a);
		else if (ARG("--noise")) o.noise = atof(a);
		else if (ARG("--quality")) o.quality = atoi(a);
		else if (ARG("--seed")) o.seed = (unsigned)atoi(a);
		else if (ARG("--light")) o.light = atof(a);
		else if (ARG("--fold")) o.fold = atof(a);
		else if (ARG("--cover")) o.cover = atof(a);
		else if (ARG("--shadow")) o.shadow = atof(a);
		else if (ARG("--camera")) sscanf(a, "%dx%d", &o.cw, &o.ch);
		else if (ARG("--screen")) sscanf(a, "%dx%d", &o.sw, &o.sh);
		else if (strcmp(a, "--fit") == 0) o.fit = 1;
		else if (strcmp(a, "--nofit") == 0) o.fit = 0;
		else if (strcmp(a, "--corners") == 0) o.corners = 1;
		else if (a[0] == '-') { fprintf(stderr, "camsim: unknown option %s\n", a); return 2; }
		else {
			img_t in, cam;
			char path[4096];
			const char *b = strrchr(a, '/');
			char *dot;

			if (outdir == NULL) { fprintf(stderr, "camsim: -o OUTDIR first\n"); return 2; }
			rs = 0x9E3779B97F4A7C15ull ^ ((uint64_t)o.seed << 32) ^ (uint64_t)(++idx * 7919);
			urand(); urand();
			if (load_png(a, &in) != 0) { fprintf(stderr, "camsim: cannot read %s\n", a); return 1; }
			{
				/* a page turned by a quarter: the phone held sideways */
				double r = fmod(fabs(o.rot), 180);

				if (o.paper && r > 45 && r < 135 && o.cw < o.ch) {
					int t = o.cw;

					o.cw = o.ch;
					o.ch = t;
				}
			}
			cam.w = o.cw;
			cam.h = o.ch;
			cam.p = malloc(sizeof(float) * (size_t)cam.w * cam.h);
			if (o.paper)
				do_paper(&o, &in, &cam);
			else
				do_screen(&o, &in, &cam);
			snprintf(path, sizeof path, "%s/%s", outdir, b ? b + 1 : a);
			if ((dot = strrchr(path, '.')) != NULL && dot > strrchr(path, '/'))
				strcpy(dot, ".jpg");
			save_jpeg(path, &cam, o.quality);
			free(in.p);
			free(cam.p);
		}
	}
	return 0;
}
