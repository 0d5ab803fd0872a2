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

/* The fake cloud with some operations replaced (patch edits a copy). */
static struct cloud_ops patched;
static const struct cloud_ops *orig_cloud;

static int
run_patched(struct fake_world *w, bool dry, void (*patch)(struct cloud_ops *),
    json_t **doc, struct fd_error *err)
{
	struct drill_providers p;
	struct drill_opts o;

	fake_providers(w, &p, &spec);
	orig_cloud = p.cloud;
	patched = *p.cloud;
	patch(&patched);
	p.cloud = &patched;
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
	/* The fake's TTL probe answers every sample: each answered sample
	 * is classified by its responder, the one lost by nothing. */
	assert_true(json_integer_value(json_object_get(json_object_get(conv,
	    "signals"), "ttl_responder")) > 0);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(
	    conv, "signals"), "none")), json_integer_value(json_object_get(
	    conv, "lost")));
	assert_non_null(json_object_get(json_object_get(doc, "convergence"),
	    "failback"));
	assert_false(journal_pending());
	json_decref(doc);
}

/* Issue 9: the MSEE limits its ICMP during the baseline's traces (silent,
 * marked rate-limited).  The judged check traces again after a refill
 * instead of failing the drill; the recorded trace is the one that
 * matched, with the MSEE seen. */
static void
test_rate_limited_hop_retraced(void **st)
{
	struct fake_world w;
	struct fd_error err = { 0 };
	json_t *doc = NULL;
	char *s;
	int code;

	(void)st;
	fake_world_init(&w);
	w.limited_traces = 2;
	code = run(&w, false, &doc, &err);
	if (code != 0)
		fail_msg("exit %d: %s", code, err.msg);
	assert_int_equal(w.limited_traces, 0);
	s = json_dumps(json_object_get(json_object_get(json_array_get(
	    json_object_get(doc, "paths"), 0), "traces"), "baseline"), 0);
	assert_non_null(strstr(s, "192.168.11.18"));
	assert_null(strstr(s, "rate_limited"));
	free(s);
	json_decref(doc);

	/* Limited for longer than the re-traces: the path fails, never
	 * passes on the hop it did not see. */
	fake_world_init(&w);
	w.limited_traces = 10;
	assert_int_equal(run(&w, false, &doc, &err), DRILL_ABORTED);
	assert_int_equal(w.first_write_step, 0);
	assert_non_null(strstr(err.msg, "baseline"));
	json_decref(doc);
}

/* verify-restored settles stable_ms for an icmp watch (every answer
 * carries its reply TTL); tcp and udp one TTL-probe period (2 s) more.
 * Returns the drill's virtual duration in ms. */
static uint64_t
drill_virtual_ms(enum probe_method m)
{
	struct fake_world w;
	struct fd_error err = { 0 };
	json_t *doc = NULL;
	unsigned settle = spec.timeouts.settle_s;
	enum probe_method old = spec.probes[0].method;
	unsigned old_port = spec.probes[0].port;
	int code;

	fake_world_init(&w);
	spec.timeouts.settle_s = 4;	/* under stable_ms + 2 s (5 s) */
	spec.probes[0].method = m;
	if (m == PROBE_METHOD_TCP)
		spec.probes[0].port = 3389;
	code = run(&w, false, &doc, &err);
	spec.timeouts.settle_s = settle;
	spec.probes[0].method = old;
	spec.probes[0].port = old_port;
	json_decref(doc);
	if (code != 0)
		fail_msg("exit %d: %s", code, err.msg);
	return w.vc.now - 1000000;
}

