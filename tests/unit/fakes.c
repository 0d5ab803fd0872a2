#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fakes.h"

#define BASELINE "10.1.11.1, 192.168.11.0, 192.168.11.18, *, 10.17.11.132"
#define FAILOVER "10.1.11.1, *, 10.17.11.132"

void
fake_world_init(struct fake_world *w)
{
	memset(w, 0, sizeof(*w));
	w->vc.now = 1000000;
	clock_init_virtual(&w->clock, &w->vc, &w->cancel);
	clock_init_virtual(&w->rclock, &w->vc, NULL);
	w->enabled = true;
	w->was_enabled = true;
	w->thread = pthread_self();
}

static int step_locked(struct fake_world *w, const char *name,
    struct fd_error *err);

static pthread_mutex_t step_lock = PTHREAD_MUTEX_INITIALIZER;

/* Count a provider call and apply an injected fault.  The engine calls
 * devices and Azure from several threads at once. */
static int
step(struct fake_world *w, const char *name, struct fd_error *err)
{
	int rc;

	pthread_mutex_lock(&step_lock);
	if (strncmp(name, "device ", 7) == 0) {
		w->dev_thread = pthread_self();
		w->dev_thread_set = true;
	}
	rc = step_locked(w, name, err);
	pthread_mutex_unlock(&step_lock);
	return rc;
}

static int
step_locked(struct fake_world *w, const char *name, struct fd_error *err)
{
	w->steps++;
	snprintf(w->last_step, sizeof(w->last_step), "%s", name);
	if (w->down_prefix != NULL &&
	    strncmp(name, w->down_prefix, strlen(w->down_prefix)) == 0)
		return fd_error_set(err, -EHOSTUNREACH, "%s", w->down_msg);
	if (w->fail_at == 0 || w->steps != w->fail_at)
		return 0;
	switch (w->fault) {
	case FAULT_ERROR:
		return fd_error_set(err, -EIO, "injected error at step %u (%s)%s%s",
		    w->steps, name, w->fault_msg ? ": " : "",
		    w->fault_msg ? w->fault_msg : "");
	case FAULT_TIMEOUT:
		return fd_error_set(err, -ETIMEDOUT,
		    "injected timeout at step %u (%s)", w->steps, name);
	case FAULT_SIGNAL:
		w->cancel = 1;
		return 0;
	default:
		return 0;
	}
}

/* ------------------------------------------------------------ cloud */

struct cloud_op {
	bool enable;
	unsigned polls_left;
};

static int
c_open(const struct azure_cfg *cfg, const struct fd_clock *clock,
    const char *corr, void **ctx, struct fd_error *err)
{
	(void)cfg; (void)clock; (void)corr; (void)err; (void)ctx;
	return 0;
}

static struct fake_world *cur;	/* the ctx pointers below point at it */

/* ARM down (arm_down_ms): what arm_call reports after its retries. */
static int
arm_down(struct fake_world *w, struct fd_error *err)
{
	if (w->arm_down_until == 0 || w->vc.now >= w->arm_down_until)
		return 0;
	w->arm_down_calls++;
	fd_error_set(err, -EIO, "ARM GET peering: HTTP 503: no ARM error "
	    "body (request id none)");
	return fd_error_kind_set(err, FD_ERR_TRANSIENT);
}

static int
c_circuit(void *ctx, struct cloud_circuit *out, struct fd_error *err)
{
	struct fake_world *w = ctx;
	int rc = step(w, "cloud circuit", err);

	if (rc == 0)
		rc = arm_down(w, err);
	if (rc < 0)
		return rc;
	memset(out, 0, sizeof(*out));
	out->ready = true;
	out->peering = w->enabled ? CLOUD_STATE_ENABLED : CLOUD_STATE_DISABLED;
	out->peering_settled = true;
	out->lease_found = w->lease_found;
	snprintf(out->lease, sizeof(out->lease), "%s", w->lease);
	return 0;
}

