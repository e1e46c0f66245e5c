/*
 * cmd_qr.c - `fieldkit qr send` and `fieldkit qr receive`: moving a file as a
 * stream of QR codes (terminal animation, PNG frames, printable sheets;
 * images or a camera on the receiving side).
 *
 * The received file is written only once it is complete and verified, and
 * atomically. The camera path is a thin shell around zbar's processor: all
 * decoding behind it is the same as for --images.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>
#include <zbar.h>

#include "cli.h"
#include "io.h"
#include "qr.h"

static volatile sig_atomic_t qr_stop;

static void
qr_on_signal(int sig)
{
	(void)sig;
	qr_stop = 1;
}

static void
qr_catch_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = qr_on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
}

static const char send_usage[] = N_("Usage:\n"
		     "  fieldkit qr send FILE --terminal [--fps N] [--count N]\n"
		     "  fieldkit qr send FILE --png DIR [--extra PERCENT]\n"
		     "  fieldkit qr send FILE --sheet STEM [--extra PERCENT]\n\n"
		     "Sends FILE as a stream of QR codes: any k+2 of the frames rebuild it.\n\n"
		     "Options:\n"
		     "      --terminal         animate the codes in this terminal (Ctrl-C stops)\n"
		     "      --fps N            frames per second on the terminal (0.5 to 15, default 8)\n"
		     "      --count N          stop the animation after N frames\n"
		     "      --png DIR          write DIR/frame-00001.png ...: k frames plus --extra\n"
		     "      --sheet STEM       write printable A4 pages STEM-1.png ... (300 dpi)\n"
		     "      --extra PERCENT    repair frames beyond k, in percent of k (default 50 for\n"
		     "                         --png; for --sheet 10, at least 4)\n"
		     "      --version V        QR version 1 to 40 (default 20; 10 for --sheet; on a\n"
		     "                         terminal the largest that fits, at most 25)\n"
		     "      --level L|M|Q|H    error correction level (default M)\n"
		     "      --binary           raw bytes in byte mode instead of Base45 text\n"
		     "      --scale N          pixels per module in PNGs (default 4; 8 for --sheet)\n"
		     "  -h, --help             show this help\n");

static const char recv_usage[] = N_("Usage:\n"
		     "  fieldkit qr receive --images FILE|DIR [FILE|DIR]... [-o OUTPUT]\n"
		     "  fieldkit qr receive --camera /dev/videoN [-o OUTPUT]\n"
		     "  fieldkit qr receive --text FILE [-o OUTPUT]\n\n"
		     "Rebuilds a file from photos or screenshots of QR stream frames (PNG or JPEG),\n"
		     "or from a camera. The file is written only when it is whole and its SHA-256\n"
		     "checks out.\n\n"
		     "Options:\n"
		     "      --images FILE|DIR  images to read (a directory: its .png/.jpg files)\n"
		     "      --camera DEV       read from a video device until the file is complete\n"
		     "      --text FILE        read frames as Base45 text, one per line (from another\n"
		     "                         QR decoder; - for standard input)\n"
		     "  -o, --output FILE      write the file here (atomically); default: stdout\n"
		     "  -h, --help             show this help\n");

static const char qr_usage[] = N_("Usage:\n"
		     "  fieldkit qr send FILE (--terminal | --png DIR | --sheet STEM) [options]\n"
		     "  fieldkit qr receive (--images FILE|DIR... | --camera DEV | --text FILE)\n"
		     "                     [-o OUTPUT]\n\n"
		     "Moves a file as a stream of QR codes (see `fieldkit qr send --help` and\n"
		     "`fieldkit qr receive --help`).\n");

static int
parse_num(const char *s, double lo, double hi, double *v)
{
	char *end;

	errno = 0;
	*v = strtod(s, &end);
	return errno == 0 && end != s && *end == '\0' && *v >= lo && *v <= hi ? 0 : -1;
}

static int
term_size(int *cols, int *rows)
{
	struct winsize ws;

	if (ioctl(1, TIOCGWINSZ, &ws) != 0 || ws.ws_col == 0 || ws.ws_row == 0)
		return -1;
	*cols = ws.ws_col;
	*rows = ws.ws_row;
	return 0;
}

/* The largest version (at most 25) whose code fits the terminal; 0 if none. */
static int
term_version(int margin)
{
	int cols, rows, v, side;

	if (term_size(&cols, &rows) != 0)
		return 10;
	for (v = 25; v >= 1; v--) {
		side = 17 + 4 * v + 2 * margin;
		if (side <= cols && (side + 1) / 2 + 1 <= rows)
			return v;
	}
	return 0;
}