static void
test_restored_settle_by_method(void **st)
{
	uint64_t icmp, tcp;

	(void)st;
	icmp = drill_virtual_ms(PROBE_METHOD_ICMP);
	tcp = drill_virtual_ms(PROBE_METHOD_TCP);
	/* The same drill, virtual time: tcp settles 5 s, icmp 4 s. */
	if (tcp != icmp + 1000)
		fail_msg("icmp %llu ms, tcp %llu ms", (unsigned long long)icmp,
		    (unsigned long long)tcp);
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

static int
perm_denied(void *ctx, struct fd_error *err)
{
	(void)ctx;
	return fd_error_set(err, -EACCES, "the principal lacks 1 action(s) "
	    "on circuit %s: Microsoft.Network/expressRouteCircuits/peerings/"
	    "write", spec.azure.circuit);
}

static void
patch_perm_denied(struct cloud_ops *c)
{
	c->permissions = perm_denied;
}

/* The role lost the peering write: the dry run (which never writes)
 * still fails, exit 3, naming the action; permissions are checked even
 * when the spec does not list them. */
static void
test_dry_run_permission_missing(void **st)
{
	struct fake_world w;
	struct fd_error err = { 0 };
	json_t *doc = NULL;

	(void)st;
	fake_world_init(&w);
	assert_int_equal(run_patched(&w, true, patch_perm_denied, &doc, &err),
	    DRILL_ABORTED);
	assert_non_null(strstr(err.msg, "azure: principal may run the drill: "
	    "the principal lacks 1 action(s)"));
	assert_non_null(strstr(err.msg,
	    "Microsoft.Network/expressRouteCircuits/peerings/write"));
	assert_int_equal(w.first_write_step, 0);
	json_decref(doc);
}

/* A dual-stack peering whose IPv6 was Disabled: the provider reports
 * IPv6 Enabled after the enable.  Restore does not accept it (the
 * confirmation checks IPv6 too) and ends RESTORE FAILED naming IPv6. */
static int
circuit_v6_on_after_enable(void *ctx, struct cloud_circuit *out,
    struct fd_error *err)
{
	struct fake_world *w = ctx;
	int rc = orig_cloud->circuit(ctx, out, err);

	if (rc == 0)
		snprintf(out->peering_ipv6_state,
		    sizeof(out->peering_ipv6_state), "%s",
		    w->writes >= 2 ? "Enabled" : "Disabled");
	return rc;
}

static void
patch_v6_on_after_enable(struct cloud_ops *c)
{
	c->circuit = circuit_v6_on_after_enable;
}

static int
circuit_v6_off(void *ctx, struct cloud_circuit *out, struct fd_error *err)
{
	int rc = orig_cloud->circuit(ctx, out, err);

	if (rc == 0)
		snprintf(out->peering_ipv6_state,
		    sizeof(out->peering_ipv6_state), "Disabled");
	return rc;
}

static void
patch_v6_off(struct cloud_ops *c)
{
	c->circuit = circuit_v6_off;
}

static void
test_ipv6_checked_after_restore(void **st)
{
	struct fake_world w;
	struct fd_error err = { 0 };
	json_t *doc = NULL, *before;

	(void)st;
	fake_world_init(&w);
	assert_int_equal(run_patched(&w, false, patch_v6_off, &doc, &err), 0);
	before = json_object_get(json_object_get(doc, "azure"),
	    "peering_before");
	assert_string_equal(json_string_value(json_object_get(before,
	    "state")), "Enabled");
	assert_string_equal(json_string_value(json_object_get(before,
	    "ipv6_state")), "Disabled");
	json_decref(doc);

	fake_world_init(&w);
	spec.timeouts.restore_s = 60;
	assert_int_equal(run_patched(&w, false, patch_v6_on_after_enable, &doc,
	    &err), DRILL_RESTORE_FAILED);
	spec.timeouts.restore_s = 1800;
	assert_non_null(strstr(err.msg, "IPv6 is Enabled after the operation, "
	    "expected Disabled"));
	json_decref(doc);
	/* Leave no journal for the next test. */
	{
		char path[PATH_MAX];

		journal_path(state, &spec.azure, path, sizeof(path));
		unlink(path);
	}
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

/* A watched target that answers nothing: preflight names the probe and
 * method, exit 3, and the peering is never touched. */
static void
test_silent_target_refused(void **st)
{
	struct fake_world w;
	struct fd_error err = { 0 };
	json_t *doc = NULL;
	char *text;

	(void)st;
	fake_world_init(&w);
	w.target_silent = true;
	assert_int_equal(run(&w, false, &doc, &err), DRILL_ABORTED);
	assert_int_equal(w.first_write_step, 0);
	assert_int_equal(w.writes, 0);
	text = json_dumps(doc, 0);
	print_message("# %s\n", err.msg);
	assert_non_null(strstr(text, "answers icmp"));
	assert_non_null(strstr(text, "must answer method icmp"));
	free(text);
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

/* ARM answers 503 (after arm_call's own retries) to every call for three
 * minutes of the restore clock from the first enable: restore keeps
 * retrying the transient error within restore_s and the peering ends
 * Enabled.  Before, three -EIO ended restore with exit 4. */
static void
test_restore_outlasts_arm_outage(void **st)
{
	struct fake_world w;
	struct fd_error err = { 0 };
	json_t *doc = NULL;
	unsigned saved = spec.timeouts.restore_s;
	uint64_t t0;
	int code;

	(void)st;
	fake_world_init(&w);
	w.arm_down_ms = 180000;
	spec.timeouts.restore_s = 600;
	t0 = w.vc.now;
	code = run(&w, false, &doc, &err);
	spec.timeouts.restore_s = saved;
	assert_int_not_equal(code, DRILL_RESTORE_FAILED);
	assert_true(code == DRILL_PASSED || code == DRILL_FAILED);
	assert_true(w.enabled);
	assert_true(w.arm_down_calls > 3);
	assert_true(w.vc.now - t0 >= 180000);
	assert_false(journal_pending());
	json_decref(doc);
}

/* The same outage longer than restore_s: restore gives up at its
 * deadline, not before, and leaves the journal for recover. */
static void
test_restore_gives_up_at_deadline(void **st)
{
	struct fake_world w;
	struct fd_error err = { 0 };
	json_t *doc = NULL;
	unsigned saved = spec.timeouts.restore_s;
	char path[PATH_MAX];
	int code;

	(void)st;
	fake_world_init(&w);
	w.arm_down_ms = 3600000;
	spec.timeouts.restore_s = 600;
	code = run(&w, false, &doc, &err);
	spec.timeouts.restore_s = saved;
	assert_int_equal(code, DRILL_RESTORE_FAILED);
	assert_false(w.enabled);
	assert_true(w.vc.now >= w.arm_down_until - 3600000 + 599000);
	assert_true(journal_pending());
	journal_path(state, &spec.azure, path, sizeof(path));
	unlink(path);
	json_decref(doc);
}

/* recover as restore: an outage is waited out, a final error (the enable
 * Failed with a code that does not pass) ends it after three tries, well
 * before the deadline. */
static void
test_recover_transient_and_final(void **st)
{
	struct fake_world w;
	struct fd_error err = { 0 };
	struct journal_state js;
	struct drill_providers p;
	char path[PATH_MAX];
	json_t *doc = NULL;
	uint64_t t0;

	(void)st;
	fake_world_init(&w);
	w.enable_always_fails = true;
	assert_int_equal(run(&w, false, &doc, &err), DRILL_RESTORE_FAILED);
	json_decref(doc);
	journal_path(state, &spec.azure, path, sizeof(path));
	assert_int_equal(journal_read(path, &js, &err), 0);
	fake_providers(&w, &p, &spec);
	t0 = w.vc.now;
	assert_int_not_equal(drill_recover(&js, p.cloud, p.cloud_ctx,
	    &w.rclock, 600, &err), 0);
	assert_true(w.vc.now - t0 < 60000);
	assert_false(w.enabled);
	/* ARM down for 2 minutes, then the enable works. */
	w.enable_always_fails = false;
	w.arm_down_until = w.vc.now + 120000;
	w.arm_down_calls = 0;
	assert_int_equal(drill_recover(&js, p.cloud, p.cloud_ctx, &w.rclock,
	    600, &err), 0);
	assert_true(w.arm_down_calls > 3);
	assert_true(w.enabled);
	unlink(path);
}

/* 403 on the disable PUT proves nothing changed: exit 3 "aborted", no
 * restore, no journal left for recover. */
static void
test_disable_refused_aborts(void **st)
{
	struct fake_world w;
	struct fd_error err = { 0 };
	json_t *doc = NULL;

	(void)st;
	fake_world_init(&w);
	w.disable_refused = true;
	assert_int_equal(run(&w, false, &doc, &err), DRILL_ABORTED);
	assert_true(w.enabled);
	assert_int_equal(w.writes, 0);
	assert_false(journal_pending());
	assert_non_null(strstr(err.msg, "AuthorizationFailed"));
	assert_non_null(strstr(err.msg, "before any change"));
	assert_string_equal(json_string_value(json_object_get(doc, "outcome")),
	    "aborted");
	json_decref(doc);
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

/* plan warns when the drill traces IPv6 and leaves IPv6 alone: a
 * dual-stack peering would keep its IPv6 on ExpressRoute. */
static void
test_plan_warns_ipv6(void **st)
{
	struct spec *s = malloc(sizeof(*s));
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	(void)st;
	assert_non_null(s);
	*s = spec;
	assert_int_equal(addr_parse("fd00:17:11::132", &s->probes[0].to, NULL),
	    0);
	s->azure.ipv6 = false;
	f = open_memstream(&buf, &len);
	drill_plan(s, true, f);
	fclose(f);
	assert_non_null(strstr(buf, "WARNING: the drill traces IPv6 but "
	    "azure.ipv6 is false"));
	free(buf);
	s->azure.ipv6 = true;
	f = open_memstream(&buf, &len);
	drill_plan(s, false, f);
	fclose(f);
	assert_null(strstr(buf, "WARNING"));
	/* The enable never turns on an IPv6 peering that was off. */
	assert_non_null(strstr(buf, "ipv6PeeringConfig.state=<as before the "
	    "drill"));
	free(buf);
	free(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full_pass),
		cmocka_unit_test(test_rate_limited_hop_retraced),
		cmocka_unit_test(test_restored_settle_by_method),
		cmocka_unit_test(test_dry_run_writes_nothing),
		cmocka_unit_test(test_dry_run_permission_missing),
		cmocka_unit_test(test_ipv6_checked_after_restore),
		cmocka_unit_test(test_preflight_refuses),
		cmocka_unit_test(test_silent_target_refused),
		cmocka_unit_test(test_already_disabled_refused),
		cmocka_unit_test(test_failed_expectation),
		cmocka_unit_test(test_drill_deadline),
		cmocka_unit_test(test_fault_at_every_step),
		cmocka_unit_test(test_restore_fails_then_recover),
		cmocka_unit_test(test_restore_outlasts_arm_outage),
		cmocka_unit_test(test_restore_gives_up_at_deadline),
		cmocka_unit_test(test_disable_refused_aborts),
		cmocka_unit_test(test_recover_transient_and_final),
		cmocka_unit_test(test_lock_busy),
		cmocka_unit_test(test_plan_lists_two_writes),
		cmocka_unit_test(test_plan_warns_ipv6),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
