/*
 * The engine over fake providers: the lifecycle, dry-run writes nothing,
 * and the restore guarantee — a fault injected at every provider call
 * after the first write leaves the peering enabled with the right exit
 * status (curl's torture idea applied to drill steps).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "drill.h"
#include "fakes.h"
#include "journal.h"
#include "log.h"

static struct spec spec;
static char state[64];

static int
setup(void **st)
{
	(void)st;
	log_init(LOG_ERROR, false);
	fake_seed_spec(&spec);
	snprintf(state, sizeof(state), "/tmp/fd-test-drill-XXXXXX");
	assert_non_null(mkdtemp(state));
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

static int
run(struct fake_world *w, bool dry, json_t **doc, struct fd_error *err)
{
	struct drill_providers p;
	struct drill_opts o;

	fake_providers(w, &p, &spec);
	memset(&o, 0, sizeof(o));
	o.dry_run = dry;
	o.state_dir = state;
	o.clock = &w->clock;
	o.restore_clock = &w->rclock;
	o.retrace_ms = 1000;
	o.restore_failed_retries = 2;
	return drill_run(&spec, &p, &o, doc, err);
}

static bool
journal_pending(void)
{
	char path[PATH_MAX];

	journal_path(state, &spec.azure, path, sizeof(path));
	return access(path, F_OK) == 0;
}

static void
test_full_pass(void **st)
{
	struct fake_world w;
	struct fd_error err = { 0 };
	json_t *doc = NULL, *conv;
	int code;

	(void)st;
	fake_world_init(&w);
	code = run(&w, false, &doc, &err);
	if (code != 0)
		fail_msg("exit %d: %s", code, err.msg);
	assert_true(w.enabled);
	assert_int_equal(w.writes, 2);
	assert_string_equal(json_string_value(json_object_get(doc, "outcome")),
	    "passed");
	assert_true(json_is_true(json_object_get(doc, "backup_healthy")));
	/* Seven phases, all ok. */
	assert_int_equal(json_array_size(json_object_get(doc, "phases")), 7);
	/* Convergence measured from the write: the fake switches when the
	 * LRO completes (two polls of 2 s after the PUT). */
	conv = json_object_get(json_object_get(doc, "convergence"),
	    "failover");
	assert_non_null(conv);
	assert_true(json_is_true(json_object_get(conv, "converged")));
	assert_true(json_real_value(json_object_get(conv, "left_s")) >= 3.9);
	assert_true(json_real_value(json_object_get(conv, "left_s")) <= 4.1);
	assert_non_null(json_object_get(json_object_get(doc, "convergence"),
	    "failback"));
	assert_false(journal_pending());
	json_decref(doc);
}

/*
 * Issue 10 item 9: device sessions are kept alive while the drill waits.
 * Every second of waiting (settle, converge, ARM operations, restore)
 * gives the devices an idle() call, from the drill's own thread.
 */
static void
test_devices_kept_alive_while_waiting(void **st)
{
	struct fake_world w;
	struct fd_error err = { 0 };
	json_t *doc = NULL;
	unsigned ticks;
	int code;

	(void)st;
	fake_world_init(&w);
	code = run(&w, false, &doc, &err);
	if (code != 0)
		fail_msg("exit %d: %s", code, err.msg);
	json_decref(doc);
	/* Settle alone is 5 s twice. */
	assert_true(w.vc.slept_total >= 10000);
	ticks = w.idle_calls / spec.n_devices;
	assert_int_equal(w.idle_calls % spec.n_devices, 0);
	assert_true(ticks + 1 >= w.vc.slept_total / 1000);
	assert_true(ticks <= w.vc.slept_total / 1000);
	assert_false(w.idle_off_thread);
}

static void
test_dry_run_writes_nothing(void **st)
{
	struct fake_world w;
	struct fd_error err = { 0 };
	json_t *doc = NULL;

	(void)st;
	fake_world_init(&w);
	assert_int_equal(run(&w, true, &doc, &err), 0);
	assert_int_equal(w.writes, 0);
	assert_int_equal(w.first_write_step, 0);	/* never even tried */
	assert_false(journal_pending());
	assert_string_equal(json_string_value(json_object_get(doc, "mode")),
	    "dry-run");
	assert_true(json_is_true(json_object_get(doc, "backup_healthy")));
	json_decref(doc);

	/* A broken backup: dry run says so, exit 3, still no write. */
	fake_world_init(&w);
	w.vpn_broken = true;
	assert_int_equal(run(&w, true, &doc, &err), DRILL_ABORTED);
	assert_int_equal(w.first_write_step, 0);
	assert_true(json_is_false(json_object_get(doc, "backup_healthy")));
	json_decref(doc);
}

