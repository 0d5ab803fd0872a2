/* Helpers shared by the cmocka tests. */
#ifndef FD_TESTUTIL_H
#define FD_TESTUTIL_H

#include <stddef.h>

/* $FD_REFERENCE/<rel> (the real outputs), or NULL when unset. */
const char *tu_reference(const char *rel, char *buf, size_t len);
/* $FD_SOURCE_ROOT/<rel>. */
const char *tu_source(const char *rel, char *buf, size_t len);
/* Read a whole file; caller frees; NULL on error. */
char *tu_slurp(const char *path, size_t *len);

#endif
