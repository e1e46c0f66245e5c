/*
 * lineedit.c - see lineedit.h.
 *
 * On a terminal: ICANON and ECHO off (ISIG stays on, so Ctrl-C is SIGINT as
 * everywhere else), one byte at a time; the line is a byte buffer in
 * sodium_malloc memory and the cursor a byte offset on a character
 * boundary. Every change redraws the line: carriage return, the prompt, the
 * part of the line that fits (scrolled so the cursor is visible), erase to
 * the end, and the cursor put back.
 */
#include "lineedit.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>
#include <wchar.h>

#include <sodium.h>

static struct termios saved;
static int raw_fd = -1;

static void
raw_off(void)
{
	if (raw_fd >= 0) {
		tcsetattr(raw_fd, TCSAFLUSH, &saved);
		raw_fd = -1;
	}
}

static int
raw_on(int fd)
{
	static int registered;
	struct termios t;

	if (tcgetattr(fd, &saved) != 0)
		return -1;
	t = saved;
	t.c_lflag &= ~(tcflag_t)(ICANON | ECHO | IEXTEN);
	t.c_iflag &= ~(tcflag_t)(IXON | ICRNL | INLCR);
	t.c_cc[VMIN] = 1;
	t.c_cc[VTIME] = 0;
	if (tcsetattr(fd, TCSAFLUSH, &t) != 0)
		return -1;
	raw_fd = fd;
	if (!registered) {
		atexit(raw_off);
		registered = 1;
	}
	return 0;
}

void
fk_le_init(fk_le *le, FILE *in, FILE *out)
{
	memset(le, 0, sizeof *le);
	le->in = in;
	le->out = out;
	le->tty = isatty(fileno(in)) && isatty(fileno(out));
	/* Typed answers go straight into sodium_malloc memory, not a stdio buffer. */
	setvbuf(in, NULL, _IONBF, 0);
}

void
fk_le_free(fk_le *le)
{
	raw_off();
	fk_secbuf_free(&le->line);
}