static void
sleep_until(struct timespec *t, double period)
{
	long ns = (long)(period * 1e9);

	t->tv_sec += ns / 1000000000L;
	t->tv_nsec += ns % 1000000000L;
	if (t->tv_nsec >= 1000000000L) {
		t->tv_sec++;
		t->tv_nsec -= 1000000000L;
	}
	while (!qr_stop && clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, t, NULL) == EINTR)
		;
}

/* "2 min 10 s", "45 s", "1 h 5 min" */
static const char *
duration(double secs, char *buf, size_t n)
{
	unsigned long s = (unsigned long)(secs + 0.5);

	if (s >= 3600)
		snprintf(buf, n, _("%lu h %lu min"), s / 3600, (s % 3600 + 59) / 60);
	else if (s >= 60)
		snprintf(buf, n, _("%lu min %lu s"), s / 60, s % 60);
	else
		snprintf(buf, n, _("%lu s"), s ? s : 1);
	return buf;
}

/*
 * The size a stream can carry at the version and level chosen: fewer than
 * FK_QR_MAX_K frames of chunk bytes (the file's SHA-256 travels with it), and
 * never more than FK_QR_MAX_LEN. The message quotes the limit that applies.
 */
static int
check_size(const fk_buf *file, const char *name, const fk_qr_opts *o, fk_err *e)
{
	size_t chunk, max;

	if (fk_qr_chunk_size(o->version, o->level, o->binary, &chunk, e) != 0)
		return -1;
	max = (size_t)FK_QR_MAX_K * chunk - FK_SHA256_LEN;
	if (max > FK_QR_MAX_LEN)
		max = FK_QR_MAX_LEN;
	if (file->len <= max)
		return 0;
	if (max == FK_QR_MAX_LEN)
		return fk_fail(e, FK_ELIMIT, _("%s is %zu bytes; a QR stream carries at most %zu "
		    "bytes (16 MiB); use a USB bundle"), name, file->len, max);
	return fk_fail(e, FK_ELIMIT, _("%s is %zu bytes; at QR version %d a stream carries at "
	    "most %zu bytes (%u frames of %zu bytes); choose a higher --version, or use a USB "
	    "bundle"), name, file->len, o->version, max, FK_QR_MAX_K, chunk);
}

