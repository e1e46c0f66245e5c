/*
 * cmd_qr.c - `fieldkit qr send` and `fieldkit qr receive`: moving a file as a
 * stream of QR codes (terminal animation, PNG frames, printable sheets;
 * images or a camera on the receiving side).
 *
 * The received file is written only once it is complete and verified, and
 * atomically. Pictures from a camera go through the same reader as image
 * files (fk_qr_rx_scan). Both sides say how long the stream takes and how
 * much of it has arrived; the library only reports, this file prints.
 */
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "cli.h"
#include "io.h"
#include "lineedit.h"
#include "qr.h"
#include "text.h"

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
		     "  fieldkit qr send FILE --png DIR [--extra PERCENT] [--screen WxH]\n"
		     "  fieldkit qr send FILE --sheet STEM [--extra PERCENT]\n\n"
		     "Sends FILE as a stream of QR codes: any k+2 of the frames rebuild it. On a\n"
		     "screen (--terminal, --png) several codes are shown at once, inside a dark ring\n"
		     "that lets the receiver read them at an angle. Says first how long the stream\n"
		     "takes at the chosen rate.\n\n"
		     "Options:\n"
		     "      --terminal         animate the codes in this terminal (Ctrl-C stops)\n"
		     "      --png DIR          write DIR/frame-00001.png ...: screen-sized images holding\n"
		     "                         k frames plus --extra, to show full screen one by one\n"
		     "                         (DIR is made if missing; its parent folder must exist)\n"
		     "      --sheet STEM       write printable A4 pages STEM-1.png ... (300 dpi); a\n"
		     "                         folder as STEM (pages/): pages/sheet-1.png ...\n"
		     "      --fps N            screens per second (0.5 to 15, default 8): the terminal's\n"
		     "                         rate, and the one the time estimate assumes for --png\n"
		     "      --count N          stop the animation after N screens\n"
		     "      --extra PERCENT    repair frames beyond k, in percent of k (default 50 for\n"
		     "                         --png; for --sheet 10, at least 4)\n"
		     "      --screen WxH       the screen the PNG frames are for (default 1920x1080)\n"
		     "      --camera WxH       the camera that will read them (default 1280x720); sets\n"
		     "                         the module size: 3.6 camera pixels per module\n"
		     "      --codes CxR        codes per screen, C across and R down (default: the most\n"
		     "                         data the screen and camera allow, at most 6 codes)\n"
		     "      --single           one code per PNG with its quiet zone and no ring (for\n"
		     "                         photos of single frames; what --png wrote before)\n"
		     "      --version V        QR version 1 to 40 (default: chosen with the layout, at\n"
		     "                         most 25; 20 with --single; 10 for --sheet)\n"
		     "      --level L|M|Q|H    error correction level (default L on screens, else M)\n"
		     "      --binary           raw bytes in byte mode instead of Base45 text\n"
		     "      --scale N          pixels per module (--single: default 4; --sheet: 8; on\n"
		     "                         screens the least allowed)\n"
		     "  -h, --help             show this help\n");

