/*
 * Importers: pure parsers from the trace outputs operators already have to
 * the hop model (struct hop_list).  A silent hop ("* * *", "Request timed
 * out.", "no reply", "???") stays a hop at its TTL.  Grammar notes and the
 * real samples: shared/reference/FORMATS.md §6, outputs/traceroute/.
 */
#ifndef FD_IMPORT_H
#define FD_IMPORT_H

#include <stddef.h>

#include "hops.h"

struct trace_format {
	const char *name;	/* "traceroute", "tracert", ... */
	const char *desc;
	int (*parse)(const char *buf, size_t len, struct hop_list *out,
	    struct fd_error *err);
};

/* The table, NULL-terminated. */
extern const struct trace_format *const trace_formats[];

const struct trace_format *trace_format_find(const char *name);
/* Best guess of the format of buf, or NULL. */
const struct trace_format *trace_format_detect(const char *buf, size_t len);

/*
 * Parse buf (any bytes; need not be NUL-terminated) in the named format, or
 * the detected one when format is NULL.  -EINVAL for an unknown format name,
 * -ENOMSG when the format cannot be recognised, -ENODATA when no hop was
 * found, -EBADMSG for malformed input.
 */
int trace_import(const char *buf, size_t len, const char *format,
    struct hop_list *out, struct fd_error *err);

#endif