void
fk_le_size(const fk_le *le, int *rows, int *cols)
{
	struct winsize ws;

	*rows = 40;
	*cols = 100;
	if (le->tty && ioctl(fileno(le->out), TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0 &&
	    ws.ws_col > 0) {
		*rows = ws.ws_row;
		*cols = ws.ws_col;
	}
}

/* The code point at p (n bytes left) and its length; invalid bytes count as one. */
static unsigned
decode(const char *p, size_t n, size_t *len)
{
	const unsigned char *u = (const unsigned char *)p;
	unsigned c = u[0];

	*len = 1;
	if (c >= 0xc0 && c < 0xe0 && n >= 2) {
		*len = 2;
		return ((c & 0x1f) << 6) | (u[1] & 0x3f);
	}
	if (c >= 0xe0 && c < 0xf0 && n >= 3) {
		*len = 3;
		return ((c & 0x0f) << 12) | ((u[1] & 0x3f) << 6) | (u[2] & 0x3f);
	}
	if (c >= 0xf0 && n >= 4) {
		*len = 4;
		return ((c & 0x07) << 18) | ((u[1] & 0x3f) << 12) | ((u[2] & 0x3f) << 6) | (u[3] & 0x3f);
	}
	return c;
}

static int
cp_width(unsigned c)
{
	int w;

	if (c < 0x20 || c == 0x7f)
		return 1;
	w = wcwidth((wchar_t)c);
	return w < 0 ? 1 : w;
}

size_t
fk_le_width(const char *s, size_t n)
{
	size_t i = 0, w = 0, l;

	while (i < n) {
		w += (size_t)cp_width(decode(s + i, n - i, &l));
		i += l;
	}
	return w;
}

/* The byte offset of the character before/after off. */
static size_t
prev_char(const uint8_t *p, size_t off)
{
	while (off > 0 && (p[--off] & 0xc0) == 0x80)
		;
	return off;
}

static size_t
next_char(const uint8_t *p, size_t len, size_t off)
{
	if (off < len)
		off++;
	while (off < len && (p[off] & 0xc0) == 0x80)
		off++;
	return off;
}

/* Writes text with control characters shown as '?'. */
static void
put_safe(FILE *out, const char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		fputc((unsigned char)p[i] < 0x20 || p[i] == 0x7f ? '?' : p[i], out);
}

static void
redraw(fk_le *le, const char *prompt, size_t cur)
{
	const char *p = (const char *)le->line.p;
	size_t len = le->line.len, pw = fk_le_width(prompt, strlen(prompt)), start = 0, end = len;
	int rows, cols;
	size_t room;

	fk_le_size(le, &rows, &cols);
	room = (size_t)cols > pw + 2 ? (size_t)cols - pw - 2 : 1;
	/* Scroll: the visible part holds the cursor. */
	while (fk_le_width(p + start, cur - start) > room)
		start = next_char(le->line.p, len, start);
	while (fk_le_width(p + start, end - start) > room)
		end = prev_char(le->line.p, end);
	fputs("\r", le->out);
	fputs(prompt, le->out);
	if (p != NULL)
		put_safe(le->out, p + start, end - start);
	fputs("\x1b[K\r", le->out);
	{
		size_t col = pw + (p ? fk_le_width(p + start, cur - start) : 0);
		if (col > 0)
			fprintf(le->out, "\x1b[%zuC", col);
	}
	fflush(le->out);
}

static int
insert(fk_le *le, size_t *cur, const char *s, size_t n)
{
	if (le->line.len + n > FK_LE_MAX)
		return 0;
	if (fk_secbuf_reserve(&le->line, le->line.len + n + 1, NULL) != 0)
		return -1;
	memmove(le->line.p + *cur + n, le->line.p + *cur, le->line.len - *cur);
	memcpy(le->line.p + *cur, s, n);
	le->line.len += n;
	*cur += n;
	return 0;
}

static void
erase(fk_le *le, size_t from, size_t to)
{
	memmove(le->line.p + from, le->line.p + to, le->line.len - to);
	le->line.len -= to - from;
	sodium_memzero(le->line.p + le->line.len, to - from);
}

static int
read_byte(fk_le *le, volatile int *intr, unsigned char *c)
{
	ssize_t n;

	for (;;) {
		if (intr != NULL && *intr)
			return FK_LE_INTR;
		n = read(fileno(le->in), c, 1);
		if (n == 1)
			return FK_LE_LINE;
		if (n == 0)
			return FK_LE_EOF;
		if (errno == EINTR) {
			if (intr != NULL && *intr)
				return FK_LE_INTR;
			continue;
		}
		return FK_LE_ERR;
	}
}

enum { K_NONE, K_LEFT, K_RIGHT, K_HOME, K_END, K_DEL, K_UP, K_DOWN };

/* After ESC: reads the rest of a CSI/SS3 sequence and names the key. */
static int
escape(fk_le *le, volatile int *intr)
{
	unsigned char c, num = 0;

	if (read_byte(le, intr, &c) != FK_LE_LINE)
		return K_NONE;
	if (c != '[' && c != 'O')
		return K_NONE;
	for (;;) {
		if (read_byte(le, intr, &c) != FK_LE_LINE)
			return K_NONE;
		if (c >= '0' && c <= '9') {
			num = (unsigned char)(num * 10 + (c - '0'));
			continue;
		}
		if (c == ';')
			continue;
		break;
	}
	switch (c) {
	case 'D': return K_LEFT;
	case 'C': return K_RIGHT;
	case 'A': return K_UP;
	case 'B': return K_DOWN;
	case 'H': return K_HOME;
	case 'F': return K_END;
	case '~':
		return num == 1 || num == 7 ? K_HOME : num == 4 || num == 8 ? K_END :
		    num == 3 ? K_DEL : K_NONE;
	default: return K_NONE;
	}
}

static int
read_tty(fk_le *le, const char *prompt, const char *edit, volatile int *intr)
{
	size_t cur = 0;
	unsigned char c;
	char u[4];
	int r, k;

	if (raw_on(fileno(le->in)) != 0)
		return FK_LE_ERR;
	redraw(le, prompt, cur);
	for (;;) {
		if ((r = read_byte(le, intr, &c)) != FK_LE_LINE) {
			if (r == FK_LE_EOF && le->line.len > 0)
				r = FK_LE_LINE;
			break;
		}
		if (c == '\r' || c == '\n') {
			r = FK_LE_LINE;
			break;
		}
		k = K_NONE;
		switch (c) {
		case 0x1b: k = escape(le, intr); break;
		case 0x01: k = K_HOME; break;   /* Ctrl-A */
		case 0x05: k = K_END; break;    /* Ctrl-E */
		case 0x02: k = K_LEFT; break;   /* Ctrl-B */
		case 0x06: k = K_RIGHT; break;  /* Ctrl-F */
		case 0x10: k = K_UP; break;     /* Ctrl-P */
		case 0x0e: k = K_DOWN; break;   /* Ctrl-N */
		case 0x04:                      /* Ctrl-D: end of input on an empty line */
			if (le->line.len == 0) {
				r = FK_LE_EOF;
				goto done;
			}
			k = K_DEL;
			break;
		case 0x7f:
		case 0x08:
			if (cur > 0) {
				size_t p = prev_char(le->line.p, cur);
				erase(le, p, cur);
				cur = p;
			}
			break;
		case 0x15: /* Ctrl-U */
			erase(le, 0, cur);
			cur = 0;
			break;
		case 0x0b: /* Ctrl-K */
			erase(le, cur, le->line.len);
			break;
		case 0x17: /* Ctrl-W: the word before the cursor */
			{
				size_t p = cur;
				while (p > 0 && le->line.p[p - 1] == ' ')
					p--;
				while (p > 0 && le->line.p[p - 1] != ' ')
					p--;
				erase(le, p, cur);
				cur = p;
			}
			break;
		default:
			if (c >= 0x20) {
				size_t n = 1, i;
				u[0] = (char)c;
				if (c >= 0xc0)
					n = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : 2;
				for (i = 1; i < n; i++) {
					unsigned char d;
					if (read_byte(le, intr, &d) != FK_LE_LINE || (d & 0xc0) != 0x80)
						break;
					u[i] = (char)d;
				}
				if (i == n && insert(le, &cur, u, n) != 0) {
					r = FK_LE_ERR;
					goto done;
				}
			}
			break;
		}
		switch (k) {
		case K_LEFT: cur = prev_char(le->line.p, cur); break;
		case K_RIGHT: cur = next_char(le->line.p, le->line.len, cur); break;
		case K_HOME: cur = 0; break;
		case K_END: cur = le->line.len; break;
		case K_DEL:
			if (cur < le->line.len)
				erase(le, cur, next_char(le->line.p, le->line.len, cur));
			break;
		case K_UP:
			if (edit != NULL) {
				erase(le, 0, le->line.len);
				cur = 0;
				if (insert(le, &cur, edit, strlen(edit)) != 0) {
					r = FK_LE_ERR;
					goto done;
				}
			}
			break;
		case K_DOWN:
			erase(le, 0, le->line.len);
			cur = 0;
			break;
		default:
			break;
		}
		redraw(le, prompt, cur);
	}
done:
	if (r == FK_LE_LINE)
		redraw(le, prompt, le->line.len);
	fputs(r == FK_LE_INTR ? "^C\r\n" : "\r\n", le->out);
	fflush(le->out);
	raw_off();
	return r;
}

static int
read_plain(fk_le *le, const char *prompt, volatile int *intr)
{
	int c;
	uint8_t ch;

	fputs(prompt, le->out);
	fflush(le->out);
	for (;;) {
		if (intr != NULL && *intr)
			return FK_LE_INTR;
		c = getc(le->in);
		if (c == EOF) {
			if ((intr != NULL && *intr) || (ferror(le->in) && errno == EINTR))
				return FK_LE_INTR;
			if (ferror(le->in))
				return FK_LE_ERR;
			return le->line.len > 0 ? FK_LE_LINE : FK_LE_EOF;
		}
		if (c == '\n')
			return FK_LE_LINE;
		if (le->line.len >= FK_LE_MAX)
			continue;
		ch = (uint8_t)c;
		if (fk_secbuf_append(&le->line, &ch, 1, NULL) != 0)
			return FK_LE_ERR;
	}
}

int
fk_le_read(fk_le *le, const char *prompt, const char *edit, volatile int *intr)
{
	int r;

	le->line.len = 0;
	if (le->line.cap > 0)
		sodium_memzero(le->line.p, le->line.cap);
	if (fk_secbuf_reserve(&le->line, 256, NULL) != 0)
		return FK_LE_ERR;
	r = le->tty ? read_tty(le, prompt, edit, intr) : read_plain(le, prompt, intr);
	if (r != FK_LE_LINE)
		return r;
	while (le->line.len > 0 && (le->line.p[le->line.len - 1] == '\r' ||
	    le->line.p[le->line.len - 1] == ' ' || le->line.p[le->line.len - 1] == '\t'))
		le->line.len--;
	if (fk_secbuf_reserve(&le->line, le->line.len + 1, NULL) != 0)
		return FK_LE_ERR;
	le->line.p[le->line.len] = '\0';
	return FK_LE_LINE;
}
