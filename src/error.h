/*
 * Error convention (see ../shared/STYLE.md): functions return 0 or a
 * negative errno and fill the struct fd_error passed last.  Only the front
 * end (main.c, cmd_*.c) prints errors and picks exit codes.
 */
#ifndef FD_ERROR_H
#define FD_ERROR_H

#include <errno.h>
#include <stdarg.h>

#define FD_ERROR_MSG 256

struct fd_error {
	int code;		/* negative errno, 0 when unset */
	char msg[FD_ERROR_MSG];
};

/* Set err (may be NULL) and return code, so callers can write
 * "return fd_error_set(err, -EINVAL, "...")". */
int fd_error_set(struct fd_error *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Prefix the message already in err with "fmt: ". */
int fd_error_prefix(struct fd_error *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

void fd_error_clear(struct fd_error *err);

#endif