static int
send_terminal(const fk_buf *file, const char *name, fk_qr_opts *o, double fps,
    unsigned long count, fk_err *e)
{
	char t1[64], t2[64];
	fk_qr_stream s;
	fk_buf out = {0};
	struct timespec t;
	unsigned long n;
	QRcode *c;
	int rc = 0, cols, rows;

	o->margin = 2;
	if (o->version == 0 && (o->version = term_version(o->margin)) == 0)
		return fk_fail(e, FK_EUSAGE,
		    _("the terminal is too small for a QR code; enlarge it or use a smaller font"));
	if (term_size(&cols, &rows) == 0 && (17 + 4 * o->version + 2 * o->margin > cols ||
	    (17 + 4 * o->version + 2 * o->margin + 1) / 2 + 1 > rows))
		fk_warn(_("a version %d code does not fit this terminal (%d x %d); enlarge it or "
		    "use a lower --version"), o->version, cols, rows);
	if (check_size(file, name, o, e) != 0 || fk_qr_stream_init(&s, file->p, file->len, o, e) != 0)
		return -1;
	/* Before the animation takes the screen (and in the scroll-back after it). */
	fprintf(stderr, _("%s: %zu bytes in k = %u frames at %g fps: about %s when every frame "
	    "is caught (k + 2 frames), %s if a third are missed\n"), fk_show(name), file->len, s.k,
	    fps, duration((s.k + 2) / fps, t1, sizeof t1), duration(1.5 * (s.k + 2) / fps, t2,
	    sizeof t2));
	qr_catch_signals();
	fputs("\033[?1049h\033[?25l\033[2J", stdout);
	clock_gettime(CLOCK_MONOTONIC, &t);
	for (n = 0; !qr_stop && (count == 0 || n < count); n++) {
		if ((c = fk_qr_stream_code(&s, (uint32_t)n, e)) == NULL) {
			rc = -1;
			break;
		}
		out.len = 0;
		rc = fk_buf_append(&out, "\033[H", 3, e);
		if (rc == 0)
			rc = fk_qr_code_text(c, o->margin, &out, e);
		QRcode_free(c);
		if (rc != 0)
			break;
		fwrite(out.p, 1, out.len, stdout);
		fputs("\033[K", stdout);
		printf(_("%s: frame %lu, k = %u, QR version %d, about %s to go - Ctrl-C to stop"),
		    fk_show(name), n + 1, s.k, o->version,
		    duration(n + 1 >= s.k + 2 ? 0 : (s.k + 1 - n) / fps, t1, sizeof t1));
		fflush(stdout);
		sleep_until(&t, 1.0 / fps);
	}
	fputs("\033[0m\033[?25h\033[?1049l", stdout);
	fflush(stdout);
	fprintf(stderr, _("showed %lu frames of %s (k = %u)\n"), n, fk_show(name), s.k);
	fk_buf_free(&out);
	fk_qr_stream_free(&s);
	return rc;
}

static const char *
base_name(const char *p)
{
	const char *s = strrchr(p, '/');

	return s != NULL ? s + 1 : p;
}

/* k of a file at the chosen version and level. */
static int
stream_k(const fk_buf *file, const fk_qr_opts *o, uint32_t *k, fk_err *e)
{
	size_t chunk;

	if (fk_qr_chunk_size(o->version, o->level, o->binary, &chunk, e) != 0)
		return -1;
	*k = fk_qrframe_k(file->len, chunk);
	return 0;
}

/* What a set of n frames of a stream of k can lose (any k + 2 restore the file). */
static void
say_frames(uint32_t n, uint32_t k)
{
	if (n > k + 2)
		fprintf(stderr, _("any %u of these %u frames restore the file (k = %u, plus 2 "
		    "to be safe): up to %u may be lost\n"), k + 2, n, k, n - k - 2);
	else if (n == k + 2)
		fprintf(stderr, _("these %u frames restore the file (k = %u, plus 2 to be safe); "
		    "--extra adds spare frames\n"), n, k);
	else
		fprintf(stderr, _("the file needs all %u frames (k = %u and fewer than 2 spare); "
		    "--extra adds spare frames\n"), n, k);
}

static int
send_png(const fk_buf *file, const char *name, const char *dir, fk_qr_opts *o, double extra,
    fk_err *e)
{
	uint32_t n, k;
	char t[64];

	if (o->version == 0)
		o->version = 20;
	if (o->scale == 0)
		o->scale = 4;
	if (check_size(file, name, o, e) != 0 || stream_k(file, o, &k, e) != 0)
		return -1;
	/* By default 50% spare frames, and never fewer than 2 (so any k + 2 holds). */
	if (extra < 0) {
		extra = 50;
		if (fk_qr_extra_frames(k, (unsigned)extra) < 2)
			extra = (200 + k - 1) / k;
	}
	if (fk_qr_send_png(file->p, file->len, dir, (unsigned)extra, o, &n, e) != 0)
		return -1;
	fprintf(stderr, _("wrote %u frames to %s; shown at 8 fps they take about %s\n"), n, dir,
	    duration(n / 8.0, t, sizeof t));
	say_frames(n, k);
	return 0;
}

