/*
 * io.h - files: whole-file reads with a limit, crash-safe atomic writes,
 * streaming file sources and sinks, and secret files.
 *
 * Atomic writes go to a temporary name in the same directory, are fsync'd,
 * renamed over the target and the directory is fsync'd, so a power cut leaves
 * either the old file or the new one, never a mix. Secret files are created
 * 0600 and refused on read when group or others may read them. Secret bytes
 * are held in sodium_malloc memory and wiped when freed.
 */
#ifndef FK_IO_H
#define FK_IO_H

#include <stdio.h>
#include <sys/stat.h>

#include "fk.h"

/* Reads a whole file ("-" = stdin) into b; fails with FK_ELIMIT past max bytes. */
int fk_read_file(const char *path, size_t max, fk_buf *b, fk_err *e) FK_WUR;

/* Writes data to path atomically with the given mode. */
int fk_write_file_atomic(const char *path, const void *data, size_t len, int mode,
    fk_err *e) FK_WUR;

/* A streaming atomic writer. */
typedef struct fk_atomic {
	int fd;
	char *path;
	char *tmp;
} fk_atomic;
int fk_atomic_open(fk_atomic *a, const char *path, int mode, fk_err *e) FK_WUR;
fk_sink fk_atomic_sink(fk_atomic *a);
int fk_atomic_commit(fk_atomic *a, fk_err *e) FK_WUR; /* fsync, rename, fsync dir */
void fk_atomic_abort(fk_atomic *a);                   /* unlink the temporary file */

/* Writes all of p to fd, retrying short writes and EINTR; name is for the message. */
int fk_fd_write_all(int fd, const uint8_t *p, size_t n, const char *name, fk_err *e) FK_WUR;

/* fsyncs the directory that holds path. */
int fk_fsync_parent(const char *path, fk_err *e) FK_WUR;

/* Sources and sinks over stdio streams. */
fk_source fk_file_source(FILE *f);
fk_sink fk_file_sink(FILE *f);

/* Opens path for reading ("-" = stdin); on failure sets e. */
FILE *fk_open_read(const char *path, fk_err *e);

/*
 * Opens a file that came from outside (a folder on a stick) for reading: a
 * regular file only, opened without blocking (a FIFO would wait forever for
 * a writer; a device such as /dev/zero never ends), and, when nofollow, never
 * through a symbolic link (a link on a stick may point at any local file).
 * want names what was expected, for the message: "a FIFO, not a bundle"
 * (FK_EINPUT). Returns the descriptor, in blocking mode, with st filled; or
 * -1 with e set.
 */
int fk_open_regular(const char *path, const char *want, int nofollow, struct stat *st,
    fk_err *e) FK_WUR;
/* fk_read_file for such a file (symbolic links followed). */
int fk_read_regular(const char *path, const char *want, size_t max, fk_buf *b,
    fk_err *e) FK_WUR;

/*
 * Secrets. fk_secret is sodium_malloc'd and wiped by fk_secret_free.
 */
typedef struct fk_secret {
	uint8_t *p;
	size_t len;
} fk_secret;
int fk_secret_alloc(fk_secret *s, size_t len, fk_err *e) FK_WUR;
void fk_secret_free(fk_secret *s);

/* Refuses (FK_EPERM) a file that group or others may read. */
int fk_check_private_fd(int fd, const char *path, fk_err *e) FK_WUR;
/* Reads a secret file (checked private) into sodium_malloc memory. */
int fk_read_secret_file(const char *path, size_t max, fk_secret *s, fk_err *e) FK_WUR;
/* Writes a secret file 0600, atomically. Refuses to replace an existing file unless force. */
int fk_write_secret_file(const char *path, const void *data, size_t len, int force,
    fk_err *e) FK_WUR;

/* Creates a directory and its parents with the given mode; ok if it exists. */
int fk_mkdirs(const char *path, int mode, fk_err *e) FK_WUR;
/*
 * A folder a command writes into (export --to, hub export --to, bundle
 * unpack, qr send --png...): used as it is when it exists; created when only
 * its last component is missing; refused (FK_EUSAGE, naming the missing
 * parent) when its parent does not exist, so that a mistyped or unmounted
 * USB stick path (/media/usb for /media/usb0) is not silently made on the
 * laptop's own disk.
 */
int fk_mkdir_target(const char *path, int mode, fk_err *e) FK_WUR;
/* The folder path is in ("." or "/" when that is all), in out (cap bytes). */
void fk_path_dir(const char *path, char *out, size_t cap);
/* The same in parent; 1 when it exists as a folder, else 0. */
int fk_parent_dir(const char *path, char *parent, size_t cap);

/*
 * An advisory lock held while *fd stays open (closing it, or the process
 * ending however it ends, lets go): path is made 0600 if missing, never
 * followed as a link. 0 with *fd; 1 when another process holds it (*fd -1,
 * e untouched: the caller says what is busy); -1 with FK_EIO.
 */
int fk_lock_try(const char *path, int *fd, fk_err *e) FK_WUR;

#endif
