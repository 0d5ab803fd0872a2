/* The native probe provider: tracer.c and prober.c behind probe_ops. */
#include <stdlib.h>
#include <string.h>

#include "prober.h"
#include "registry.h"
#include "tracer.h"

struct native_ctx {
	struct probe_cfg cfg;
};

static int
native_open(const struct probe_cfg *cfg, void **ctx, struct fd_error *err)
{
	struct native_ctx *c;
	int rc;

	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return fd_error_set(err, -ENOMEM, "out of memory");
	if (cfg != NULL)
		c->cfg = *cfg;
	tracer_cfg_defaults(&c->cfg);
	rc = tracer_cfg_check(&c->cfg, err);
	if (rc < 0) {
		free(c);
		return rc;
	}
	*ctx = c;
	return 0;
}

static int
native_trace(void *ctx, const struct fd_addr *to, struct hop_list *out,
    struct fd_error *err)
{
	struct native_ctx *c = ctx;

	return tracer_run(&c->cfg, to, out, NULL, NULL, err);
}

static int
native_watch_begin(void *ctx, const struct watch_req *req,
    struct probe_watch **out, struct fd_error *err)
{
	struct native_ctx *c = ctx;
	struct prober *p;
	int rc;

	rc = prober_start(req, &c->cfg, &p, err);
	if (rc == 0)
		*out = (struct probe_watch *)p;
	return rc;
}

static int
native_watch_end(void *ctx, struct probe_watch *w, struct watch_samples *out,
    struct fd_error *err)
{
	(void)ctx;
	return prober_stop((struct prober *)w, out, err);
}

static void
native_close(void *ctx)
{
	free(ctx);
}

const struct probe_ops native_probe_ops = {
	.name = "native",
	.open = native_open,
	.trace = native_trace,
	.watch_begin = native_watch_begin,
	.watch_end = native_watch_end,
	.close = native_close,
};