static int
c_lease_set(void *ctx, const char *value, struct cloud_op_info *info,
    struct fd_error *err)
{
	struct fake_world *w = ctx;
	int rc = step(w, "cloud lease set", err);

	w->lease_set_step = w->steps;
	if (rc == 0)
		rc = arm_down(w, err);
	memset(info, 0, sizeof(*info));
	snprintf(info->request_id, sizeof(info->request_id), "rid-lease-%u",
	    w->steps);
	if (rc < 0) {
		fd_error_request_id(err, info->request_id);
		return rc;
	}
	info->http_status = 200;
	w->lease_sets++;
	w->lease_found = true;
	snprintf(w->lease, sizeof(w->lease), "%s", w->lease_thief ?
	    w->lease_thief : value);
	return 0;
}

static int
c_lease_clear(void *ctx, const char *value, struct cloud_op_info *info,
    struct fd_error *err)
{
	struct fake_world *w = ctx;
	int rc = step(w, "cloud lease clear", err);

	w->lease_clear_step = w->steps;
	if (rc == 0)
		rc = arm_down(w, err);
	memset(info, 0, sizeof(*info));
	snprintf(info->request_id, sizeof(info->request_id), "rid-lease-%u",
	    w->steps);
	if (rc == 0 && w->lease_clear_fails) {
		info->http_status = 403;
		rc = fd_error_set(err, -EACCES, "ARM PATCH tags: 403 "
		    "AuthorizationFailed (request id %s)", info->request_id);
		fd_error_request_id(err, info->request_id);
	}
	if (rc < 0)
		return rc;
	info->http_status = 200;
	w->lease_clears++;
	/* Delete by name and value, as Tags_UpdateAtScope. */
	if (w->lease_found && strcmp(w->lease, value) == 0) {
		w->lease_found = false;
		w->lease[0] = '\0';
	}
	return 0;
}

static int
c_set_begin(void *ctx, bool enabled, bool force, struct cloud_op **out,
    struct cloud_op_info *info, struct fd_error *err)
{
	struct fake_world *w = ctx;
	struct cloud_op *op;
	int rc = step(w, enabled ? "cloud enable" : "cloud disable", err);

	(void)force;
	if (w->first_write_step == 0)
		w->first_write_step = w->steps;
	if (enabled && w->arm_down_ms > 0 && w->arm_down_until == 0)
		w->arm_down_until = w->vc.now + w->arm_down_ms;
	if (rc == 0)
		rc = arm_down(w, err);
	if (rc < 0)
		return rc;
	if (!enabled && w->disable_refused) {
		/* As arm_call: a 4xx on the only attempt. */
		fd_error_set(err, -EACCES, "ARM PUT peering: "
		    "AuthorizationFailed: no write permission (request id "
		    "req-403)");
		err->unchanged = true;
		return fd_error_kind_set(err, FD_ERR_FINAL);
	}
	if (w->enabled == enabled)
		return fd_error_set(err, -EALREADY, "already in that state");
	/* As the azure provider: a GET of the peering, then the PUT, whose
	 * send time is info->sent_ms. */
	w->vc.now += w->get_ms;
	info->sent_ms = w->vc.now;
	w->writes++;
	op = calloc(1, sizeof(*op));
	op->enable = enabled;
	op->polls_left = 2;
	info->http_status = 200;
	snprintf(info->request_id, sizeof(info->request_id), "req-%u",
	    w->writes);
	*out = op;
	return 0;
}

static int
c_poll(void *ctx, struct cloud_op *op, struct cloud_poll *out,
    struct fd_error *err)
{
	struct fake_world *w = ctx;
	int rc = step(w, "cloud poll", err);

