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
#include "report.h"
#include "fakes.h"
#include "testutil.h"
#include "journal.h"
#include "log.h"
#include "drill_priv.h"
#include "registry.h"
#include "restore.h"

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

/* Before each test: the seed spec afresh, so a test that changes it
 * (timeouts, an expectation) cannot leak into the next, even when it
 * fails before putting it back. */
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
	return fd_error_set(err, -EPERM, "the principal lacks 1 action(s) "
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
		out->peering_ipv6 = w->writes >= 2 ? CLOUD_STATE_ENABLED :
		    CLOUD_STATE_DISABLED;
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
		out->peering_ipv6 = CLOUD_STATE_DISABLED;
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
	unsigned total, first, watch, lease, clear, k, f, runs = 0;

	(void)st;
	fake_world_init(&w);
	assert_int_equal(run(&w, false, &doc, &err), 0);
	json_decref(doc);
	total = w.steps;
	first = w.first_write_step;
	watch = w.watch_step;
	/* Issue 14: the lease is read, written and read back right before
	 * the first write, and removed at the end. */
	lease = w.lease_set_step;
	clear = w.lease_clear_step;
	assert_true(lease > watch && lease + 2 == first);
	assert_true(clear > first);
	assert_false(w.lease_found);
	assert_true(watch > 1 && watch < first);
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
			/* Our lease is removed on every path but a fault
			 * of its removal itself. */
			if (w.lease_found && !(k == clear &&
			    faults[f] != FAULT_SIGNAL))
				fail_msg("fault %u at step %u (%s): lease "
				    "left on the circuit, exit %d", f, k,
				    w.last_step, code);
			if (k < first) {
				/* An error reading state in preflight or
				 * baseline: could not check (5); a signal,
				 * or an error setting up the change:
				 * aborted (3). */
				int want = faults[f] == FAULT_SIGNAL ||
				    k >= watch ? DRILL_ABORTED :
				    DRILL_UNCHECKED;

				/* Issue 14: the lease not read or not
				 * written: exit 5, nothing changed. */
				if (faults[f] != FAULT_SIGNAL &&
				    k >= lease - 1)
					want = DRILL_UNCHECKED;

				if (code != want || w.writes != 0)
					fail_msg("fault %u at step %u (%s): "
					    "exit %d writes %u, want %d/0",
					    f, k, w.last_step, code,
					    w.writes, want);
			} else if (faults[f] == FAULT_SIGNAL &&
			    code != DRILL_FAILED) {
				fail_msg("signal at step %u (%s): exit %d, "
				    "want 1", k, w.last_step, code);
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

/* Issue 13: an ARM message of several hundred characters reaches the
 * exit-4 headline, result.json and the text report whole. */
/* The status of phase name in doc, or NULL. */
static const char *
phase_status(json_t *doc, const char *name)
{
	json_t *ph;
	size_t i;

	json_array_foreach(json_object_get(doc, "phases"), i, ph)
		if (strcmp(json_string_value(json_object_get(ph, "name")),
		    name) == 0)
			return json_string_value(json_object_get(ph,
			    "status"));
	return NULL;
}

/*
 * Issue 13 item 9: Ctrl-C while the disable runs.  The operation is
 * recorded Interrupted (not Failed), restore succeeds and is not marked
 * an error, and verify-restored still runs and judges the paths, so the
 * report shows whether traffic is back; the exit is 1.
 */
static void
test_signal_during_disable(void **st)
{
	struct fake_world w;
	struct fd_error err = { 0 };
	json_t *doc = NULL, *op;
	unsigned first;

	(void)st;
	fake_world_init(&w);
	assert_int_equal(run(&w, false, &doc, &err), 0);
	first = w.first_write_step;
	json_decref(doc);

	fake_world_init(&w);
	w.fail_at = first + 1;		/* the disable's first poll */
	w.fault = FAULT_SIGNAL;
	assert_int_equal(run(&w, false, &doc, &err), DRILL_FAILED);
	assert_true(w.enabled);
	/* The lease's write comes first (issue 14). */
	op = json_array_get(json_object_get(json_object_get(doc, "azure"),
	    "operations"), 1);
	assert_string_equal(json_string_value(json_object_get(op, "action")),
	    "disable");
	assert_string_equal(json_string_value(json_object_get(op, "status")),
	    "Interrupted");
	assert_string_equal(phase_status(doc, "restore"), "ok");
	assert_non_null(phase_status(doc, "verify-restored"));
	assert_string_equal(phase_status(doc, "verify-restored"), "ok");
	assert_non_null(json_object_get(json_array_get(json_object_get(doc,
	    "paths"), 0), "traces"));
	assert_false(json_is_null(json_object_get(json_object_get(
	    json_array_get(json_object_get(doc, "paths"), 0), "traces"),
	    "restored")));
	json_decref(doc);
}

/* Issue 13: a cause shared by several checks (Azure unreachable) is
 * said in full once; the others point to that check.  Nothing could be
 * checked: exit 5. */
static void
test_shared_cause_once(void **st)
{
	struct fake_world w;
	struct fd_error err = { 0 };
	json_t *doc = NULL, *c;
	size_t i, full = 0, same = 0;
	const char *first = NULL;

	(void)st;
	fake_world_init(&w);
	w.down_prefix = "cloud";
	w.down_msg = "ARM GET expressRouteCircuits/SEA-Cust11-ER: connect to "
	    "management.azure.com port 443: Connection timed out after 10000 "
	    "ms";
	assert_int_equal(run(&w, true, &doc, &err), DRILL_UNCHECKED);
	json_array_foreach(json_object_get(doc, "checks"), i, c) {
		const char *m = json_string_value(json_object_get(c,
		    "message"));

		if (m == NULL)
			continue;
		if (strcmp(m, w.down_msg) == 0) {
			full++;
			first = json_string_value(json_object_get(c, "name"));
		} else if (strncmp(m, "same cause as '", 15) == 0) {
			same++;
			assert_non_null(first);
			assert_string_equal(json_string_value(
			    json_object_get(c, "same_as")), first);
		}
	}
	assert_int_equal(full, 1);
	assert_true(same >= 1);
	json_decref(doc);
}

/* Issue 13: every device check records what it saw. */
static void
test_checks_record_observed(void **st)
{
	struct fake_world w;
	struct fd_error err = { 0 };
	json_t *doc = NULL, *c, *o;
	size_t i, routes = 0, bgp = 0;

	(void)st;
	fake_world_init(&w);
	assert_int_equal(run(&w, true, &doc, &err), 0);
	json_array_foreach(json_object_get(doc, "checks"), i, c) {
		o = json_object_get(c, "observed");
		if (json_is_array(o) && json_array_size(o) > 0 &&
		    json_object_get(json_array_get(o, 0), "route") != NULL) {
			routes++;
			assert_non_null(strstr(json_string_value(
			    json_object_get(json_array_get(o, 0), "route")),
			    "AS path"));
		}
		if (json_is_object(o) && json_object_size(o) > 0 &&
		    json_object_get(o, "routes") == NULL) {
			bgp++;
			assert_string_equal(json_string_value(
			    json_object_iter_value(json_object_iter(o))),
			    "Established");
		}
	}
	assert_true(routes > 0);
	assert_true(bgp > 0);
	json_decref(doc);
}

/* Issue 13: a route check names its device and prefix as data, so the
 * reports put fw's 10.17.11.0/25 before, during and after side by side:
 * ExpressRoute (12076) active, then the VPN (65515), then back. */
static void
test_route_evidence_keys(void **st)
{
	static const char *const want[][2] = { { "baseline", "12076 I" },
		{ "verify", "65515 I" }, { "verify-restored", "12076 I" } };
	struct fake_world w;
	struct fd_error err = { 0 };
	json_t *doc = NULL, *c, *r;
	size_t i, j, k, seen[3] = { 0 };

	(void)st;
	fake_world_init(&w);
	assert_int_equal(run(&w, false, &doc, &err), 0);
	json_array_foreach(json_object_get(doc, "checks"), i, c) {
		const char *ph = json_string_value(json_object_get(c,
		    "phase"));

		if (!json_is_array(json_object_get(c, "observed")))
			continue;
		assert_string_equal(json_string_value(json_object_get(c,
		    "device")), "fw");
		assert_string_equal(json_string_value(json_object_get(c,
		    "prefix")), "10.17.11.0/25");
		assert_null(json_object_get(c, "table"));
		for (k = 0; k < 3; k++) {
			if (strcmp(ph, want[k][0]) != 0)
				continue;
			json_array_foreach(json_object_get(c, "observed"), j,
			    r)
				if (json_is_true(json_object_get(r, "active")))
					assert_non_null(strstr(
					    json_string_value(json_object_get(r,
					    "route")), want[k][1]));
			seen[k]++;
		}
	}
	for (k = 0; k < 3; k++)
		assert_int_equal(seen[k], 1);
	json_decref(doc);
}

/* Issue 13: while the path takes its time to move, a heartbeat every
 * 5 s says how long the drill has waited (info level: a terminal). */
static void
test_converge_heartbeat(void **st)
{
	struct fake_world w;
	struct fd_error err = { 0 };
	struct tu_capture cap;
	json_t *doc = NULL;
	char *buf;

	(void)st;
	fake_world_init(&w);
	w.trace_lag_ms = 12000;
	log_init(LOG_INFO, false);
	assert_int_equal(tu_stderr_begin(&cap), 0);
	assert_int_equal(run(&w, false, &doc, &err), 0);
	buf = tu_stderr_end(&cap);
	log_init(LOG_ERROR, false);
	assert_non_null(buf);
	assert_non_null(strstr(buf, "converge: waiting for the failover "
	    "path: 5 s of "));
	assert_non_null(strstr(buf, "converge: waiting for the failover "
	    "path: 10 s of "));
	assert_null(strstr(buf, "path: 15 s of "));
	free(buf);
	json_decref(doc);
}

static void
test_whole_error_messages(void **st)
{
	struct fake_world w;
	struct fd_error err = { 0 };
	json_t *doc = NULL;
	char msg[1300], *text = NULL, path[PATH_MAX];
	size_t len = 0, i;
	FILE *m;

	(void)st;
	for (i = 0; i < sizeof(msg) - 1; i++)
		msg[i] = "An error occurred while processing the request. "[i %
		    48];
	memcpy(msg + sizeof(msg) - 16, "END-OF-MESSAGE.", 16);
	fake_world_init(&w);
	w.enable_always_fails = true;
	w.fault_msg = msg;
	assert_int_equal(run(&w, false, &doc, &err), DRILL_RESTORE_FAILED);
	assert_non_null(strstr(err.msg, "(request id req-x): ARM PUT"));
	assert_non_null(strstr(err.msg, "END-OF-MESSAGE."));
	assert_non_null(strstr(json_string_value(json_object_get(doc,
	    "error")), "END-OF-MESSAGE."));
	m = open_memstream(&text, &len);
	assert_non_null(m);
	assert_int_equal(report_render(doc, "text", m, &err), 0);
	fclose(m);
	assert_non_null(strstr(text, "END-OF-MESSAGE."));
	free(text);
	json_decref(doc);
	/* Leave no journal for the next test. */
	assert_true(journal_pending());
	journal_path(state, &spec.azure, path, sizeof(path));
	unlink(path);
}

/* The journal's records as "event action status" lines, for order. */
static void
journal_events(const char *path, char *buf, size_t len)
{
	json_error_t jerr;
	json_t *rec;
	char *line = NULL;
	size_t cap = 0, off = 0;
	FILE *f = fopen(path, "r");

	assert_non_null(f);
	buf[0] = '\0';
	while (getline(&line, &cap, f) > 0) {
		const char *ev, *act, *stat;

		assert_non_null(rec = json_loads(line, 0, &jerr));
		ev = json_string_value(json_object_get(rec, "event"));
		act = json_string_value(json_object_get(rec, "action"));
		stat = json_string_value(json_object_get(rec, "status"));
		off += (size_t)snprintf(buf + off, len - off, "%s%s%s%s%s\n",
		    ev, act ? " " : "", act ? act : "", stat ? " " : "",
		    stat ? stat : "");
		json_decref(rec);
	}
	free(line);
	fclose(f);
}

static void
test_restore_fails_then_recover(void **st)
{
	struct fake_world w;
	struct fd_error err = { 0 };
	struct journal_state js;
	char path[PATH_MAX], kept[PATH_MAX], events[2048];
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
	/* Issue 14: the lease stays on the circuit (the drill is not over)
	 * and the journal says which, for recover. */
	assert_true(w.lease_found);
	assert_string_equal(js.lease, w.lease);
	assert_non_null(strstr(js.lease, "drill="));
	w.enable_always_fails = false;
	/* Issue 13: could not check (5), and said so in result.json. */
	assert_int_equal(run(&w, false, &doc, &err), DRILL_UNCHECKED);
	assert_non_null(strstr(err.msg, "recover"));
	assert_true(json_is_true(json_object_get(doc, "unfinished_journal")));
	assert_true(json_is_null(json_object_get(doc, "backup_healthy")));
	json_decref(doc);

	/* run's restore journaled its intent, then its outcome. */
	journal_events(path, events, sizeof(events));
	assert_non_null(strstr(events, "intent disable\nlease written\n"
	    "done disable ok\nintent enable\ndone enable error\n"));
	fake_providers(&w, &p, &spec);
	snprintf(kept, sizeof(kept), "%s/kept.recovered", state);
	assert_int_equal(drill_recover(&js, p.cloud, p.cloud_ctx, &w.rclock,
	    600, kept, &err), 0);
	assert_true(w.enabled);
	/* Closed as recovered: nothing left for the next recover. */
	assert_false(journal_pending());
	/* recover goes through the same restore: intent before the
	 * outcome (journal.h), then the end record. */
	journal_events(kept, events, sizeof(events));
	assert_non_null(strstr(events, "done enable error\n"
	    "intent enable\ndone enable ok\nend\n"));
	unlink(kept);
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
	    &w.rclock, 600, NULL, &err), 0);
	assert_true(w.vc.now - t0 < 60000);
	assert_false(w.enabled);
	/* ARM down for 2 minutes, then the enable works. */
	w.enable_always_fails = false;
	w.arm_down_until = w.vc.now + 120000;
	w.arm_down_calls = 0;
	assert_int_equal(drill_recover(&js, p.cloud, p.cloud_ctx, &w.rclock,
	    600, NULL, &err), 0);
	assert_true(w.arm_down_calls > 3);
	assert_true(w.enabled);
	assert_false(journal_pending());
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
	assert_int_equal(run(&w, false, &doc, &err), DRILL_UNCHECKED);
	assert_non_null(strstr(err.msg, "holds the lock"));
	assert_false(json_is_true(json_object_get(doc, "unfinished_journal")));
	assert_int_equal(w.steps, 0);
	json_decref(doc);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	close(pfd[0]);
	close(pfd[1]);
}

