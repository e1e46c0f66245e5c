/*
 * kind.c - see kind.h.
 */
#include "kind.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "io.h"

static int
starts(const uint8_t *p, size_t n, const char *s)
{
	size_t l = strlen(s);

	return n >= l && memcmp(p, s, l) == 0;
}

/* 1 when s appears in p[0..n). */
static int
has(const uint8_t *p, size_t n, const char *s)
{
	size_t l = strlen(s), i;

	for (i = 0; i + l <= n; i++)
		if (p[i] == (uint8_t)s[0] && memcmp(p + i, s, l) == 0)
			return 1;
	return 0;
}

enum fk_kind
fk_kind_of(const uint8_t *p, size_t n)
{
	size_t i = 0;

	if (starts(p, n, "fieldkit-bundle v1\n"))
		return FK_KIND_BUNDLE;
	if (starts(p, n, "fieldkit-receipt v1\n"))
		return FK_KIND_RECEIPT;
	if (starts(p, n, "fieldkit-device-card v1\n"))
		return FK_KIND_DEVICE_CARD;
	if (starts(p, n, "age-encryption.org/v1\n") ||
	    starts(p, n, "-----BEGIN AGE ENCRYPTED FILE-----"))
		return FK_KIND_AGE;
	if (starts(p, n, "\x89PNG\r\n\x1a\n"))
		return FK_KIND_PNG;
	if (starts(p, n, "\xff\xd8\xff"))
		return FK_KIND_JPEG;
	if (starts(p, n, "untrusted comment: "))
		return FK_KIND_MINISIG;
	if (n >= 3 && starts(p, n, "\xef\xbb\xbf"))
		i = 3;
	while (i < n && (p[i] == ' ' || p[i] == '\t' || p[i] == '\n' || p[i] == '\r'))
		i++;
	if (i < n && p[i] == '{') {
		if (has(p + i, n - i, "\"fieldkit-hub-card\""))
			return FK_KIND_HUB_CARD;
		if (has(p + i, n - i, "\"fieldkit_form\""))
			return FK_KIND_FORM;
	}
	return FK_KIND_UNKNOWN;
}

/* The first bytes of a regular file (never a FIFO or a device: it might block). */
static ssize_t
head_of(const char *path, uint8_t *b, size_t cap)
{
	fk_err e;
	ssize_t r;
	int fd = fk_open_regular(path, "", 1, NULL, &e);

	if (fd < 0)
		return -1;
	r = read(fd, b, cap);
	close(fd);
	return r;
}

enum fk_kind
fk_kind_of_file(const char *path)
{
	uint8_t b[4096];
	ssize_t r = head_of(path, b, sizeof b);

	return r > 0 ? fk_kind_of(b, (size_t)r) : FK_KIND_UNKNOWN;
}

int
fk_kind_hint_file(fk_err *e, const char *path, const char *name, enum fk_kind want)
{
	uint8_t b[4096];
	ssize_t r = head_of(path, b, sizeof b);

	return r > 0 ? fk_kind_hint(e, name, b, (size_t)r, want) : 0;
}

/* "a device card", for "this is ..., not ...". */
static const char *
kind_name(enum fk_kind k)
{
	switch (k) {
	case FK_KIND_BUNDLE:
		return _("a bundle");
	case FK_KIND_RECEIPT:
		return _("a receipt");
	case FK_KIND_DEVICE_CARD:
		return _("a device card");
	case FK_KIND_HUB_CARD:
		return _("a hub card");
	case FK_KIND_FORM:
		return _("a form");
	case FK_KIND_AGE:
		return _("an age-encrypted file");
	case FK_KIND_PNG:
	case FK_KIND_JPEG:
		return _("an image");
	case FK_KIND_MINISIG:
		return _("a minisign key or signature");
	case FK_KIND_RECORD:
		return _("a record");
	default:
		return _("an unknown file");
	}
}

/* Who takes a file of kind k. */
static const char *
kind_use(enum fk_kind k)
{
	switch (k) {
	case FK_KIND_BUNDLE:
		return _("the hub imports it: `fieldkit hub import BUNDLE`");
	case FK_KIND_RECEIPT:
		return _("give it to the device: `fieldkit ack RECEIPT`");
	case FK_KIND_DEVICE_CARD:
		return _("give it to the hub: `fieldkit hub devices add CARD`");
	case FK_KIND_HUB_CARD:
		return _("give it to a device: `fieldkit init --hub CARD`");
	case FK_KIND_FORM:
		return _("records are captured with `fieldkit capture FORM` and checked with "
		    "`fieldkit schema validate FORM RECORD`");
	case FK_KIND_AGE:
		return _("open it with `fieldkit age -d -i IDENTITY`");
	case FK_KIND_PNG:
	case FK_KIND_JPEG:
		return _("QR code images are read with --qr (or --hub-qr for init)");
	default:
		return _("fieldkit does not take it here");
	}
}

int
fk_kind_hint(fk_err *e, const char *name, const uint8_t *p, size_t n, enum fk_kind want)
{
	enum fk_kind k = p != NULL ? fk_kind_of(p, n) : FK_KIND_UNKNOWN;

	if (k == FK_KIND_UNKNOWN || k == want)
		return 0;
	if (name != NULL)
		fk_fail(e, FK_EINPUT, _("%s: this is %s, not %s; %s"), name, kind_name(k),
		    kind_name(want), kind_use(k));
	else
		fk_fail(e, FK_EINPUT, _("this is %s, not %s; %s"), kind_name(k), kind_name(want),
		    kind_use(k));
	return 1;
}
