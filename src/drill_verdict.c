/*
 * What a check's reads mean: the verdict on a device's or Azure's answer
 * against the spec, and the evidence a record keeps.  Pure over what was
 * read, but for the Azure reads themselves (azure_verdict_on(), on the
 * context it is given, any thread; drill_checks.c runs them).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collect.h"
#include "drill_priv.h"

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


/* Judge a device check on what its job collected. */
int
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
json_t *
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

/* The provider's verdict on the circuit (ready for a peering write) and
 * the peering: Enabled, no operation running or failed on it. */
static int
circuit_healthy(struct drill *d, const struct cloud_circuit *cc,
    struct fd_error *err)
{
	if (!cc->ready)
		return fd_error_set(err, -EBADMSG, "%s", cc->not_ready);
	if (cc->peering != CLOUD_STATE_ENABLED)
		return fd_error_set(err, -EBADMSG, "peering %s is %s, not "
		    "%s", d->s->azure.peering, cloud_state_str(cc->peering),
		    cloud_state_str(CLOUD_STATE_ENABLED));
	if (!cc->peering_settled)
		return fd_error_set(err, -EBADMSG, "peering %s is %s, not "
		    "settled", d->s->azure.peering, cc->peering_status);
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

/* The circuit (its peerASN names the CE neighbour), on a context of its
 * own beside the summaries. */
struct circuit_read {
	const struct cloud_ops *c;
	void *ctx;
	struct cloud_circuit cc;
	struct fd_error err;
	int rc;
};

static void *
circuit_read_run(void *arg)
{
	struct circuit_read *r = arg;

	r->rc = r->c->circuit(r->ctx, &r->cc, &r->err);
	return NULL;
}

int
links_up(struct drill *d, void *ctx, struct fd_error *err)
{
	static const char *const links[] = { "Primary", "Secondary" };
	const struct cloud_ops *c = d->p->cloud;
	struct circuit_read cr;
	const struct cloud_circuit *ccp = &cr.cc;
	struct link_read r[2];
	char bad[FD_ERROR_MSG] = "", a[FD_ADDR_STRLEN];
	void *more, *more_cc = NULL;
	size_t off = 0;
	unsigned i;
	pthread_t th, th_cc;
	bool threaded = false, threaded_cc = false;
	int rc;

	if (c->link_summary == NULL)
		return fd_error_set(err, -ENOSYS, "the cloud provider cannot "
		    "read the links' route table summaries");
	memset(&cr, 0, sizeof(cr));
	cr.c = c;
	cr.ctx = ctx;
	/* Both links' summaries are operations of their own (each waits
	 * ARM's Retry-After): read them at the same time, and the circuit
	 * beside them when a third context is to be had (issue 9: the GET
	 * first cost every links check a round trip). */
	more = cloud_ctx_more(d);
	if (more != NULL && (more_cc = cloud_ctx_more(d)) != NULL) {
		cr.ctx = more_cc;
		threaded_cc = pthread_create(&th_cc, NULL, circuit_read_run,
		    &cr) == 0;
	}
	if (!threaded_cc) {
		cr.ctx = ctx;
		circuit_read_run(&cr);
		if (cr.rc < 0) {
			cloud_ctx_done(d, more);
			cloud_ctx_done(d, more_cc);
			*err = cr.err;
			return cr.rc;
		}
	}
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
	cloud_ctx_done(d, more);
	if (threaded_cc)
		pthread_join(th_cc, NULL);
	cloud_ctx_done(d, more_cc);
	if (cr.rc < 0) {
		for (i = 0; i < 2; i++)
			bgp_summary_done(&r[i].sum);
		*err = cr.err;
		return cr.rc;
	}
	for (i = 0; i < 2; i++) {
		const struct bgp_summary *sum = &r[i].sum;
		const struct bgp_peer *ce = NULL;
		char why[FD_ERROR_MSG] = "";
		size_t k;

		rc = r[i].rc;
		for (k = 0; rc == 0 && k < sum->n && ce == NULL; k++)
			if (ccp->peer_asn >= 0 ? sum->v[k].peer_as ==
			    ccp->peer_asn : sum->v[k].peer_as != 65515)
				ce = &sum->v[k];
		if (rc < 0)
			snprintf(why, sizeof(why), "%s", r[i].err.msg);
		else if (ce == NULL)
			snprintf(why, sizeof(why), "no CE neighbour (AS %lld) "
			    "among its %zu BGP neighbour(s)", ccp->peer_asn,
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
int
azure_verdict_on(struct drill *d, void *ctx, const struct spec_check *c,
    bool keep_before, struct fd_error *err)
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
		if (rc == 0 && keep_before) {
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
