/* The LRO waiter on a virtual clock: Retry-After, deadline, cancel. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include <stdlib.h>

#include "log.h"
#include "lro.h"
#include "testutil.h"

struct cloud_op {
	unsigned polls, done_after;
	uint64_t hint;
	int fail_rc;
	volatile sig_atomic_t *raise;	/* set on the first poll */
};

static int
poll_fn(void *ctx, struct cloud_op *op, struct cloud_poll *out,
    struct fd_error *err)
{
	(void)ctx;
	op->polls++;
	if (op->raise)
		*op->raise = 1;
	memset(out, 0, sizeof(*out));
	if (op->fail_rc && op->polls == op->done_after)
		return fd_error_set(err, op->fail_rc, "operation Failed");
	out->done = op->polls >= op->done_after;
	out->retry_after_ms = op->hint;
	snprintf(out->status, sizeof(out->status), "%s",
	    out->done ? "Succeeded" : "InProgress");
	return 0;
}

static const struct cloud_ops ops = { .name = "t", .op_poll = poll_fn };

static void
test_retry_after_honoured(void **st)
{
	struct vclock v = { 0 };
	struct fd_clock c;
	struct lro_policy p;
	struct cloud_op op = { 0, 4, 7000, 0, NULL };
	struct fd_error err = { 0 };
	unsigned polls = 0;

	(void)st;
	clock_init_virtual(&c, &v, NULL);
	lro_policy_default(&p);
	assert_int_equal(lro_wait(&ops, NULL, &op, &c, &p, NULL, &polls,
	    &err), 0);
	assert_int_equal(polls, 4);
	assert_int_equal(v.slept_total, 3 * 7000);	/* the server's hint */

	/* No hint: the default interval; a tiny hint: the floor. */
	memset(&v, 0, sizeof(v));
	op = (struct cloud_op){ 0, 3, 0, 0, NULL };
	assert_int_equal(lro_wait(&ops, NULL, &op, &c, &p, NULL, NULL, &err),
	    0);
	assert_int_equal(v.slept_total, 2 * p.default_ms);
	memset(&v, 0, sizeof(v));
	op = (struct cloud_op){ 0, 3, 10, 0, NULL };
	assert_int_equal(lro_wait(&ops, NULL, &op, &c, &p, NULL, NULL, &err),
	    0);
	assert_int_equal(v.slept_total, 2 * p.min_ms);
}

static void
test_deadline_and_failure(void **st)
{
	struct vclock v = { 0 };
	struct fd_clock c;
	struct lro_policy p;
	struct cloud_op op = { 0, 1000, 5000, 0, NULL };
	struct fd_error err = { 0 };

	(void)st;
	clock_init_virtual(&c, &v, NULL);
	lro_policy_default(&p);
	p.deadline = 60000;
	assert_int_equal(lro_wait(&ops, NULL, &op, &c, &p, NULL, NULL, &err),
	    -ETIMEDOUT);
	assert_true(v.now <= 60000);
	assert_non_null(strstr(err.msg, "InProgress"));

	memset(&v, 0, sizeof(v));
	op = (struct cloud_op){ 0, 2, 1000, -EIO, NULL };
	p.deadline = 0;
	assert_int_equal(lro_wait(&ops, NULL, &op, &c, &p, NULL, NULL, &err),
	    -EIO);
}

static void
test_cancel(void **st)
{
	volatile sig_atomic_t flag = 0;
	struct vclock v = { 0 };
	struct fd_clock c, nc;
	struct lro_policy p;
	struct cloud_op op = { 0, 5, 1000, 0, &flag };
	struct fd_error err = { 0 };

	(void)st;
	clock_init_virtual(&c, &v, &flag);
	lro_policy_default(&p);
	assert_int_equal(lro_wait(&ops, NULL, &op, &c, &p, NULL, NULL, &err),
	    -ECANCELED);
	assert_int_equal(op.polls, 1);
	/* The restore clock ignores the flag: the wait runs to the end. */
	clock_init_virtual(&nc, &v, NULL);
	op = (struct cloud_op){ 0, 5, 1000, 0, &flag };
	assert_int_equal(lro_wait(&ops, NULL, &op, &nc, &p, NULL, NULL, &err),
	    0);
	assert_int_equal(op.polls, 5);
}

static void
test_retry_delay(void **st)
{
	struct vclock v = { 0 };
	struct fd_clock c;
	struct fd_retry r = { 5, 1000, 8000, 0 };

	(void)st;
	clock_init_virtual(&c, &v, NULL);
	assert_int_equal(retry_delay(&r, &c, 1, 0), 1000);
	assert_int_equal(retry_delay(&r, &c, 2, 0), 2000);
	assert_int_equal(retry_delay(&r, &c, 4, 0), 8000);
	assert_int_equal(retry_delay(&r, &c, 3, 30000), 30000);	/* hint */
	assert_int_equal(retry_delay(&r, &c, 5, 0), -1);	/* attempts */
	r.deadline = 1500;
	assert_int_equal(retry_delay(&r, &c, 2, 0), -1);	/* deadline */
}

/* Issue 13: a heartbeat per poll while the operation runs, at info
 * level (what a terminal shows), naming the operation and its age. */
static void
test_heartbeat(void **st)
{
	struct vclock v = { 0 };
	struct fd_clock c;
	struct lro_policy p;
	struct cloud_op op = { 0, 4, 10000, 0, NULL };
	struct fd_error err = { 0 };
	struct tu_capture cap;
	char *buf;

	(void)st;
	clock_init_virtual(&c, &v, NULL);
	lro_policy_default(&p);
	p.what = "disable (request id rid-1)";
	log_init(LOG_INFO, false);
	assert_int_equal(tu_stderr_begin(&cap), 0);
	assert_int_equal(lro_wait(&ops, NULL, &op, &c, &p, NULL, NULL, &err),
	    0);
	buf = tu_stderr_end(&cap);
	assert_non_null(buf);
	assert_non_null(strstr(buf, "disable (request id rid-1): InProgress "
	    "0 s\n"));
	assert_non_null(strstr(buf, "disable (request id rid-1): InProgress "
	    "20 s\n"));
	/* Not after Succeeded: three running polls, three lines. */
	assert_null(strstr(buf, "InProgress 30 s"));
	assert_null(strstr(buf, "Succeeded"));
	free(buf);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_retry_after_honoured),
		cmocka_unit_test(test_deadline_and_failure),
		cmocka_unit_test(test_cancel),
		cmocka_unit_test(test_retry_delay),
		cmocka_unit_test(test_heartbeat),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
