/*
 * attach.c - see attach.h.
 */
#include "attach.h"
#include "io.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

const char *
fk_media_type(const char *path)
{
	static const char *const map[][2] = {
		{ ".jpg", "image/jpeg" }, { ".jpeg", "image/jpeg" }, { ".png", "image/png" },
		{ ".gif", "image/gif" }, { ".webp", "image/webp" }, { ".heic", "image/heic" },
		{ ".pdf", "application/pdf" }, { ".txt", "text/plain" },
		{ ".mp3", "audio/mpeg" }, { ".ogg", "audio/ogg" }, { ".m4a", "audio/mp4" },
		{ ".mp4", "video/mp4" },
	};
	const char *slash = strrchr(path, '/');
	const char *dot = strrchr(slash ? slash : path, '.');
	size_t i;

	if (dot != NULL)
		for (i = 0; i < sizeof map / sizeof map[0]; i++)
			if (strcasecmp(dot, map[i][0]) == 0)
				return map[i][1];
	return "application/octet-stream";
}

static int
starts(const uint8_t *p, size_t n, const char *magic, size_t m)
{
	return n >= m && memcmp(p, magic, m) == 0;
}

/* ISO base media (MP4, M4A, HEIC): a box "ftyp" at offset 4 and its brand. */
static const char *
sniff_ftyp(const uint8_t *p, size_t n)
{
	static const char *const heif[] = { "heic", "heix", "hevc", "hevx", "heim", "heis",
		"mif1", "msf1" };
	size_t i;

	if (n < 12 || memcmp(p + 4, "ftyp", 4) != 0)
		return NULL;
	for (i = 0; i < sizeof heif / sizeof heif[0]; i++)
		if (memcmp(p + 8, heif[i], 4) == 0)
			return "image/heic";
	if (memcmp(p + 8, "M4A ", 4) == 0 || memcmp(p + 8, "M4B ", 4) == 0)
		return "audio/mp4";
	return "video/mp4";
}

/* Plain text: UTF-8 without NUL or control characters other than tab and
 * line ends (the last character may be cut at n). */
static int
is_text(const uint8_t *p, size_t n)
{
	size_t i = 0, k, len;

	if (n == 0)
		return 0;
	while (i < n) {
		uint8_t c = p[i];
		if (c < 0x80) {
			if (c < 0x20 && c != '\t' && c != '\n' && c != '\r')
				return 0;
			if (c == 0x7f)
				return 0;
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf)
			len = 2;
		else if (c >= 0xe0 && c <= 0xef)
			len = 3;
		else if (c >= 0xf0 && c <= 0xf4)
			len = 4;
		else
			return 0;
		for (k = 1; k < len; k++) {
			if (i + k >= n)
				return 1; /* cut at the end of what was read */
			if ((p[i + k] & 0xc0) != 0x80)
				return 0;
		}
		i += len;
	}
	return 1;
}

const char *
fk_media_sniff(const uint8_t *p, size_t n)
{
	const char *t;

	if (p == NULL || n == 0)
		return NULL;
	if (starts(p, n, "\xff\xd8\xff", 3))
		return "image/jpeg";
	if (starts(p, n, "\x89PNG\r\n\x1a\n", 8))
		return "image/png";
	if (starts(p, n, "GIF87a", 6) || starts(p, n, "GIF89a", 6))
		return "image/gif";
	if (n >= 12 && memcmp(p, "RIFF", 4) == 0 && memcmp(p + 8, "WEBP", 4) == 0)
		return "image/webp";
	if (starts(p, n, "%PDF-", 5))
		return "application/pdf";
	if (starts(p, n, "OggS", 4))
		return "audio/ogg";
	if (starts(p, n, "ID3", 3) || (n >= 2 && p[0] == 0xff && (p[1] & 0xe0) == 0xe0))
		return "audio/mpeg";
	if ((t = sniff_ftyp(p, n)) != NULL)
		return t;
	if (is_text(p, n))
		return "text/plain";
	return NULL;
}

