/*
 * Route and BGP state as read from a device (Junos) or from Azure (gateway
 * learned/advertised routes, BGP peer status), and the expectations a spec
 * states about them.  Plain growable arrays; the caller owns them and
 * releases them with *_done().
 */
#ifndef FD_ROUTES_H
#define FD_ROUTES_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"
#include "netaddr.h"

#define ROUTE_MAX_NH 8
#define ROUTE_TABLE_MAX 64
#define ROUTE_PROTO_MAX 24
/* A path of 200 four-byte ASNs fits; longer ones are flagged, never
 * compared (struct route as_path_cut). */
#define ROUTE_ASPATH_MAX 2048
#define ROUTE_IFACE_MAX 32

struct route_nh {
	struct fd_addr addr;		/* unset for an interface-only next hop */
	char iface[ROUTE_IFACE_MAX];	/* "st0.0", "ge-0/0/1.0" or "" */
	bool selected;			/* Junos ">" / selected-next-hop */
};

/* One path of a destination (Junos prints several per destination; the
 * active one is marked).  Unknown numbers are -1. */
struct route {
	struct fd_prefix prefix;
	char table[ROUTE_TABLE_MAX];	/* "Cust11.inet.0", "" if unknown */
	char protocol[ROUTE_PROTO_MAX];	/* "BGP", "Static", "Direct", "EBgp"... */
	bool active;
	long preference;
	long long local_pref;
	long long med;
	/* AS path as Junos prints it after the path attributes are stripped:
	 * "65515 I", "12076 65020 ?", "I" for a local route.  Azure's
	 * "65515-65020" style is converted to "65515 65020" (no origin). */
	char as_path[ROUTE_ASPATH_MAX];
	/* The device's AS path did not fit as_path (or its line was cut):
	 * as_path holds the start of it and no AS-path check passes. */
	bool as_path_cut;
	struct fd_addr from;		/* BGP peer the path was learned from */
	long long age_s;
	unsigned n_nh;
	struct route_nh nh[ROUTE_MAX_NH];
};

struct route_set {
	size_t n, cap;
	struct route *v;
};

void route_init(struct route *r);	/* numbers -1, strings "" */
/* "BGP AS path '65515 I' localpref 100 via 10.17.11.76 st0.0" */
void route_desc(const struct route *r, char *buf, size_t len);
void route_set_init(struct route_set *s);
void route_set_done(struct route_set *s);
/* Append a copy of r. */
int route_set_add(struct route_set *s, const struct route *r);
/* All routes for exactly this prefix, in order: fills idx (up to max),
 * returns the count found. */
size_t route_set_find(const struct route_set *s, const struct fd_prefix *p,
    size_t *idx, size_t max);
/* The active route for a prefix, or NULL. */
const struct route *route_set_active(const struct route_set *s,
    const struct fd_prefix *p);

/* ---- BGP neighbours ---- */

#define BGP_STATE_MAX 24
#define BGP_INSTANCE_MAX 64

struct bgp_peer {
	struct fd_addr addr;
	long long peer_as;
	char state[BGP_STATE_MAX];	/* "Established", "Active", "Idle", ... */
	char instance[BGP_INSTANCE_MAX];	/* routing instance or "" */
	long long received, accepted, active, advertised;	/* -1 unknown */
	long long flaps;
	long long uptime_s;
};

struct bgp_summary {
	size_t n, cap;
	struct bgp_peer *v;
};

void bgp_peer_init(struct bgp_peer *p);
void bgp_summary_init(struct bgp_summary *s);
void bgp_summary_done(struct bgp_summary *s);
int bgp_summary_add(struct bgp_summary *s, const struct bgp_peer *p);
const struct bgp_peer *bgp_summary_find(const struct bgp_summary *s,
    const struct fd_addr *addr);
bool bgp_peer_established(const struct bgp_peer *p);

/* ---- Expectations ---- */

/* Expectation about the routes for one prefix on one device.  Fields left
 * at their "unset" value (-1, "", false for has_*) are not checked. */
struct route_expect {
	struct fd_prefix prefix;
	bool present;			/* default true; false: no route at all */
	char protocol[ROUTE_PROTO_MAX];
	char as_path[ROUTE_ASPATH_MAX];	/* exact after whitespace folding */
	long long local_pref;
	char nh_iface[ROUTE_IFACE_MAX];	/* glob: "st0.*" */
	bool has_nh_addr;
	struct fd_prefix nh_addr;	/* address or CIDR */
	/* A second, inactive route must exist (the passive backup), and
	 * optionally match these. */
	bool backup;
	char backup_protocol[ROUTE_PROTO_MAX];
	char backup_as_path[ROUTE_ASPATH_MAX];
	char backup_nh_iface[ROUTE_IFACE_MAX];
};

void route_expect_init(struct route_expect *e);

/* 0 when the routes match, -EBADMSG with the reason otherwise,
 * -ENODATA when the set is empty and a route was expected. */
int routes_check(const struct route_expect *e, const struct route_set *s,
    struct fd_error *err);

/* Prefix-set expectation for advertised/received routes. */
#define PREFIX_LIST_MAX 32
struct prefix_expect {
	unsigned n_includes, n_excludes;
	struct fd_prefix includes[PREFIX_LIST_MAX];
	struct fd_prefix excludes[PREFIX_LIST_MAX];
	char as_path[ROUTE_ASPATH_MAX];	/* optional: every included one */
};

void prefix_expect_init(struct prefix_expect *e);
int prefixes_check(const struct prefix_expect *e, const struct route_set *s,
    struct fd_error *err);

/* Normalise an AS path for comparison: fold whitespace, strip Junos'
 * "AS path: " prefix and aggregator/atomic noise, map Azure's "a-b-c" to
 * "a b c".  Writes to out. */
/* False when in did not fit out (out then holds its start). */
bool as_path_normalise(const char *in, char *out, size_t len);

/* fnmatch(3)-style glob for interface names. */
bool iface_glob_match(const char *glob, const char *name);

#endif