/* The two peering writes, and beside them the lease tag's (issue 14):
 * set before the disable, removed after verify-restored, both PATCHes
 * of the tags API, never its PUT. */
static void
test_plan_lists_the_writes(void **st)
{
	char *buf = NULL;
	size_t len = 0, writes = 0;
	const char *p;
	FILE *f = open_memstream(&buf, &len);

	(void)st;
	drill_plan(&spec, &azure_cloud_ops, false, f);
	fclose(f);
	for (p = buf; (p = strstr(p, "WRITE")) != NULL; p++)
		writes++;
	assert_int_equal(writes, 4);
	assert_non_null(strstr(buf, "state=Disabled"));
	assert_non_null(strstr(buf, "state=Enabled"));
	assert_non_null(p = strstr(buf, "WRITE  PATCH "));
	assert_non_null(strstr(p, "operation=Merge failover-drill-lease="));
	assert_true(p < strstr(buf, "state=Disabled"));
	assert_non_null(p = strstr(strstr(buf, "state=Enabled"),
	    "WRITE  PATCH "));
	assert_non_null(strstr(p, "operation=Delete failover-drill-lease="));
	for (p = buf; (p = strstr(p, "PUT /")) != NULL; p++)
		assert_true(strstr(p, "\n") < strstr(p, "Microsoft.Resources") ||
		    strstr(p, "Microsoft.Resources") == NULL);
	assert_non_null(strstr(buf, "writes: 4 (disable and enable of "
	    "peering AzurePrivatePeering; the lease tag set and removed)"));
	free(buf);

	f = open_memstream(&buf, &len);
	drill_plan(&spec, &azure_cloud_ops, true, f);
	fclose(f);
	assert_null(strstr(buf, "WRITE"));
	free(buf);

	/* The requests are the provider's words: the engine alone says
	 * what a step does, never how ARM spells it. */
	f = open_memstream(&buf, &len);
	drill_plan(&spec, NULL, false, f);
	fclose(f);
	assert_non_null(strstr(buf, "    WRITE  disable the peering\n"));
	assert_non_null(strstr(buf, "    WRITE  enable the peering\n"));
	assert_non_null(strstr(buf, "    WRITE  write the lease tag\n"));
	assert_non_null(strstr(buf, "    WRITE  remove the lease tag\n"));
	assert_null(strstr(buf, "Microsoft."));
	assert_null(strstr(buf, "state=Disabled"));
	free(buf);
}

