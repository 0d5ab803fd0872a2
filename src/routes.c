#include <ctype.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "routes.h"

void
route_init(struct route *r)
{
	memset(r, 0, sizeof(*r));
	r->preference = -1;
	r->local_pref = -1;
	r->med = -1;
	r->age_s = -1;
}

void
route_set_init(struct route_set *s)
{
	memset(s, 0, sizeof(*s));
}

void
route_set_done(struct route_set *s)
{
	if (s == NULL)
		return;
	free(s->v);
	memset(s, 0, sizeof(*s));
}

int
route_set_add(struct route_set *s, const struct route *r)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 16;
		struct route *v = realloc(s->v, cap * sizeof(*v));

		if (v == NULL)
			return -ENOMEM;
		s->v = v;
		s->cap = cap;
	}
	s->v[s->n++] = *r;
	return 0;
}

size_t
route_set_find(const struct route_set *s, const struct fd_prefix *p,
    size_t *idx, size_t max)
{
	size_t i, n = 0;

	for (i = 0; i < s->n; i++) {
		if (!prefix_equal(&s->v[i].prefix, p))
			continue;
		if (n < max)
			idx[n] = i;
		n++;
	}
	return n;
}

const struct route *
route_set_active(const struct route_set *s, const struct fd_prefix *p)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		if (s->v[i].active && prefix_equal(&s->v[i].prefix, p))
			return &s->v[i];
	return NULL;
}

void
bgp_peer_init(struct bgp_peer *p)
{
	memset(p, 0, sizeof(*p));
	p->peer_as = -1;
	p->received = p->accepted = p->active = p->advertised = -1;
	p->flaps = -1;
	p->uptime_s = -1;
}

void
bgp_summary_init(struct bgp_summary *s)
{
	memset(s, 0, sizeof(*s));
}

void
bgp_summary_done(struct bgp_summary *s)
{
	if (s == NULL)
		return;
	free(s->v);
	memset(s, 0, sizeof(*s));
}

int
bgp_summary_add(struct bgp_summary *s, const struct bgp_peer *p)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 8;
		struct bgp_peer *v = realloc(s->v, cap * sizeof(*v));

		if (v == NULL)
			return -ENOMEM;
		s->v = v;
		s->cap = cap;
	}
	s->v[s->n++] = *p;
	return 0;
}

const struct bgp_peer *
bgp_summary_find(const struct bgp_summary *s, const struct fd_addr *addr)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		if (addr_equal(&s->v[i].addr, addr))
			return &s->v[i];
	return NULL;
}

bool
bgp_peer_established(const struct bgp_peer *p)
{
	/* The BGP FSM's word; each provider maps its own ("Establ" of
	 * Junos text, Azure's "Connected") to it. */
	return strcmp(p->state, "Established") == 0;
}

/* ------------------------------------------------------------ AS paths */

bool
as_path_normalise(const char *in, char *out, size_t len)
{
	const char *t = in ? in : "";
	size_t o = 0;
	bool space = false;

	if (len == 0)
		return false;
	while (isspace((unsigned char)*t))
		t++;
	if (strncmp(t, "AS path:", 8) == 0)
		t += 8;
	for (; *t; t++) {
		char c = *t;

		/* Azure prints "65515-65020"; Junos "65515 65020 I". */
		if (c == '-' || isspace((unsigned char)c)) {
			space = o > 0;
			continue;
		}
		if (o + (space ? 2 : 1) >= len) {
			out[o] = '\0';
			return false;
		}
		if (space)
			out[o++] = ' ';
		space = false;
		out[o++] = c;
	}
	out[o] = '\0';
	return true;
}

bool
iface_glob_match(const char *glob, const char *name)
{
	return fnmatch(glob, name, 0) == 0;
}

/* ------------------------------------------------------------ expectations */

void
route_expect_init(struct route_expect *e)
{
	memset(e, 0, sizeof(*e));
	e->present = true;
	e->local_pref = -1;
}

void
prefix_expect_init(struct prefix_expect *e)
{
	memset(e, 0, sizeof(*e));
}

static bool
nh_iface_match(const struct route *r, const char *glob)
{
	unsigned i;

	for (i = 0; i < r->n_nh; i++)
		if ((r->n_nh == 1 || r->nh[i].selected) &&
		    iface_glob_match(glob, r->nh[i].iface))
			return true;
	return false;
}

static bool
nh_addr_match(const struct route *r, const struct fd_prefix *p)
{
	unsigned i;

	for (i = 0; i < r->n_nh; i++)
		if ((r->n_nh == 1 || r->nh[i].selected) &&
		    prefix_contains(p, &r->nh[i].addr))
			return true;
	return false;
}

void
route_desc(const struct route *r, char *buf, size_t len)
{
	char nh[FD_ADDR_STRLEN] = "";
	const char *ifn = "";

	if (r->n_nh > 0) {
		addr_str(&r->nh[0].addr, nh, sizeof(nh));
		ifn = r->nh[0].iface;
	}
	snprintf(buf, len, "%s AS path '%s' localpref %lld via %s%s%s",
	    r->protocol, r->as_path, r->local_pref, nh,
	    (*nh && *ifn) ? " " : "", ifn);
}

