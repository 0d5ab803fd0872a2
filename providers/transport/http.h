/*
 * The HTTP transport: one small interface (a const ops table plus ctx, as
 * curl's connection filters are built) and one libcurl implementation.
 * The Azure provider talks only to this interface, so its unit tests
 * inject a scripted fake and the integration tests the real adapter.
 */
#ifndef FD_HTTP_H
#define FD_HTTP_H

#include <signal.h>
#include <stddef.h>

#include "error.h"
#include "log.h"

struct http_header {
	char *name;
	char *value;
};

struct http_request {
	const char *method;		/* "GET", "PUT", "POST" */
	const char *url;
	const char *const *headers;	/* "Name: value", NULL-terminated */
	const char *body;		/* NULL: no body */
	size_t body_len;
	unsigned timeout_ms;		/* 0: the transport's default */
	/* When non-NULL and *cancel turns non-zero while the request is in
	 * flight, it is abandoned within about a second: -ECANCELED (a
	 * SIGINT must not wait out a 65 s request timeout).  The restore
	 * path passes NULL. */
	volatile sig_atomic_t *cancel;
};

struct http_response {
	long status;
	char *body;			/* always NUL-terminated once filled */
	size_t body_len;
	size_t n_headers;
	struct http_header *headers;	/* of the final response only */
};

struct http_ops {
	/* Send one request; 0 with any HTTP status in out, or a negative
	 * errno when no response came (timeout, reset, TLS failure). */
	int (*request)(void *ctx, const struct http_request *req,
	    struct http_response *out, struct fd_error *err);
	void (*close)(void *ctx);
};

struct http {
	const struct http_ops *ops;
	void *ctx;
};

/* Log sink: one line per call, Authorization already redacted, with
 * its level decided where the line is made (the transport's trace is
 * LOG_DEBUG); the sink never reads the text to decide. */
typedef void (*http_log_fn)(void *arg, enum log_level level,
    const char *line);

struct http_cfg {
	const char *ca_bundle;		/* NULL or "": system CAs */
	unsigned connect_timeout_ms;	/* 0: 10 s */
	unsigned timeout_ms;		/* 0: 65 s */
	http_log_fn log;		/* NULL: quiet */
	void *log_arg;
};

/* The libcurl adapter: one easy handle, TLS peer and host verification
 * always on. */
int http_curl_open(const struct http_cfg *cfg, struct http *out,
    struct fd_error *err);

int http_request(const struct http *h, const struct http_request *req,
    struct http_response *out, struct fd_error *err);
/* Closes h's ctx (NULL-safe) and clears h. */
void http_close(struct http *h);
/* libcurl is loaded at run time (see http.c): 0 and its version, or
 * -ENOENT and why it cannot be loaded, with the package to install. */
int http_library(char *buf, size_t len);

void http_response_init(struct http_response *r);
void http_response_done(struct http_response *r);
/* Case-insensitive; the last one of that name wins; NULL when absent. */
const char *http_response_header(const struct http_response *r,
    const char *name);
int http_response_add_header(struct http_response *r, const char *name,
    const char *value);
int http_response_set_body(struct http_response *r, const char *body,
    size_t len);

/* Copy a header line for logging with the value of Authorization (and
 * other credential headers) replaced by "[redacted]". */
void http_redact_line(const char *in, size_t n, char *out, size_t len);

#endif
