/*
 * The engine's two guardian hooks (drill_opts.guard_arm, guard_disarm;
 * guardian.h) over the fake providers: armed once, before the first
 * write; a failure to arm aborts with nothing changed; disarmed once the
 * restore returned, also when it failed (the journal stays for recover);
 * never armed on a dry run.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "drill.h"
#include "fakes.h"
#include "journal.h"
#include "log.h"

static struct spec spec;
static char state[64];

struct guard_probe {
	struct fake_world *w;
	int arm_rc;
	unsigned arms, disarms;
	unsigned writes_at_arm;		/* peering PUTs before the arm */
	bool enabled_at_disarm;
	bool journal_at_arm;		/* the intent is on disk first */
};

static int
setup(void **st)
{
	(void)st;
	log_init(LOG_ERROR, false);
	snprintf(state, sizeof(state), "/tmp/fd-test-guard-XXXXXX");
	assert_non_null(mkdtemp(state));
	return 0;
}

static int
reset_spec(void **st)
{
	(void)st;
	fake_seed_spec(&spec);
	return 0;
}

static int
teardown(void **st)
{
	char cmd[128];

	(void)st;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", state);
	return system(cmd) == 0 ? 0 : -1;
}

static bool
journal_pending(void)
{
	char path[PATH_MAX];

	journal_path(state, &spec.azure, path, sizeof(path));
	return access(path, F_OK) == 0;
}

static int
arm(void *ctx, struct journal *j, struct fd_error *err)
{
	struct guard_probe *g = ctx;

	g->arms++;
	g->writes_at_arm = g->w->writes;
	g->journal_at_arm = j != NULL && journal_pending();
	if (g->arm_rc < 0)
		return fd_error_set(err, g->arm_rc, "guardian: fork: %s",
		    strerror(-g->arm_rc));
	return 0;
}

static void
disarm(void *ctx)
{
	struct guard_probe *g = ctx;

	g->disarms++;
	g->enabled_at_disarm = g->w->enabled;
}

static int
run(struct fake_world *w, struct guard_probe *g, bool dry, json_t **doc,
    struct fd_error *err)
{
	struct drill_providers p;
	struct drill_opts o;

	g->w = w;
	fake_providers(w, &p, &spec);
	memset(&o, 0, sizeof(o));
	o.dry_run = dry;
	o.state_dir = state;
	o.clock = &w->clock;
	o.restore_clock = &w->rclock;
	o.retrace_ms = 1000;
	o.restore_failed_retries = 2;
	o.guard_arm = arm;
	o.guard_disarm = disarm;
	o.guard_ctx = g;
	return drill_run(&spec, &p, &o, doc, err);
}

static void
test_armed_before_write_disarmed_after_enable(void **st)
{
	struct fake_world w;
	struct guard_probe g = { 0 };
	struct fd_error err = { 0 };
	json_t *doc = NULL;

	(void)st;
	fake_world_init(&w);
	assert_int_equal(run(&w, &g, false, &doc, &err), DRILL_PASSED);
	assert_int_equal(g.arms, 1);
	assert_int_equal(g.writes_at_arm, 0);
	assert_true(g.journal_at_arm);
	assert_int_equal(g.disarms, 1);
	assert_true(g.enabled_at_disarm);
	json_decref(doc);
}

static void
test_arm_failure_aborts(void **st)
{
	struct fake_world w;
	struct guard_probe g = { .arm_rc = -EAGAIN };
	struct fd_error err = { 0 };
	json_t *doc = NULL;

	(void)st;
	fake_world_init(&w);
	assert_int_equal(run(&w, &g, false, &doc, &err), DRILL_ABORTED);
	assert_int_equal(g.arms, 1);
	assert_int_equal(w.writes, 0);
	assert_true(w.enabled);
	assert_false(journal_pending());
	assert_non_null(strstr(err.msg, "guardian"));
	json_decref(doc);
}

static void
test_disarmed_when_restore_fails(void **st)
{
	struct fake_world w;
	struct guard_probe g = { 0 };
	struct fd_error err = { 0 };
	json_t *doc = NULL;
	char path[PATH_MAX];

	(void)st;
	fake_world_init(&w);
	w.arm_down_ms = 3600000;
	spec.timeouts.restore_s = 600;
	assert_int_equal(run(&w, &g, false, &doc, &err),
	    DRILL_RESTORE_FAILED);
	/* This process reports exit 4 and leaves the journal for recover;
	 * a guardian running recover at once would take the lock from the
	 * operator told to run it. */
	assert_int_equal(g.disarms, 1);
	assert_false(g.enabled_at_disarm);
	assert_true(journal_pending());
	journal_path(state, &spec.azure, path, sizeof(path));
	unlink(path);
	json_decref(doc);
}

static void
test_dry_run_never_armed(void **st)
{
	struct fake_world w;
	struct guard_probe g = { 0 };
	struct fd_error err = { 0 };
	json_t *doc = NULL;

	(void)st;
	fake_world_init(&w);
	assert_int_equal(run(&w, &g, true, &doc, &err), DRILL_PASSED);
	assert_int_equal(g.arms, 0);
	assert_int_equal(g.disarms, 0);
	json_decref(doc);
}

int
main(void)
{
#define T(f) cmocka_unit_test_setup(f, reset_spec)
	const struct CMUnitTest tests[] = {
		T(test_armed_before_write_disarmed_after_enable),
		T(test_arm_failure_aborts),
		T(test_disarmed_when_restore_fails),
		T(test_dry_run_never_armed),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