	if (rc == 0)
		rc = arm_down(w, err);
	if (rc < 0)
		return rc;
	memset(out, 0, sizeof(*out));
	if (op->polls_left > 0) {
		op->polls_left--;
		out->retry_after_ms = 2000;
		snprintf(out->status, sizeof(out->status), "InProgress");
		return 0;
	}
	if (op->enable && w->enable_always_fails) {
		/* The request id only in its typed field: the engine must
		 * not need it in the text. */
		fd_error_set(err, -EIO, "ARM PUT peering: operation "
		    "Failed: InvalidRequestFormat%s%s",
		    w->fault_msg ? ": " : "", w->fault_msg ? w->fault_msg : "");
		fd_error_request_id(err, "req-x");
		return fd_error_kind_set(err, FD_ERR_FINAL);
	}
	if (w->enabled != op->enable) {
		w->was_enabled = w->enabled;
		w->enabled = op->enable;
		w->changed_at = w->vc.now;
		*(op->enable ? &w->enabled_at : &w->disabled_at) = w->vc.now;
	}
	out->done = true;
	snprintf(out->status, sizeof(out->status), "Succeeded");
	return 0;
}

static void
c_op_free(struct cloud_op *op)
{
	free(op);
}

static void
add_route(struct route_set *rs, const char *pfx, const char *as_path)
{
	struct route r;

	route_init(&r);
	prefix_parse(pfx, &r.prefix, NULL);
	snprintf(r.as_path, sizeof(r.as_path), "%s", as_path);
	snprintf(r.protocol, sizeof(r.protocol), "BGP");
	r.active = true;
	route_set_add(rs, &r);
}

static int
c_learned(void *ctx, struct route_set *out, struct fd_error *err)
{
	struct fake_world *w = ctx;
	struct route r;
	int rc = step(w, "cloud learned", err);

	if (rc < 0)
		return rc;
	route_init(&r);
	prefix_parse("10.1.11.0/25", &r.prefix, NULL);
	addr_parse("192.168.11.88", &r.nh[0].addr, NULL);
	r.n_nh = 1;
	snprintf(r.as_path, sizeof(r.as_path), "65020");
	route_set_add(out, &r);
	return 0;
}

static int
c_advertised(void *ctx, const struct fd_addr *peer, struct route_set *out,
    struct fd_error *err)
{
	struct fake_world *w = ctx;
	int rc = step(w, "cloud advertised", err);

	(void)peer;
	if (rc < 0)
		return rc;
	add_route(out, "10.17.11.0/25", "65515");
	add_route(out, "10.17.11.128/26", "65515");
	return 0;
}

static int
c_bgp(void *ctx, struct bgp_summary *out, struct fd_error *err)
{
	struct fake_world *w = ctx;
	struct bgp_peer p;
	int rc = step(w, "cloud bgp", err);

	if (rc < 0)
		return rc;
	bgp_peer_init(&p);
	addr_parse("192.168.11.88", &p.addr, NULL);
	snprintf(p.state, sizeof(p.state), "Established");
	bgp_summary_add(out, &p);
	return 0;
}

static void
c_close(void *ctx)
{
	(void)ctx;
}

static const struct cloud_ops fake_cloud_ops = {
	.name = "fake",
	.open = c_open,
	.circuit = c_circuit,
	.lease_set = c_lease_set,
	.lease_clear = c_lease_clear,
	.peering_set_begin = c_set_begin,
	.op_poll = c_poll,
	.op_free = c_op_free,
	.learned_routes = c_learned,
	.advertised_routes = c_advertised,
	.bgp_peers = c_bgp,
	.close = c_close,
};

/* ------------------------------------------------------------ device */

static int
d_info(void *ctx, struct device_info *out, struct fd_error *err)
{
	struct fake_world *w = ctx;
	int rc = step(w, "device info", err);

	if (rc < 0)
		return rc;
	memset(out, 0, sizeof(*out));
	snprintf(out->model, sizeof(out->model), "srx345");
	return 0;
}