/* ------------------------------------------------------- lease (14) */

/* Another drill's lease on the circuit, until now + secs. */
static void
lease_of(struct fake_world *w, const char *by, long secs)
{
	struct lease l;
	time_t now = time(NULL);

	lease_init(&l, "other-drill", by, "CHG9", now - 600, now + secs);
	assert_int_equal(lease_format(&l, w->lease, sizeof(w->lease), NULL),
	    0);
	w->lease_found = true;
}

/* The check of that name in doc, or NULL. */
static json_t *
check_named(json_t *doc, const char *name)
{
	json_t *c;
	size_t i;

	json_array_foreach(json_object_get(doc, "checks"), i, c)
		if (strcmp(json_string_value(json_object_get(c, "name")),
		    name) == 0)
			return c;
	return NULL;
}

/* An unexpired lease of another drill: run and dry run alike exit 5
 * before any change, naming the holder and the expiry; the lease
 * stays. */
static void
test_lease_held_refuses(void **st)
{
	struct fake_world w;
	struct fd_error err = { 0 };
	json_t *doc = NULL;
	char held[CLOUD_LEASE_MAX + 1];
	int dry;

	(void)st;
	for (dry = 0; dry < 2; dry++) {
		fake_world_init(&w);
		lease_of(&w, "bob@other-host", 3600);
		snprintf(held, sizeof(held), "%s", w.lease);
		assert_int_equal(run(&w, dry, &doc, &err), DRILL_UNCHECKED);
		assert_int_equal(w.writes, 0);
		assert_int_equal(w.lease_sets, 0);
		assert_int_equal(w.lease_clears, 0);
		assert_string_equal(w.lease, held);
		assert_non_null(strstr(err.msg, "is leased by bob@other-host "
		    "(drill other-drill, change CHG9) until 20"));
		assert_false(json_is_true(json_object_get(check_named(doc,
		    "lease failover-drill-lease free"), "ok")));
		json_decref(doc);
	}
	/* Not a lease this tool can read: refused as well, saying how to
	 * remove it. */
	fake_world_init(&w);
	w.lease_found = true;
	snprintf(w.lease, sizeof(w.lease), "locked by bob");
	assert_int_equal(run(&w, false, &doc, &err), DRILL_UNCHECKED);
	assert_int_equal(w.writes, 0);
	assert_non_null(strstr(err.msg, "unreadable lease tag "
	    "failover-drill-lease='locked by bob'"));
	assert_non_null(strstr(err.msg, "az tag update --operation Delete"));
	json_decref(doc);
}