static void
test_preflight_refuses(void **st)
{
	struct fake_world w;
	struct fd_error err = { 0 };
	json_t *doc = NULL;

	(void)st;
	fake_world_init(&w);
	w.vpn_broken = true;
	assert_int_equal(run(&w, false, &doc, &err), DRILL_ABORTED);
	assert_int_equal(w.first_write_step, 0);
	assert_non_null(strstr(err.msg, "preflight"));
	assert_false(journal_pending());
	json_decref(doc);
}

/* Somebody else already disabled the peering: refuse, never "restore" a
 * state we did not create. */
static void
test_already_disabled_refused(void **st)
{
	struct fake_world w;
	struct fd_error err = { 0 };
	json_t *doc = NULL;

	(void)st;
	fake_world_init(&w);
	w.enabled = w.was_enabled = false;
	assert_int_equal(run(&w, false, &doc, &err), DRILL_ABORTED);
	assert_int_equal(w.first_write_step, 0);
	assert_false(w.enabled);
	assert_non_null(strstr(err.msg, "is Disabled, not Enabled"));
	json_decref(doc);
}

static void
test_failed_expectation(void **st)
{
	struct fake_world w;
	struct fd_error err = { 0 };
	json_t *doc = NULL;
	char saved[ROUTE_ASPATH_MAX];

	(void)st;
	memcpy(saved, spec.failover.checks[0].route.as_path, sizeof(saved));
	snprintf(spec.failover.checks[0].route.as_path, ROUTE_ASPATH_MAX,
	    "65515 65020 I");
	fake_world_init(&w);
	assert_int_equal(run(&w, false, &doc, &err), DRILL_FAILED);
	memcpy(spec.failover.checks[0].route.as_path, saved, sizeof(saved));
	assert_true(w.enabled);
	assert_non_null(strstr(err.msg, "AS path"));
	assert_false(journal_pending());
	json_decref(doc);
}

static void
test_drill_deadline(void **st)
{
	struct fake_world w;
	struct fd_error err = { 0 };
	json_t *doc = NULL;

	(void)st;
	spec.timeouts.drill_s = 6;	/* the LRO alone takes 4 s */
	fake_world_init(&w);
	assert_int_equal(run(&w, false, &doc, &err), DRILL_FAILED);
	spec.timeouts.drill_s = 3600;
	assert_true(w.enabled);
	assert_int_equal(w.writes, 2);
	assert_non_null(strstr(err.msg, "deadline"));
	json_decref(doc);
}

/* Faults before the first write abort with nothing changed; faults at or
 * after it are always followed by restore. */
static void
test_fault_at_every_step(void **st)
{
	static const enum fake_fault faults[] = { FAULT_ERROR, FAULT_TIMEOUT,
		FAULT_SIGNAL };
	struct fake_world w;
	struct fd_error err = { 0 };
	json_t *doc = NULL;
	unsigned total, first, k, f, runs = 0;

	(void)st;
	fake_world_init(&w);
	assert_int_equal(run(&w, false, &doc, &err), 0);
	json_decref(doc);
	total = w.steps;
	first = w.first_write_step;
	assert_true(first > 1 && total > first + 10);

	for (k = 1; k <= total; k++) {
		for (f = 0; f < 3; f++) {
			int code;

			fake_world_init(&w);
			w.fail_at = k;
			w.fault = faults[f];
			code = run(&w, false, &doc, &err);
			runs++;
			if (!w.enabled)
				fail_msg("fault %u at step %u (%s): peering "
				    "left disabled, exit %d", f, k,
				    w.last_step, code);
			if (journal_pending())
				fail_msg("fault %u at step %u: journal left "
				    "open", f, k);
			if (k < first) {
				if (code != DRILL_ABORTED || w.writes != 0)
					fail_msg("fault %u at step %u (%s): "
					    "exit %d writes %u, want 3/0",
					    f, k, w.last_step, code,
					    w.writes);
			} else if (code != DRILL_FAILED && code != 0) {
				fail_msg("fault %u at step %u (%s): exit %d",
				    f, k, w.last_step, code);
			}
			json_decref(doc);
		}
	}
	assert_true(runs >= 3 * total);
	print_message("# %u fault runs over %u steps (first write at %u)\n",
	    runs, total, first);
}