static void
fw_route(struct route_set *out, bool active, const char *as_path, long lp,
    const char *iface, const char *nh)
{
	struct route r;

	route_init(&r);
	prefix_parse("10.17.11.0/25", &r.prefix, NULL);
	snprintf(r.protocol, sizeof(r.protocol), "BGP");
	snprintf(r.as_path, sizeof(r.as_path), "%s", as_path);
	r.local_pref = lp;
	r.active = active;
	r.n_nh = 1;
	r.nh[0].selected = true;
	addr_parse(nh, &r.nh[0].addr, NULL);
	snprintf(r.nh[0].iface, sizeof(r.nh[0].iface), "%s", iface);
	route_set_add(out, &r);
}

static int
d_routes(void *ctx, const char *table, const struct fd_prefix *pfx,
    struct route_set *out, struct fd_error *err)
{
	struct fake_world *w = ctx;
	int rc = step(w, "device routes", err);

	(void)table; (void)pfx;
	if (rc < 0)
		return rc;
	if (w->enabled) {
		fw_route(out, true, "12076 I", 150, "ge-0/0/1.0",
		    "192.168.11.0");
		if (!w->vpn_broken)
			fw_route(out, false, "65515 I", 100, "st0.0",
			    "10.17.11.76");
	} else if (!w->vpn_broken) {
		fw_route(out, true, "65515 I", 100, "st0.0", "10.17.11.76");
	}
	return 0;
}

static int
d_adv(void *ctx, const struct fd_addr *nbr, const char *table,
    struct route_set *out, struct fd_error *err)
{
	struct fake_world *w = ctx;
	int rc = step(w, "device advertised", err);

	(void)nbr; (void)table;
	if (rc < 0)
		return rc;
	if (!w->vpn_broken)
		add_route(out, "10.1.11.0/25", "I");
	return 0;
}

static int
d_rcv(void *ctx, const struct fd_addr *nbr, const char *table,
    struct route_set *out, struct fd_error *err)
{
	struct fake_world *w = ctx;
	int rc = step(w, "device received", err);

	(void)nbr; (void)table;
	if (rc < 0)
		return rc;
	add_route(out, "10.17.11.0/25", "65515 I");
	add_route(out, "10.17.11.128/26", "65515 I");
	return 0;
}

static int
d_bgp(void *ctx, const char *instance, struct bgp_summary *out,
    struct fd_error *err)
{
	struct fake_world *w = ctx;
	struct bgp_peer p;
	int rc = step(w, "device bgp", err);

	(void)instance;
	if (rc < 0)
		return rc;
	bgp_peer_init(&p);
	addr_parse("10.17.11.76", &p.addr, NULL);
	snprintf(p.state, sizeof(p.state), "Established");
	bgp_summary_add(out, &p);
	addr_parse("10.17.11.77", &p.addr, NULL);
	snprintf(p.state, sizeof(p.state), "%s", w->vpn_broken ? "Active" :
	    "Established");
	bgp_summary_add(out, &p);
	return 0;
}

static int
d_trace(void *ctx, const struct fd_addr *to, const char *ri,
    struct hop_list *out, struct fd_error *err)
{
	struct fake_world *w = ctx;
	int rc = step(w, "device trace", err);

	(void)to; (void)ri;
	if (rc < 0)
		return rc;
	return hop_list_parse(w->enabled ? BASELINE : FAILOVER, out, err);
}

static int
d_open(const struct device_cfg *cfg, void **ctx, struct fd_error *err)
{
	(void)cfg; (void)ctx; (void)err;
	return 0;
}

/* Not a provider step: no fault is injected here. */
static void
d_idle(void *ctx)
{
	struct fake_world *w = ctx;

	w->idle_calls++;
	w->idle_last = w->vc.now;
	if (!pthread_equal(pthread_self(), w->thread))
		w->idle_off_thread = true;
}