/* An expired lease (its drill was killed) is reported, never honoured
 * silently: a check says so, the result keeps it, and the run goes on,
 * replacing it with its own lease, which it removes at the end. */
static void
test_lease_stale_reported(void **st)
{
	struct fake_world w;
	struct fd_error err = { 0 };
	json_t *doc = NULL, *c, *l;
	char stale[CLOUD_LEASE_MAX + 1];

	(void)st;
	fake_world_init(&w);
	lease_of(&w, "bob@gone-host", -60);
	snprintf(stale, sizeof(stale), "%s", w.lease);
	assert_int_equal(run(&w, false, &doc, &err), DRILL_PASSED);
	assert_int_equal(w.lease_sets, 1);
	assert_int_equal(w.lease_clears, 1);
	assert_false(w.lease_found);
	c = check_named(doc, "lease failover-drill-lease free");
	assert_non_null(c);
	assert_true(json_is_true(json_object_get(c, "ok")));
	assert_non_null(strstr(json_string_value(json_object_get(c,
	    "message")), "a stale lease on circuit SEA-Cust11-ER, by "
	    "bob@gone-host"));
	l = json_object_get(json_object_get(doc, "azure"), "lease");
	assert_string_equal(json_string_value(json_object_get(l, "stale")),
	    stale);
	assert_true(json_is_true(json_object_get(l, "written")));
	assert_true(json_is_true(json_object_get(l, "removed")));
	assert_non_null(strstr(json_string_value(json_object_get(l,
	    "value")), "drill=" ));
	json_decref(doc);
	/* A dry run reports it and leaves it. */
	fake_world_init(&w);
	lease_of(&w, "bob@gone-host", -60);
	assert_int_equal(run(&w, true, &doc, &err), DRILL_PASSED);
	assert_string_equal(w.lease, stale);
	assert_int_equal(w.lease_sets, 0);
	json_decref(doc);
}