static int
send_sheet(const fk_buf *file, const char *name, const char *stem, fk_qr_opts *o,
    double extra, fk_err *e)
{
	uint32_t k, r;
	unsigned pages;
	char *dir, *slash;

	if (o->version == 0)
		o->version = 10;
	if (o->scale == 0)
		o->scale = 8;
	if (check_size(file, name, o, e) != 0 || stream_k(file, o, &k, e) != 0)
		return -1;
	r = fk_qr_extra_frames(k, extra < 0 ? 10 : (unsigned)extra);
	if (r < 4 && extra < 0)
		r = 4;
	/* The pages' folder, like --png's. */
	if ((dir = strdup(stem)) == NULL)
		return fk_fail(e, FK_ENOMEM, _("out of memory"));
	if ((slash = strrchr(dir, '/')) != NULL && slash != dir) {
		*slash = 0;
		if (fk_mkdirs(dir, 0755, e) != 0) {
			free(dir);
			return -1;
		}
	}
	free(dir);
	if (fk_qr_send_sheet(file->p, file->len, name, stem, r, o, &pages, e) != 0)
		return -1;
	fprintf(stderr, _("wrote %u pages %s-1.png ... with %u codes\n"), pages, stem, k + r);
	say_frames(k + r, k);
	return 0;
}

static int
qr_send(const struct fk_call *call, int argc, char **argv)
{
	const char *png = NULL, *sheet = NULL, *input, *fpss = NULL, *counts = NULL;
	const char *extras = NULL, *versions = NULL, *level = NULL, *scales = NULL;
	int term = 0, binary = 0, modes, rc;
	const struct fk_opt opt[] = {
		FK_FLAG("terminal", 0, &term), FK_STR("fps", 0, &fpss), FK_STR("count", 0, &counts),
		FK_STR("png", 0, &png), FK_STR("sheet", 0, &sheet), FK_STR("extra", 0, &extras),
		FK_STR("version", 0, &versions), FK_STR("level", 0, &level),
		FK_FLAG("binary", 0, &binary), FK_STR("scale", 0, &scales), FK_OPT_END,
	};
	double fps = 8, v, extra = -1, count = 0;
	fk_qr_opts o;
	fk_buf file = {0};
	fk_args pos;
	fk_err e = {0};

	fk_qr_opts_default(&o);
	o.version = 0;
	o.scale = 0;
	if ((rc = fk_opts_parse(call->cmd, send_usage, opt, argc, argv, &pos)) != FK_GO)
		return rc;
	o.binary = binary;
	if (fpss != NULL && parse_num(fpss, 0.5, 15, &fps) != 0)
		return fk_usage_error(call->cmd, _("--fps takes 0.5 to 15 (a 30 fps camera "
		    "needs at least two captures of each frame)"));
	if (counts != NULL && parse_num(counts, 1, 4e9, &count) != 0)
		return fk_usage_error(call->cmd, _("--count takes a positive number"));
	if (extras != NULL && parse_num(extras, 0, 1000, &extra) != 0)
		return fk_usage_error(call->cmd, _("--extra takes 0 to 1000 (percent)"));
	if (versions != NULL) {
		if (parse_num(versions, 1, 40, &v) != 0 || v != (int)v)
			return fk_usage_error(call->cmd, _("--version takes 1 to 40"));
		o.version = (int)v;
	}
	if (level != NULL && (o.level = fk_qr_parse_level(level)) < 0)
		return fk_usage_error(call->cmd, _("--level takes L, M, Q or H"));
	if (scales != NULL) {
		if (parse_num(scales, 1, 40, &v) != 0 || v != (int)v)
			return fk_usage_error(call->cmd, _("--scale takes 1 to 40"));
		o.scale = (int)v;
	}
	if (pos.n != 1)
		return fk_usage_error(call->cmd, _("give exactly one FILE to send"));
	input = pos.v[0];
	modes = term + (png != NULL) + (sheet != NULL);
	if (modes != 1)
		return fk_usage_error(call->cmd, _("choose one of --terminal, --png and --sheet"));
	if (fk_read_file(input, FK_QR_MAX_LEN, &file, &e) != 0) {
		if (e.code == FK_ELIMIT)
			fk_fail(&e, FK_ELIMIT, _("%s is larger than a QR stream carries (16 MiB); "
			    "use a USB bundle"), input);
		return fk_report(&e);
	}
	if (term)
		rc = send_terminal(&file, base_name(input), &o, fps, (unsigned long)count, &e);
	else if (png != NULL)
		rc = send_png(&file, base_name(input), png, &o, extra, &e);
	else
		rc = send_sheet(&file, base_name(input), sheet, &o, extra, &e);
	fk_buf_free(&file);
	return rc == 0 ? FK_EXIT_OK : fk_report(&e);
}