/* Not a provider step either: the engine's phase changes, logged. */
static void
d_record(void *ctx, const char *dir, struct device_replies *budget)
{
	struct fake_world *w = ctx;
	size_t n = strlen(w->record_log);

	snprintf(w->record_log + n, sizeof(w->record_log) - n, "%s%s ",
	    dir != NULL ? dir : "-", budget != NULL ? "" : "(no budget)");
	/* The drill's thread between phases, or the thread querying the
	 * device, between its queries (a query read ahead for a later
	 * phase); never a third. */
	pthread_mutex_lock(&step_lock);
	if (!pthread_equal(pthread_self(), w->thread) &&
	    !(w->dev_thread_set && pthread_equal(pthread_self(),
	    w->dev_thread)))
		w->record_off_thread = true;
	pthread_mutex_unlock(&step_lock);
}

static const struct device_ops fake_device_ops = {
	.kind = "junos",
	.open = d_open,
	.info = d_info,
	.routes = d_routes,
	.advertised = d_adv,
	.received = d_rcv,
	.bgp_summary = d_bgp,
	.traceroute = d_trace,
	.idle = d_idle,
	.record = d_record,
	.close = c_close,
};

/* ------------------------------------------------------------ probe */

struct probe_watch {
	uint64_t start;
	struct watch_req req;
};

static int
p_trace(void *ctx, const struct fd_addr *to, struct hop_list *out,
    struct fd_error *err)
{
	struct fake_world *w = ctx;
	int rc = step(w, "probe trace", err);

	bool en = w->enabled;

	(void)to;
	pthread_mutex_lock(&step_lock);
	if (w->n_traces < FAKE_TRACES)
		w->trace_at[w->n_traces++] = w->vc.now;
	pthread_mutex_unlock(&step_lock);
	if (rc < 0)
		return rc;
	if (w->vc.now < w->changed_at + w->trace_lag_ms)
		en = w->was_enabled;
	if (en && w->limited_traces > 0) {
		w->limited_traces--;
		rc = hop_list_parse("10.1.11.1, 192.168.11.0, *, *, "
		    "10.17.11.132", out, err);
		if (rc == 0)
			out->hops[2].rate_limited = true;
		return rc;
	}
	return hop_list_parse(en ? BASELINE : FAILOVER, out, err);
}

static int
p_watch_begin(void *ctx, const struct watch_req *req, struct probe_watch **out,
    struct fd_error *err)
{
	struct fake_world *w = ctx;
	struct probe_watch *pw;
	int rc = step(w, "probe watch begin", err);

	if (w->watch_step == 0)
		w->watch_step = w->steps;

	if (rc < 0)
		return rc;
	pw = calloc(1, sizeof(*pw));
	pw->start = w->vc.now;
	pw->req = *req;
	*out = pw;
	return 0;
}

/* Samples every 1/rate s from start to now, from index from on; the TTL
 * probe answers from the MSEE while the peering is (was) enabled, one
 * probe lost around the change (watch_lag_ms after it). */
static void
p_samples(struct fake_world *w, const struct probe_watch *pw, size_t from,
    struct watch_samples *out)
{
	uint64_t t, dt = 1000 / (pw->req.rate_hz ? pw->req.rate_hz : 20),
	    at = w->changed_at + w->watch_lag_ms;
	size_t i = 0;

	for (t = pw->start; t < w->vc.now; t += dt, i++) {
		struct watch_sample s;
		bool en = t < at ? w->was_enabled : w->enabled;

		if (t >= w->changed_at + w->watch_flap_from &&
		    t < w->changed_at + w->watch_flap_to)
			en = w->was_enabled;

		if (i < from)
			continue;
		memset(&s, 0, sizeof(s));
		s.t_ms = t;
		s.e2e_reply = !(t >= at && t < at + dt);
		s.rtt_ms = 1.0;
		s.ttl_reply = s.e2e_reply;
		addr_parse(en ? "192.168.11.18" : "10.17.11.132", &s.ttl_from,
		    NULL);
		watch_samples_add(out, &s);
	}
}

static int
p_watch_end(void *ctx, struct probe_watch *pw, struct watch_samples *out,
    struct fd_error *err)
{
	struct fake_world *w = ctx;
	int rc = step(w, "probe watch end", err);

	if (rc < 0) {
		free(pw);
		return rc;
	}
	p_samples(w, pw, 0, out);
	free(pw);
	return 0;
}