/* Another writer's lease lands right after ours: the read-back sees
 * theirs, so nothing changes (exit 5) and theirs stays (our removal is
 * of our name=value only). */
static void
test_lease_lost_race(void **st)
{
	struct fake_world w;
	struct fd_error err = { 0 };
	json_t *doc = NULL;

	(void)st;
	fake_world_init(&w);
	w.lease_thief = "drill=x; by=carol@h2; since=2026-11-29T06:00:00Z; "
	    "until=2099-01-01T00:00:00Z; change=-";
	assert_int_equal(run(&w, false, &doc, &err), DRILL_UNCHECKED);
	assert_int_equal(w.writes, 0);
	assert_true(w.enabled);
	assert_non_null(strstr(err.msg, "another writer's lease won"));
	assert_non_null(strstr(err.msg, "carol@h2"));
	assert_true(w.lease_found);
	assert_string_equal(w.lease, w.lease_thief);
	assert_int_equal(w.lease_clears, 1);
	assert_false(journal_pending());
	json_decref(doc);
}

/* The lease cannot be written: nothing changes, exit 5, the message
 * names the request id; its removal failing afterwards is a warning
 * and a failed check, never a reason to skip anything. */
static void
test_lease_write_and_removal_fail(void **st)
{
	struct fake_world w;
	struct fd_error err = { 0 };
	json_t *doc = NULL, *c, *l;
	unsigned at;

	(void)st;
	fake_world_init(&w);
	assert_int_equal(run(&w, false, &doc, &err), DRILL_PASSED);
	at = w.lease_set_step;
	json_decref(doc);

	fake_world_init(&w);
	w.fail_at = at;
	w.fault = FAULT_ERROR;
	assert_int_equal(run(&w, false, &doc, &err), DRILL_UNCHECKED);
	assert_int_equal(w.writes, 0);
	assert_non_null(strstr(err.msg, "aborted before any change: the "
	    "lease could not be written"));
	assert_non_null(strstr(err.msg, "rid-lease-"));
	assert_false(journal_pending());
	json_decref(doc);

	fake_world_init(&w);
	w.lease_clear_fails = true;
	assert_int_equal(run(&w, false, &doc, &err), DRILL_FAILED);
	assert_true(w.enabled);
	assert_true(w.lease_found);
	c = check_named(doc, "lease failover-drill-lease removed");
	assert_non_null(c);
	assert_false(json_is_true(json_object_get(c, "ok")));
	assert_non_null(strstr(json_string_value(json_object_get(c,
	    "message")), "expires by itself"));
	/* verify-restored ran whole all the same. */
	assert_string_equal(phase_status(doc, "verify-restored"), "failed");
	l = json_object_get(json_object_get(doc, "azure"), "lease");
	assert_false(json_is_true(json_object_get(l, "removed")));
	assert_non_null(json_string_value(json_object_get(l,
	    "not_removed")));
	json_decref(doc);
}

