/*
 * collect_run() and device_ops.prefetch (issue 9): before a device's
 * queries run, the ones ready (their login done and passed, not a
 * traceroute) are handed over once, in order; a device whose login
 * failed hands over nothing and its queries are skipped.  A fake
 * device_ops records, per device, what it was asked and when.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "collect.h"

struct fdev {
	bool login_fails;
	char log[512];		/* "I P(RAB) R A T B" */
};

static void
note(struct fdev *d, const char *s)
{
	size_t n = strlen(d->log);

	snprintf(d->log + n, sizeof(d->log) - n, "%s%s", n ? " " : "", s);
}

static int
f_info(void *ctx, struct device_info *out, struct fd_error *err)
{
	struct fdev *d = ctx;

	(void)out;
	note(d, "I");
	return d->login_fails ? fd_error_set(err, -ECONNREFUSED, "refused") :
	    0;
}

static int
f_routes(void *ctx, const char *table, const struct fd_prefix *pfx,
    struct route_set *out, struct fd_error *err)
{
	(void)table; (void)pfx; (void)out; (void)err;
	note(ctx, "R");
	return 0;
}

static int
f_adv(void *ctx, const struct fd_addr *nbr, const char *table,
    struct route_set *out, struct fd_error *err)
{
	(void)nbr; (void)table; (void)out; (void)err;
	note(ctx, "A");
	return 0;
}

static int
f_rcv(void *ctx, const struct fd_addr *nbr, const char *table,
    struct route_set *out, struct fd_error *err)
{
	(void)nbr; (void)table; (void)out; (void)err;
	note(ctx, "V");
	return 0;
}

static int
f_bgp(void *ctx, const char *instance, struct bgp_summary *out,
    struct fd_error *err)
{
	(void)instance; (void)out; (void)err;
	note(ctx, "B");
	return 0;
}

static int
f_trace(void *ctx, const struct fd_addr *to, const char *instance,
    struct hop_list *out, struct fd_error *err)
{
	(void)to; (void)instance; (void)out; (void)err;
	note(ctx, "T");
	return 0;
}

static void
f_prefetch(void *ctx, const struct device_query *q, size_t n)
{
	static const char k[] = "IRAVB";
	char s[64] = "P(";
	size_t i, l = 2;

	for (i = 0; i < n && l + 2 < sizeof(s); i++)
		s[l++] = k[q[i].kind];
	s[l++] = ')';
	s[l] = '\0';
	/* The routes query's own table, as its call will take it. */
	for (i = 0; i < n; i++)
		if (q[i].kind == DEVQ_ROUTES)
			assert_string_equal(q[i].table, "inet.0");
	note(ctx, s);
}

static const struct device_ops fops = {
	.kind = "fake",
	.info = f_info,
	.routes = f_routes,
	.advertised = f_adv,
	.received = f_rcv,
	.bgp_summary = f_bgp,
	.traceroute = f_trace,
	.prefetch = f_prefetch,
};

static void
test_prefetch_after_login(void **state)
{
	struct fdev a = { 0 }, b = { .login_fails = true };
	struct collect_job j[8];
	struct fd_error err = { 0 };
	size_t i;

	(void)state;
	collect_job_init(&j[0], &fops, &a, "a", COLLECT_INFO);
	collect_job_init(&j[1], &fops, &b, "b", COLLECT_INFO);
	collect_job_init(&j[2], &fops, &a, "a", COLLECT_ROUTES);
	snprintf(j[2].table, sizeof(j[2].table), "inet.0");
	collect_job_init(&j[3], &fops, &a, "a", COLLECT_ADVERTISED);
	collect_job_init(&j[4], &fops, &a, "a", COLLECT_TRACEROUTE);
	collect_job_init(&j[5], &fops, &b, "b", COLLECT_ROUTES);
	collect_job_init(&j[6], &fops, &a, "a", COLLECT_BGP_SUMMARY);
	collect_job_init(&j[7], &fops, &b, "b", COLLECT_RECEIVED);
	for (i = 2; i < 8; i++)
		j[i].after = &j[j[i].ctx == &a ? 0 : 1];
	assert_true(collect_run(j, 8, &err) < 0);
	assert_string_equal(a.log, "I P(RAB) R A T B");
	assert_string_equal(b.log, "I");
	assert_true(j[5].skipped && j[7].skipped);
	for (i = 0; i < 8; i++)
		collect_job_done(&j[i]);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_prefetch_after_login),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