/* Not a scripted step: the engine looks every 20 ms while it waits. */
static int
p_watch_peek(void *ctx, struct probe_watch *pw, size_t from,
    struct watch_samples *out, struct fd_error *err)
{
	struct fake_world *w = ctx;

	(void)err;
	w->peeks++;
	p_samples(w, pw, from, out);
	return 0;
}

/* Not a scripted step either. */
static unsigned
p_trace_ready_ms(void *ctx)
{
	struct fake_world *w = ctx;
	uint64_t at;

	pthread_mutex_lock(&step_lock);
	at = w->n_traces > 0 ? w->trace_at[w->n_traces - 1] +
	    w->trace_refill_ms : 0;
	pthread_mutex_unlock(&step_lock);
	return at > w->vc.now ? (unsigned)(at - w->vc.now) : 0;
}

static int
p_reach(void *ctx, const struct watch_req *req, unsigned count,
    unsigned *answered, struct fd_error *err)
{
	struct fake_world *w = ctx;

	(void)req; (void)err;
	*answered = w->target_silent ? 0 : count;
	return 0;
}

static int
p_open(const struct probe_cfg *cfg, void **ctx, struct fd_error *err)
{
	(void)cfg; (void)ctx; (void)err;
	return 0;
}

static const struct probe_ops fake_probe_ops = {
	.name = "native",
	.open = p_open,
	.trace = p_trace,
	.watch_begin = p_watch_begin,
	.watch_end = p_watch_end,
	.watch_peek = p_watch_peek,
	.trace_ready_ms = p_trace_ready_ms,
	.reach = p_reach,
	.close = c_close,
};

void
fake_providers(struct fake_world *w, struct drill_providers *p,
    const struct spec *s)
{
	unsigned i;

	cur = w;
	memset(p, 0, sizeof(*p));
	p->cloud = &fake_cloud_ops;
	p->cloud_ctx = w;
	for (i = 0; i < s->n_devices; i++) {
		p->dev[i] = &fake_device_ops;
		p->dev_ctx[i] = w;
	}
	p->probe = &fake_probe_ops;
	p->probe_ctx = w;
}

/* ------------------------------------------------------------ spec */

static void
add_pats(struct path_expect *e, const char *const *pats, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		hop_pat_parse(pats[i], &e->pats[e->n++], NULL);
}

