/*
 * Issue 9 (drill overhead): a phase's independent reads overlap, and the
 * records still come in spec order.  Each test makes some provider calls
 * of one phase meet at a rendezvous: every party waits until all have
 * arrived (at most 5 s of real time) and fails when it waited alone, so
 * the same calls made one after another fail the drill.  No timing is
 * asserted, only that the calls were in flight together.
 *
 * The parties are picked by call count over the seed spec (fakes.c):
 * preflight reads the circuit once (implicit), queries fw's advertised
 * routes once and its route table once; the first probe trace is the
 * baseline's, the second converge's (the fake's path has moved when the
 * disable returns), the third verify's, whose route check is fw's third
 * route query (baseline's is the second, read during preflight after
 * preflight's own).
 */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "drill.h"
#include "fakes.h"
#include "log.h"

static struct spec spec;
static char state[64];

static int
setup(void **st)
{
	(void)st;
	log_init(LOG_ERROR, false);
	snprintf(state, sizeof(state), "/tmp/fd-test-overlap-XXXXXX");
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

/* ------------------------------------------------------- rendezvous */

static pthread_mutex_t rv_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t rv_cv = PTHREAD_COND_INITIALIZER;

/* One-shot: once all met, or one gave up, later calls pass through. */
static struct {
	unsigned want, in;
	bool over, met;
	char missing[256];	/* who arrived, when it failed */
} rv;

/* The call counts that pick the parties. */
static unsigned n_circuit, n_advertised, n_routes, n_reach, n_trace,
    n_links, n_link2;
/* Which parties the current test wants. */
static enum { RV_PREFLIGHT, RV_BASELINE, RV_BASELINE_DEV, RV_VERIFY,
	RV_RESTORED, RV_LINKS } rv_case;
/* Phases begun so far (the device's record() is called at each):
 * verify-restored is the seventh. */
static unsigned n_phases;

enum who { P_CIRCUIT, P_ADV, P_ROUTES, P_REACH, P_TRACE, P_LINKS,
	P_LINK2 };

/* Calls after the enable, per party (RV_RESTORED). */
static unsigned after_enable[P_LINK2 + 1];
/* Calls in verify-restored, per party (RV_LINKS). */
static unsigned in_restored[P_LINK2 + 1];

static void
rv_reset(unsigned want)
{
	memset(&rv, 0, sizeof(rv));
	rv.want = want;
	n_circuit = n_advertised = n_routes = n_reach = n_trace = n_links = 0;
	n_link2 = 0;
	memset(after_enable, 0, sizeof(after_enable));
	memset(in_restored, 0, sizeof(in_restored));
	n_phases = 0;
}

static int
rendezvous(const char *what, struct fd_error *err)
{
	struct timespec ts;
	bool met;
	size_t n;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += 5;
	pthread_mutex_lock(&rv_mu);
	if (rv.over) {
		pthread_mutex_unlock(&rv_mu);
		return 0;
	}
	rv.in++;
	n = strlen(rv.missing);
	snprintf(rv.missing + n, sizeof(rv.missing) - n, "%s%s",
	    n ? ", " : "", what);
	pthread_cond_broadcast(&rv_cv);
	while (rv.in < rv.want && !rv.over &&
	    pthread_cond_timedwait(&rv_cv, &rv_mu, &ts) == 0)
		;
	if (rv.in >= rv.want)
		rv.met = true;
	rv.over = true;
	met = rv.met;
	pthread_cond_broadcast(&rv_cv);
	pthread_mutex_unlock(&rv_mu);
	if (!met)
		return fd_error_set(err, -ETIMEDOUT, "%s ran alone", what);
	return 0;
}

/* Count a call; true when it is a party of the current test. */
static bool
party(unsigned *count, enum who who, const struct fake_world *w)
{
	unsigned n, m = 0, r = 0;

	pthread_mutex_lock(&rv_mu);
	n = ++*count;
	if (w->writes == 2 && w->enabled)
		m = ++after_enable[who];
	if (n_phases == 7)
		r = ++in_restored[who];
	pthread_mutex_unlock(&rv_mu);
	switch (rv_case) {
	case RV_PREFLIGHT:
		return n == 1 && (who == P_CIRCUIT || who == P_ADV ||
		    who == P_REACH);
	case RV_BASELINE:
		return (who == P_TRACE && n == 1) ||
		    (who == P_CIRCUIT && n == 1);
	case RV_BASELINE_DEV:
		return (who == P_ROUTES && n == 2) ||
		    (who == P_CIRCUIT && n == 1);
	case RV_VERIFY:
		return (who == P_TRACE && n == 3) ||
		    (who == P_ROUTES && n == 3);
	case RV_RESTORED:
		return m == 1 && (who == P_TRACE || who == P_LINKS);
	case RV_LINKS:
		return r == 1 && (who == P_CIRCUIT || who == P_LINKS ||
		    who == P_LINK2);
	}
	return false;
}

/* ------------------------------------------------- patched providers */

static struct cloud_ops cloud;
static struct device_ops dev;
static struct probe_ops probe;
static const struct cloud_ops *orig_cloud;
static const struct device_ops *orig_dev;
static const struct probe_ops *orig_probe;
static struct fake_world *world;
static bool restored_links_seen;

static int
rv_circuit(void *ctx, struct cloud_circuit *out, struct fd_error *err)
{
	int rc;

	if (party(&n_circuit, P_CIRCUIT, world) &&
	    (rc = rendezvous("circuit", err)) < 0)
		return rc;
	return orig_cloud->circuit(ctx, out, err);
}

/* Both links Established with the CE (the fake circuit's peerASN is
 * 0), sending prefixes. */
static int
rv_link_summary(void *ctx, const char *link, struct bgp_summary *out,
    struct fd_error *err)
{
	struct bgp_peer p;
	int rc;

	(void)ctx;
	if (strcmp(link, "Primary") == 0 &&
	    party(&n_links, P_LINKS, world)) {
		restored_links_seen = true;
		if ((rc = rendezvous("links", err)) < 0)
			return rc;
	}
	if (strcmp(link, "Secondary") == 0 &&
	    party(&n_link2, P_LINK2, world) &&
	    (rc = rendezvous("Secondary link", err)) < 0)
		return rc;
	bgp_peer_init(&p);
	addr_parse(strcmp(link, "Primary") == 0 ? "192.168.11.1" :
	    "192.168.11.5", &p.addr, NULL);
	p.peer_as = 0;
	snprintf(p.state, sizeof(p.state), "Established");
	p.received = 2;
	return bgp_summary_add(out, &p);
}

static int
rv_advertised(void *ctx, const struct fd_addr *nbr, const char *table,
    struct route_set *out, struct fd_error *err)
{
	int rc;

	if (party(&n_advertised, P_ADV, world) &&
	    (rc = rendezvous("fw advertised", err)) < 0)
		return rc;
	return orig_dev->advertised(ctx, nbr, table, out, err);
}

static int
rv_routes(void *ctx, const char *table, const struct fd_prefix *pfx,
    struct route_set *out, struct fd_error *err)
{
	int rc;

	if (party(&n_routes, P_ROUTES, world) &&
	    (rc = rendezvous("fw routes", err)) < 0)
		return rc;
	return orig_dev->routes(ctx, table, pfx, out, err);
}

static int
rv_reach(void *ctx, const struct watch_req *req, unsigned count,
    unsigned *answered, struct fd_error *err)
{
	int rc;

	if (party(&n_reach, P_REACH, world) &&
	    (rc = rendezvous("reach", err)) < 0)
		return rc;
	return orig_probe->reach(ctx, req, count, answered, err);
}

static int
rv_trace(void *ctx, const struct fd_addr *to, struct hop_list *out,
    struct fd_error *err)
{
	int rc;

	if (party(&n_trace, P_TRACE, world) &&
	    (rc = rendezvous("trace", err)) < 0)
		return rc;
	return orig_probe->trace(ctx, to, out, err);
}

/* The engine's phase changes (not a provider step). */
static void
rv_record(void *ctx, const char *dir, struct device_replies *budget)
{
	(void)ctx; (void)dir; (void)budget;
	pthread_mutex_lock(&rv_mu);
	n_phases++;
	pthread_mutex_unlock(&rv_mu);
}

/* Concurrent reads (cloud_ops parallel_reads): every context is the
 * one fake world. */
static bool parallel;

static int
rv_open(const struct azure_cfg *cfg, const struct fd_clock *clock,
    const char *corr, void **ctx, struct fd_error *err)
{
	(void)cfg; (void)clock; (void)corr; (void)err;
	*ctx = world;
	return 0;
}

static int
run_rv(struct fake_world *w, json_t **doc, struct fd_error *err)
{
	struct drill_providers p;
	struct drill_opts o;
	unsigned i;

	fake_providers(w, &p, &spec);
	world = w;
	orig_cloud = p.cloud;
	orig_dev = p.dev[0];
	orig_probe = p.probe;
	cloud = *p.cloud;
	cloud.circuit = rv_circuit;
	cloud.link_summary = rv_link_summary;
	if (parallel) {
		cloud.parallel_reads = true;
		cloud.open = rv_open;
	}
	dev = *p.dev[0];
	dev.advertised = rv_advertised;
	dev.routes = rv_routes;
	dev.record = rv_record;
	probe = *p.probe;
	probe.reach = rv_reach;
	probe.trace = rv_trace;
	p.cloud = &cloud;
	for (i = 0; i < spec.n_devices; i++)
		p.dev[i] = &dev;
	p.probe = &probe;
	memset(&o, 0, sizeof(o));
	o.state_dir = state;
	o.clock = &w->clock;
	o.restore_clock = &w->rclock;
	o.retrace_ms = 1000;
	o.restore_failed_retries = 2;
	return drill_run(&spec, &p, &o, doc, err);
}

/* The records as "phase: name" lines. */
static void
records(json_t *doc, char *buf, size_t len)
{
	json_t *c;
	size_t i, off = 0;

	buf[0] = '\0';
	json_array_foreach(json_object_get(doc, "checks"), i, c)
		if (off < len)
			off += (size_t)snprintf(buf + off, len - off,
			    "%s: %s%s\n", json_string_value(json_object_get(c,
			    "phase")), json_string_value(json_object_get(c,
			    "name")), json_is_true(json_object_get(c, "ok")) ?
			    "" : " FAILED");
}

/* The seed drill's records, in the order of the spec and of the phases
 * (DESIGN.md §2): preflight's implicit circuit check, the device's
 * login, the watched target's answer, then the spec's checks. */
static const char seed_records[] =
    "preflight: azure: circuit and peering healthy\n"
    "preflight: fw: reachable over SSH\n"
    "preflight: probe onprem-to-spoke: 10.17.11.132 answers icmp\n"
    "preflight: fw: routes advertised to 10.17.11.76\n"
    "preflight: fw: BGP sessions established\n"
    "preflight: azure: gateway learned 10.1.11.0/25\n"
    "preflight: fw: route 10.17.11.0/25\n"
    "baseline: path onprem-to-spoke\n"
    "baseline: fw: route 10.17.11.0/25\n"
    "%s"
    "verify: path onprem-to-spoke\n"
    "verify: fw: route 10.17.11.0/25\n"
    "verify: converged within limit\n"
    "verify-restored: path onprem-to-spoke\n"
    "verify-restored: fw: route 10.17.11.0/25\n"
    "%s";

static void
run_case(int which, unsigned want, const char *baseline_extra)
{
	struct fake_world w;
	struct fd_error err = { 0 };
	json_t *doc = NULL;
	char got[4096], expect[4096];
	int code;

	rv_case = which;
	rv_reset(want);
	fake_world_init(&w);
	code = run_rv(&w, &doc, &err);
	records(doc, got, sizeof(got));
	if (!rv.met)
		fail_msg("the reads ran one after another (at the "
		    "rendezvous: %s; exit %d: %s)", rv.missing, code, err.msg);
	if (code != 0)
		fail_msg("exit %d: %s\n%s", code, err.msg, got);
	snprintf(expect, sizeof(expect), seed_records, baseline_extra,
	    baseline_extra[0] ? "verify-restored: azure: Primary and "
	    "Secondary links up\n" : "");
	assert_string_equal(got, expect);
	assert_true(w.enabled);
	json_decref(doc);
}

/* Preflight: the implicit circuit read, fw's first query (after its
 * login) and the watched target's probes are in flight together;
 * serial, the circuit read waits alone and preflight cannot check. */
static void
test_preflight_reads_at_once(void **st)
{
	(void)st;
	fake_seed_spec(&spec);
	run_case(RV_PREFLIGHT, 3, "");
}

/* Baseline's trace is read ahead while preflight reads the circuit;
 * read in baseline, after preflight, the circuit read waits alone and
 * preflight cannot check.  Recorded in baseline all the same. */
static void
test_baseline_read_during_preflight(void **st)
{
	struct fake_world w;
	struct fd_error err = { 0 };
	json_t *doc = NULL, *c, *ph;
	size_t i;

	(void)st;
	fake_seed_spec(&spec);
	run_case(RV_BASELINE, 2, "");

	/* A preflight that fails: exit 3 before any change, and nothing
	 * of baseline in the result although its trace was read. */
	rv_case = RV_BASELINE;
	rv_reset(1);
	fake_world_init(&w);
	w.vpn_broken = true;
	assert_int_equal(run_rv(&w, &doc, &err), DRILL_ABORTED);
	assert_int_equal(w.first_write_step, 0);
	assert_int_equal(n_trace, 1);
	json_array_foreach(json_object_get(doc, "phases"), i, ph)
		assert_string_equal(json_string_value(json_object_get(ph,
		    "name")), "preflight");
	json_array_foreach(json_object_get(doc, "checks"), i, c)
		assert_string_equal(json_string_value(json_object_get(c,
		    "phase")), "preflight");
	assert_true(json_is_null(json_object_get(json_object_get(
	    json_array_get(json_object_get(doc, "paths"), 0), "traces"),
	    "baseline")));
	json_decref(doc);
}

/* Baseline's device queries are read ahead too, each after its device's
 * login: fw's second route query (baseline's) is in flight while
 * preflight reads the circuit.  Read in baseline, after preflight, the
 * circuit read waits alone and preflight cannot check. */
static void
test_baseline_device_read_during_preflight(void **st)
{
	(void)st;
	fake_seed_spec(&spec);
	run_case(RV_BASELINE_DEV, 2, "");
}

/* verify: the probe's trace runs while fw's route table is read;
 * serial (trace, then checks), the trace waits alone and the path
 * fails. */
static void
test_verify_traces_beside_checks(void **st)
{
	(void)st;
	fake_seed_spec(&spec);
	run_case(RV_VERIFY, 2, "");
}

/* verify-restored: the first trace after the enable and the first
 * link summary are in flight together (paths and links waited for at
 * once); serial, the trace waits alone.  The links check is judged in
 * baseline and verify-restored (restored is the baseline). */
static void
test_restored_waits_at_once(void **st)
{
	struct spec_check *c;

	(void)st;
	fake_seed_spec(&spec);
	c = &spec.baseline.checks[spec.baseline.n_checks++];
	memset(c, 0, sizeof(*c));
	c->kind = CHECK_AZ_LINKS;
	restored_links_seen = false;
	run_case(RV_RESTORED, 2, "baseline: azure: Primary and Secondary "
	    "links up\n");
	assert_true(restored_links_seen);
}

/* A links check reads the circuit (whose peerASN names the CE
 * neighbour) beside the two links' summaries, each on a context of its
 * own; circuit first, it waits alone. */
static void
test_links_circuit_beside_summaries(void **st)
{
	struct spec_check *c;

	(void)st;
	fake_seed_spec(&spec);
	c = &spec.baseline.checks[spec.baseline.n_checks++];
	memset(c, 0, sizeof(*c));
	c->kind = CHECK_AZ_LINKS;
	parallel = true;
	run_case(RV_LINKS, 3, "baseline: azure: Primary and Secondary "
	    "links up\n");
	parallel = false;
}

/* ------------------------------------------------ early re-traces */

/* The seed drill on the plain fakes; peek false: a probe provider without
 * watch_peek; beat: the re-trace beat (o.retrace_ms). */
static int
run_wake(struct fake_world *w, bool peek, unsigned beat, json_t **doc,
    struct fd_error *err)
{
	struct drill_providers p;
	struct drill_opts o;

	fake_providers(w, &p, &spec);
	probe = *p.probe;
	if (!peek)
		probe.watch_peek = NULL;
	p.probe = &probe;
	memset(&o, 0, sizeof(o));
	o.state_dir = state;
	o.clock = &w->clock;
	o.restore_clock = &w->rclock;
	o.retrace_ms = beat;
	o.restore_failed_retries = 2;
	return drill_run(&spec, &p, &o, doc, err);
}

/* The index of the first trace at or after t (FAKE_TRACES: none). */
static unsigned
trace_from(const struct fake_world *w, uint64_t t)
{
	unsigned i;

	for (i = 0; i < w->n_traces; i++)
		if (w->trace_at[i] >= t)
			return i;
	return FAKE_TRACES;
}

/*
 * Issue 9, drill overhead.  The path moves (for the watch) `lag` ms after
 * the peering write, and the traces show it `tlag` ms after it; the beat is
 * 1000 ms.  A trace the watch prompts comes within WAKE_MS of the move:
 * the fake watch's sample lost at the move, the three answered ones that
 * make an arrival (10 ms apart at 100/s) and one look (20 ms).
 */
#define LAG 150
#define WAKE_MS (10 + 3 * 10 + 20)

struct wake_case {
	bool restored;		/* verify-restored (enable), else converge */
	bool peek, watch;
	uint64_t lag, tlag, refill;
	uint64_t flap_from, flap_to;
	unsigned beat;		/* 0: 1000 ms */
};

/* Run it; out[k]: the phase's k-th trace, ms after the write; returns how
 * many (at most n). */
static unsigned
phase_traces(const struct wake_case *c, uint64_t *out, unsigned n)
{
	struct fake_world w;
	struct fd_error err = { 0 };
	json_t *doc = NULL;
	uint64_t write_at, until;
	unsigned i, k = 0;
	int code;

	fake_seed_spec(&spec);
	spec.converge.rate_hz = 100;
	spec.probes[0].watch = c->watch;
	fake_world_init(&w);
	w.watch_lag_ms = c->lag;
	w.trace_lag_ms = c->tlag;
	w.trace_refill_ms = c->refill;
	w.watch_flap_from = c->flap_from;
	w.watch_flap_to = c->flap_to;
	code = run_wake(&w, c->peek, c->beat ? c->beat : 1000, &doc, &err);
	if (c->watch && code != 0)
		fail_msg("exit %d: %s", code, err.msg);
	assert_true(w.enabled);
	write_at = c->restored ? w.enabled_at : w.disabled_at;
	until = c->restored ? UINT64_MAX : w.enabled_at;
	for (i = trace_from(&w, write_at); i < w.n_traces && k < n &&
	    w.trace_at[i] < until; i++)
		out[k++] = w.trace_at[i] - write_at;
	print_message("# %s, peek %d, watch %d, lag %llu/%llu: traces at "
	    "+%llu, +%llu, +%llu ms\n", c->restored ? "verify-restored" :
	    "converge", c->peek, c->watch, (unsigned long long)c->lag,
	    (unsigned long long)c->tlag, (unsigned long long)(k > 0 ?
	    out[0] : 0), (unsigned long long)(k > 1 ? out[1] : 0),
	    (unsigned long long)(k > 2 ? out[2] : 0));
	json_decref(doc);
	return k;
}

/* The path moves 150 ms after the write: the phase's first trace waits
 * for the watch to see it (within WAKE_MS of the move) and passes; a
 * trace at once (the old way) only shows the old path, drains the
 * routers' ICMP buckets, and the next comes a beat later. */
static void
check_first_waits(bool restored)
{
	struct wake_case c = { restored, true, true, LAG, LAG, 0, 0, 0 };
	uint64_t t[4];
	unsigned n = phase_traces(&c, t, 4);

	assert_true(n >= 1);
	if (t[0] < LAG || t[0] > LAG + WAKE_MS)
		fail_msg("%s's first trace at +%llu ms, the move at +%d",
		    restored ? "verify-restored" : "converge",
		    (unsigned long long)t[0], LAG);
	/* It passed: the next trace is the judging one (verify's or
	 * verify-restored's), after the settle. */
	assert_int_equal(n, 2);
	assert_true(t[1] >= t[0] + 1000 * spec.timeouts.settle_s);
}

static void
test_restored_first_trace_waits_for_watch(void **st)
{
	(void)st;
	check_first_waits(true);
}

static void
test_converge_first_trace_waits_for_watch(void **st)
{
	(void)st;
	check_first_waits(false);
}

/* A beat of 3 s (three probes); the move comes 1.5 s after the beat's
 * trace (+4500): the next trace comes as soon as the watch sees it, not a
 * beat after the last. */
#define BEAT 3000

static void
check_early_retrace(bool restored)
{
	struct wake_case c = { restored, true, true, BEAT + 1500, BEAT + 1500,
		0, 0, 0, BEAT };
	uint64_t t[4];
	unsigned n = phase_traces(&c, t, 4);

	assert_true(n >= 2);
	assert_int_equal(t[0], BEAT);	/* the beat: no move seen before */
	if (t[1] < BEAT + 1500 || t[1] > BEAT + 1500 + WAKE_MS)
		fail_msg("%s's second trace at +%llu ms, the move at +%d",
		    restored ? "verify-restored" : "converge",
		    (unsigned long long)t[1], BEAT + 1500);
}

static void
test_restored_retrace_when_watch_sees_primary(void **st)
{
	(void)st;
	check_early_retrace(true);
}

static void
test_converge_retrace_when_watch_sees_backup(void **st)
{
	(void)st;
	check_early_retrace(false);
}

/* Without watch_peek, or without a watched probe: a trace at once, then
 * on the beat, as before. */
static void
test_retrace_on_the_beat_without_peek(void **st)
{
	struct wake_case c = { true, false, true, LAG, LAG, 0, 0, 0 };
	uint64_t t[4];
	unsigned k;

	(void)st;
	for (k = 0; k < 4; k++) {
		c.restored = k & 1;
		c.peek = k < 2 ? false : true;
		c.watch = k < 2;
		assert_true(phase_traces(&c, t, 4) >= 2);
		assert_int_equal(t[0], 0);
		assert_int_equal(t[1], 1000);
	}
}

/* The routers' ICMP buckets bound an early re-trace: never sooner than a
 * refill (1 s) after the last trace began, nor before the provider says
 * they answer again (trace_ready_ms); left to the beat when that is
 * later. */
static void
test_early_retrace_waits_for_routers(void **st)
{
	struct wake_case c = { false, true, true, BEAT + LAG, BEAT + LAG, 0,
		0, 0, BEAT };
	uint64_t t[4];

	(void)st;
	/* Seen at +3200: the refill after the trace at +3000. */
	assert_true(phase_traces(&c, t, 4) >= 2);
	assert_int_equal(t[0], BEAT);
	assert_int_equal(t[1], BEAT + 1000);
	/* Seen at +4550, ready 2000 ms after the trace at +3000. */
	c.lag = c.tlag = BEAT + 1500;
	c.refill = 2000;
	assert_true(phase_traces(&c, t, 4) >= 2);
	assert_int_equal(t[1], BEAT + 2000);
	c.refill = 3500;
	assert_true(phase_traces(&c, t, 4) >= 2);
	assert_int_equal(t[1], 2 * BEAT);
}

/*
 * At most one early re-trace a beat: the watch sees the backup at +4500,
 * the traces only from +20000 on; the watch flaps back to the primary at
 * +4700 for 100 ms.  The trace after the beat's comes early (~+4550); the
 * move at +4800 began after it, but the next still waits the whole beat,
 * so the routers' ICMP buckets are never asked twice early.
 */
static void
test_one_early_retrace_a_beat(void **st)
{
	struct wake_case c = { false, true, true, BEAT + 1500, 20000, 0,
		BEAT + 1700, BEAT + 1800, BEAT };
	uint64_t t[4];

	(void)st;
	assert_int_equal(phase_traces(&c, t, 4), 4);
	assert_int_equal(t[0], BEAT);
	assert_true(t[1] <= BEAT + 1500 + WAKE_MS);
	assert_int_equal(t[2] - t[1], BEAT);
}

/* A signal at the third look of converge's first wait. */
static unsigned sig_peeks;

static int
sig_peek(void *ctx, struct probe_watch *pw, size_t from,
    struct watch_samples *out, struct fd_error *err)
{
	if (++sig_peeks == 3)
		world->cancel = 1;
	return orig_probe->watch_peek(ctx, pw, from, out, err);
}

/*
 * A signal while converge looks at the watch ends the wait at that look,
 * with no trace after it, as it ended the beat's sleep; the peering is
 * restored, and verify-restored, on the restore clock that no signal
 * cuts, still traces as soon as the watch sees the primary.
 */
static void
test_signal_during_look(void **st)
{
	struct drill_providers p;
	struct drill_opts o;
	struct fake_world w;
	struct fd_error err = { 0 };
	json_t *doc = NULL;
	unsigned i;

	(void)st;
	fake_seed_spec(&spec);
	spec.converge.rate_hz = 100;
	fake_world_init(&w);
	w.trace_lag_ms = w.watch_lag_ms = LAG;
	fake_providers(&w, &p, &spec);
	world = &w;
	orig_probe = p.probe;
	probe = *p.probe;
	probe.watch_peek = sig_peek;
	p.probe = &probe;
	sig_peeks = 0;
	memset(&o, 0, sizeof(o));
	o.state_dir = state;
	o.clock = &w.clock;
	o.restore_clock = &w.rclock;
	o.retrace_ms = 1000;
	o.restore_failed_retries = 2;
	assert_int_equal(drill_run(&spec, &p, &o, &doc, &err), DRILL_FAILED);
	assert_true(w.enabled);
	assert_non_null(strstr(err.msg, "converge"));
	/* No trace from the disable to the enable. */
	i = trace_from(&w, w.disabled_at);
	assert_true(i < w.n_traces);
	assert_true(w.trace_at[i] >= w.enabled_at);
	/* verify-restored: its first trace within WAKE_MS of the move. */
	assert_true(w.trace_at[i] >= w.enabled_at + LAG);
	assert_true(w.trace_at[i] - (w.enabled_at + LAG) <= WAKE_MS);
	json_decref(doc);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_preflight_reads_at_once),
		cmocka_unit_test(test_baseline_read_during_preflight),
		cmocka_unit_test(test_baseline_device_read_during_preflight),
		cmocka_unit_test(test_verify_traces_beside_checks),
		cmocka_unit_test(test_restored_waits_at_once),
		cmocka_unit_test(test_links_circuit_beside_summaries),
		cmocka_unit_test(test_restored_first_trace_waits_for_watch),
		cmocka_unit_test(test_converge_first_trace_waits_for_watch),
		cmocka_unit_test(test_restored_retrace_when_watch_sees_primary),
		cmocka_unit_test(test_converge_retrace_when_watch_sees_backup),
		cmocka_unit_test(test_retrace_on_the_beat_without_peek),
		cmocka_unit_test(test_early_retrace_waits_for_routers),
		cmocka_unit_test(test_one_early_retrace_a_beat),
		cmocka_unit_test(test_signal_during_look),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