static int
route_attr_check(const struct route *r, const char *what, const char *proto,
    const char *as_path, long long lp, const char *iface,
    const struct fd_prefix *nh, char *why, size_t len)
{
	char want[ROUTE_ASPATH_MAX], got[ROUTE_ASPATH_MAX];

	if (proto[0] && strcasecmp(proto, r->protocol) != 0) {
		snprintf(why, len, "%s route is %s, expected %s", what,
		    r->protocol, proto);
		return -1;
	}
	if (as_path[0] && r->as_path_cut) {
		snprintf(why, len, "%s route AS path longer than %d characters "
		    "(not compared), expected '%s'", what, ROUTE_ASPATH_MAX - 1,
		    as_path);
		return -1;
	}
	if (as_path[0]) {
		as_path_normalise(as_path, want, sizeof(want));
		as_path_normalise(r->as_path, got, sizeof(got));
		if (strcmp(want, got) != 0) {
			snprintf(why, len, "%s route AS path '%s', expected "
			    "'%s'", what, got, want);
			return -1;
		}
	}
	if (lp >= 0 && r->local_pref != lp) {
		snprintf(why, len, "%s route local-pref %lld, expected %lld",
		    what, r->local_pref, lp);
		return -1;
	}
	if (iface[0] && !nh_iface_match(r, iface)) {
		snprintf(why, len, "%s route next hop interface %s, expected "
		    "%s", what, r->n_nh ? r->nh[0].iface : "(none)", iface);
		return -1;
	}
	if (nh != NULL && !nh_addr_match(r, nh)) {
		char a[FD_ADDR_STRLEN], p[FD_PREFIX_STRLEN];

		snprintf(why, len, "%s route next hop %s, expected %s", what,
		    r->n_nh ? addr_str(&r->nh[0].addr, a, sizeof(a)) :
		    "(none)", prefix_str(nh, p, sizeof(p)));
		return -1;
	}
	return 0;
}

int
routes_check(const struct route_expect *e, const struct route_set *s,
    struct fd_error *err)
{
	char p[FD_PREFIX_STRLEN], why[FD_ERROR_MSG], desc[200];
	const struct route *act;
	size_t idx[32], n, i;

	prefix_str(&e->prefix, p, sizeof(p));
	n = route_set_find(s, &e->prefix, idx, 32);
	if (!e->present) {
		if (n == 0)
			return 0;
		route_desc(&s->v[idx[0]], desc, sizeof(desc));
		return fd_error_set(err, -EBADMSG,
		    "%s: expected no route, found %s", p, desc);
	}
	if (n == 0)
		return fd_error_set(err, -ENODATA, "%s: no route", p);
	act = route_set_active(s, &e->prefix);
	if (act == NULL)
		return fd_error_set(err, -EBADMSG, "%s: no active route", p);
	if (route_attr_check(act, "active", e->protocol, e->as_path,
	    e->local_pref, e->nh_iface, e->has_nh_addr ? &e->nh_addr : NULL,
	    why, sizeof(why)) < 0) {
		route_desc(act, desc, sizeof(desc));
		return fd_error_set(err, -EBADMSG, "%s: %s (active: %s)", p,
		    why, desc);
	}
	if (!e->backup)
		return 0;
	why[0] = '\0';
	for (i = 0; i < n && i < 32; i++) {
		const struct route *r = &s->v[idx[i]];

		if (r->active)
			continue;
		if (route_attr_check(r, "backup", e->backup_protocol,
		    e->backup_as_path, -1, e->backup_nh_iface, NULL, why,
		    sizeof(why)) == 0)
			return 0;
	}
	return fd_error_set(err, -EBADMSG, "%s: no inactive backup route%s%s",
	    p, why[0] ? ": " : "", why);
}

int
prefixes_check(const struct prefix_expect *e, const struct route_set *s,
    struct fd_error *err)
{
	char p[FD_PREFIX_STRLEN], want[ROUTE_ASPATH_MAX], got[ROUTE_ASPATH_MAX];
	size_t idx[1];
	unsigned i;

	if (s->n == 0 && e->n_includes > 0)
		return fd_error_set(err, -ENODATA,
		    "no routes at all (expected %s and %u more)",
		    prefix_str(&e->includes[0], p, sizeof(p)),
		    e->n_includes - 1);
	for (i = 0; i < e->n_includes; i++) {
		if (route_set_find(s, &e->includes[i], idx, 1) == 0)
			return fd_error_set(err, -EBADMSG, "%s missing",
			    prefix_str(&e->includes[i], p, sizeof(p)));
		if (e->as_path[0]) {
			as_path_normalise(e->as_path, want, sizeof(want));
			as_path_normalise(s->v[idx[0]].as_path, got,
			    sizeof(got));
			if (strcmp(want, got) != 0)
				return fd_error_set(err, -EBADMSG,
				    "%s: AS path '%s', expected '%s'",
				    prefix_str(&e->includes[i], p, sizeof(p)),
				    got, want);
		}
	}
	for (i = 0; i < e->n_excludes; i++)
		if (route_set_find(s, &e->excludes[i], idx, 1) > 0)
			return fd_error_set(err, -EBADMSG,
			    "%s present but excluded",
			    prefix_str(&e->excludes[i], p, sizeof(p)));
	return 0;
}