static void
show_progress(const fk_qr_progress *p, const char *image, void *ctx)
{
	(void)image;
	if (ctx != NULL)
		*(fk_qr_progress *)ctx = *p;
	if (!fk_progress_enabled())
		return;
	fputs("\r\033[K", stderr);
	if (p->k == 0)
		fprintf(stderr, _("images %lu, codes %lu, no stream frame yet"), p->images,
		    p->symbols);
	else
		fprintf(stderr, _("images %lu, frames seen %lu, useful %lu, have %u of %u, "
		    "need %u more"), p->images, p->frames, p->useful, p->rank, p->k,
		    p->done ? 0 : p->k - p->rank);
}

struct cam {
	fk_qr_rx *rx;
	fk_err e;
	volatile int state; /* 0 running, 1 done, -1 error */
};

static void
cam_handler(zbar_image_t *img, const void *ud)
{
	struct cam *c = (struct cam *)ud;
	const zbar_symbol_t *sym;
	fk_qr_progress p;

	for (sym = zbar_image_first_symbol(img); sym != NULL && c->state == 0;
	    sym = zbar_symbol_next(sym)) {
		/* The processor's cache reports a symbol still in view again with count > 0. */
		if (zbar_symbol_get_type(sym) != ZBAR_QRCODE || zbar_symbol_get_count(sym) > 0)
			continue;
		if (fk_qr_rx_feed(c->rx, (const uint8_t *)zbar_symbol_get_data(sym),
		    zbar_symbol_get_data_length(sym), &c->e) < 0)
			c->state = -1;
		else if (fk_qr_rx_done(c->rx))
			c->state = 1;
	}
	fk_qr_rx_progress(c->rx, &p);
	show_progress(&p, NULL, NULL);
}

/* Thin by design: zbar's processor feeds symbols into the same receiver. */
static int
recv_camera(const char *dev, fk_buf *out, fk_err *e)
{
	struct cam c = {NULL, {0}, 0};
	zbar_processor_t *proc;
	int rc = -1;

	if ((c.rx = fk_qr_rx_new(0, e)) == NULL)
		return -1;
	proc = zbar_processor_create(1);
	if (proc == NULL) {
		fk_qr_rx_free(c.rx);
		return fk_fail(e, FK_ENOMEM, _("out of memory"));
	}
	zbar_processor_set_config(proc, 0, ZBAR_CFG_ENABLE, 0);
	zbar_processor_set_config(proc, ZBAR_QRCODE, ZBAR_CFG_ENABLE, 1);
	zbar_processor_set_config(proc, ZBAR_QRCODE, ZBAR_CFG_BINARY, 1);
	/* 720p: a V20-V25 code needs ~4 px per module (docs/qr-stream.md). */
	zbar_processor_request_size(proc, 1280, 720);
	if (zbar_processor_init(proc, dev, 0) != 0) {
		fk_fail(e, FK_EIO, _("cannot open the camera %s; check the device name and "
		    "that no other program uses it"), dev);
		goto out;
	}
	zbar_processor_set_data_handler(proc, cam_handler, &c);
	if (zbar_processor_set_active(proc, 1) != 0) {
		fk_fail(e, FK_EIO, _("cannot start the camera %s"), dev);
		goto out;
	}
	qr_catch_signals();
	/* No window: wait for decoded output, not for user input (zbar_processor_user_wait). */
	while (c.state == 0 && !qr_stop)
		if (zbar_process_one(proc, 250) < 0 && !qr_stop) {
			fk_fail(e, FK_EIO, _("the camera %s stopped"), dev);
			c.state = -2;
			break;
		}
	zbar_processor_set_active(proc, 0);
	if (c.state == -1)
		*e = c.e;
	else if (c.state == 0 || c.state == 1)
		rc = fk_qr_rx_take(c.rx, out, e);
out:
	zbar_processor_destroy(proc);
	fk_qr_rx_free(c.rx);
	return rc;
}

