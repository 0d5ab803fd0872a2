/*
 * One line per model element, every field named, unknown numbers as "-".
 * Kept stable on purpose: the golden .ok files are compared byte for byte.
 */
#include <stdio.h>

#include "junos_render.h"

static void
num(FILE *f, const char *name, long long v)
{
	if (v < 0)
		fprintf(f, " %s=-", name);
	else
		fprintf(f, " %s=%lld", name, v);
}

void
render_routes(FILE *f, const struct route_set *s)
{
	char p[FD_PREFIX_STRLEN], a[FD_ADDR_STRLEN];
	size_t i;
	unsigned k;

	fprintf(f, "routes %zu\n", s->n);
	for (i = 0; i < s->n; i++) {
		const struct route *r = &s->v[i];

		fprintf(f, "%s %s %s %s", r->table[0] ? r->table : "-",
		    prefix_str(&r->prefix, p, sizeof(p)),
		    r->active ? "active" : "inactive",
		    r->protocol[0] ? r->protocol : "-");
		num(f, "pref", r->preference);
		num(f, "lp", r->local_pref);
		num(f, "med", r->med);
		num(f, "age", r->age_s);
		fprintf(f, " from=%s", addr_is_set(&r->from) ?
		    addr_str(&r->from, a, sizeof(a)) : "-");
		fprintf(f, " as=\"%s\"", r->as_path);
		fprintf(f, " nh=[");
		for (k = 0; k < r->n_nh; k++)
			fprintf(f, "%s%s%s%s%s", k ? " " : "",
			    r->nh[k].selected ? ">" : "",
			    addr_is_set(&r->nh[k].addr) ?
			    addr_str(&r->nh[k].addr, a, sizeof(a)) : "",
			    r->nh[k].iface[0] ? "%" : "", r->nh[k].iface);
		fprintf(f, "]\n");
	}
}

void
render_bgp(FILE *f, const struct bgp_summary *s)
{
	char a[FD_ADDR_STRLEN];
	size_t i;

	fprintf(f, "peers %zu\n", s->n);
	for (i = 0; i < s->n; i++) {
		const struct bgp_peer *p = &s->v[i];

		fprintf(f, "%s as=%lld state=%s instance=%s",
		    addr_str(&p->addr, a, sizeof(a)), p->peer_as,
		    p->state[0] ? p->state : "-",
		    p->instance[0] ? p->instance : "-");
		num(f, "active", p->active);
		num(f, "received", p->received);
		num(f, "accepted", p->accepted);
		num(f, "advertised", p->advertised);
		num(f, "flaps", p->flaps);
		num(f, "up", p->uptime_s);
		fprintf(f, "\n");
	}
}

void
render_hops(FILE *f, const struct hop_list *l)
{
	char a[FD_ADDR_STRLEN];
	unsigned i, k;

	fprintf(f, "trace source=%s target=%s reached=%s hops=%u\n",
	    l->source, addr_is_set(&l->target) ?
	    addr_str(&l->target, a, sizeof(a)) : "-",
	    l->reached ? "yes" : "no", l->n);
	for (i = 0; i < l->n; i++) {
		const struct hop *h = &l->hops[i];

		fprintf(f, "%u:", h->ttl);
		for (k = 0; k < h->n_probes; k++) {
			const struct hop_probe *pr = &h->probes[k];

			if (pr->answer < 0) {
				fprintf(f, " *");
				continue;
			}
			fprintf(f, " %s",
			    addr_str(&h->answers[pr->answer].addr, a,
			    sizeof(a)));
			if (h->answers[pr->answer].name[0])
				fprintf(f, "(%s)", h->answers[pr->answer].name);
			if (pr->rtt_ms >= 0)
				fprintf(f, "/%.3f", pr->rtt_ms);
			if (pr->flag[0])
				fprintf(f, "%s", pr->flag);
		}
		fprintf(f, "\n");
	}
}
