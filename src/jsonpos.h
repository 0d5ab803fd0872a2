/*
 * Positions of JSON values in the source text.
 *
 * jansson reports positions only for syntax errors, so the spec validator
 * runs this small scanner over the raw text once and looks values up by
 * JSON pointer (RFC 6901: "/devices/fw/host", "/probes/0/to") to place
 * each validation error at file:line:column.  The scanner also finds every
 * duplicate key (jansson stops at the first and points past it).
 *
 * Lines and columns are 1-based; a column counts characters (UTF-8 lead
 * bytes), as jansson and most editors do.
 */
#ifndef FD_JSONPOS_H
#define FD_JSONPOS_H

#include <stdbool.h>
#include <stddef.h>

struct jpos {
	unsigned line, col;		/* first character of the value */
	unsigned key_line, key_col;	/* of its key; = value in arrays */
};

struct jpos_dup {
	struct jpos at;			/* the repeated key */
	unsigned first_line;		/* where the key first appeared */
	char key[64];			/* cut to fit */
	char path[192];			/* pointer of the object, cut to fit */
};

struct jpos_node;

struct jpos_index {
	size_t n, cap;
	struct jpos_node *v;
	char *pool;			/* key/index segments */
	size_t pool_n, pool_cap;
	size_t n_dups;			/* may exceed JPOS_MAX_DUPS: count */
#define JPOS_MAX_DUPS 32
	struct jpos_dup dups[JPOS_MAX_DUPS];
};

/*
 * Scan buf.  0 on success, -EINVAL on a syntax error (then the index holds
 * what was scanned before it; the caller reports jansson's message),
 * -ENOMEM, or -E2BIG past the nesting limit.
 */
int jpos_build(const char *buf, size_t len, struct jpos_index *ix);
void jpos_done(struct jpos_index *ix);

/* Position of the value at pointer ptr ("" = the whole document), or
 * false when there is none. */
bool jpos_find(const struct jpos_index *ix, const char *ptr,
    struct jpos *out);

/* Append a pointer segment for key (escaping '~' and '/') to buf, which
 * holds a string of length *n and has room for size bytes.  false when it
 * does not fit (buf is left unchanged). */
bool jpos_ptr_push(char *buf, size_t size, size_t *n, const char *key);

#endif