void
fake_seed_spec(struct spec *s)
{
	static const char *const base[] = { "10.1.11.1", "@ce", "@msee", "*",
		"10.17.11.132" };
	static const char *const fo[] = { "10.1.11.1", "...",
		"10.17.11.132" };
	struct spec_check *c;
	struct spec_path *sp;

	memset(s, 0, sizeof(*s));
	snprintf(s->file, sizeof(s->file), "seed.json");
	snprintf(s->name, sizeof(s->name), "seed");
	snprintf(s->azure.subscription, sizeof(s->azure.subscription), "sub");
	snprintf(s->azure.resource_group, sizeof(s->azure.resource_group),
	    "SEA-Cust11");
	snprintf(s->azure.circuit, sizeof(s->azure.circuit), "SEA-Cust11-ER");
	snprintf(s->azure.peering, sizeof(s->azure.peering),
	    "AzurePrivatePeering");
	s->n_devices = 1;
	snprintf(s->devices[0].name, sizeof(s->devices[0].name), "fw");
	snprintf(s->devices[0].kind, sizeof(s->devices[0].kind), "junos");
	snprintf(s->devices[0].routing_instance,
	    sizeof(s->devices[0].routing_instance), "Cust11");
	s->sets.n = 2;
	snprintf(s->sets.sets[0].name, HOPSET_NAME_MAX, "msee");
	s->sets.sets[0].n = 2;
	prefix_parse("192.168.11.16/30", &s->sets.sets[0].prefixes[0], NULL);
	prefix_parse("192.168.11.20/30", &s->sets.sets[0].prefixes[1], NULL);
	snprintf(s->sets.sets[1].name, HOPSET_NAME_MAX, "ce");
	s->sets.sets[1].n = 2;
	prefix_parse_host("192.168.11.0", &s->sets.sets[1].prefixes[0], NULL);
	prefix_parse_host("192.168.11.2", &s->sets.sets[1].prefixes[1], NULL);
	s->n_probes = 1;
	snprintf(s->probes[0].name, SPEC_NAME_MAX, "onprem-to-spoke");
	addr_parse("10.17.11.132", &s->probes[0].to, NULL);
	s->probes[0].watch = true;

	c = &s->preflight[s->n_preflight++];
	c->kind = CHECK_DEV_ADVERTISED;
	snprintf(c->device, sizeof(c->device), "fw");
	addr_parse("10.17.11.76", &c->peer, NULL);
	c->prefixes.n_includes = 1;
	prefix_parse("10.1.11.0/25", &c->prefixes.includes[0], NULL);
	c = &s->preflight[s->n_preflight++];
	c->kind = CHECK_DEV_BGP;
	snprintf(c->device, sizeof(c->device), "fw");
	c->n_peers = 2;
	addr_parse("10.17.11.76", &c->peers[0], NULL);
	addr_parse("10.17.11.77", &c->peers[1], NULL);
	c = &s->preflight[s->n_preflight++];
	c->kind = CHECK_AZ_LEARNED;
	route_expect_init(&c->route);
	prefix_parse("10.1.11.0/25", &c->route.prefix, NULL);
	c->route.has_nh_addr = true;
	prefix_parse_host("192.168.11.88", &c->route.nh_addr, NULL);
	c = &s->preflight[s->n_preflight++];
	c->kind = CHECK_DEV_ROUTE;
	snprintf(c->device, sizeof(c->device), "fw");
	route_expect_init(&c->route);
	prefix_parse("10.17.11.0/25", &c->route.prefix, NULL);
	c->route.backup = true;
	snprintf(c->route.backup_as_path, ROUTE_ASPATH_MAX, "65515 I");

	s->baseline.set = true;
	sp = &s->baseline.paths[s->baseline.n_paths++];
	snprintf(sp->probe, sizeof(sp->probe), "onprem-to-spoke");
	sp->path.reach = true;
	add_pats(&sp->path, base, 5);
	c = &s->baseline.checks[s->baseline.n_checks++];
	c->kind = CHECK_DEV_ROUTE;
	snprintf(c->device, sizeof(c->device), "fw");
	route_expect_init(&c->route);
	prefix_parse("10.17.11.0/25", &c->route.prefix, NULL);
	snprintf(c->route.as_path, ROUTE_ASPATH_MAX, "12076 I");
	c->route.local_pref = 150;

	s->failover.set = true;
	sp = &s->failover.paths[s->failover.n_paths++];
	snprintf(sp->probe, sizeof(sp->probe), "onprem-to-spoke");
	sp->path.reach = true;
	add_pats(&sp->path, fo, 3);
	hop_pat_parse("@msee", &sp->path.avoid[sp->path.n_avoid++], NULL);
	c = &s->failover.checks[s->failover.n_checks++];
	c->kind = CHECK_DEV_ROUTE;
	snprintf(c->device, sizeof(c->device), "fw");
	route_expect_init(&c->route);
	prefix_parse("10.17.11.0/25", &c->route.prefix, NULL);
	snprintf(c->route.as_path, ROUTE_ASPATH_MAX, "65515 I");
	snprintf(c->route.nh_iface, ROUTE_IFACE_MAX, "st0.*");
	s->failover.converge_within_s = 10;

	s->timeouts.operation_s = 900;
	s->timeouts.converge_s = 120;
	s->timeouts.settle_s = 5;
	s->timeouts.restore_s = 1800;
	s->timeouts.drill_s = 3600;
	s->converge.rate_hz = 20;
	s->converge.stable_ms = 3000;
}