static const char recv_usage[] = N_("Usage:\n"
		     "  fieldkit qr receive --images FILE|DIR [FILE|DIR]... [-o OUTPUT]\n"
		     "  fieldkit qr receive --camera /dev/videoN [--size WxH] [-o OUTPUT]\n"
		     "  fieldkit qr receive --text FILE [-o OUTPUT]\n\n"
		     "Rebuilds a file from photos or screenshots of QR stream frames (PNG or JPEG),\n"
		     "or from a camera, showing how much has arrived and which frames are still\n"
		     "missing. The file is written only when it is whole and its SHA-256 checks out.\n\n"
		     "Options:\n"
		     "      --images FILE|DIR  images to read (a directory: its .png/.jpg files)\n"
		     "      --camera DEV       read from a video device until the file is complete\n"
		     "      --size WxH         picture size to ask the camera for (default 1280x720)\n"
		     "      --text FILE        read frames as Base45 text, one per line (from another\n"
		     "                         QR decoder; - for standard input)\n"
		     "      --plain            zbar on whole pictures only: no ring, no second decoder\n"
		     "                         (the reader before screen frames; for comparison)\n"
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
term_size_fd(int fd, int *cols, int *rows)
{
	struct winsize ws;

	if (ioctl(fd, TIOCGWINSZ, &ws) != 0 || ws.ws_col == 0 || ws.ws_row == 0)
		return -1;
	*cols = ws.ws_col;
	*rows = ws.ws_row;
	return 0;
}

static int
term_size(int *cols, int *rows)
{
	return term_size_fd(1, cols, rows);
}

/* Cuts UTF-8 line s in place to the columns of the terminal on fd, less one
 * (a line as wide as the terminal wraps on some), measured as the line editor
 * measures (wide characters take two). */
static void
cut_to_terminal(char *s, int fd)
{
	int cols = 80, rows = 24;
	size_t n = strlen(s), room;

	(void)term_size_fd(fd, &cols, &rows);
	room = cols > 1 ? (size_t)cols - 1 : 1;
	while (n > 0 && fk_le_width(s, n) > room) {
		n--;
		while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
			n--; /* to the first byte of that code point */
	}
	s[n] = '\0';
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

/*
 * The status line under the codes, cut to the terminal's width: a line that
 * wrapped would scroll the screen and take the codes' top margin with it (a
 * bundle's name alone is 60 characters). Autowrap is off while codes are
 * shown (\033[?7l), this is the second guard.
 */
static void status_line(const char *fmt, ...) FK_PRINTF(1, 2);

static void
status_line(const char *fmt, ...)
{
	char line[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	cut_to_terminal(line, 1);
	fputs("\033[K", stdout);
	fputs(line, stdout);
}

/* Whether a terminal too small for any stream frame is the cause of e. */
static int
term_too_small(const fk_qr_opts *o, fk_err *e)
{
	int cols = 0, rows = 0, v;
	size_t chunk;
	fk_err e2 = {0};

	(void)term_size(&cols, &rows);
	for (v = o->version + 1; v <= 40; v++)
		if (fk_qr_chunk_size(v, o->level, o->binary, &chunk, &e2) == 0)
			break;
	fk_err_clear(e);
	return fk_fail(e, FK_EUSAGE, _("the terminal (%d x %d) is too small for a QR stream: "
	    "enlarge it to at least %d x %d or use a smaller font, or write pictures with --png DIR"),
	    cols, rows, 17 + 4 * v + 2 * o->margin, (17 + 4 * v + 2 * o->margin + 1) / 2 + 1);
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

/* What a set of n frames of a stream of k can lose (any k + 2 restore the file). */
static void
say_frames(uint32_t n, uint32_t k)
{
	if (n > k + 2)
		fprintf(stderr, _("any %u of these %u frames restore the file (k = %u, plus 2 "
		    "to be safe): up to %u may be lost\n"), k + 2, n, k, n - k - 2);
	else if (n == k + 2)
		fprintf(stderr, ngettext("this %u frame restores the file (k = %u, plus 2 to be "
		    "safe); --extra adds spare frames\n", "these %u frames restore the file (k = %u, "
		    "plus 2 to be safe); --extra adds spare frames\n", n), n, k);
	else
		fprintf(stderr, ngettext("the file needs its %u frame (k = %u and fewer than 2 "
		    "spare); --extra adds spare frames\n", "the file needs all %u frames (k = %u and "
		    "fewer than 2 spare); --extra adds spare frames\n", n), n, k);
}

/* What qr send was asked for. */
struct send {
	const fk_buf *file;
	const char *name;
	fk_qr_opts o;
	int level_set;
	double fps, extra;
	unsigned long count;
	int single;         /* one code per PNG, no ring */
	int sw, sh, cw, ch; /* screen and camera */
	int cols, rows;     /* --codes; 0 = chosen */
};

static const char *
level_name(int level)
{
	return level == 0 ? "L" : level == 1 ? "M" : level == 2 ? "Q" : "H";
}

/* Seconds as "0.8 s", "42 s" or "3 min 20 s". */
static void
fmt_secs(double s, char *out, size_t n)
{
	if (s < 10)
		snprintf(out, n, _("%.1f s"), s);
	else if (s < 120)
		snprintf(out, n, _("%.0f s"), s);
	else
		snprintf(out, n, _("%d min %02d s"), (int)(s / 60), (int)fmod(s, 60));
}

/*
 * Before the first frame: how much there is and how long showing it takes at
 * fps, with no loss and with a quarter of the codes lost.
 */
static void
say_estimate(const struct send *sd, uint32_t k, size_t chunk, const fk_qr_layout *l,
    uint32_t shown_codes)
{
	unsigned per = (unsigned)(l->cols * l->rows);
	uint32_t clean = (k + per - 1) / per, lossy = (fk_qr_codes_needed(k, 25) + per - 1) / per;
	char a[32], b[32];

	fmt_secs(clean / sd->fps, a, sizeof a);
	fmt_secs(lossy / sd->fps, b, sizeof b);
	fprintf(stderr, ngettext("%s: %zu bytes in k = %u frame of %zu bytes",
	    "%s: %zu bytes in k = %u frames of %zu bytes", k), sd->name, sd->file->len, k, chunk);
	fprintf(stderr, ngettext(", %u per screen (QR version %d-%s): %u screen\n",
	    ", %u per screen (QR version %d-%s): %u screens\n", clean), per, l->version,
	    level_name(sd->o.level), clean);
	fprintf(stderr, _("at %g screens per second: %s without loss, about %s if a quarter of the "
	    "frames are lost\n"), sd->fps, a, b);
	if (shown_codes > 0 && fk_qr_codes_needed(k, 25) > shown_codes)
		fprintf(stderr, ngettext("(the %u frame written covers a loss of up to %u%%; show it "
		    "again or use a larger --extra for more)\n", "(the %u frames written cover a loss "
		    "of up to %u%%; show them again or use a larger --extra for more)\n", shown_codes),
		    shown_codes,
		    (unsigned)(100.0 * (shown_codes - k - 2) / shown_codes));
}

static int
send_terminal_single(struct send *sd, fk_err *e)
{
	fk_qr_stream s;
	fk_buf out = {0};
	struct timespec t;
	unsigned long n;
	QRcode *c;
	int rc = 0, cols, rows;
	size_t chunk;
	fk_qr_opts *o = &sd->o;
	int chosen = o->version == 0;

	o->margin = 2;
	if (o->version == 0 && (o->version = term_version(o->margin)) == 0)
		return term_too_small(o, e);
	if (term_size(&cols, &rows) == 0 && (17 + 4 * o->version + 2 * o->margin > cols ||
	    (17 + 4 * o->version + 2 * o->margin + 1) / 2 + 1 > rows))
		fk_warn(_("a version %d code does not fit this terminal (%d x %d); enlarge it or "
		    "use a lower --version"), o->version, cols, rows);
	if (chosen && fk_qr_chunk_size(o->version, o->level, o->binary, &chunk, e) != 0)
		return term_too_small(o, e);
	if (check_size(sd->file, sd->name, o, e) != 0 ||
	    fk_qr_stream_init(&s, sd->file->p, sd->file->len, o, e) != 0)
		return -1;
	{
		fk_qr_layout one = {o->version, 1, 1, 0, 1, 0, 0};

		say_estimate(sd, s.k, s.chunk, &one, 0);
	}
	qr_catch_signals();
	fputs("\033[?1049h\033[?25l\033[?7l\033[2J", stdout);
	clock_gettime(CLOCK_MONOTONIC, &t);
	for (n = 0; !qr_stop && (sd->count == 0 || n < sd->count); n++) {
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
		status_line(_("%s: frame %lu, k = %u, QR version %d - Ctrl-C to stop"), sd->name,
		    n + 1, s.k, o->version);
		fflush(stdout);
		sleep_until(&t, 1.0 / sd->fps);
	}
	fputs("\033[0m\033[?7h\033[?25h\033[?1049l", stdout);
	fflush(stdout);
	fprintf(stderr, ngettext("showed %lu frame of %s (k = %u)\n",
	    "showed %lu frames of %s (k = %u)\n", n), n, sd->name, s.k);
	fk_buf_free(&out);
	fk_qr_stream_free(&s);
	return rc;
}

/*
 * Screen frames in the terminal: one module per column and two per row (half
 * blocks); the layout is chosen for the terminal's size, less a status line.
 */
static int
send_terminal(struct send *sd, fk_err *e)
{
	fk_qr_stream s;
	fk_qr_layout l;
	fk_buf out = {0};
	struct timespec t;
	unsigned long n;
	unsigned per;
	uint32_t pass;
	int rc = 0, cols = 80, rows = 24;
	char el[32], tot[32];

	if (!sd->level_set)
		sd->o.level = 0;
	(void)term_size(&cols, &rows);
	if (sd->single || fk_qr_layout_choose(cols, 2 * (rows - 1), 1, sd->o.version, sd->cols,
	    sd->rows, &sd->o, &l, NULL) != 0) {
		if (!sd->level_set)
			sd->o.level = 1;
		return send_terminal_single(sd, e);
	}
	sd->o.version = l.version;
	if (check_size(sd->file, sd->name, &sd->o, e) != 0 ||
	    fk_qr_stream_init(&s, sd->file->p, sd->file->len, &sd->o, e) != 0)
		return -1;
	per = (unsigned)(l.cols * l.rows);
	pass = (s.k + per - 1) / per;
	say_estimate(sd, s.k, s.chunk, &l, 0);
	fmt_secs(pass / sd->fps, tot, sizeof tot);
	qr_catch_signals();
	fputs("\033[?1049h\033[?25l\033[?7l\033[2J", stdout);
	clock_gettime(CLOCK_MONOTONIC, &t);
	for (n = 0; !qr_stop && (sd->count == 0 || n < sd->count); n++) {
		out.len = 0;
		rc = fk_buf_append(&out, "\033[H", 3, e);
		if (rc == 0)
			rc = fk_qr_frame_text(&s, &l, (uint32_t)n, &out, e);
		if (rc != 0)
			break;
		fwrite(out.p, 1, out.len, stdout);
		fmt_secs(n / sd->fps, el, sizeof el);
		if (n < pass)
			status_line(_("%s: screen %lu of %u (all k = %u frames once), %s of %s - "
			    "Ctrl-C to stop"), sd->name, n + 1, pass, s.k, el, tot);
		else
			status_line(_("%s: screen %lu, repair frames for what was missed, %s - Ctrl-C "
			    "to stop"), sd->name, n + 1, el);
		fflush(stdout);
		sleep_until(&t, 1.0 / sd->fps);
	}
	fputs("\033[0m\033[?7h\033[?25h\033[?1049l", stdout);
	fflush(stdout);
	fprintf(stderr, ngettext("showed %lu screen of %s (%lu frames, k = %u)\n",
	    "showed %lu screens of %s (%lu frames, k = %u)\n", n), n, sd->name, n * per, s.k);
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

/* k and chunk of a file at the chosen version and level. */
static int
stream_k(const fk_buf *file, const fk_qr_opts *o, uint32_t *k, size_t *chunk, fk_err *e)
{
	if (fk_qr_chunk_size(o->version, o->level, o->binary, chunk, e) != 0)
		return -1;
	*k = fk_qrframe_k(file->len, *chunk);
	return 0;
}

static void
png_progress(uint32_t done, uint32_t total, void *ctx)
{
	(void)ctx;
	if (!fk_progress_enabled())
		return;
	fputs("\r\033[K", stderr);
	fprintf(stderr, _("writing screen %u of %u"), done, total);
	if (done == total)
		fputs("\r\033[K", stderr);
}

static int
send_png(struct send *sd, const char *dir, fk_err *e)
{
	fk_qr_layout l;
	uint32_t n, k;
	size_t chunk;
	unsigned extra = sd->extra < 0 ? 50 : (unsigned)sd->extra;
	int min_px;

	/* A missing stick is said before anything else (io.h). */
	if (fk_mkdir_target(dir, 0755, e) != 0)
		return -1;
	if (sd->single) {
		if (sd->o.version == 0)
			sd->o.version = 20;
		if (sd->o.scale == 0)
			sd->o.scale = 4;
		if (check_size(sd->file, sd->name, &sd->o, e) != 0 ||
		    stream_k(sd->file, &sd->o, &k, &chunk, e) != 0)
			return -1;
		/* By default 50% spare frames, and never fewer than 2 (any k + 2 hold). */
		if (sd->extra < 0 && fk_qr_extra_frames(k, extra) < 2)
			extra = (200 + k - 1) / k;
		if (fk_qr_send_png(sd->file->p, sd->file->len, dir, extra, &sd->o, &n, e) != 0)
			return -1;
		fprintf(stderr, ngettext("wrote %u frame to %s\n", "wrote %u frames to %s\n", n), n,
		    dir);
		say_frames(n, k);
		return 0;
	}
	if (!sd->level_set)
		sd->o.level = 0;
	min_px = sd->o.scale > 0 ? sd->o.scale : fk_qr_min_px(sd->sw, sd->cw);
	if (fk_qr_layout_choose(sd->sw, sd->sh, min_px, sd->o.version, sd->cols, sd->rows, &sd->o,
	    &l, e) != 0)
		return -1;
	sd->o.version = l.version;
	if (check_size(sd->file, sd->name, &sd->o, e) != 0 ||
	    stream_k(sd->file, &sd->o, &k, &chunk, e) != 0)
		return -1;
	say_estimate(sd, k, chunk, &l, (uint32_t)(l.cols * l.rows) *
	    fk_qr_layout_frames(k + fk_qr_extra_frames(k, extra), &l));
	if (fk_qr_send_screens(sd->file->p, sd->file->len, dir, extra, &sd->o, &l, sd->sw, sd->sh,
	    png_progress, NULL, &n, e) != 0)
		return -1;
	fprintf(stderr, ngettext("wrote %u screen to %s (%d x %d, %d pixels per module; k = %u: "
	    "any k + 2 frames restore the file)\n", "wrote %u screens to %s (%d x %d, %d pixels "
	    "per module; k = %u: any k + 2 frames restore the file)\n", n), n, dir, sd->sw, sd->sh,
	    l.px, k);
	return 0;
}

static int send_sheet_to(struct send *sd, const char *stem, fk_err *e);

static int
send_sheet(struct send *sd, const char *stem, fk_err *e)
{
	char *made = NULL;
	struct stat st;
	size_t len = strlen(stem);
	int rc;

	/* A folder named as the stem (sheets/ or an existing folder): the pages
	 * go into it as sheet-1.png ..., not as sheets/-1.png. */
	if (len > 0 && (stem[len - 1] == '/' || (stat(stem, &st) == 0 && S_ISDIR(st.st_mode)))) {
		while (len > 1 && stem[len - 1] == '/')
			len--;
		if (asprintf(&made, "%.*s/sheet", (int)len, stem) < 0)
			return fk_fail(e, FK_ENOMEM, _("out of memory"));
		stem = made;
	}
	rc = send_sheet_to(sd, stem, e);
	free(made);
	return rc;
}

static int
send_sheet_to(struct send *sd, const char *stem, fk_err *e)
{
	uint32_t k, r;
	size_t chunk;
	unsigned pages;
	char *dir, *slash;

	if (sd->o.version == 0)
		sd->o.version = 10;
	if (sd->o.scale == 0)
		sd->o.scale = 8;
	if (check_size(sd->file, sd->name, &sd->o, e) != 0 ||
	    stream_k(sd->file, &sd->o, &k, &chunk, e) != 0)
		return -1;
	r = fk_qr_extra_frames(k, sd->extra < 0 ? 10 : (unsigned)sd->extra);
	if (r < 4 && sd->extra < 0)
		r = 4;
	/* The pages' folder, with its parents (pages are printed, not written to a
	 * stick: issue 14 kept --sheet new/deeper/STEM working). */
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
	if (fk_qr_send_sheet(sd->file->p, sd->file->len, sd->name, stem, r, &sd->o, &pages, e) != 0)
		return -1;
	fprintf(stderr, ngettext("wrote %u page %s-1.png ... with %u codes\n",
	    "wrote %u pages %s-1.png ... with %u codes\n", pages), pages, stem, k + r);
	say_frames(k + r, k);
	return 0;
}

/* "WxH" with both in lo..hi. */
static int
parse_size(const char *s, int lo, int hi, int *w, int *h)
{
	char *x, *end;
	long a, b;

	errno = 0;
	a = strtol(s, &x, 10);
	if (x == s || (*x != 'x' && *x != 'X'))
		return -1;
	b = strtol(x + 1, &end, 10);
	if (errno != 0 || end == x + 1 || *end != '\0' || a < lo || a > hi || b < lo || b > hi)
		return -1;
	*w = (int)a;
	*h = (int)b;
	return 0;
}

static int
qr_send(const struct fk_call *call, int argc, char **argv)
{
	const char *png = NULL, *sheet = NULL, *input, *fpss = NULL, *counts = NULL;
	const char *extras = NULL, *versions = NULL, *level = NULL, *scales = NULL;
	const char *screen = NULL, *camera = NULL, *codes = NULL;
	int term = 0, binary = 0, single = 0, modes, rc;
	const struct fk_opt opt[] = {
		FK_FLAG("terminal", 0, &term), FK_STR("fps", 0, &fpss), FK_STR("count", 0, &counts),
		FK_STR("png", 0, &png), FK_STR("sheet", 0, &sheet), FK_STR("extra", 0, &extras),
		FK_STR("version", 0, &versions), FK_STR("level", 0, &level),
		FK_FLAG("binary", 0, &binary), FK_STR("scale", 0, &scales),
		FK_STR("screen", 0, &screen), FK_STR("camera", 0, &camera),
		FK_STR("codes", 0, &codes), FK_FLAG("single", 0, &single), FK_OPT_END,
	};
	double v, count = 0;
	struct send sd;
	fk_buf file = {0};
	fk_args pos;
	fk_err e = {0};

	memset(&sd, 0, sizeof sd);
	fk_qr_opts_default(&sd.o);
	sd.o.version = 0;
	sd.o.scale = 0;
	sd.fps = 8;
	sd.extra = -1;
	sd.sw = 1920;
	sd.sh = 1080;
	sd.cw = 1280;
	sd.ch = 720;
	if ((rc = fk_opts_parse(call->cmd, send_usage, opt, argc, argv, &pos)) != FK_GO)
		return rc;
	sd.o.binary = binary;
	sd.single = single;
	if (fpss != NULL && parse_num(fpss, 0.5, 15, &sd.fps) != 0)
		return fk_usage_error(call->cmd, _("--fps takes 0.5 to 15 (a 30 fps camera "
		    "needs at least two captures of each frame)"));
	if (counts != NULL && parse_num(counts, 1, 4e9, &count) != 0)
		return fk_usage_error(call->cmd, _("--count takes a positive number"));
	if (extras != NULL && parse_num(extras, 0, 1000, &sd.extra) != 0)
		return fk_usage_error(call->cmd, _("--extra takes 0 to 1000 (percent)"));
	if (versions != NULL) {
		if (parse_num(versions, 1, 40, &v) != 0 || v != (int)v)
			return fk_usage_error(call->cmd, _("--version takes 1 to 40"));
		sd.o.version = (int)v;
	}
	if (level != NULL) {
		if ((sd.o.level = fk_qr_parse_level(level)) < 0)
			return fk_usage_error(call->cmd, _("--level takes L, M, Q or H"));
		sd.level_set = 1;
	}
	if (scales != NULL) {
		if (parse_num(scales, 1, 40, &v) != 0 || v != (int)v)
			return fk_usage_error(call->cmd, _("--scale takes 1 to 40"));
		sd.o.scale = (int)v;
	}
	if (screen != NULL && parse_size(screen, 64, 16384, &sd.sw, &sd.sh) != 0)
		return fk_usage_error(call->cmd, _("--screen takes WIDTHxHEIGHT in pixels, such as "
		    "1920x1080"));
	if (camera != NULL && parse_size(camera, 64, 16384, &sd.cw, &sd.ch) != 0)
		return fk_usage_error(call->cmd, _("--camera takes WIDTHxHEIGHT in pixels, such as "
		    "1280x720"));
	if (codes != NULL && (parse_size(codes, 1, FK_QR_MAX_CODES, &sd.cols, &sd.rows) != 0 ||
	    sd.cols * sd.rows > FK_QR_MAX_CODES))
		return fk_usage_error(call->cmd, _("--codes takes COLUMNSxROWS with at most %d codes, "
		    "such as 3x2"), FK_QR_MAX_CODES);
	if (pos.n != 1)
		return fk_usage_error(call->cmd, _("give exactly one FILE to send"));
	input = pos.v[0];
	modes = term + (png != NULL) + (sheet != NULL);
	if (modes != 1)
		return fk_usage_error(call->cmd, _("choose one of --terminal, --png and --sheet"));
	if (single && sheet != NULL)
		return fk_usage_error(call->cmd, _("--single is for --png and --terminal"));
	if ((screen != NULL || camera != NULL || codes != NULL) && (png == NULL || single))
		return fk_usage_error(call->cmd, _("--screen, --camera and --codes are for --png "
		    "screen frames"));
	if (fk_read_file(input, FK_QR_MAX_LEN, &file, &e) != 0) {
		if (e.code == FK_ELIMIT)
			fk_fail(&e, FK_ELIMIT, _("%s is larger than a QR stream carries (16 MiB); "
			    "use a USB bundle"), input);
		return fk_report(&e);
	}
	sd.file = &file;
	/* A file name may come from a stick: shown escaped (kept for the whole send). */
	if ((sd.name = fk_escape_dup(base_name(input), strlen(base_name(input)))) == NULL) {
		fk_buf_free(&file);
		fk_fail(&e, FK_ENOMEM, _("out of memory"));
		return fk_report(&e);
	}
	sd.count = (unsigned long)count;
	if (term)
		rc = send_terminal(&sd, &e);
	else if (png != NULL)
		rc = send_png(&sd, png, &e);
	else
		rc = send_sheet(&sd, sheet, &e);
	free((char *)sd.name);
	fk_buf_free(&file);
	return rc == 0 ? FK_EXIT_OK : fk_report(&e);
}

/* The receiving side's display: drawn in place on a terminal, two lines. */
struct show {
	fk_qr_progress p; /* the latest */
	int lines;        /* lines drawn so far (to move back over) */
	int camera;
	struct timespec t0;
};

/* A bar of width cells for share (0..1): full and light shade blocks. */
static void
draw_bar(FILE *f, double share, int width)
{
	int full = (int)(share * width + 1e-9), i;

	fputc('[', f);
	for (i = 0; i < width; i++)
		fputs(i < full ? "\xe2\x96\x88" : "\xe2\x96\x91", f);
	fputc(']', f);
}

static double
since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - t0->tv_sec) + (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
}

static void
show_progress(const fk_qr_progress *p, const char *image, void *ctx)
{
	struct show *sh = ctx;
	double share, secs;
	char list[400];

	(void)image;
	sh->p = *p;
	if (!fk_progress_enabled())
		return;
	if (sh->lines > 1)
		fputs("\r\033[K\033[1A", stderr);
	fputs("\r\033[K", stderr);
	sh->lines = 1;
	secs = since(&sh->t0);
	if (p->k == 0) {
		fprintf(stderr, _("%lu pictures, %lu QR codes, no frame of a stream yet"), p->images,
		    p->symbols);
		if (sh->camera && secs > 0)
			fprintf(stderr, _(" (%.0f pictures per second)"), p->images / secs);
		return;
	}
	share = p->done ? 1.0 : (double)p->rank / p->k;
	draw_bar(stderr, share, 24);
	if (p->done)
		fprintf(stderr, _(" 100%%  %.1f KB: complete"), p->len / 1000.0);
	else
		fprintf(stderr, ngettext(" %3.0f%%  %.1f of %.1f KB, %u more frame needed",
		    " %3.0f%%  %.1f of %.1f KB, %u more frames needed", p->k - p->rank),
		    100 * share, share * p->len / 1000.0, p->len / 1000.0, p->k - p->rank);
	fputs("\n\033[K", stderr);
	sh->lines = 2;
	/* The second line is cut to the terminal: one that wrapped would not be
	 * taken back by the next redraw (it scrolled, one line per picture). */
	list[0] = '\0';
	if (!p->done && p->missing > 0)
		fk_cli_qr_missing(p, list, sizeof list);
	else if (!p->done)
		snprintf(list, sizeof list, _("every source frame seen; %u repair frames more"),
		    p->k - p->rank);
	if (sh->camera && secs > 0) {
		size_t l = strlen(list);
		snprintf(list + l, sizeof list - l, _("; %.0f pictures per second"), p->images / secs);
	}
	cut_to_terminal(list, 2);
	fputs(list, stderr);
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
	const char *camera = NULL, *output = NULL, *text = NULL, *size = NULL;
	fk_args images = {0}, pos;
	int plain = 0;
	const struct fk_opt opt[] = {
		FK_LIST("images", 0, &images), FK_STR("camera", 0, &camera),
		FK_STR("text", 0, &text), FK_STR("output", 'o', &output), FK_STR("size", 0, &size),
		FK_FLAG("plain", 0, &plain), FK_OPT_END,
	};
	const char **paths = NULL;
	size_t n = 0, i;
	fk_buf file = {0};
	fk_err e = {0};
	int rc;
	uint8_t h[FK_SHA256_LEN];
	char hex[FK_SHA256_HEX + 1];
	struct show sh;
	const fk_qr_progress *p = &sh.p;
	int cw = 1280, ch = 720;

	memset(&sh, 0, sizeof sh);
	clock_gettime(CLOCK_MONOTONIC, &sh.t0);
	if ((rc = fk_opts_parse(call->cmd, recv_usage, opt, argc, argv, &pos)) != FK_GO)
		return rc;
	if (size != NULL && parse_size(size, 64, 16384, &cw, &ch) != 0)
		return fk_usage_error(call->cmd, _("--size takes WIDTHxHEIGHT in pixels, such as "
		    "1280x720"));
	if ((pos.n > 0 && images.n == 0) || (images.n > 0) + (camera != NULL) + (text != NULL) != 1)
		return fk_usage_error(call->cmd,
		    _("give one of --images FILE|DIR..., --camera DEV and --text FILE"));
	if (output == NULL && isatty(1))
		return fk_usage_error(call->cmd, _("give -o FILE, or redirect the output"));
	if (output != NULL) {
		/* Said now, not after a minute of decoding (and not as a temporary name). */
		char dir[4096];
		if (!fk_parent_dir(output, dir, sizeof dir))
			return fk_usage_error(call->cmd, _("-o %s: the folder %s does not exist (create "
			    "it first, or check that the USB stick is mounted)"), output, dir);
	}
	if (images.n > 0) {
		/* --images FILE|DIR, then any further arguments. */
		if ((paths = calloc(images.n + pos.n, sizeof *paths)) == NULL)
			return fk_report(&(fk_err){FK_ENOMEM, "out of memory"});
		for (i = 0; i < images.n; i++)
			paths[n++] = images.v[i];
		for (i = 0; i < pos.n; i++)
			paths[n++] = pos.v[i];
	}
	if (camera != NULL) {
		sh.camera = 1;
		qr_catch_signals();
		rc = fk_qr_receive_camera(camera, cw, ch, plain ? FK_QR_DEC_ZBAR : FK_QR_DEC_ALL,
		    &file, show_progress, &sh, &qr_stop, &e);
	} else if (text != NULL) {
		rc = recv_text(text, &file, &e);
	} else {
		rc = fk_qr_receive_images_dec(paths, n, plain ? FK_QR_DEC_ZBAR : FK_QR_DEC_ALL,
		    &file, show_progress, &sh, &e);
	}
	if (fk_progress_enabled() && sh.lines > 0)
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
		if (p->unreadable > 0) {
			/* which, and why: the first of them (its name is outside text) */
			char shown[FK_ESC_BUF(200)];
			fk_escape_display(p->first_unreadable, strlen(p->first_unreadable), shown,
			    sizeof shown);
			fk_warn(ngettext("%lu file was not a readable image and was skipped (%s)",
			    "%lu files were not readable images and were skipped (the first: %s)",
			    p->unreadable), p->unreadable, shown);
		}
	}
	if (p->images > 0 && (rc == 0 || getenv("FIELDKIT_QUIET") == NULL ||
	    getenv("FIELDKIT_QUIET")[0] == '\0')) {
		unsigned long fr = p->frames - p->other - p->refused;

		fprintf(stderr, ngettext("from %lu image: ", "from %lu images: ", p->images), p->images);
		fprintf(stderr, ngettext("%lu QR code, ", "%lu QR codes, ", p->symbols), p->symbols);
		fprintf(stderr, ngettext("%lu frame of the stream, ", "%lu frames of the stream, ", fr),
		    fr);
		fprintf(stderr, _("%lu useful, k = %u"), p->useful, p->k);
		if (p->done_at > 0)
			fprintf(stderr, _("; complete after image %lu"), p->done_at);
		fprintf(stderr, _("; ring found in %lu, %lu frames read by zxing only\n"),
		    p->rectified, p->zxing);
	}
	fk_buf_free(&file);
	if (rc != 0)
		fk_cli_qr_incomplete(p, &e);
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
