/*
 * attach.h - files attached to answers: what a file is (from its content,
 * not its name), and the answer the forms engine expects for it.
 *
 * Owns: recognising media types by their magic bytes (JPEG, PNG, GIF, WebP,
 * HEIC, PDF, MP3, Ogg, MP4, plain text) and refusing a file whose content is
 * not the type its name claims, or that is no known type at all.
 * Must never: read more of a file than it needs to tell its type; keep a
 * file's bytes.
 */
#ifndef FK_ATTACH_H
#define FK_ATTACH_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "fk.h"
#include "util.h"

/* Bytes of the head of a file that fk_media_sniff looks at. */
#define FK_SNIFF_LEN 512

/*
 * An attachment to seal: the answer's record path
 * (children[0].child_photos[0].photo), the file, and the attachment's id (the
 * id in the answer). Without a path, the bytes come from src - exactly size
 * of them - with the original file name and media type given (the app's
 * pending files, pending.h).
 */
typedef struct fk_attach_in {
	const char *field;
	const char *path;
	char id[FK_UUID_BUF];             /* "" = make one */
	fk_source src;                    /* path == NULL: the bytes */
	uint64_t size;
	const char *name, *media_type;
	const char *sha256;               /* path: the SHA-256 (hex) of the file when it was
	                                     attached, checked when it is sealed; or NULL */
} fk_attach_in;

/* The SHA-256 (hex, 65 bytes with the NUL) of the file at path, read whole. */
int fk_attach_file_sha256(const char *path, char hex[65], fk_err *e) FK_WUR;

/* The media type a file name's extension claims, or "application/octet-stream". */
const char *fk_media_type(const char *path);

/*
 * The media type the first n bytes of a file show (n up to FK_SNIFF_LEN
 * is enough), or NULL when they are no type fieldkit knows. Takes outside
 * bytes: never reads past n.
 */
const char *fk_media_sniff(const uint8_t *p, size_t n);

/* A short name for a media type in messages ("JPEG", "PDF"), or the type itself. */
const char *fk_media_name(const char *type);

/* 1 when a file of content type `content` may carry a name claiming `claimed`. */
int fk_media_compatible(const char *claimed, const char *content);

/*
 * The answer the forms engine expects for an attachment field:
 * {"id", "media_type", "size", "name"}, media_type from the content; fills
 * a->id if empty. Fails (FK_EIO) when the file cannot be read, (FK_EINPUT)
 * when it is not a regular file, no known type, or not the type its name
 * claims, (FK_ELIMIT) when it is over limit bytes.
 */
int fk_attach_answer(fk_attach_in *a, uint64_t limit, json_t **out, fk_err *e) FK_WUR;

#endif
