/* Helpers shared by the cmocka tests. */
#ifndef FD_TESTUTIL_H
#define FD_TESTUTIL_H

#include <stddef.h>
#include <stdio.h>

/* $FD_REFERENCE/<rel> (the real outputs), or NULL when unset. */
const char *tu_reference(const char *rel, char *buf, size_t len);
/* $FD_SOURCE_ROOT/<rel>. */
const char *tu_source(const char *rel, char *buf, size_t len);
/* Read a whole file; caller frees; NULL on error. */
char *tu_slurp(const char *path, size_t *len);

/* What the code under test writes to stderr (fd 2) between
 * tu_stderr_begin() and tu_stderr_end(), which returns it (caller
 * frees; NULL on error). */
struct tu_capture {
	FILE *f;
	int saved;
};
int tu_stderr_begin(struct tu_capture *c);
char *tu_stderr_end(struct tu_capture *c);

#endif