static void
test_restore_fails_then_recover(void **st)
{
	struct fake_world w;
	struct fd_error err = { 0 };
	struct journal_state js;
	char path[PATH_MAX];
	json_t *doc = NULL;
	struct drill_providers p;

	(void)st;
	fake_world_init(&w);
	w.enable_always_fails = true;
	assert_int_equal(run(&w, false, &doc, &err), DRILL_RESTORE_FAILED);
	assert_false(w.enabled);
	assert_non_null(strstr(err.msg, "SEA-Cust11-ER"));
	assert_non_null(strstr(err.msg, "AzurePrivatePeering"));
	assert_non_null(strstr(err.msg, "(request id req-x)"));
	assert_string_equal(json_string_value(json_object_get(doc, "outcome")),
	    "restore-failed");
	json_decref(doc);

	/* The journal stays for recover; run refuses to start meanwhile. */
	assert_true(journal_pending());
	journal_path(state, &spec.azure, path, sizeof(path));
	assert_int_equal(journal_read(path, &js, &err), 0);
	assert_true(js.disable_intent);
	assert_false(js.enable_done);
	w.enable_always_fails = false;
	assert_int_equal(run(&w, false, &doc, &err), DRILL_ABORTED);
	assert_non_null(strstr(err.msg, "recover"));
	json_decref(doc);

	fake_providers(&w, &p, &spec);
	assert_int_equal(drill_recover(&js, p.cloud, p.cloud_ctx, &w.rclock,
	    600, &err), 0);
	assert_true(w.enabled);
	unlink(path);
}

static void
test_lock_busy(void **st)
{
	struct fake_world w;
	struct fd_error err = { 0 };
	json_t *doc = NULL;
	int fd = -1;
	pid_t pid;
	int pfd[2];
	char c;

	(void)st;
	/* flock is per open file description: hold it in a child. */
	assert_int_equal(pipe(pfd), 0);
	pid = fork();
	if (pid == 0) {
		if (journal_lock(state, &spec.azure, &fd, &err) < 0)
			_exit(1);
		if (write(pfd[1], "x", 1) != 1)
			_exit(1);
		sleep(5);
		_exit(0);
	}
	assert_int_equal(read(pfd[0], &c, 1), 1);
	fake_world_init(&w);
	assert_int_equal(run(&w, false, &doc, &err), DRILL_ABORTED);
	assert_non_null(strstr(err.msg, "holds the lock"));
	assert_int_equal(w.steps, 0);
	json_decref(doc);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	close(pfd[0]);
	close(pfd[1]);
}

static void
test_plan_lists_two_writes(void **st)
{
	char *buf = NULL;
	size_t len = 0, writes = 0;
	const char *p;
	FILE *f = open_memstream(&buf, &len);

	(void)st;
	drill_plan(&spec, false, f);
	fclose(f);
	for (p = buf; (p = strstr(p, "WRITE")) != NULL; p++)
		writes++;
	assert_int_equal(writes, 2);
	assert_non_null(strstr(buf, "state=Disabled"));
	assert_non_null(strstr(buf, "state=Enabled"));
	free(buf);

	f = open_memstream(&buf, &len);
	drill_plan(&spec, true, f);
	fclose(f);
	assert_null(strstr(buf, "WRITE"));
	free(buf);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full_pass),
		cmocka_unit_test(test_devices_kept_alive_while_waiting),
		cmocka_unit_test(test_dry_run_writes_nothing),
		cmocka_unit_test(test_preflight_refuses),
		cmocka_unit_test(test_already_disabled_refused),
		cmocka_unit_test(test_failed_expectation),
		cmocka_unit_test(test_drill_deadline),
		cmocka_unit_test(test_fault_at_every_step),
		cmocka_unit_test(test_restore_fails_then_recover),
		cmocka_unit_test(test_lock_busy),
		cmocka_unit_test(test_plan_lists_two_writes),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
