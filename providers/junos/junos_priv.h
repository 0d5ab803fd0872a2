/* Internals shared by the Junos parsers (not part of the provider API). */
#ifndef FD_JUNOS_PRIV_H
#define FD_JUNOS_PRIV_H

#include <stdbool.h>
#include <stddef.h>

/* Longer than any line Junos prints but an AS path of 200 four-byte ASNs
 * in "show route ... detail" (ROUTE_ASPATH_MAX); longer lines are cut and
 * flagged. */
#define JUNOS_LINE_MAX 4096

/* Iterate over the lines of a buffer that need not be NUL-terminated.
 * Copies each line (without "\r\n", cut at JUNOS_LINE_MAX - 1) into
 * line; returns false at the end. */
struct junos_lines {
	const char *p, *end;
	char line[JUNOS_LINE_MAX];
	size_t len;			/* of line */
	bool cut;			/* line was longer than JUNOS_LINE_MAX-1 */
};

void junos_lines_init(struct junos_lines *it, const char *buf, size_t len);
bool junos_lines_next(struct junos_lines *it);

/* Split s (modified) on whitespace into at most max tokens; records each
 * token's column in col (may be NULL).  Returns the count. */
size_t junos_split(char *s, char **tok, size_t *col, size_t max);

/* Skip leading whitespace. */
const char *junos_skip_ws(const char *s);
bool junos_starts(const char *s, const char *prefix);
/* Parse a whole decimal token; false if s is not one. */
bool junos_ll(const char *s, long long *out);

#endif