/* The pool of provider contexts for concurrent reads: a context given
 * back serves the next read (no second open, no second token request),
 * put on the clock of the moment; the pool's are closed at the end. */
static unsigned pool_opens, pool_closes, pool_clocks;
static const struct fd_clock *pool_clock_seen;
static int ctxs[8];

static int
pool_open(const struct azure_cfg *cfg, const struct fd_clock *clock,
    const char *corr, void **ctx, struct fd_error *err)
{
	(void)cfg; (void)clock; (void)corr; (void)err;
	*ctx = &ctxs[pool_opens++ % 8];
	return 0;
}

static void
pool_close(void *ctx)
{
	(void)ctx;
	pool_closes++;
}

static void
pool_set_clock(void *ctx, const struct fd_clock *clock)
{
	(void)ctx;
	pool_clocks++;
	pool_clock_seen = clock;
}

static void
test_ctx_pool(void **st)
{
	struct cloud_ops ops = { .name = "pool", .parallel_reads = true,
	    .open = pool_open, .close = pool_close,
	    .set_clock = pool_set_clock };
	struct drill_providers p = { .cloud = &ops };
	struct fake_world w;
	struct drill_opts o;
	struct drill d;
	void *a, *b, *c;

	(void)st;
	fake_world_init(&w);
	memset(&o, 0, sizeof(o));
	o.clock = &w.clock;
	o.restore_clock = &w.rclock;
	memset(&d, 0, sizeof(d));
	pthread_mutex_init(&d.pool_mu, NULL);
	d.s = &spec;
	d.p = &p;
	d.o = &o;
	d.cloud_clk = &w.clock;
	pool_opens = pool_closes = pool_clocks = 0;
	a = cloud_ctx_more(&d);
	b = cloud_ctx_more(&d);
	assert_int_equal(pool_opens, 2);
	assert_ptr_not_equal(a, b);
	cloud_ctx_done(&d, a);
	cloud_ctx_done(&d, b);
	/* A later phase on the restore clock: reused, re-clocked. */
	d.cloud_clk = &w.rclock;
	c = cloud_ctx_more(&d);
	assert_int_equal(pool_opens, 2);
	assert_true(c == a || c == b);
	assert_int_equal(pool_clocks, 1);
	assert_ptr_equal(pool_clock_seen, &w.rclock);
	cloud_ctx_done(&d, c);
	assert_int_equal(pool_closes, 0);
	cloud_ctx_pool_close(&d);
	assert_int_equal(pool_closes, 2);
	/* A provider without parallel reads gets none. */
	ops.parallel_reads = false;
	assert_null(cloud_ctx_more(&d));
	pthread_mutex_destroy(&d.pool_mu);
}

