#include <string.h>

#include "log.h"
#include "lro.h"

void
lro_policy_default(struct lro_policy *p)
{
	memset(p, 0, sizeof(*p));
	p->default_ms = 5000;
	p->min_ms = 1000;
	p->max_ms = 60000;
}

int
lro_wait(const struct cloud_ops *ops, void *ctx, struct cloud_op *op,
    const struct fd_clock *clock, const struct lro_policy *policy,
    struct cloud_poll *last, unsigned *polls, struct fd_error *err)
{
	struct cloud_poll st;
	uint64_t t0 = clock_now(clock);
	unsigned n = 0;
	int rc;

	for (;;) {
		uint64_t wait, now;

		memset(&st, 0, sizeof(st));
		rc = ops->op_poll(ctx, op, &st, err);
		n++;
		if (polls != NULL)
			*polls = n;
		if (last != NULL)
			*last = st;
		if (rc < 0)
			return rc;
		if (st.done)
			return 0;
		if (policy->what != NULL)
			log_info("%s: %s %llu s", policy->what,
			    st.status[0] ? st.status : "running",
			    (unsigned long long)((clock_now(clock) - t0) /
			    1000));
		wait = st.retry_after_ms ? st.retry_after_ms :
		    policy->default_ms;
		if (wait < policy->min_ms)
			wait = policy->min_ms;
		if (wait > policy->max_ms)
			wait = policy->max_ms;
		now = clock_now(clock);
		if (policy->deadline != 0 && now >= policy->deadline)
			return fd_error_set(err, -ETIMEDOUT,
			    "operation still %s after the deadline (%u polls)",
			    st.status[0] ? st.status : "running", n);
		if (policy->deadline != 0 && now + wait > policy->deadline)
			wait = policy->deadline - now;
		if (clock_sleep(clock, wait) < 0)
			return fd_error_set(err, -ECANCELED,
			    "interrupted while the operation was %s",
			    st.status[0] ? st.status : "running");
	}
}