static int
recv_text(const char *path, fk_buf *out, fk_err *e)
{
	fk_buf t = {0};
	int rc;

	if (fk_read_file(path, 4 * (size_t)FK_QR_MAX_LEN, &t, e) != 0)
		return fk_prefix(e, "%s", path);
	rc = fk_qr_receive_text(t.p, t.len, out, e);
	fk_buf_free(&t);
	return rc;
}

static int
qr_receive(const struct fk_call *call, int argc, char **argv)
{
	const char *camera = NULL, *output = NULL, *text = NULL;
	fk_args images = {0}, pos;
	const struct fk_opt opt[] = {
		FK_LIST("images", 0, &images), FK_STR("camera", 0, &camera),
		FK_STR("text", 0, &text), FK_STR("output", 'o', &output), FK_OPT_END,
	};
	const char **paths = NULL;
	size_t n = 0, i;
	fk_buf file = {0};
	fk_err e = {0};
	int rc;
	uint8_t h[FK_SHA256_LEN];
	char hex[FK_SHA256_HEX + 1];
	fk_qr_progress p = {0};

	if ((rc = fk_opts_parse(call->cmd, recv_usage, opt, argc, argv, &pos)) != FK_GO)
		return rc;
	if ((pos.n > 0 && images.n == 0) || (images.n > 0) + (camera != NULL) + (text != NULL) != 1)
		return fk_usage_error(call->cmd,
		    _("give one of --images FILE|DIR..., --camera DEV and --text FILE"));
	if (output == NULL && isatty(1))
		return fk_usage_error(call->cmd, _("give -o FILE, or redirect the output"));
	if (images.n > 0) {
		/* --images FILE|DIR, then any further arguments. */
		if ((paths = calloc(images.n + pos.n, sizeof *paths)) == NULL)
			return fk_report(&(fk_err){FK_ENOMEM, "out of memory"});
		for (i = 0; i < images.n; i++)
			paths[n++] = images.v[i];
		for (i = 0; i < pos.n; i++)
			paths[n++] = pos.v[i];
	}
	if (camera != NULL)
		rc = recv_camera(camera, &file, &e);
	else if (text != NULL)
		rc = recv_text(text, &file, &e);
	else
		rc = fk_qr_receive_images(paths, n, &file, show_progress, &p, &e);
	if (fk_progress_enabled())
		fputc('\n', stderr);
	free(paths);
	if (rc == 0) {
		if (output != NULL)
			rc = fk_write_file_atomic(output, file.p, file.len, 0600, &e);
		else if (fwrite(file.p, 1, file.len, stdout) != file.len || fflush(stdout) != 0)
			rc = fk_fail(&e, FK_EIO, _("cannot write the output: %s"), strerror(errno));
	}
	if (rc == 0) {
		crypto_hash_sha256(h, file.p, file.len);
		fk_hex(h, sizeof h, hex);
		fprintf(stderr, _("received %zu bytes, SHA-256 %s (verified)\n"), file.len, hex);
		if (p.images > 0)
			fprintf(stderr, _("from %lu images: %lu QR codes, %lu frames of the stream, "
			    "%lu useful, k = %u\n"), p.images, p.symbols, p.frames - p.other - p.refused,
			    p.useful, p.k);
		if (p.unreadable > 0)
			fk_warn(_("%lu files were not readable images and were skipped"), p.unreadable);
	}
	fk_buf_free(&file);
	return rc == 0 ? FK_EXIT_OK : fk_report(&e);
}

static int
cmd_qr(int argc, char **argv)
{
	static const struct fk_sub subs[] = {{"send", qr_send, NULL}, {"receive", qr_receive, NULL}};

	return fk_subcommands("qr", qr_usage, NULL, subs, sizeof subs / sizeof subs[0], NULL,
	    argc, argv);
}

FK_COMMAND(qr, N_("send or receive a file as a stream of QR codes"), cmd_qr);
