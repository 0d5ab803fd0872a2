#include <limits.h>
#include <stdio.h>

#include "log.h"
#include "replies.h"

void
replies_phase(const struct drill_providers *p, const char *out_dir,
    const char *phase, struct device_replies *b)
{
	char dir[PATH_MAX];
	const char *d = NULL;
	unsigned i;
	int n;

	if (b->max_bytes == 0)
		b->max_bytes = REPLIES_MAX_BYTES;
	if (out_dir != NULL && phase != NULL) {
		n = snprintf(dir, sizeof(dir), "%s/replies/%s", out_dir,
		    phase);
		if (n > 0 && (size_t)n < sizeof(dir))
			d = dir;
		else
			log_warn("replies: %s/replies/%s: path too long; the "
			    "device replies of %s are not saved", out_dir,
			    phase, phase);
	}
	for (i = 0; i < SPEC_MAX_DEVICES; i++)
		if (p->dev[i] != NULL && p->dev[i]->record != NULL)
			p->dev[i]->record(p->dev_ctx[i], d, b);
}
