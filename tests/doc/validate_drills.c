/*
 * Validate drill specs with spec_load() and say so in TAP: every *.json in
 * each directory argument, or each file argument.  Used by the 'drills'
 * suite (every shipped drill) and the 'doc' suite (the man page example).
 * Exit 0 when every spec loads, 1 otherwise.
 */
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "spec.h"

static int
check(const char *path, unsigned n)
{
	struct spec_diags *d = calloc(1, sizeof(*d));
	struct spec *s = NULL;
	unsigned i;
	int rc;

	if (d == NULL) {
		printf("not ok %u - %s: out of memory\n", n, path);
		return -1;
	}
	rc = spec_load(path, &s, d);
	if (rc == 0) {
		printf("ok %u - %s (%s: %u devices, %u probes, %u preflight "
		    "checks)\n", n, path, s->name, s->n_devices, s->n_probes,
		    s->n_preflight);
	} else {
		printf("not ok %u - %s\n", n, path);
		for (i = 0; i < d->n && i < SPEC_MAX_DIAGS; i++)
			printf("# %s:%u:%u: %s\n", d->file, d->v[i].line,
			    d->v[i].column, d->v[i].msg);
	}
	spec_free(s);
	free(d);
	return rc;
}

int
main(int argc, char **argv)
{
	glob_t *g;
	struct stat st;
	size_t total = 0, k;
	unsigned n = 0;
	int i, failed = 0;
	char pat[4096];

	if (argc < 2) {
		fprintf(stderr, "usage: validate_drills DIR|FILE...\n");
		return 2;
	}
	g = calloc((size_t)argc, sizeof(*g));
	if (g == NULL)
		return 1;
	for (i = 1; i < argc; i++) {
		if (stat(argv[i], &st) == 0 && S_ISDIR(st.st_mode)) {
			snprintf(pat, sizeof(pat), "%s/*.json", argv[i]);
			if (glob(pat, 0, NULL, &g[i]) != 0 ||
			    g[i].gl_pathc == 0) {
				/* An empty drills/ is a failure, never a
				 * pass. */
				printf("1..1\nnot ok 1 - no *.json in %s\n",
				    argv[i]);
				return 1;
			}
			total += g[i].gl_pathc;
		} else {
			total++;
		}
	}
	printf("1..%zu\n", total);
	for (i = 1; i < argc; i++) {
		if (g[i].gl_pathc == 0) {
			if (check(argv[i], ++n) != 0)
				failed = 1;
			continue;
		}
		for (k = 0; k < g[i].gl_pathc; k++)
			if (check(g[i].gl_pathv[k], ++n) != 0)
				failed = 1;
		globfree(&g[i]);
	}
	free(g);
	return failed;
}
