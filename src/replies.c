#include <limits.h>
#include <stdio.h>

#include "log.h"
#include "replies.h"

void
replies_phase(const struct device_ops *const *ops, void *const *ctx,
    size_t n, const char *out_dir, const char *phase,
    struct device_replies *b)
{
	char dir[PATH_MAX];
	const char *d = NULL;
	size_t i;
	int len;

	if (b->max_bytes == 0)
		b->max_bytes = REPLIES_MAX_BYTES;
	if (out_dir != NULL && phase != NULL) {
		len = snprintf(dir, sizeof(dir), "%s/replies/%s", out_dir,
		    phase);
		if (len > 0 && (size_t)len < sizeof(dir))
			d = dir;
		else
			log_warn("replies: %s/replies/%s: path too long; the "
			    "device replies of %s are not saved", out_dir,
			    phase, phase);
	}
	for (i = 0; i < n; i++)
		if (ops[i] != NULL && ops[i]->record != NULL)
			ops[i]->record(ctx[i], d, b);
}
