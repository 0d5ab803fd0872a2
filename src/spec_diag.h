/* Diagnostics of a file checked whole: every error found, each with its
 * position (spec.h, jsonwalk.h). */
#ifndef FD_SPEC_DIAG_H
#define FD_SPEC_DIAG_H

#include <limits.h>

/* Diagnostics: every error found, each with its position. */
struct spec_diag {
	unsigned line, column;
	char msg[200];
};

#define SPEC_MAX_DIAGS 64

struct spec_diags {
	char file[PATH_MAX];
	unsigned n;			/* may exceed SPEC_MAX_DIAGS: count */
	struct spec_diag v[SPEC_MAX_DIAGS];
};

#endif