int
fk_media_compatible(const char *claimed, const char *content)
{
	if (claimed == NULL || content == NULL)
		return 0;
	if (strcmp(claimed, "application/octet-stream") == 0 || strcmp(claimed, content) == 0)
		return 1;
	/* .m4a and .mp4 are the same container. */
	return (strcmp(claimed, "audio/mp4") == 0 || strcmp(claimed, "video/mp4") == 0) &&
	    (strcmp(content, "audio/mp4") == 0 || strcmp(content, "video/mp4") == 0);
}

const char *
fk_media_name(const char *t)
{
	static const char *const names[][2] = {
		{ "image/jpeg", "JPEG" }, { "image/png", "PNG" }, { "image/gif", "GIF" },
		{ "image/webp", "WebP" }, { "image/heic", "HEIC" }, { "application/pdf", "PDF" },
		{ "text/plain", "text" }, { "audio/mpeg", "MP3" }, { "audio/ogg", "Ogg" },
		{ "audio/mp4", "M4A" }, { "video/mp4", "MP4" },
	};
	size_t i;

	for (i = 0; t != NULL && i < sizeof names / sizeof names[0]; i++)
		if (strcmp(names[i][0], t) == 0)
			return names[i][1];
	return t != NULL ? t : "?";
}

int
fk_attach_answer(fk_attach_in *a, uint64_t limit, json_t **out, fk_err *e)
{
	uint8_t head[FK_SNIFF_LEN];
	struct stat st;
	const char *name = strrchr(a->path, '/'), *claimed, *content;
	ssize_t n;
	int fd;

	*out = NULL;
	if ((fd = open(a->path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK)) < 0)
		return fk_fail(e, FK_EIO, _("cannot open attachment %s: %s"), a->path, strerror(errno));
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return fk_fail(e, FK_EINPUT, _("attachment %s is not a regular file"), a->path);
	}
	if ((uint64_t)st.st_size > limit) {
		close(fd);
		return fk_fail(e, FK_ELIMIT,
		    _("attachment %s is %lld bytes, over the device limit of %llu bytes"), a->path,
		    (long long)st.st_size, (unsigned long long)limit);
	}
	do
		n = read(fd, head, sizeof head);
	while (n < 0 && errno == EINTR);
	close(fd);
	if (n < 0)
		return fk_fail(e, FK_EIO, _("cannot read attachment %s: %s"), a->path, strerror(errno));
	claimed = fk_media_type(a->path);
	content = fk_media_sniff(head, (size_t)n);
	if (content == NULL)
		return fk_fail(e, FK_EINPUT,
		    _("attachment %s is not a file type fieldkit knows (JPEG, PNG, PDF, ...): "
		      "its content does not say what it is"), a->path);
	if (!fk_media_compatible(claimed, content))
		return fk_fail(e, FK_EINPUT,
		    _("attachment %s is named as %s but its content is %s: rename or convert it"),
		    a->path, fk_media_name(claimed), fk_media_name(content));
	if (a->id[0] == '\0')
		fk_uuid(a->id);
	*out = json_pack("{s:s, s:s, s:I, s:s}", "id", a->id, "media_type", content, "size",
	    (json_int_t)st.st_size, "name", name ? name + 1 : a->path);
	if (*out == NULL)
		return fk_fail(e, FK_EINPUT, _("attachment %s: the file name is not valid UTF-8"),
		    a->path);
	return 0;
}

int
fk_attach_file_sha256(const char *path, char hex[65], fk_err *e)
{
	crypto_hash_sha256_state st;
	uint8_t buf[65536], h[crypto_hash_sha256_BYTES];
	/* as everything read from outside: a regular file, never a FIFO swapped in */
	int fd = fk_open_regular(path, _("a file"), 0, NULL, e);
	ssize_t n;
	int err = 0;

	if (fd < 0)
		return fk_prefix(e, "%s", path);
	crypto_hash_sha256_init(&st);
	while ((n = read(fd, buf, sizeof buf)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err = errno;
			break;
		}
		crypto_hash_sha256_update(&st, buf, (size_t)n);
	}
	close(fd);
	sodium_memzero(buf, sizeof buf);
	if (n < 0)
		return fk_fail(e, FK_EIO, _("cannot read %s: %s"), path, strerror(err));
	crypto_hash_sha256_final(&st, h);
	sodium_bin2hex(hex, 65, h, sizeof h);
	return 0;
}
