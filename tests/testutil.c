#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "testutil.h"

static const char *
join_env(const char *var, const char *rel, char *buf, size_t len)
{
	const char *root = getenv(var);

	if (root == NULL)
		return NULL;
	snprintf(buf, len, "%s/%s", root, rel);
	return buf;
}

const char *
tu_reference(const char *rel, char *buf, size_t len)
{
	return join_env("FD_REFERENCE", rel, buf, len);
}

const char *
tu_source(const char *rel, char *buf, size_t len)
{
	return join_env("FD_SOURCE_ROOT", rel, buf, len);
}

char *
tu_slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	long n;

	if (f == NULL)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 &&
	    fseek(f, 0, SEEK_SET) == 0 && (buf = malloc((size_t)n + 1))) {
		if (fread(buf, 1, (size_t)n, f) != (size_t)n) {
			free(buf);
			buf = NULL;
		} else {
			buf[n] = '\0';
			if (len)
				*len = (size_t)n;
		}
	}
	fclose(f);
	return buf;
}

int
tu_stderr_begin(struct tu_capture *c)
{
	fflush(stderr);
	c->f = tmpfile();
	c->saved = dup(2);
	if (c->f == NULL || c->saved < 0 || dup2(fileno(c->f), 2) < 0)
		return -1;
	return 0;
}

char *
tu_stderr_end(struct tu_capture *c)
{
	char *buf = NULL;
	long n;

	fflush(stderr);
	if (c->saved >= 0) {
		dup2(c->saved, 2);
		close(c->saved);
	}
	if (c->f == NULL)
		return NULL;
	if (fseek(c->f, 0, SEEK_END) == 0 && (n = ftell(c->f)) >= 0 &&
	    (buf = malloc((size_t)n + 1)) != NULL) {
		rewind(c->f);
		buf[fread(buf, 1, (size_t)n, c->f)] = '\0';
	}
	fclose(c->f);
	return buf;
}