/* Switch times count from the PUT's send, not from before the GET that
 * precedes it: a GET of 1.5 s must not make failover or failback look
 * 1.5 s slower (bench/drill.sh saw +42 ms from a slow GET). */
static void
test_times_from_the_put(void **st)
{
	struct fake_world w;
	struct fd_error err = { 0 };
	json_t *doc = NULL, *conv;
	const char *dir[] = { "failover", "failback" };
	unsigned i;

	(void)st;
	fake_world_init(&w);
	w.get_ms = 1500;
	assert_int_equal(run(&w, false, &doc, &err), DRILL_PASSED);
	for (i = 0; i < 2; i++) {
		conv = json_object_get(json_object_get(doc, "convergence"),
		    dir[i]);
		assert_non_null(conv);
		/* The fake switches two 2 s polls after the PUT. */
		assert_true(json_real_value(json_object_get(conv, "left_s")) >=
		    3.9);
		assert_true(json_real_value(json_object_get(conv, "left_s")) <=
		    4.1);
	}
	json_decref(doc);
}

/* plan and run walk one phase list: the phases a run records are the
 * ones plan lists, in order, and a dry run stops where its plan does. */
static void
test_plan_is_run(void **st)
{
	struct fake_world w;
	struct fd_error err = { 0 };
	json_t *doc = NULL, *plan, *ph;
	size_t i;

	(void)st;
	fake_world_init(&w);
	assert_int_equal(run(&w, false, &doc, &err), DRILL_PASSED);
	plan = drill_plan_json(&spec, &azure_cloud_ops, false);
	assert_int_equal(json_array_size(json_object_get(plan, "phases")),
	    json_array_size(json_object_get(doc, "phases")));
	json_array_foreach(json_object_get(plan, "phases"), i, ph)
		assert_string_equal(json_string_value(json_object_get(ph,
		    "name")), json_string_value(json_object_get(
		    json_array_get(json_object_get(doc, "phases"), i),
		    "name")));
	/* Its writes are the run's operations. */
	assert_int_equal(json_integer_value(json_object_get(plan, "writes")),
	    json_array_size(json_object_get(json_object_get(doc, "azure"),
	    "operations")));
	json_decref(plan);
	json_decref(doc);

	fake_world_init(&w);
	assert_int_equal(run(&w, true, &doc, &err), DRILL_PASSED);
	plan = drill_plan_json(&spec, &azure_cloud_ops, true);
	json_array_foreach(json_object_get(plan, "phases"), i, ph)
		assert_string_equal(json_string_value(json_object_get(ph,
		    "name")), json_string_value(json_object_get(
		    json_array_get(json_object_get(doc, "phases"), i),
		    "name")));
	/* The run's next phase is the one it skipped for the dry run. */
	i = json_array_size(json_object_get(plan, "phases"));
	assert_string_equal(json_string_value(json_object_get(json_array_get(
	    json_object_get(doc, "phases"), i), "status")), "skipped");
	assert_int_equal(json_integer_value(json_object_get(plan, "writes")),
	    0);
	json_decref(plan);
	json_decref(doc);
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
	drill_plan(s, &azure_cloud_ops, true, f);
	fclose(f);
	assert_non_null(strstr(buf, "WARNING: the drill traces IPv6 but "
	    "azure.ipv6 is false"));
	free(buf);
	s->azure.ipv6 = true;
	f = open_memstream(&buf, &len);
	drill_plan(s, &azure_cloud_ops, false, f);
	fclose(f);
	assert_null(strstr(buf, "WARNING"));
	/* The enable never turns on an IPv6 peering that was off. */
	assert_non_null(strstr(buf, "ipv6PeeringConfig.state=<as before the "
	    "drill"));
	free(buf);
	free(s);
}

