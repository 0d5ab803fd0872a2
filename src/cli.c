/* What the verbs share; see cli.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

static void
print_diags(const struct spec_diags *d)
{
	unsigned i;

	for (i = 0; i < d->n && i < SPEC_MAX_DIAGS; i++) {
		if (d->v[i].line == 0)	/* no position: the file itself */
			fprintf(stderr, "%s: %s\n", d->file, d->v[i].msg);
		else
			fprintf(stderr, "%s:%u:%u: %s\n", d->file,
			    d->v[i].line, d->v[i].column, d->v[i].msg);
	}
	if (d->n > SPEC_MAX_DIAGS)
		fprintf(stderr, "%s: %u more errors\n", d->file,
		    d->n - SPEC_MAX_DIAGS);
}

int
load_spec(const char *path, struct spec **out)
{
	struct spec_diags diags;
	int rc;

	memset(&diags, 0, sizeof(diags));
	rc = spec_load(path, out, &diags);
	if (rc == -EINVAL) {
		print_diags(&diags);
		return -1;
	}
	if (rc < 0) {
		fprintf(stderr, "failover-drill: %s: %s\n", path,
		    diags.n ? diags.v[0].msg : strerror(-rc));
		return -1;
	}
	return 0;
}

void
uuid4(char *buf, size_t len)
{
	unsigned char b[16];
	int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
	size_t i;

	if (fd < 0 || read(fd, b, sizeof(b)) != (ssize_t)sizeof(b)) {
		for (i = 0; i < sizeof(b); i++)
			b[i] = (unsigned char)(rand() ^ (int)time(NULL));
	}
	if (fd >= 0)
		close(fd);
	b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
	b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
	snprintf(buf, len, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
	    "%02x%02x%02x%02x%02x%02x", b[0], b[1], b[2], b[3], b[4], b[5],
	    b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]);
}
