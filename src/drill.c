#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "drill.h"
#include "journal.h"
#include "log.h"
#include "lro.h"
#include "result.h"
#include "conv.h"
#include "collect.h"

struct drill {
	const struct spec *s;
	struct drill_providers *p;
	const struct drill_opts *o;
	json_t *doc, *phases, *checks, *paths, *ops;
	const char *phase;
	double phase_t0;
	json_t *phase_obj;
	unsigned phase_failed;		/* failed checks in this phase */
	char phase_error[FD_ERROR_MSG];	/* provider/infra error */
	unsigned failed;		/* failed checks in the whole drill */
	unsigned unchecked;		/* of those, could not be checked */
	bool infra_error;
	bool unfinished_journal;	/* another drill's, found at start */
	bool interrupted;
	bool attempted;			/* the disable was attempted */
	bool restoring;			/* the drill deadline no longer applies */
	bool judging;			/* verify-restored after a signal */
	const struct fd_clock *cloud_clk;	/* the provider's, cloud_clock() */
	uint64_t deadline;		/* timeouts.drill_s, on o->clock */
	bool dev_down[SPEC_MAX_DEVICES];
	struct journal *journal;
	char error[FD_ERROR_MSG];	/* the headline */
	struct hop_list *traces[SPEC_MAX_PROBES];	/* latest, per probe */
	struct drill_watch watch;
	/* The circuit as preflight read it: the peering's IPv4 and IPv6
	 * states are what restore puts back. */
	struct cloud_circuit before;
	bool have_before;
};

/* ------------------------------------------------------------ helpers */

/*
 * Device sessions idle while the drill waits (settle, converge, the ARM
 * operation, restore's backoff), and idle SSH sessions get dropped (sshd's
 * ClientAliveInterval, stateful firewalls).  Every wait of the drill goes
 * through this clock, which gives each device's idle() a turn about once
 * a second.  Only on the drill's own thread: collector threads use the
 * devices while the Azure checks run on another thread.
 */
struct idle_clock {
	struct fd_clock clock;
	const struct fd_clock *inner;
	const struct drill_providers *p;
	uint64_t last;
	pthread_t owner;
};

static uint64_t
idle_now(void *ctx)
{
	struct idle_clock *ic = ctx;

	return clock_now(ic->inner);
}

static void
idle_sleep(void *ctx, uint64_t ms)
{
	struct idle_clock *ic = ctx;
	uint64_t now;
	unsigned i;

	ic->inner->sleep_ms(ic->inner->ctx, ms);
	now = clock_now(ic->inner);
	if (now - ic->last < 1000 || !pthread_equal(pthread_self(), ic->owner))
		return;
	ic->last = now;
	for (i = 0; i < SPEC_MAX_DEVICES; i++)
		if (ic->p->dev[i] != NULL && ic->p->dev[i]->idle != NULL)
			ic->p->dev[i]->idle(ic->p->dev_ctx[i]);
}

static void
idle_clock_init(struct idle_clock *ic, const struct fd_clock *inner,
    const struct drill_providers *p)
{
	ic->inner = inner;
	ic->p = p;
	ic->last = clock_now(inner);
	ic->owner = pthread_self();
	ic->clock.now_ms = idle_now;
	ic->clock.sleep_ms = idle_sleep;
	ic->clock.ctx = ic;
	ic->clock.cancel = inner->cancel;
}

static void
iso_time(double t, char *buf, size_t len)
{
	time_t s = (time_t)t;
	struct tm tm;
	char base[32];

	gmtime_r(&s, &tm);
	strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf, len, "%s.%03dZ", base, (int)((t - (double)s) * 1000));
}

static json_t *
json_time(double t)
{
	char buf[40];

	iso_time(t, buf, sizeof(buf));
	return json_string(buf);
}