/*
 * Issue 13: the engine points each device's reply recording at
 * <out>/replies/<phase> as each phase begins, from its own thread; a dry
 * run stops after baseline; without a result directory nothing is saved.
 */
static void
test_replies_per_phase(void **st)
{
	struct drill_providers p;
	struct drill_opts o;
	struct fake_world w;
	struct fd_error err = { 0 };
	json_t *doc = NULL;
	char want[1024];
	int code;

	(void)st;
	fake_world_init(&w);
	fake_providers(&w, &p, &spec);
	memset(&o, 0, sizeof(o));
	o.state_dir = state;
	o.out_dir = state;
	o.clock = &w.clock;
	o.restore_clock = &w.rclock;
	o.retrace_ms = 1000;
	o.restore_failed_retries = 2;
	code = drill_run(&spec, &p, &o, &doc, &err);
	if (code != 0)
		fail_msg("exit %d: %s", code, err.msg);
	json_decref(doc);
	/* Baseline's route snapshot is read during preflight, after fw's
	 * login: its reply is saved under baseline/ all the same. */
	snprintf(want, sizeof(want), "%1$s/replies/preflight "
	    "%1$s/replies/baseline %1$s/replies/baseline %1$s/replies/failover "
	    "%1$s/replies/converge %1$s/replies/verify %1$s/replies/restore "
	    "%1$s/replies/verify-restored ", state);
	assert_string_equal(w.record_log, want);
	assert_false(w.record_off_thread);

	fake_world_init(&w);
	fake_providers(&w, &p, &spec);
	o.dry_run = true;
	assert_int_equal(drill_run(&spec, &p, &o, &doc, &err), 0);
	json_decref(doc);
	snprintf(want, sizeof(want), "%1$s/replies/preflight "
	    "%1$s/replies/baseline %1$s/replies/baseline ", state);
	assert_string_equal(w.record_log, want);

	fake_world_init(&w);
	fake_providers(&w, &p, &spec);
	o.out_dir = NULL;
	assert_int_equal(drill_run(&spec, &p, &o, &doc, &err), 0);
	json_decref(doc);
	assert_string_equal(w.record_log, "- - ");
}

int
main(void)
{
#define T(f) cmocka_unit_test_setup(f, reset_spec)
	const struct CMUnitTest tests[] = {
		T(test_full_pass),
		T(test_devices_kept_alive_while_waiting),
		T(test_rate_limited_hop_retraced),
		T(test_restored_settle_by_method),
		T(test_dry_run_writes_nothing),
		T(test_dry_run_permission_missing),
		T(test_ipv6_checked_after_restore),
		T(test_preflight_refuses),
		T(test_silent_target_refused),
		T(test_already_disabled_refused),
		T(test_failed_expectation),
		T(test_drill_deadline),
		T(test_fault_at_every_step),
		T(test_signal_during_disable),
		T(test_shared_cause_once),
		T(test_checks_record_observed),
		T(test_route_evidence_keys),
		T(test_converge_heartbeat),
		T(test_whole_error_messages),
		T(test_restore_fails_then_recover),
		T(test_restore_outlasts_arm_outage),
		T(test_restore_gives_up_at_deadline),
		T(test_disable_refused_aborts),
		T(test_recover_transient_and_final),
		T(test_lock_busy),
		T(test_plan_lists_the_writes),
		T(test_plan_warns_ipv6),
		T(test_replies_per_phase),
		T(test_plan_is_run),
		T(test_times_from_the_put),
		T(test_ctx_pool),
		T(test_lease_held_refuses),
		T(test_lease_stale_reported),
		T(test_lease_lost_race),
		T(test_lease_write_and_removal_fail),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
