/*
 * Error convention (see ../shared/STYLE.md): functions return 0 or a
 * negative errno and fill the struct fd_error passed last.  Only the front
 * end (main.c, cmd_*.c) prints errors and picks exit codes.
 */
#ifndef FD_ERROR_H
#define FD_ERROR_H

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>

/*
 * Room for a whole message: ARM's error messages run to several hundred
 * characters and the headline of an exit 4 is what the operator acts on,
 * so it must never be cut (issue 13).  Bounded, as everything is.
 */
#define FD_ERROR_MSG 2048

/*
 * What a retry of the same request can expect, decided by the provider
 * that saw the answer (typed, never read from the message text).  Callers
 * that must not give up early (restore) retry everything that is not
 * FD_ERR_FINAL until their own deadline.
 */
enum fd_error_kind {
	FD_ERR_UNCLASSIFIED = 0,	/* no verdict: may be transient */
	FD_ERR_TRANSIENT,		/* 5xx, 429, throttling, transport,
					 * an operation Failed with a
					 * retryable code */
	FD_ERR_FINAL,			/* the same request fails the same
					 * way: 400, 403, 404, ... */
};

struct fd_error {
	int code;		/* negative errno, 0 when unset */
	enum fd_error_kind kind;
	/* The write was refused (a 4xx answer to every attempt) or never
	 * sent: the service changed nothing.  Unset when any attempt's
	 * outcome is unknown (timeout, dropped connection, 5xx). */
	bool unchanged;
	/* The service's id of the request that failed (ARM's
	 * x-ms-request-id), "" when none: set by the provider that saw the
	 * answer, so no caller reads it out of msg. */
	char request_id[64];
	char msg[FD_ERROR_MSG];
};

/* Classify err (may be NULL) after fd_error_set; returns err->code. */
int fd_error_kind_set(struct fd_error *err, enum fd_error_kind kind);

/* Set err (may be NULL) and return code, so callers can write
 * "return fd_error_set(err, -EINVAL, "...")".  Resets kind, unchanged
 * and request_id. */
int fd_error_set(struct fd_error *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Prefix the message already in err with "fmt: ". */
int fd_error_prefix(struct fd_error *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Record the id of the failed request (err may be NULL); returns
 * err->code. */
int fd_error_request_id(struct fd_error *err, const char *id);

void fd_error_clear(struct fd_error *err);

#endif