/* Only the first error becomes the headline. */
static void
set_error(struct drill *d, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
set_error(struct drill *d, const char *fmt, ...)
{
	va_list ap;

	if (d->error[0] != '\0')
		return;
	va_start(ap, fmt);
	vsnprintf(d->error, sizeof(d->error), fmt, ap);
	va_end(ap);
}
static bool
cancelled(struct drill *d)
{
	if (!d->interrupted && !d->restoring && d->deadline != 0 &&
	    clock_now(d->o->clock) > d->deadline) {
		d->interrupted = true;
		log_warn("the drill deadline (%u s) passed during %s",
		    d->s->timeouts.drill_s, d->phase);
		set_error(d, "the drill deadline (%u s) passed during %s",
		    d->s->timeouts.drill_s, d->phase);
	}
	if (!d->interrupted && clock_cancelled(d->o->clock)) {
		d->interrupted = true;
		log_warn("interrupted by a signal during %s", d->phase);
		set_error(d, "interrupted by a signal during %s", d->phase);
	}
	return d->interrupted;
}

static int
dev_index(const struct spec *s, const char *name)
{
	unsigned i;

	for (i = 0; i < s->n_devices; i++)
		if (strcmp(s->devices[i].name, name) == 0)
			return (int)i;
	return -1;
}

static int
probe_index(const struct spec *s, const char *name)
{
	unsigned i;

	for (i = 0; i < s->n_probes; i++)
		if (strcmp(s->probes[i].name, name) == 0)
			return (int)i;
	return -1;
}

/* Stop reading and judging: cancelled, unless verify-restored runs on
 * after a signal to show whether traffic came back. */
static bool
stopped(struct drill *d)
{
	return cancelled(d) && !d->judging;
}

/* The clock the cloud provider's own waits run on from now. */
static void
cloud_clock(struct drill *d, const struct fd_clock *clock)
{
	d->cloud_clk = clock;
	if (d->p->cloud->set_clock != NULL)
		d->p->cloud->set_clock(d->p->cloud_ctx, clock);
}

/*
 * One more provider context for a concurrent read (cloud_ops
 * parallel_reads), on the provider's current clock; NULL when the
 * provider has none to give or it cannot be opened: the caller reads on
 * the main context, one read after the other.
 */
static void *
cloud_ctx_more(struct drill *d)
{
	struct fd_error err = { 0 };
	void *ctx = NULL;

	if (!d->p->cloud->parallel_reads)
		return NULL;
	if (d->p->cloud->open(&d->s->azure, d->cloud_clk ? d->cloud_clk :
	    d->o->restore_clock, d->o->correlation_id, &ctx, &err) < 0) {
		log_debug("azure: reading serially: %s", err.msg);
		return NULL;
	}
	return ctx;
}

/* ------------------------------------------------------------ phases */

static void
phase_begin(struct drill *d, const char *name)
{
	log_transition(d->phase ? d->phase : "start", name);
	d->phase = name;
	d->phase_t0 = clock_wall();
	d->phase_failed = 0;
	d->phase_error[0] = '\0';
	d->phase_obj = json_pack("{s:s, s:o}", "name", name, "started",
	    json_time(d->phase_t0));
	json_array_append_new(d->phases, d->phase_obj);
}

/* A provider or infrastructure error in the current phase. */
static void
phase_error(struct drill *d, const struct fd_error *err)
{
	log_error("%s: %s", d->phase, err->msg);
	d->infra_error = true;
	if (d->phase_error[0] == '\0')
		snprintf(d->phase_error, sizeof(d->phase_error), "%s",
		    err->msg);
	set_error(d, "%s", err->msg);
}

/* Close the phase; 0 when it passed. */
static int
phase_end(struct drill *d)
{
	const char *status = "ok";
	char msg[FD_ERROR_MSG] = "";

	if (d->phase_error[0]) {
		status = "error";
		snprintf(msg, sizeof(msg), "%s", d->phase_error);
	} else if (d->phase_failed > 0) {
		status = "failed";
		snprintf(msg, sizeof(msg), "%u check(s) failed",
		    d->phase_failed);
	} else if (d->interrupted && !d->restoring) {
		/* Restore and verify-restored run on after a signal and are
		 * judged on what they did. */
		status = "error";
		snprintf(msg, sizeof(msg), "interrupted");
	}
	json_object_set_new(d->phase_obj, "duration_s",
	    json_real(clock_wall() - d->phase_t0));
	json_object_set_new(d->phase_obj, "status", json_string(status));
	if (msg[0])
		json_object_set_new(d->phase_obj, "message", json_string(msg));
	return strcmp(status, "ok") == 0 ? 0 : -1;
}

static void
phase_skip(struct drill *d, const char *name, const char *why)
{
	json_array_append_new(d->phases, json_pack("{s:s, s:o, s:f, s:s, s:s}",
	    "name", name, "started", json_time(clock_wall()), "duration_s",
	    0.0, "status", "skipped", "message", why));
}

/*
 * A check that failed because its state could not be read (a device or
 * ARM unreachable, a login or token refused, an unknown host key, a
 * timeout) rather than because the state read differs from the spec
 * (-EBADMSG, -ENODATA) or the device is not who it should be (a changed
 * or revoked host key: transport/ssh.h): exit 5, not 3, when nothing else
 * failed.
 */
static bool
rc_unchecked(int rc)
{
	return rc < 0 && rc != -EBADMSG && rc != -ENODATA &&
	    rc != -EKEYREJECTED && rc != -EKEYREVOKED;
}

/* rc: 0 passed; <0 failed, rc_unchecked() telling why.  Returns the
 * record (owned by the document) for the caller to add its timing. */
static json_t *
record_check(struct drill *d, const char *name, int rc, const char *msg,
    unsigned line)
{
	bool ok = rc == 0;
	json_t *c = json_pack("{s:s, s:s, s:b, s:i}", "phase", d->phase,
	    "name", name, "ok", ok, "line", (int)line), *prev;
	char same[FD_ERROR_MSG];
	size_t i;

	if (!ok) {
		/* A cause shared with an earlier check (the token refused,
		 * a device down) is said in full once; later checks point
		 * to it. */
		json_array_foreach(d->checks, i, prev) {
			const char *pm = json_string_value(
			    json_object_get(prev, "message"));

			if (pm != NULL && strcmp(pm, msg) == 0 &&
			    json_object_get(prev, "same_as") == NULL) {
				snprintf(same, sizeof(same), "same cause as "
				    "'%s'", json_string_value(
				    json_object_get(prev, "name")));
				json_object_set_new(c, "same_as", json_string(
				    json_string_value(json_object_get(prev,
				    "name"))));
				msg = same;
				break;
			}
		}
		json_object_set_new(c, "message", json_string(msg));
		if (rc_unchecked(rc)) {
			json_object_set_new(c, "could_not_check", json_true());
			d->unchecked++;
		}
		d->phase_failed++;
		d->failed++;
		log_warn("%s: FAIL %s: %s", d->phase, name, msg);
		if (d->error[0] == '\0')
			snprintf(d->error, sizeof(d->error), "%s: %s: %s",
			    d->phase, name, msg);
	} else {
		log_info("%s: ok   %s", d->phase, name);
	}
	json_array_append_new(d->checks, c);
	return c;
}

/* How long reading a check's state took (JUnit testcase time). */
static void
check_time(json_t *c, double secs)
{
	if (c != NULL && secs >= 0)
		json_object_set_new(c, "duration_s", json_real(secs));
}

/* ------------------------------------------------------------ checks */

static void
check_name(const struct spec_check *c, char *buf, size_t len)
{
	char a[FD_ADDR_STRLEN], p[FD_PREFIX_STRLEN];

	addr_str(&c->peer, a, sizeof(a));
	prefix_str(&c->route.prefix, p, sizeof(p));
	switch (c->kind) {
	case CHECK_DEV_ADVERTISED:
		snprintf(buf, len, "%s: routes advertised to %s", c->device,
		    a);
		break;
	case CHECK_DEV_RECEIVED:
		snprintf(buf, len, "%s: routes received from %s", c->device,
		    a);
		break;
	case CHECK_DEV_BGP:
		snprintf(buf, len, "%s: BGP sessions established", c->device);
		break;
	case CHECK_DEV_ROUTE:
		snprintf(buf, len, "%s: route %s", c->device, p);
		break;
	case CHECK_AZ_LEARNED:
		if (addr_is_set(&c->route.prefix.addr))
			snprintf(buf, len, "azure: gateway learned %s", p);
		else
			snprintf(buf, len, "azure: gateway learned routes");
		break;
	case CHECK_AZ_ADVERTISED:
		snprintf(buf, len, "azure: gateway advertises to %s", a);
		break;
	case CHECK_AZ_BGP:
		snprintf(buf, len, "azure: gateway BGP peers established");
		break;
	case CHECK_AZ_CIRCUIT:
		snprintf(buf, len, "azure: circuit and peering healthy");
		break;
	case CHECK_AZ_PERMISSIONS:
		snprintf(buf, len, "azure: principal may run the drill");
		break;
	case CHECK_AZ_LINKS:
		snprintf(buf, len, "azure: Primary and Secondary links up");
		break;
	case CHECK_AZ_VPN:
		snprintf(buf, len, "azure: VPN connections connected");
		break;
	case CHECK_AZ_LINK_TEST:
		snprintf(buf, len, "azure: no Microsoft link-failover test "
		    "running");
		break;
	}
}

static int
peers_established(const struct spec_check *c, const struct bgp_summary *sum,
    struct fd_error *err)
{
	char a[FD_ADDR_STRLEN];
	unsigned i;

	if (sum->n == 0)
		return fd_error_set(err, -ENODATA, "no BGP peers reported");
	for (i = 0; i < c->n_peers; i++) {
		const struct bgp_peer *bp = bgp_summary_find(sum,
		    &c->peers[i]);

		addr_str(&c->peers[i], a, sizeof(a));
		if (bp == NULL)
			return fd_error_set(err, -EBADMSG,
			    "no BGP peer %s", a);
		if (!bgp_peer_established(bp))
			return fd_error_set(err, -EBADMSG,
			    "BGP peer %s is %s, not Established", a,
			    bp->state[0] ? bp->state : "in an unknown state");
	}
	return 0;
}

static int
learned_check(const struct spec_check *c, const struct route_set *rs,
    struct fd_error *err)
{
	const struct route_expect *e = &c->route;
	char p[FD_PREFIX_STRLEN], want[ROUTE_ASPATH_MAX], got[ROUTE_ASPATH_MAX];
	size_t i, n = 0;

	if (!addr_is_set(&e->prefix.addr))
		return prefixes_check(&c->prefixes, rs, err);
	prefix_str(&e->prefix, p, sizeof(p));
	for (i = 0; i < rs->n; i++) {
		const struct route *r = &rs->v[i];
		bool nh_ok = !e->has_nh_addr;
		unsigned k;

		if (!prefix_equal(&r->prefix, &e->prefix))
			continue;
		n++;
		for (k = 0; k < r->n_nh && !nh_ok; k++)
			nh_ok = prefix_contains(&e->nh_addr, &r->nh[k].addr);
		if (!nh_ok)
			continue;
		if (e->as_path[0] && r->as_path_cut)
			continue;
		if (e->as_path[0]) {
			as_path_normalise(e->as_path, want, sizeof(want));
			as_path_normalise(r->as_path, got, sizeof(got));
			if (strcmp(want, got) != 0)
				continue;
		}
		return 0;
	}
	if (n == 0)
		return fd_error_set(err, rs->n ? -EBADMSG : -ENODATA,
		    "%s not learned (%zu routes)", p, rs->n);
	return fd_error_set(err, -EBADMSG,
	    "%s learned %zu time(s) but none via the expected next hop/AS "
	    "path", p, n);
}

static bool
is_device_check(const struct spec_check *c)
{
	return c->kind == CHECK_DEV_ADVERTISED || c->kind == CHECK_DEV_RECEIVED ||
	    c->kind == CHECK_DEV_BGP || c->kind == CHECK_DEV_ROUTE;
}

/* The device query a check needs, as a parallel collection job. */
static void
device_job(struct drill *d, const struct spec_check *c, int di,
    struct collect_job *j)
{
	static const enum collect_kind kinds[] = {
		[CHECK_DEV_ADVERTISED] = COLLECT_ADVERTISED,
		[CHECK_DEV_RECEIVED] = COLLECT_RECEIVED,
		[CHECK_DEV_BGP] = COLLECT_BGP_SUMMARY,
		[CHECK_DEV_ROUTE] = COLLECT_ROUTES,
	};

	collect_job_init(j, d->p->dev[di], d->p->dev_ctx[di], c->device,
	    kinds[c->kind]);
	snprintf(j->table, sizeof(j->table), "%s", c->table);
	snprintf(j->instance, sizeof(j->instance), "%s",
	    d->s->devices[di].routing_instance);
	j->addr = c->peer;
	if (c->kind == CHECK_DEV_ROUTE) {
		j->has_prefix = true;
		j->prefix = c->route.prefix;
	}
}

/* Judge a device check on what its job collected. */
static int
device_verdict(const struct spec_check *c, struct collect_job *j,
    struct fd_error *err)
{
	if (j->rc < 0) {
		*err = j->err;
		return j->rc;
	}
	switch (c->kind) {
	case CHECK_DEV_ADVERTISED:
	case CHECK_DEV_RECEIVED:
		return prefixes_check(&c->prefixes, &j->routes, err);
	case CHECK_DEV_BGP:
		return peers_established(c, &j->bgp, err);
	case CHECK_DEV_ROUTE:
		return routes_check(&c->route, &j->routes, err);
	default:
		return fd_error_set(err, -EINVAL, "not a device check");
	}
}

/*
 * What a device check saw, for the record (issue 13: evidence): the
 * paths of the prefix (active first marked), the BGP peers named with
 * their states, or how many routes were exchanged and which.
 */
static json_t *
device_observed(const struct spec_check *c, const struct collect_job *j)
{
	char buf[FD_ERROR_MSG], a[FD_ADDR_STRLEN], p[FD_PREFIX_STRLEN];
	json_t *o;
	size_t idx[32], n, i;

	if (j->rc < 0)
		return NULL;
	switch (c->kind) {
	case CHECK_DEV_ROUTE:
		o = json_array();
		n = route_set_find(&j->routes, &c->route.prefix, idx, 32);
		for (i = 0; i < n && i < 32; i++) {
			const struct route *r = &j->routes.v[idx[i]];

			route_desc(r, buf, sizeof(buf));
			json_array_append_new(o, json_pack("{s:b, s:s}",
			    "active", r->active, "route", buf));
		}
		return o;
	case CHECK_DEV_BGP:
		o = json_object();
		for (i = 0; i < c->n_peers; i++) {
			const struct bgp_peer *bp = bgp_summary_find(&j->bgp,
			    &c->peers[i]);

			json_object_set_new(o, addr_str(&c->peers[i], a,
			    sizeof(a)), bp != NULL ? json_string(bp->state[0] ?
			    bp->state : "unknown") : json_null());
		}
		return o;
	case CHECK_DEV_ADVERTISED:
	case CHECK_DEV_RECEIVED:
		o = json_array();
		for (i = 0; i < j->routes.n && i < 64; i++)
			json_array_append_new(o, json_string(prefix_str(
			    &j->routes.v[i].prefix, p, sizeof(p))));
		return json_pack("{s:I, s:o}", "routes",
		    (json_int_t)j->routes.n, "prefixes", o);
	default:
		return NULL;
	}
}

/* ARM's view: circuit Provisioned (provider) and Enabled, peering Enabled
 * and Succeeded (AZURE-REST.md §5.3). */
static int
circuit_healthy(struct drill *d, const struct cloud_circuit *cc,
    struct fd_error *err)
{
	if (strcasecmp(cc->service_provider_state, "Provisioned") != 0)
		return fd_error_set(err, -EBADMSG, "circuit provider state is "
		    "%s, not Provisioned", cc->service_provider_state);
	/* A circuit still Updating (or Failed) takes no peering write
	 * (AZURE-REST.md §5.3). */
	if (strcasecmp(cc->provisioning_state, "Succeeded") != 0)
		return fd_error_set(err, -EBADMSG, "circuit provisioning state "
		    "is %s, not Succeeded", cc->provisioning_state[0] ?
		    cc->provisioning_state : "empty");
	if (cc->circuit_provisioning_state[0] &&
	    strcasecmp(cc->circuit_provisioning_state, "Enabled") != 0)
		return fd_error_set(err, -EBADMSG, "circuit is %s, not Enabled",
		    cc->circuit_provisioning_state);
	if (strcasecmp(cc->peering_state, "Enabled") != 0)
		return fd_error_set(err, -EBADMSG, "peering %s is %s, not "
		    "Enabled", d->s->azure.peering, cc->peering_state);
	if (strcasecmp(cc->peering_provisioning_state, "Succeeded") != 0)
		return fd_error_set(err, -EBADMSG, "peering %s is %s, not "
		    "Succeeded", d->s->azure.peering,
		    cc->peering_provisioning_state);
	return 0;
}

/* The CE neighbour of each link, as its MSEE sees it (routeTablesSummary:
 * the neighbour whose AS is the peering's peerASN), is Established and
 * sends prefixes.  Names every link that is not. */
/* One link's routeTablesSummary, on its own context (a thread's). */
struct link_read {
	const struct cloud_ops *c;
	void *ctx;
	const char *link;
	struct bgp_summary sum;
	struct fd_error err;
	int rc;
};

static void *
link_read_run(void *arg)
{
	struct link_read *r = arg;

	r->rc = r->c->link_summary(r->ctx, r->link, &r->sum, &r->err);
	return NULL;
}

static int
links_up(struct drill *d, void *ctx, struct fd_error *err)
{
	static const char *const links[] = { "Primary", "Secondary" };
	const struct cloud_ops *c = d->p->cloud;
	struct cloud_circuit cc;
	struct link_read r[2];
	char bad[FD_ERROR_MSG] = "", a[FD_ADDR_STRLEN];
	void *more;
	size_t off = 0;
	unsigned i;
	pthread_t th;
	bool threaded = false;
	int rc;

	if (c->link_summary == NULL)
		return fd_error_set(err, -ENOSYS, "the cloud provider cannot "
		    "read the links' route table summaries");
	if ((rc = c->circuit(ctx, &cc, err)) < 0)
		return rc;
	/* Both links' summaries are operations of their own (each waits
	 * ARM's Retry-After): read them at the same time. */
	more = cloud_ctx_more(d);
	for (i = 0; i < 2; i++) {
		memset(&r[i], 0, sizeof(r[i]));
		r[i].c = c;
		r[i].ctx = i == 1 && more != NULL ? more : ctx;
		r[i].link = links[i];
		bgp_summary_init(&r[i].sum);
	}
	if (more != NULL)
		threaded = pthread_create(&th, NULL, link_read_run,
		    &r[1]) == 0;
	link_read_run(&r[0]);
	if (threaded)
		pthread_join(th, NULL);
	else
		link_read_run(&r[1]);
	if (more != NULL)
		c->close(more);
	for (i = 0; i < 2; i++) {
		const struct bgp_summary *sum = &r[i].sum;
		const struct bgp_peer *ce = NULL;
		char why[FD_ERROR_MSG] = "";
		size_t k;

		rc = r[i].rc;
		for (k = 0; rc == 0 && k < sum->n && ce == NULL; k++)
			if (cc.peer_asn >= 0 ? sum->v[k].peer_as ==
			    cc.peer_asn : sum->v[k].peer_as != 65515)
				ce = &sum->v[k];
		if (rc < 0)
			snprintf(why, sizeof(why), "%s", r[i].err.msg);
		else if (ce == NULL)
			snprintf(why, sizeof(why), "no CE neighbour (AS %lld) "
			    "among its %zu BGP neighbour(s)", cc.peer_asn,
			    sum->n);
		else if (!bgp_peer_established(ce))
			snprintf(why, sizeof(why), "CE neighbour %s (AS %lld) "
			    "is %s", addr_str(&ce->addr, a, sizeof(a)),
			    ce->peer_as, ce->state);
		else if (ce->received <= 0)
			snprintf(why, sizeof(why), "CE neighbour %s (AS %lld) "
			    "sends no prefixes", addr_str(&ce->addr, a,
			    sizeof(a)), ce->peer_as);
		bgp_summary_done(&r[i].sum);
		if (why[0] != '\0' && off < sizeof(bad))
			off += (size_t)snprintf(bad + off, sizeof(bad) - off,
			    "%s%s link: %s", off ? "; " : "", links[i], why);
	}
	if (bad[0] != '\0')
		return fd_error_set(err, -EBADMSG, "%s", bad);
	return 0;
}

/* An Azure-side check; provider errors fail the check (a check that
 * could not be made never passes). */
static int
azure_verdict_on(struct drill *d, void *ctx, const struct spec_check *c,
    struct fd_error *err)
{
	struct route_set rs;
	struct bgp_summary sum;
	struct cloud_circuit cc;
	int rc = -EINVAL;

	route_set_init(&rs);
	bgp_summary_init(&sum);
	switch (c->kind) {
	case CHECK_AZ_LEARNED:
		rc = d->p->cloud->learned_routes(ctx, &rs, err);
		if (rc == 0)
			rc = learned_check(c, &rs, err);
		break;
	case CHECK_AZ_ADVERTISED:
		rc = d->p->cloud->advertised_routes(ctx, &c->peer,
		    &rs, err);
		if (rc == 0)
			rc = prefixes_check(&c->prefixes, &rs, err);
		break;
	case CHECK_AZ_BGP:
		rc = d->p->cloud->bgp_peers(ctx, &sum, err);
		if (rc == 0)
			rc = peers_established(c, &sum, err);
		break;
	case CHECK_AZ_CIRCUIT:
		rc = d->p->cloud->circuit(ctx, &cc, err);
		if (rc == 0 && strcmp(d->phase, "preflight") == 0) {
			d->before = cc;
			d->have_before = true;
		}
		if (rc == 0)
			rc = circuit_healthy(d, &cc, err);
		break;
	case CHECK_AZ_PERMISSIONS:
		rc = d->p->cloud->permissions == NULL ? fd_error_set(err,
		    -ENOSYS, "the cloud provider cannot check permissions") :
		    d->p->cloud->permissions(ctx, err);
		/* Missing actions (-EPERM) are what this check finds, not a
		 * failure to check. */
		if (rc == -EPERM)
			rc = -EBADMSG;
		break;
	case CHECK_AZ_LINKS:
		rc = links_up(d, ctx, err);
		break;
	case CHECK_AZ_VPN:
		rc = d->p->cloud->vpn_connections == NULL ? fd_error_set(err,
		    -ENOSYS, "the cloud provider cannot read VPN "
		    "connections") :
		    d->p->cloud->vpn_connections(ctx, err);
		break;
	case CHECK_AZ_LINK_TEST:
		rc = d->p->cloud->link_test_idle == NULL ? fd_error_set(err,
		    -ENOSYS, "the cloud provider cannot read link-failover "
		    "tests") :
		    d->p->cloud->link_test_idle(ctx, err);
		/* A test running (-EBUSY) is what this check finds. */
		if (rc == -EBUSY)
			rc = -EBADMSG;
		break;
	default:
		break;
	}
	route_set_done(&rs);
	bgp_summary_done(&sum);
	return rc;
}

static int
azure_verdict(struct drill *d, const struct spec_check *c,
    struct fd_error *err)
{
	return azure_verdict_on(d, d->p->cloud_ctx, c, err);
}

/* The Azure checks of one run_checks() call, made on their own thread
 * while the devices are collected. */
struct azure_batch {
	struct drill *d;
	const struct spec_check *v;
	unsigned n;
	int rc[SPEC_MAX_CHECKS];
	struct fd_error err[SPEC_MAX_CHECKS];
	double secs[SPEC_MAX_CHECKS];
};

/* One Azure check on a context of its own (parallel_reads). */
struct azure_one {
	struct azure_batch *b;
	unsigned i;
	void *ctx;
	pthread_t th;
	bool threaded;
};

static void *
azure_one_run(void *arg)
{
	struct azure_one *o = arg;
	struct azure_batch *b = o->b;
	double t0 = clock_wall();

	b->rc[o->i] = azure_verdict_on(b->d, o->ctx, &b->v[o->i],
	    &b->err[o->i]);
	b->secs[o->i] = clock_wall() - t0;
	return NULL;
}

/*
 * The Azure checks of a batch.  Each read action is an operation that
 * waits ARM's Retry-After (10 s), so with a provider that allows it
 * (parallel_reads) every check runs at once on a context of its own: a
 * preflight costs its slowest read, not the sum (issue 11).  Otherwise
 * one after the other.  Results land in spec order either way.
 */
static void *
azure_batch_run(void *arg)
{
	struct azure_batch *b = arg;
	struct azure_one one[SPEC_MAX_CHECKS];
	unsigned i, n = 0;

	for (i = 0; i < b->n && i < SPEC_MAX_CHECKS; i++) {
		b->secs[i] = -1;
		if (is_device_check(&b->v[i]) ||
		    (!b->d->judging && clock_cancelled(b->d->o->clock)))
			continue;
		one[n].b = b;
		one[n].i = i;
		one[n].threaded = false;
		/* The first check reads on the main context. */
		one[n].ctx = n == 0 ? NULL : cloud_ctx_more(b->d);
		if (one[n].ctx != NULL)
			one[n].threaded = pthread_create(&one[n].th, NULL,
			    azure_one_run, &one[n]) == 0;
		n++;
	}
	for (i = 0; i < n; i++) {
		if (one[i].threaded)
			continue;
		if (one[i].ctx != NULL)
			b->d->p->cloud->close(one[i].ctx);
		one[i].ctx = b->d->p->cloud_ctx;
		azure_one_run(&one[i]);
	}
	for (i = 0; i < n; i++)
		if (one[i].threaded) {
			pthread_join(one[i].th, NULL);
			b->d->p->cloud->close(one[i].ctx);
		}
	return NULL;
}

/*
 * Run checks and record them in spec order.  The device queries are
 * collected in parallel (one thread per device) while the Azure checks run
 * on a thread of their own: a phase costs its slowest source, not the sum.
 */
static void
run_checks(struct drill *d, const struct spec_check *v, unsigned n)
{
	struct collect_job *jobs;
	struct azure_batch *az;
	struct fd_error err = { 0 };
	int ji[SPEC_MAX_CHECKS];
	char name[160];
	unsigned i, nj = 0;
	pthread_t th;
	bool threaded;

	if (n == 0 || stopped(d))
		return;
	jobs = calloc(n, sizeof(*jobs));
	az = calloc(1, sizeof(*az));
	if (jobs == NULL || az == NULL) {
		free(jobs);
		free(az);
		fd_error_set(&err, -ENOMEM, "out of memory");
		phase_error(d, &err);
		return;
	}
	for (i = 0; i < n && i < SPEC_MAX_CHECKS; i++) {
		int di = is_device_check(&v[i]) ? dev_index(d->s,
		    v[i].device) : -1;

		ji[i] = -1;
		az->rc[i] = -ECANCELED;
		fd_error_set(&az->err[i], -ECANCELED, "not run: interrupted");
		if (di < 0 || d->p->dev[di] == NULL || d->dev_down[di])
			continue;
		device_job(d, &v[i], di, &jobs[nj]);
		ji[i] = (int)nj++;
	}
	az->d = d;
	az->v = v;
	az->n = n;
	threaded = pthread_create(&th, NULL, azure_batch_run, az) == 0;
	if (nj > 0)
		collect_run(jobs, nj, &err);	/* verdicts are per job */
	if (threaded)
		pthread_join(th, NULL);
	else
		azure_batch_run(az);
	for (i = 0; i < n && i < SPEC_MAX_CHECKS && !stopped(d); i++) {
		json_t *rec, *obs;
		int rc, di;

		fd_error_clear(&err);
		check_name(&v[i], name, sizeof(name));
		if (!is_device_check(&v[i])) {
			rc = az->rc[i];
			err = az->err[i];
		} else if (ji[i] >= 0) {
			rc = device_verdict(&v[i], &jobs[ji[i]], &err);
		} else {
			di = dev_index(d->s, v[i].device);
			rc = fd_error_set(&err, -EHOSTUNREACH, "%s",
			    di < 0 ? "no such device" : "device unreachable");
		}
		rec = record_check(d, name, rc, err.msg, v[i].line);
		check_time(rec, !is_device_check(&v[i]) ? az->secs[i] :
		    ji[i] >= 0 ? (double)jobs[ji[i]].elapsed_ms / 1000 : -1);
		if (ji[i] >= 0 && (obs = device_observed(&v[i],
		    &jobs[ji[i]])) != NULL)
			json_object_set_new(rec, "observed", obs);
		/* Machine keys for the reports' route evidence (issue 13),
		 * so rows group by device, table and prefix, never by the
		 * check's name. */
		if (v[i].kind == CHECK_DEV_ROUTE) {
			json_object_set_new(rec, "device",
			    json_string(v[i].device));
			json_object_set_new(rec, "prefix", json_string(
			    prefix_str(&v[i].route.prefix, name,
			    sizeof(name))));
			if (v[i].table[0] != '\0')
				json_object_set_new(rec, "table",
				    json_string(v[i].table));
		}
	}
	for (i = 0; i < nj; i++)
		collect_job_done(&jobs[i]);
	free(jobs);
	free(az);
}

/*
 * Who the drill acts as in Azure, for the change record (result.json
 * azure.identity): the provider's answer, or why it has none.  Never the
 * credential itself.
 */
static void
record_identity(struct drill *d)
{
	struct cloud_identity id;
	struct fd_error err = { 0 };
	json_t *o;

	if (d->p->cloud->identity == NULL)
		return;
	if (d->p->cloud->identity(d->p->cloud_ctx, &id, &err) < 0) {
		log_info("azure: identity unknown: %s", err.msg);
		o = json_pack("{s:s}", "unknown", err.msg);
	} else {
		o = json_pack("{s:s*, s:s*, s:s*, s:s*, s:s*}",
		    "app_id", id.app_id[0] ? id.app_id : NULL,
		    "object_id", id.object_id[0] ? id.object_id : NULL,
		    "tenant_id", id.tenant_id[0] ? id.tenant_id : NULL,
		    "type", id.type[0] ? id.type : NULL,
		    "name", id.name[0] ? id.name : NULL);
	}
	json_object_set_new(json_object_get(d->doc, "azure"), "identity", o);
}

/* ------------------------------------------------------------ traces */

static json_t *
path_obj(struct drill *d, int pi)
{
	return json_array_get(d->paths, (size_t)pi);
}

/* Trace probe pi into d->traces[pi]. */
static int
trace_probe(struct drill *d, int pi, struct fd_error *err)
{
	const struct spec_probe *sp = &d->s->probes[pi];
	struct hop_list *l = hop_list_new();
	int rc, di;

	if (l == NULL)
		return fd_error_set(err, -ENOMEM, "out of memory");
	if (sp->from[0] == '\0') {
		rc = d->p->probe->trace(d->p->probe_ctx, &sp->to, l, err);
	} else if (strcmp(sp->from, "azure") == 0) {
		/* Azure-side hop list: Network Watcher connectivity check
		 * from the spec's source VM. */
		struct conncheck_req req;

		memset(&req, 0, sizeof(req));
		req.dest = sp->to;
		snprintf(req.protocol, sizeof(req.protocol), "Icmp");
		rc = d->p->cloud->connectivity == NULL ?
		    fd_error_set(err, -ENOSYS, "no connectivity check") :
		    d->p->cloud->connectivity(d->p->cloud_ctx, &req, l, err);
	} else {
		di = dev_index(d->s, sp->from);
		if (di < 0 || d->p->dev[di] == NULL)
			rc = fd_error_set(err, -ENOENT, "no device %s",
			    sp->from);
		else
			rc = d->p->dev[di]->traceroute(d->p->dev_ctx[di],
			    &sp->to, d->s->devices[di].routing_instance, l,
			    err);
	}
	if (rc < 0) {
		fd_error_prefix(err, "trace %s", sp->name);
		hop_list_free(l);
		return rc;
	}
	if (!addr_is_set(&l->target)) {
		l->target = sp->to;
		hop_list_finish(l);
	}
	hop_list_free(d->traces[pi]);
	d->traces[pi] = l;
	return 0;
}

static void
store_trace(struct drill *d, int pi, const char *key)
{
	json_t *tr = json_object_get(path_obj(d, pi), "traces");

	if (d->traces[pi] != NULL)
		json_object_set_new(tr, key, hop_list_to_json(d->traces[pi]));
}

static unsigned retrace_wait_ms(const struct drill *d);

/* Re-traces of a recorded check whose trace shows a silent or
 * rate-limited hop (see may_be_limited()). */
#define CHECK_RETRACES 2

/* Can a router's ICMP limit explain a mismatch?  Only when a hop of the
 * trace is silent or was marked rate-limited by the tracer. */
static bool
may_be_limited(const struct hop_list *l)
{
	unsigned i;

	for (i = 0; l != NULL && i < l->n; i++)
		if (l->hops[i].n_answers == 0 || l->hops[i].rate_limited)
			return true;
	return false;
}

/* Trace every path of e and compare; record=false: only report whether
 * all matched (used while converging). */
static int
check_paths(struct drill *d, const struct spec_expect *e, const char *key,
    bool record)
{
	char name[128], hops[512];
	unsigned i;
	int bad = 0;

	for (i = 0; i < e->n_paths && !stopped(d); i++) {
		const struct spec_path *sp = &e->paths[i];
		struct fd_error err = { 0 };
		int pi = probe_index(d->s, sp->probe);
		unsigned tries;
		bool traced;
		int rc;

		if (pi < 0)
			continue;	/* the spec loader rejects this */
		snprintf(name, sizeof(name), "path %s", sp->probe);
		rc = trace_probe(d, pi, &err);
		traced = rc == 0;
		if (rc == 0)
			rc = hops_match(&sp->path, &d->s->sets, d->traces[pi],
			    &err);
		/* A judged path must not fail because a router limited its
		 * ICMP (every trace of the drill and the prober's TTL probe
		 * drain the same buckets): trace again after a refill.  It
		 * still passes only on a trace whose hops all matched. */
		for (tries = 0; record && rc == -EBADMSG &&
		    tries < CHECK_RETRACES && may_be_limited(d->traces[pi]) &&
		    !cancelled(d); tries++) {
			log_info("path %s: %s; a silent hop may be a router's "
			    "ICMP rate limit, tracing again", sp->probe,
			    err.msg);
			if (clock_sleep(d->o->clock, retrace_wait_ms(d)) < 0)
				break;
			fd_error_clear(&err);
			rc = trace_probe(d, pi, &err);
			traced = rc == 0;
			if (rc == 0)
				rc = hops_match(&sp->path, &d->s->sets,
				    d->traces[pi], &err);
		}
		if (traced && rc < 0 && record) {
			hop_list_str(d->traces[pi], hops, sizeof(hops));
			fd_error_prefix(&err, "[%s]", hops);
		}
		if (record) {
			store_trace(d, pi, key);
			record_check(d, name, rc, err.msg, sp->line);
		}
		if (rc < 0)
			bad++;
	}
	return bad ? -1 : 0;
}

/* ------------------------------------------------------------ watch */

/* The probe watched during converge: the first native probe marked watch,
 * with the path classes the spec gives it (spec_watch_classes(): avoid,
 * and the hops only one of the baseline and failover paths names) and the
 * TTL at which the baseline trace crossed the primary class. */
static void
watch_setup(struct drill *d)
{
	const struct spec *s = d->s;
	unsigned i, j, x;

	memset(&d->watch, 0, sizeof(d->watch));
	d->watch.probe = -1;
	for (i = 0; i < s->n_probes; i++) {
		if (s->probes[i].watch && s->probes[i].from[0] == '\0') {
			d->watch.probe = (int)i;
			break;
		}
	}
	if (d->watch.probe < 0)
		return;
	(void)spec_watch_classes(s, s->probes[d->watch.probe].name,
	    &d->watch.primary, &d->watch.backup);
	/* The TTL of the last baseline hop inside the primary set: the
	 * deepest one is the likeliest to reach the target, or a hop that
	 * answers, on a shorter backup path (the first hop after the
	 * on-prem edge is often a silent VPN gateway). */
	if (d->traces[d->watch.probe] != NULL) {
		const struct hop_list *l = d->traces[d->watch.probe];

		for (i = 0; i < l->n; i++)
			for (x = 0; x < l->hops[i].n_answers; x++)
				for (j = 0; j < d->watch.primary.n; j++)
					if (prefix_contains(
					    &d->watch.primary.prefixes[j],
					    &l->hops[i].answers[x].addr))
						d->watch.ttl = l->hops[i].ttl;
	}
}

static int
watch_start(struct drill *d, struct drill_watch_run *run,
    struct fd_error *err)
{
	struct watch_req req;

	memset(run, 0, sizeof(*run));
	if (d->watch.probe < 0 || d->p->probe->watch_begin == NULL)
		return 0;
	d->watch.rate_hz = d->s->converge.rate_hz;
	memset(&req, 0, sizeof(req));
	req.target = d->s->probes[d->watch.probe].to;
	d->watch.target = req.target;
	req.method = d->s->probes[d->watch.probe].method;
	req.port = d->s->probes[d->watch.probe].port;
	req.rate_hz = d->s->converge.rate_hz;
	req.ttl = d->watch.ttl;
	req.max_ms = (uint64_t)(d->s->timeouts.operation_s +
	    d->s->timeouts.converge_s + d->s->timeouts.settle_s + 60) * 1000;
	run->t0 = clock_now(d->o->restore_clock);
	run->t0_wall = clock_wall();
	if (d->p->probe->watch_begin(d->p->probe_ctx, &req, &run->w,
	    err) < 0) {
		run->w = NULL;
		return fd_error_prefix(err, "convergence probing of %s",
		    d->s->probes[d->watch.probe].name);
	}
	return 0;
}

/* Stop the watch and store its analysis under convergence.<key>. */
static void
watch_stop(struct drill *d, struct drill_watch_run *run, const char *key,
    bool returning)
{
	struct watch_samples samples = { 0 };
	struct fd_error err = { 0 };
	json_t *conv;

	if (run->w == NULL)
		return;
	if (d->p->probe->watch_end(d->p->probe_ctx, run->w, &samples,
	    &err) < 0) {
		log_warn("convergence probing failed: %s", err.msg);
		run->w = NULL;
		return;
	}
	run->w = NULL;
	conv = drill_watch_json(&d->watch, &samples, run->t0,
	    d->s->converge.stable_ms, returning, &run->result);
	run->analysed = conv != NULL;
	if (conv != NULL) {
		char a[FD_ADDR_STRLEN];

		json_object_set_new(conv, "target", json_string(addr_str(
		    &d->s->probes[d->watch.probe].to, a, sizeof(a))));
		const struct spec_expect *e = !returning ? &d->s->failover :
		    d->s->restored.set ? &d->s->restored : &d->s->baseline;

		json_object_set_new(conv, "probe",
		    json_string(d->s->probes[d->watch.probe].name));
		/* When the ARM write was sent (the timeline's 0) and the
		 * spec's limit, for the report to draw. */
		json_object_set_new(conv, "t0", json_time(run->t0_wall));
		json_object_set_new(conv, "limit_s", e->converge_within_s ?
		    json_integer(e->converge_within_s) : json_null());
		json_object_set_new(json_object_get(d->doc, "convergence"),
		    key, conv);
	}
	watch_samples_done(&samples);
}

/* ------------------------------------------------------------ the drill */

/* Every watched target must answer its end-to-end probe before anything
 * changes: a target that drops the method (a Windows VM drops echo and UDP)
 * would read as "all lost" during converge. */
#define REACH_PROBES 5

static void
reach_checks(struct drill *d)
{
	unsigned i, answered;

	if (d->p->probe == NULL || d->p->probe->reach == NULL)
		return;
	for (i = 0; i < d->s->n_probes && !cancelled(d); i++) {
		const struct spec_probe *sp = &d->s->probes[i];
		struct fd_error err = { 0 };
		struct watch_req req;
		char name[160], a[FD_ADDR_STRLEN];
		int rc;

		if (!sp->watch || sp->from[0] != '\0')
			continue;
		memset(&req, 0, sizeof(req));
		req.target = sp->to;
		req.method = sp->method;
		req.port = sp->port;
		req.rate_hz = d->s->converge.rate_hz;
		if (sp->method == PROBE_METHOD_TCP)
			snprintf(name, sizeof(name), "probe %s: %s answers "
			    "tcp port %u", sp->name, addr_str(&sp->to, a,
			    sizeof(a)), sp->port);
		else
			snprintf(name, sizeof(name), "probe %s: %s answers "
			    "%s", sp->name, addr_str(&sp->to, a, sizeof(a)),
			    probe_method_str(sp->method));
		answered = 0;
		rc = d->p->probe->reach(d->p->probe_ctx, &req, REACH_PROBES,
		    &answered, &err);
		if (rc == 0 && answered == 0)
			snprintf(err.msg, sizeof(err.msg), "none of %u %s "
			    "probes answered: the watched target must answer "
			    "method %s (see failover-drill.json(5))",
			    REACH_PROBES, probe_method_str(sp->method),
			    probe_method_str(sp->method));
		record_check(d, name, rc < 0 ? rc : answered > 0 ? 0 :
		    -EBADMSG, err.msg, 0);
	}
}

static int
preflight(struct drill *d)
{
	unsigned i;

	phase_begin(d, "preflight");
	/* The circuit is always checked first, once, whether or not the
	 * spec lists it. */
	for (i = 0; i < d->s->n_preflight; i++)
		if (d->s->preflight[i].kind == CHECK_AZ_CIRCUIT)
			break;
	if (i == d->s->n_preflight) {
		struct fd_error err = { 0 };
		char name[160];
		struct spec_check implicit;

		memset(&implicit, 0, sizeof(implicit));
		implicit.kind = CHECK_AZ_CIRCUIT;
		check_name(&implicit, name, sizeof(name));
		record_check(d, name, azure_verdict(d, &implicit, &err),
		    err.msg, 0);
	}
	/* So are the principal's permissions, when the provider can tell:
	 * the nightly dry run then reports a removed role long before the
	 * window. */
	for (i = 0; i < d->s->n_preflight; i++)
		if (d->s->preflight[i].kind == CHECK_AZ_PERMISSIONS)
			break;
	if (i == d->s->n_preflight && d->p->cloud->permissions != NULL &&
	    !cancelled(d)) {
		struct fd_error err = { 0 };
		char name[160];
		struct spec_check implicit;

		memset(&implicit, 0, sizeof(implicit));
		implicit.kind = CHECK_AZ_PERMISSIONS;
		check_name(&implicit, name, sizeof(name));
		record_check(d, name, azure_verdict(d, &implicit, &err),
		    err.msg, 0);
	}
	if (!cancelled(d))
		record_identity(d);
	if (d->s->n_devices > 0 && !cancelled(d)) {
		struct collect_job jobs[SPEC_MAX_DEVICES];
		struct fd_error err = { 0 };
		char name[96];

		for (i = 0; i < d->s->n_devices; i++)
			collect_job_init(&jobs[i], d->p->dev[i],
			    d->p->dev_ctx[i], d->s->devices[i].name,
			    COLLECT_INFO);
		collect_run(jobs, d->s->n_devices, &err);
		for (i = 0; i < d->s->n_devices; i++) {
			snprintf(name, sizeof(name), "%s: reachable over SSH",
			    d->s->devices[i].name);
			d->dev_down[i] = jobs[i].rc < 0;
			check_time(record_check(d, name, jobs[i].rc,
			    jobs[i].err.msg, 0),
			    (double)jobs[i].elapsed_ms / 1000);
			if (jobs[i].rc == 0)
				log_info("%s: %s %s%s%s%s",
				    d->s->devices[i].name, jobs[i].info.model,
				    jobs[i].info.version,
				    jobs[i].info.nodes[0] ? " (cluster: " : "",
				    jobs[i].info.nodes,
				    jobs[i].info.nodes[0] ? ")" : "");
			collect_job_done(&jobs[i]);
		}
	}
	reach_checks(d);
	run_checks(d, d->s->preflight, d->s->n_preflight);
	if (d->have_before) {
		const struct cloud_circuit *b = &d->before;

		json_object_set_new(json_object_get(d->doc, "azure"),
		    "peering_before", json_pack("{s:s, s:s}", "state",
		    b->peering_state, "ipv6_state", b->peering_ipv6_state));
		log_info("peering %s: IPv4 %s, IPv6 %s", d->s->azure.peering,
		    b->peering_state, b->peering_ipv6_state[0] ?
		    b->peering_ipv6_state : "not configured");
		if (strcasecmp(b->peering_ipv6_state, "Enabled") == 0 &&
		    !d->s->azure.ipv6)
			log_warn("peering %s is dual-stack and azure.ipv6 is "
			    "false: only IPv4 is drilled, IPv6 traffic stays "
			    "on ExpressRoute", d->s->azure.peering);
	}
	return phase_end(d);
}

static int
baseline(struct drill *d)
{
	phase_begin(d, "baseline");
	check_paths(d, &d->s->baseline, "baseline", true);
	run_checks(d, d->s->baseline.checks, d->s->baseline.n_checks);
	return phase_end(d);
}

static void
record_op(struct drill *d, const char *action,
    const struct cloud_op_info *info, const char *status, double t0,
    unsigned attempts)
{
	json_array_append_new(d->ops, json_pack(
	    "{s:s, s:i, s:s, s:s, s:f, s:i}", "action", action,
	    "http_status", info->http_status, "request_id", info->request_id,
	    "status", status, "duration_s", clock_wall() - t0,
	    "attempts", (int)attempts));
}

/* One peering write and its long-running operation.  clock decides
 * whether a signal can interrupt the wait. */
static int
peering_write(struct drill *d, bool enable, const struct fd_clock *clock,
    uint64_t deadline, struct cloud_op_info *info, struct fd_error *err)
{
	struct lro_policy pol;
	struct cloud_poll last;
	struct cloud_op *op = NULL;
	char what[128];
	int rc;

	memset(info, 0, sizeof(*info));
	rc = d->p->cloud->peering_set_begin(d->p->cloud_ctx, enable, false,
	    &op, info, err);
	if (rc < 0)
		return rc;
	lro_policy_default(&pol);
	pol.deadline = deadline;
	snprintf(what, sizeof(what), "%s (request id %s)", enable ? "enable" :
	    "disable", info->request_id[0] ? info->request_id : "none");
	pol.what = what;
	memset(&last, 0, sizeof(last));
	rc = lro_wait(d->p->cloud, d->p->cloud_ctx, op, clock, &pol, &last,
	    NULL, err);
	d->p->cloud->op_free(op);
	/* The write was accepted: whatever failed since, it may have
	 * changed the peering. */
	if (rc < 0 && err != NULL)
		err->unchanged = false;
	return rc;
}

/* The IPv6 state the peering must show after an operation: with
 * azure.ipv6 a disable turns it off; otherwise, and after every enable,
 * exactly what preflight saw ("" = not checked). */
static const char *
ipv6_expected(struct drill *d, const char *want)
{
	if (!d->have_before || d->before.peering_ipv6_state[0] == '\0')
		return "";
	if (d->s->azure.ipv6 && strcasecmp(want, "Disabled") == 0)
		return "Disabled";
	return d->before.peering_ipv6_state;
}

/* After the operation: does Azure show the state we asked for? */
static int
peering_confirm(struct drill *d, const char *want, struct fd_error *err)
{
	struct cloud_circuit cc;
	const char *v6 = ipv6_expected(d, want);
	int rc = d->p->cloud->circuit(d->p->cloud_ctx, &cc, err);

	if (rc < 0)
		return rc;
	if (v6[0] != '\0' && strcasecmp(cc.peering_ipv6_state, v6) != 0)
		return fd_error_set(err, -EPROTO, "peering %s: IPv6 is %s "
		    "after the operation, expected %s", d->s->azure.peering,
		    cc.peering_ipv6_state[0] ? cc.peering_ipv6_state :
		    "not configured", v6);
	if (strcasecmp(cc.peering_state, want) != 0)
		return fd_error_set(err, -EPROTO,
		    "peering %s is %s after the operation, expected %s",
		    d->s->azure.peering, cc.peering_state, want);
	if (strcasecmp(cc.peering_provisioning_state, "Succeeded") != 0)
		return fd_error_set(err, -EPROTO,
		    "peering %s provisioning state %s after the operation",
		    d->s->azure.peering, cc.peering_provisioning_state);
	return 0;
}

static int
failover(struct drill *d)
{
	struct cloud_op_info info;
	struct fd_error err = { 0 };
	double t0;
	int rc;

	phase_begin(d, "failover");
	/* Probing starts before the write so the switch is measured from
	 * the moment the PUT is sent; if it cannot start, nothing is
	 * changed. */
	rc = watch_start(d, &d->watch.failover, &err);
	if (rc == 0)
		rc = journal_open(d->o->state_dir, &d->s->azure, d->s->name,
	    d->s->file, &d->journal, &err);
	if (rc == 0)
		rc = journal_before(d->journal, d->before.peering_state,
		    d->before.peering_ipv6_state, &err);
	if (rc == 0)
		rc = journal_append(d->journal, "intent", "disable", NULL,
		    NULL, &err);
	if (rc == 0 && cancelled(d))
		rc = fd_error_set(&err, -ECANCELED, "interrupted before the "
		    "peering was written");
	if (rc < 0) {
		/* Nothing was written to Azure: still an abort. */
		if (rc != -ECANCELED)
			phase_error(d, &err);
		watch_stop(d, &d->watch.failover, "failover", false);
		if (d->journal != NULL) {
			/* Nothing to recover: close it as aborted. */
			if (journal_finish(d->journal, "aborted", NULL,
			    &err) < 0)
				log_warn("%s", err.msg);
			d->journal = NULL;
		}
		phase_end(d);
		return -1;
	}
	json_object_set_new(d->doc, "journal",
	    json_string(journal_file(d->journal)));
	d->attempted = true;
	t0 = clock_wall();
	/* Switch times count from the write, not from the journal's fsyncs
	 * above (2-13 ms late in bench/drill.sh). */
	d->watch.failover.t0 = clock_now(d->o->restore_clock);
	d->watch.failover.t0_wall = t0;
	log_info("disabling peering %s of circuit %s", d->s->azure.peering,
	    d->s->azure.circuit);
	rc = peering_write(d, false, d->o->clock, clock_now(d->o->clock) +
	    (uint64_t)d->s->timeouts.operation_s * 1000, &info, &err);
	if (rc == 0 && (rc = peering_confirm(d, "Disabled", &err)) < 0)
		err.unchanged = false;
	if (rc < 0 && rc != -ECANCELED && err.unchanged) {
		/* ARM refused the PUT (403 AuthorizationFailed, 400, ...)
		 * on every attempt, or it was never sent: nothing changed,
		 * so this is an abort (exit 3), not a drill to restore.  A
		 * timeout, a 5xx or a dropped connection leave the outcome
		 * unknown and go through restore. */
		char msg[FD_ERROR_MSG];

		snprintf(msg, sizeof(msg), "aborted before any change: the "
		    "disable was refused: %s", err.msg);
		fd_error_set(&err, rc, "%s", msg);
		record_op(d, "disable", &info, "Refused", t0, 1);
		if (journal_append(d->journal, "done", "disable", "refused",
		    err.msg, NULL) < 0)
			log_warn("journal: could not record the disable "
			    "outcome");
		d->attempted = false;
		phase_error(d, &err);
		return phase_end(d);
	}
	record_op(d, "disable", &info, rc == 0 ? "Succeeded" :
	    rc == -ECANCELED ? "Interrupted" : "Failed", t0, 1);
	if (journal_append(d->journal, "done", "disable", rc == 0 ? "ok" :
	    "error", rc == 0 ? info.request_id : err.msg, NULL) < 0)
		log_warn("journal: could not record the disable outcome");
	if (rc < 0) {
		if (rc == -ECANCELED)
			cancelled(d);
		else
			phase_error(d, &err);
	}
	return phase_end(d);
}

/*
 * How long to wait between re-traces while a path is expected to change.
 * Routers answer time-exceeded from a token bucket: Linux refills one a
 * second per destination after a burst of six (net/ipv4/icmp.c,
 * icmpv4_xrlim_allow), edge routers police harder.  Every traced probe
 * asks each router on its path, so re-tracing faster than one probe's
 * worth a second starves the routers' buckets and the traces fill with
 * stars that are rate limits, not path changes.
 */
static unsigned
retrace_wait_ms(const struct drill *d)
{
	unsigned n = d->s->n_probes > 0 ? (unsigned)d->s->n_probes : 1;
	unsigned ms = 1000 * (n < 5 ? n : 5);

	return d->o->retrace_ms > ms ? d->o->retrace_ms : ms;
}

static int
converge(struct drill *d)
{
	uint64_t t0 = clock_now(d->o->clock), last_beat = t0,
	    deadline = t0 + (uint64_t)d->s->timeouts.converge_s * 1000;
	unsigned tries = 0;
	int rc;

	phase_begin(d, "converge");
	for (;;) {
		tries++;
		rc = check_paths(d, &d->s->failover, "failover", false);
		if (rc == 0 || cancelled(d))
			break;
		/* A heartbeat for the operator, every 5 s (info: shown on
		 * a terminal). */
		if (clock_now(d->o->clock) - last_beat >= 5000) {
			last_beat = clock_now(d->o->clock);
			log_info("converge: waiting for the failover path: "
			    "%llu s of %u s, %u traces",
			    (unsigned long long)((last_beat - t0) / 1000),
			    d->s->timeouts.converge_s, tries);
		}
		if (clock_now(d->o->clock) >= deadline) {
			struct fd_error err;

			fd_error_set(&err, -ETIMEDOUT, "paths did not reach "
			    "the failover expectation within %u s (%u traces)",
			    d->s->timeouts.converge_s, tries);
			phase_error(d, &err);
			break;
		}
		if (clock_sleep(d->o->clock, retrace_wait_ms(d)) < 0)
			cancelled(d);
	}
	if (rc == 0 && !d->interrupted) {
		log_info("paths match the failover expectation; settling "
		    "%u s", d->s->timeouts.settle_s);
		if (clock_sleep(d->o->clock,
		    (uint64_t)d->s->timeouts.settle_s * 1000) < 0)
			cancelled(d);
	}
	return phase_end(d);
}

static void
convergence_checks(struct drill *d)
{
	const struct drill_watch_result *r = &d->watch.failover.result;
	char msg[160];

	if (!d->watch.failover.analysed) {
		if (d->s->failover.converge_within_s > 0 ||
		    d->s->failover.max_loss > 0)
			record_check(d, "convergence measured", -EBADMSG,
			    d->watch.probe < 0 ? "no probe is watched" :
			    "the continuous prober produced no samples", 0);
		return;
	}
	if (d->s->failover.converge_within_s > 0) {
		bool ok = r->stable_ms >= 0 && r->stable_ms <=
		    (int64_t)d->s->failover.converge_within_s * 1000;

		if (r->stable_ms < 0)
			snprintf(msg, sizeof(msg), "the path never became "
			    "stable on the backup");
		else
			snprintf(msg, sizeof(msg), "stable on the backup "
			    "after %.2f s, limit %u s",
			    (double)r->stable_ms / 1000,
			    d->s->failover.converge_within_s);
		record_check(d, "converged within limit", ok ? 0 : -EBADMSG,
		    msg, 0);
	}
	if (d->s->failover.max_loss > 0) {
		snprintf(msg, sizeof(msg), "%u probes lost, limit %u",
		    r->lost, d->s->failover.max_loss);
		record_check(d, "packet loss within limit",
		    r->lost <= d->s->failover.max_loss ? 0 : -EBADMSG, msg, 0);
	}
}

static int
verify(struct drill *d)
{
	phase_begin(d, "verify");
	check_paths(d, &d->s->failover, "failover", true);
	run_checks(d, d->s->failover.checks, d->s->failover.n_checks);
	watch_stop(d, &d->watch.failover, "failover", false);
	convergence_checks(d);
	return phase_end(d);
}

/* The ARM request id of a failure: "(request id X)" in the provider's
 * message, else the PUT's own. */
static void
request_id_of(const struct fd_error *err, const struct cloud_op_info *info,
    char *buf, size_t len)
{
	const char *p = strstr(err->msg, "request id ");
	size_t n;

	if (p != NULL) {
		p += strlen("request id ");
		n = strcspn(p, ") ,;");
		snprintf(buf, len, "%.*s", (int)n, p);
	} else {
		snprintf(buf, len, "%s", info->request_id[0] ?
		    info->request_id : "unknown");
	}
}

static const char *
err_kind_str(const struct fd_error *err)
{
	switch (err->kind) {
	case FD_ERR_TRANSIENT:
		return "transient, retrying";
	case FD_ERR_FINAL:
		return "final";
	default:
		return "retrying";
	}
}

/* Backoff before the next restore attempt: retry's exponential delay,
 * cut to what is left of the deadline so the last attempt is made at
 * the deadline rather than a backoff step before it; -1 when less than
 * a second is left. */
static int64_t
restore_delay(const struct fd_retry *retry, const struct fd_clock *clk,
    unsigned attempt)
{
	struct fd_retry r = *retry;
	uint64_t now = clock_now(clk);
	int64_t d;

	r.deadline = 0;
	if ((d = retry_delay(&r, clk, attempt, 0)) < 0)
		return -1;
	if (retry->deadline != 0) {
		if (now + 1000 > retry->deadline)
			return -1;
		if (now + (uint64_t)d > retry->deadline)
			d = (int64_t)(retry->deadline - now);
	}
	return d;
}

/*
 * Enable the peering again.  Runs on the restore clock (signals cannot
 * cut it short), retries with backoff until timeouts.restore_s, and
 * confirms the state with a fresh GET.  Returns 0 when the peering is
 * enabled.
 */
static int
restore(struct drill *d)
{
	const struct fd_clock *clk = d->o->restore_clock;
	struct fd_retry retry = { 1000, 2000, 60000, 0 };
	struct cloud_op_info info;
	struct fd_error err = { 0 };
	unsigned attempt = 0, failed_ops = 0;
	double t0 = clock_wall();
	int rc = -1;

	phase_begin(d, "restore");
	d->restoring = true;
	/* From here on no signal cuts a wait of the provider short. */
	cloud_clock(d, clk);
	retry.deadline = clock_now(clk) +
	    (uint64_t)d->s->timeouts.restore_s * 1000;
	if (d->journal != NULL && journal_append(d->journal, "intent",
	    "enable", NULL, NULL, &err) < 0)
		log_warn("journal: %s", err.msg);
	if (watch_start(d, &d->watch.failback, &err) < 0)
		log_warn("failback timing not measured: %s", err.msg);
	/* IPv6 goes back to what preflight saw, never on if it was off. */
	if (d->s->azure.ipv6 && d->have_before &&
	    d->p->cloud->ipv6_restore != NULL)
		d->p->cloud->ipv6_restore(d->p->cloud_ctx,
		    d->before.peering_ipv6_state);
	memset(&info, 0, sizeof(info));
	for (;;) {
		int64_t delay;

		attempt++;
		fd_error_clear(&err);
		log_info("enabling peering %s of circuit %s (attempt %u)",
		    d->s->azure.peering, d->s->azure.circuit, attempt);
		rc = peering_write(d, true, clk, retry.deadline, &info, &err);
		if (rc == -EALREADY)
			rc = 0;	/* confirmed below */
		if (rc == 0)
			rc = peering_confirm(d, "Enabled", &err);
		if (rc == 0)
			break;
		log_warn("restore attempt %u: %s (%s)", attempt, err.msg,
		    err_kind_str(&err));
		/* Only an error the provider calls final (a 400, 403, an
		 * operation Failed with a code that does not pass) is
		 * given up on, after a few tries; ARM 5xx, throttling,
		 * another operation in progress, token endpoint trouble
		 * and unknown states are retried until restore_s. */
		if (err.kind == FD_ERR_FINAL &&
		    ++failed_ops > d->o->restore_failed_retries)
			break;
		delay = restore_delay(&retry, clk, attempt);
		if (delay < 0)
			break;
		clock_sleep(clk, (uint64_t)delay);
	}
	record_op(d, "enable", &info, rc == 0 ? "Succeeded" : "Failed", t0,
	    attempt);
	if (d->journal != NULL && journal_append(d->journal, "done", "enable",
	    rc == 0 ? "ok" : "error", rc == 0 ? info.request_id : err.msg,
	    NULL) < 0)
		log_warn("journal: could not record the enable outcome");
	if (rc < 0) {
		char msg[FD_ERROR_MSG];

		char rid[64];

		/* The request id goes first: the provider's message can be
		 * long enough to be cut at the end. */
		request_id_of(&err, &info, rid, sizeof(rid));
		snprintf(msg, sizeof(msg), "RESTORE FAILED: circuit %s peering "
		    "%s may still be Disabled (request id %s): %s",
		    d->s->azure.circuit, d->s->azure.peering, rid, err.msg);
		/* This headline wins over any earlier error. */
		snprintf(d->error, sizeof(d->error), "%s", msg);
		fd_error_set(&err, rc, "%s", msg);
		phase_error(d, &err);
	}
	phase_end(d);
	return rc;
}

static int
verify_restored(struct drill *d)
{
	const struct spec_expect *e = d->s->restored.set ? &d->s->restored :
	    &d->s->baseline;
	/* After a signal the report must still show whether traffic came
	 * back: wait on the restore clock (signals do not cut it short),
	 * at most a minute. */
	bool after_signal = d->interrupted;
	const struct fd_clock *clk = after_signal ? d->o->restore_clock :
	    d->o->clock;
	uint64_t wait_ms = (uint64_t)d->s->timeouts.converge_s * 1000, deadline,
	    settle;
	unsigned i;
	int rc;

	if (after_signal && wait_ms > 60000)
		wait_ms = 60000;
	d->judging = after_signal;
	deadline = clock_now(clk) + wait_ms;
	phase_begin(d, "verify-restored");
	/* Wait (bounded) for the paths to come back before judging. */
	while ((after_signal || !cancelled(d)) &&
	    check_paths(d, e, "restored", false) < 0 &&
	    clock_now(clk) < deadline)
		if (clock_sleep(clk, retrace_wait_ms(d)) < 0)
			break;
	/* And for BGP on both links, which comes back some time after the
	 * enable (the MSEE's routeTablesSummary), when it is judged. */
	for (i = 0; i < e->n_checks; i++)
		if (e->checks[i].kind == CHECK_AZ_LINKS)
			break;
	while (i < e->n_checks && (after_signal || !cancelled(d)) &&
	    clock_now(clk) < deadline) {
		struct fd_error err = { 0 };

		if (links_up(d, d->p->cloud_ctx, &err) == 0)
			break;
		log_info("verify-restored: waiting for the links: %s",
		    err.msg);
		if (clock_sleep(clk, retrace_wait_ms(d)) < 0)
			break;
	}
	/* Settle; with the failback watch running, long enough for it to
	 * see the primary path stable: stable_ms, plus one period of the
	 * paced TTL probe when that is the only path signal (tcp, udp);
	 * an icmp echo's every answer carries its reply TTL. */
	settle = (uint64_t)d->s->timeouts.settle_s * 1000;
	if (d->watch.failback.w != NULL) {
		uint64_t need = (uint64_t)d->s->converge.stable_ms;

		if (d->s->probes[d->watch.probe].method != PROBE_METHOD_ICMP)
			need += 2000;
		if (settle < need)
			settle = need;
	}
	if (after_signal) {
		if (settle > wait_ms)
			settle = wait_ms;
		clock_sleep(clk, settle);
	} else if (!cancelled(d) && clock_sleep(clk, settle) < 0) {
		cancelled(d);
	}
	check_paths(d, e, "restored", true);
	run_checks(d, e->checks, e->n_checks);
	watch_stop(d, &d->watch.failback, "failback", true);
	rc = phase_end(d);
	return rc;
}

static json_t *
doc_new(struct drill *d)
{
	const struct spec *s = d->s;
	json_t *paths = json_array(), *sets = json_object(), *doc;
	unsigned i;
	char a[FD_ADDR_STRLEN];

	for (i = 0; i < s->n_probes; i++)
		json_array_append_new(paths, json_pack(
		    "{s:s, s:s, s:s, s:{s:n, s:n, s:n}}", "probe",
		    s->probes[i].name, "target", addr_str(&s->probes[i].to, a,
		    sizeof(a)), "from", s->probes[i].from, "traces",
		    "baseline", "failover", "restored"));
	/* The spec's hop sets, so a report can name a hop's role. */
	for (i = 0; i < s->sets.n; i++) {
		json_t *pfx = json_array();
		char p[FD_PREFIX_STRLEN];
		unsigned k;

		for (k = 0; k < s->sets.sets[i].n; k++)
			json_array_append_new(pfx, json_string(prefix_str(
			    &s->sets.sets[i].prefixes[k], p, sizeof(p))));
		json_object_set_new(sets, s->sets.sets[i].name, pfx);
	}
	doc = json_pack("{s:s, s:{s:s, s:s}, s:{s:s, s:s, s:s, s:s, s:s, "
	    "s:s}, s:s, s:o, s:[], s:[], s:o, s:{s:n, s:n}, "
	    "s:{s:s, s:[]}, s:n}",
	    "schema", RESULT_SCHEMA,
	    "tool", "name", "failover-drill", "version", FD_VERSION,
	    "drill", "name", s->name, "spec", s->file, "subscription",
	    s->azure.subscription, "resource_group", s->azure.resource_group,
	    "circuit", s->azure.circuit, "peering", s->azure.peering,
	    "mode", d->o->dry_run ? "dry-run" : "run",
	    "started", json_time(clock_wall()),
	    "phases", "checks",
	    "paths", paths,
	    "convergence", "failover", "failback",
	    "azure", "correlation_id", d->o->correlation_id ?
	    d->o->correlation_id : "", "operations",
	    "journal");
	json_object_set_new(json_object_get(doc, "drill"), "hop_sets", sets);
	return doc;
}

/* result.json "outcome" (and the journal's end record) per exit status. */
static const char *const outcomes[] = {
	[DRILL_PASSED] = "passed",
	[DRILL_FAILED] = "failed",
	[DRILL_USAGE] = "failed",
	[DRILL_ABORTED] = "aborted",
	[DRILL_RESTORE_FAILED] = "restore-failed",
	[DRILL_UNCHECKED] = "unchecked",
};

static int
finish(struct drill *d, int code, double t_start)
{
	bool healthy;
	json_t *phases;
	size_t i;
	json_t *ph;

	json_object_set_new(d->doc, "finished", json_time(clock_wall()));
	json_object_set_new(d->doc, "duration_s",
	    json_real(clock_wall() - t_start));
	json_object_set_new(d->doc, "outcome", json_string(outcomes[code]));
	json_object_set_new(d->doc, "exit_code", json_integer(code));
	json_object_set_new(d->doc, "unfinished_journal",
	    json_boolean(d->unfinished_journal));
	json_object_set_new(d->doc, "error", d->error[0] ?
	    json_string(d->error) : json_null());
	/* The backup is healthy when preflight (the backup's own checks)
	 * passed; a real run also needs verify to have passed. */
	phases = json_object_get(d->doc, "phases");
	healthy = true;
	json_array_foreach(phases, i, ph) {
		const char *n = json_string_value(json_object_get(ph, "name"));
		const char *st = json_string_value(json_object_get(ph,
		    "status"));

		if (n == NULL || st == NULL)
			continue;
		if ((strcmp(n, "preflight") == 0 || strcmp(n, "verify") == 0 ||
		    strcmp(n, "converge") == 0) && strcmp(st, "ok") != 0)
			healthy = false;
	}
	if (json_array_size(phases) == 0 || (d->interrupted && !d->attempted) ||
	    code == DRILL_UNCHECKED)
		json_object_set_new(d->doc, "backup_healthy", json_null());
	else
		json_object_set_new(d->doc, "backup_healthy",
		    json_boolean(healthy));
	return code;
}

int
drill_run(const struct spec *s, struct drill_providers *p,
    const struct drill_opts *o, json_t **result, struct fd_error *err)
{
	struct drill d;
	struct drill_opts oo = *o;
	struct idle_clock ic, ric;
	struct fd_error e = { 0 };
	char jpath[PATH_MAX];
	double t_start = clock_wall();
	int lockfd = -1, code = DRILL_PASSED, rc;
	bool checking_only = true;	/* preflight and baseline only */
	unsigned i;

	memset(&d, 0, sizeof(d));
	d.s = s;
	d.p = p;
	/* Every wait keeps the device sessions alive. */
	idle_clock_init(&ic, o->clock, p);
	idle_clock_init(&ric, o->restore_clock, p);
	oo.clock = &ic.clock;
	oo.restore_clock = &ric.clock;
	d.o = &oo;
	d.doc = doc_new(&d);
	d.phases = json_object_get(d.doc, "phases");
	d.checks = json_object_get(d.doc, "checks");
	d.paths = json_object_get(d.doc, "paths");
	d.ops = json_object_get(json_object_get(d.doc, "azure"),
	    "operations");
	d.watch.probe = -1;
	if (s->timeouts.drill_s > 0)
		d.deadline = clock_now(o->clock) +
		    (uint64_t)s->timeouts.drill_s * 1000;

	rc = journal_lock(o->state_dir, &s->azure, &lockfd, &e);
	if (rc == 0) {
		journal_path(o->state_dir, &s->azure, jpath, sizeof(jpath));
		if (access(jpath, F_OK) == 0)
			rc = fd_error_set(&e, -EEXIST, "an unfinished drill "
			    "journal exists for circuit %s peering %s: %s; "
			    "finish it with 'failover-drill recover "
			    "--journal %s'", s->azure.circuit,
			    s->azure.peering, jpath, o->state_dir);
	}
	if (rc < 0) {
		snprintf(d.error, sizeof(d.error), "%s", e.msg);
		/* Another drill holds the lock, or one was interrupted and
		 * its peering may be disabled right now: could not check. */
		d.unfinished_journal = rc == -EEXIST;
		code = DRILL_UNCHECKED;
		goto out;
	}

	/* The reads before any change stop at once on a signal. */
	cloud_clock(&d, o->clock);
	if (preflight(&d) < 0 || cancelled(&d) || baseline(&d) < 0 ||
	    cancelled(&d)) {
		code = DRILL_ABORTED;
		goto out;
	}
	if (o->dry_run) {
		phase_skip(&d, "failover", "dry run");
		goto out;
	}
	checking_only = false;
	watch_setup(&d);
	if (failover(&d) == 0 && !cancelled(&d) && converge(&d) == 0 &&
	    !cancelled(&d))
		verify(&d);
	if (!d.attempted) {
		code = DRILL_ABORTED;
		goto out;
	}
	/* Every path after the disable attempt arrives here. */
	watch_stop(&d, &d.watch.failover, "failover", false);
	if (restore(&d) < 0) {
		code = DRILL_RESTORE_FAILED;
		goto out;
	}
	/* Also after a signal: bounded, so the report proves (or not)
	 * that traffic is back. */
	verify_restored(&d);
	watch_stop(&d, &d.watch.failback, "failback", true);
	/* A signal during the last step still makes the run unfinished:
	 * never exit 0 after one. */
	(void)cancelled(&d);
	if (d.failed > 0 || d.infra_error || d.interrupted)
		code = DRILL_FAILED;
out:
	/* No prober thread outlives the drill, whatever path got here. */
	watch_stop(&d, &d.watch.failover, "failover", false);
	watch_stop(&d, &d.watch.failback, "failback", true);
	if (code == DRILL_PASSED && (d.failed > 0 || d.infra_error ||
	    d.interrupted))
		code = DRILL_ABORTED;	/* dry run that did not pass */
	/* Nothing changed and nothing was found wrong, but something could
	 * not be read: exit 5, "could not check", not 3. */
	if (code == DRILL_ABORTED && checking_only && !d.interrupted &&
	    d.failed == d.unchecked && (d.unchecked > 0 || d.infra_error))
		code = DRILL_UNCHECKED;
	log_transition(d.phase ? d.phase : "start", "report");
	finish(&d, code, t_start);
	if (d.journal != NULL) {
		if (code == DRILL_RESTORE_FAILED) {
			/* Leave it for recover. */
			journal_free(d.journal);
		} else {
			char jp[PATH_MAX];

			snprintf(jp, sizeof(jp), "%s/journal.jsonl",
			    o->out_dir ? o->out_dir : ".");
			if (journal_finish(d.journal, outcomes[code],
			    o->out_dir ? jp : NULL, &e) < 0)
				log_warn("%s", e.msg);
			else if (o->out_dir != NULL)
				json_object_set_new(d.doc, "journal",
				    json_string(jp));
		}
	}
	journal_unlock(lockfd);
	for (i = 0; i < SPEC_MAX_PROBES; i++)
		hop_list_free(d.traces[i]);
	if (code != DRILL_PASSED)
		fd_error_set(err, -EBADMSG, "%s", d.error[0] ? d.error :
		    "drill did not pass");
	*result = d.doc;
	return code;
}

/* ------------------------------------------------------------ recover */

int
drill_recover(const struct journal_state *js, const struct cloud_ops *cloud,
    void *cloud_ctx, const struct fd_clock *clock, unsigned deadline_s,
    struct fd_error *err)
{
	struct fd_retry retry = { 1000, 2000, 60000, 0 };
	struct lro_policy pol;
	struct cloud_circuit cc;
	unsigned attempt = 0, final_errs = 0;
	const char *v6;
	int rc = 0;

	retry.deadline = clock_now(clock) + (uint64_t)deadline_s * 1000;
	lro_policy_default(&pol);
	pol.deadline = retry.deadline;
	/* IPv6 back to what the journal recorded before the drill (never on
	 * if it was off); only a drill with azure.ipv6 changed it. */
	v6 = js->azure.ipv6 ? js->ipv6_before : "";
	if (v6[0] != '\0' && cloud->ipv6_restore != NULL)
		cloud->ipv6_restore(cloud_ctx, v6);
	if (js->azure.ipv6 && js->state_before[0] == '\0')
		log_warn("journal %s records no IPv6 state (an older version "
		    "wrote it): IPv6 of peering %s is left as it is; check "
		    "its ipv6PeeringConfig.state", js->path, js->azure.peering);
	for (;;) {
		struct cloud_op_info info;
		struct cloud_op *op = NULL;
		int64_t delay;

		attempt++;
		rc = cloud->circuit(cloud_ctx, &cc, err);
		if (rc == 0 && strcasecmp(cc.peering_state, "Enabled") == 0 &&
		    strcasecmp(cc.peering_provisioning_state, "Succeeded") ==
		    0 && (v6[0] == '\0' || cc.peering_ipv6_state[0] == '\0' ||
		    strcasecmp(cc.peering_ipv6_state, v6) == 0)) {
			if (js->ipv6_before[0] != '\0' &&
			    strcasecmp(cc.peering_ipv6_state,
			    js->ipv6_before) != 0)
				log_warn("peering %s of circuit %s: IPv6 is "
				    "%s, it was %s before the drill",
				    js->azure.peering, js->azure.circuit,
				    cc.peering_ipv6_state, js->ipv6_before);
			return 0;
		}
		if (rc == 0) {
			log_info("peering %s of circuit %s is %s (IPv6 %s); "
			    "enabling%s%s", js->azure.peering,
			    js->azure.circuit, cc.peering_state,
			    cc.peering_ipv6_state[0] ? cc.peering_ipv6_state :
			    "not configured", v6[0] ? ", IPv6 back to " : "",
			    v6);
			rc = cloud->peering_set_begin(cloud_ctx, true, false,
			    &op, &info, err);
			if (rc == -EALREADY)
				rc = 0;
			else if (rc == 0) {
				rc = lro_wait(cloud, cloud_ctx, op, clock,
				    &pol, NULL, NULL, err);
				cloud->op_free(op);
			}
			if (rc == 0)
				continue;	/* confirm with a fresh GET */
		}
		log_warn("recover attempt %u: %s (%s)", attempt, err->msg,
		    err_kind_str(err));
		/* As restore: transient and unknown errors are retried
		 * until the deadline, a final one given up after 3 tries. */
		if (err->kind == FD_ERR_FINAL && ++final_errs > 2)
			break;
		delay = restore_delay(&retry, clock, attempt);
		if (delay < 0)
			break;
		clock_sleep(clock, (uint64_t)delay);
	}
	return fd_error_prefix(err, "RESTORE FAILED: circuit %s peering %s "
	    "may still be Disabled", js->azure.circuit, js->azure.peering);
}

/* ------------------------------------------------------------ plan */

static void
plan_checks(FILE *out, const struct spec_check *v, unsigned n)
{
	char name[160];
	unsigned i;

	for (i = 0; i < n; i++) {
		check_name(&v[i], name, sizeof(name));
		fprintf(out, "    read   %s\n", name);
	}
}

static void
plan_paths(FILE *out, const struct spec *s, const struct spec_expect *e)
{
	char buf[64], pats[512];
	unsigned i, k;

	for (i = 0; i < e->n_paths; i++) {
		const struct spec_probe *p = spec_probe(s, e->paths[i].probe);
		size_t off = 0;

		pats[0] = '\0';
		for (k = 0; k < e->paths[i].path.n; k++)
			off += (size_t)snprintf(pats + off, sizeof(pats) - off,
			    "%s%s", k ? " " : "", hop_pat_str(
			    &e->paths[i].path.pats[k], buf, sizeof(buf)));
		if (e->paths[i].path.n_avoid > 0)
			off += (size_t)snprintf(pats + off, sizeof(pats) - off,
			    "] avoiding [");
		for (k = 0; k < e->paths[i].path.n_avoid; k++)
			off += (size_t)snprintf(pats + off, sizeof(pats) - off,
			    "%s%s", k ? " " : "", hop_pat_str(
			    &e->paths[i].path.avoid[k], buf, sizeof(buf)));
		fprintf(out, "    trace  %s -> %s%s%s: expect [%s]%s\n",
		    e->paths[i].probe, p ? addr_str(&p->to, buf, sizeof(buf)) :
		    "?", p && p->from[0] ? " from " : "",
		    p && p->from[0] ? p->from : "", pats,
		    e->paths[i].path.reach ? "" : " unreachable");
	}
}

/* Does the spec trace or expect anything over IPv6 (a sign the peering
 * is dual-stack)? */
static bool
plan_has_ipv6(const struct spec *s)
{
	unsigned i, k;

	for (i = 0; i < s->n_probes; i++)
		if (s->probes[i].to.family == AF_INET6)
			return true;
	for (i = 0; i < s->sets.n; i++)
		for (k = 0; k < s->sets.sets[i].n; k++)
			if (s->sets.sets[i].prefixes[k].addr.family == AF_INET6)
				return true;
	return false;
}

void
drill_plan(const struct spec *s, bool dry_run, FILE *out)
{
	const struct azure_cfg *az = &s->azure;
	char peering[512];
	unsigned i;

	snprintf(peering, sizeof(peering), "/subscriptions/%s/resourceGroups/"
	    "%s/providers/Microsoft.Network/expressRouteCircuits/%s/peerings/"
	    "%s", az->subscription, az->resource_group, az->circuit,
	    az->peering);
	fprintf(out, "drill %s (%s)%s\n", s->name, s->file,
	    dry_run ? ", dry run" : "");
	if (!az->ipv6 && plan_has_ipv6(s))
		fprintf(out, "WARNING: the drill traces IPv6 but azure.ipv6 is "
		    "false: a dual-stack peering keeps its IPv6 on "
		    "ExpressRoute during the drill\n");
	else if (!az->ipv6)
		fprintf(out, "note: IPv6 is not toggled (azure.ipv6 false); "
		    "preflight warns if the peering is dual-stack\n");
	fprintf(out, "1. preflight (read-only)\n");
	fprintf(out, "    read   GET %s (circuit and peering state)\n",
	    peering);
	fprintf(out, "    read   GET /subscriptions/%s/resourceGroups/%s/"
	    "providers/Microsoft.Network/expressRouteCircuits/%s/providers/"
	    "Microsoft.Authorization/permissions (the principal may run the "
	    "drill)\n", az->subscription, az->resource_group, az->circuit);
	if (az->vpn_gateway[0] != '\0')
		fprintf(out, "    read   GET /subscriptions/%s/resourceGroups/"
		    "%s/providers/Microsoft.Network/virtualNetworkGateways/%s/"
		    "providers/Microsoft.Authorization/permissions\n",
		    az->subscription, az->resource_group, az->vpn_gateway);
	for (i = 0; i < s->n_devices; i++)
		fprintf(out, "    read   %s: ssh %s@%s:%u show version\n",
		    s->devices[i].name, s->devices[i].user,
		    s->devices[i].host, s->devices[i].port);
	plan_checks(out, s->preflight, s->n_preflight);
	fprintf(out, "2. baseline (read-only)\n");
	plan_paths(out, s, &s->baseline);
	plan_checks(out, s->baseline.checks, s->baseline.n_checks);
	if (dry_run) {
		fprintf(out, "writes: none (dry run)\n");
		return;
	}
	fprintf(out, "3. failover\n");
	fprintf(out, "    WRITE  PUT %s state=Disabled%s (If-Match: etag), "
	    "then follow the operation\n", peering, az->ipv6 ?
	    " ipv6PeeringConfig.state=Disabled" : "");
	fprintf(out, "4. converge: probe continuously at %u/s, re-trace "
	    "until the failover expectation holds (at most %u s), settle "
	    "%u s\n", s->converge.rate_hz, s->timeouts.converge_s,
	    s->timeouts.settle_s);
	fprintf(out, "5. verify\n");
	plan_paths(out, s, &s->failover);
	plan_checks(out, s->failover.checks, s->failover.n_checks);
	fprintf(out, "6. restore (always, also after a failure or signal; "
	    "retried for up to %u s)\n", s->timeouts.restore_s);
	fprintf(out, "    WRITE  PUT %s state=Enabled%s (If-Match: etag), "
	    "then follow the operation\n", peering, az->ipv6 ?
	    " ipv6PeeringConfig.state=<as before the drill, never Enabled "
	    "if it was Disabled>" : "");
	fprintf(out, "7. verify-restored\n");
	if (s->restored.set) {
		plan_paths(out, s, &s->restored);
		plan_checks(out, s->restored.checks, s->restored.n_checks);
	} else {
		plan_paths(out, s, &s->baseline);
		plan_checks(out, s->baseline.checks, s->baseline.n_checks);
	}
	fprintf(out, "writes: 2 (disable and enable of peering %s)\n",
	    az->peering);
}
