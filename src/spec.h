/*
 * The drill spec: the parsed, validated form of a drill JSON file.
 * Grammar and every key: man/failover-drill.json.5.
 *
 * spec_load() validates strictly (unknown keys, wrong types, bad
 * addresses, dangling @sets and names) and reports every error it finds
 * with file:line:column.
 */
#ifndef FD_SPEC_H
#define FD_SPEC_H

#include <limits.h>
#include <stdbool.h>

#include "error.h"
#include "hops.h"
#include "provider.h"
#include "routes.h"
#include "spec_diag.h"
#include "window.h"

#define SPEC_NAME_MAX 64
#define SPEC_MAX_DEVICES 16
#define SPEC_MAX_PROBES 16
#define SPEC_MAX_CHECKS 32
#define SPEC_MAX_PEERS 8

struct spec_probe {
	char name[SPEC_NAME_MAX];
	struct fd_addr to;
	/* "" = traced natively from where failover-drill runs; otherwise the
	 * name of a device that runs the traceroute (Junos "traceroute ...
	 * routing-instance RI"). */
	char from[SPEC_NAME_MAX];
	/* Watched continuously during converge (default true for the first
	 * probe traced natively, false for the others unless set). */
	bool watch;
	/* End-to-end probe while watched and in preflight: "icmp" (echo,
	 * default), "tcp" (connect to port), "udp" (port-unreachable). */
	enum probe_method method;
	unsigned port;			/* tcp: required */
	unsigned line;
};

enum check_kind {
	CHECK_DEV_ADVERTISED,	/* {"device","advertised_to","includes",...} */
	CHECK_DEV_RECEIVED,	/* {"device","received_from","includes",...} */
	CHECK_DEV_BGP,		/* {"device","bgp_established":[peers]} */
	CHECK_DEV_ROUTE,	/* {"device","prefix","active":{},"backup":{}} */
	CHECK_AZ_LEARNED,	/* {"azure":"learned_routes","prefix","next_hop"}
				 * or "includes" */
	CHECK_AZ_ADVERTISED,	/* {"azure":"advertised_routes","peer",
				 * "includes"} */
	CHECK_AZ_BGP,		/* {"azure":"bgp_peers","established":[...]} */
	CHECK_AZ_CIRCUIT,	/* {"azure":"circuit"}: Provisioned/Enabled,
				 * peering Enabled + Succeeded */
	CHECK_AZ_PERMISSIONS,	/* {"azure":"permissions"}: the principal
				 * may do what a drill does */
	CHECK_AZ_LINKS,		/* {"azure":"links"}: the CE neighbour of
				 * the Primary and the Secondary link up
				 * with prefixes (routeTablesSummary) */
	CHECK_AZ_VPN,		/* {"azure":"vpn_connections"}: connections
				 * and tunnels Connected, a BGP peer per
				 * active-active instance */
	CHECK_AZ_LINK_TEST,	/* {"azure":"no_link_failover_test"}: no
				 * Microsoft link-failover test running */
};

struct spec_check {
	enum check_kind kind;
	unsigned line;			/* of the check's object in the spec */
	char device[SPEC_NAME_MAX];	/* CHECK_DEV_* */
	char table[ROUTE_TABLE_MAX];	/* "" = the device's instance table */
	struct fd_addr peer;		/* advertised_to / received_from / peer */
	unsigned n_peers;		/* *_BGP */
	struct fd_addr peers[SPEC_MAX_PEERS];
	struct prefix_expect prefixes;	/* includes / excludes / as_path */
	/* CHECK_DEV_ROUTE; for CHECK_AZ_LEARNED: prefix, has_nh_addr and
	 * as_path of a learned route that must exist. */
	struct route_expect route;
};

struct spec_path {
	char probe[SPEC_NAME_MAX];
	struct path_expect path;
	unsigned line;
};

struct spec_expect {
	bool set;
	unsigned n_paths;
	struct spec_path paths[SPEC_MAX_PROBES];
	unsigned n_checks;
	struct spec_check checks[SPEC_MAX_CHECKS];	/* "routes" and "checks" */
	unsigned converge_within_s;	/* failover: 0 = not checked */
	unsigned max_loss;		/* failover: probes; 0 = not checked */
};

struct spec_timeouts {
	unsigned operation_s;		/* one ARM peering operation, 900 */
	unsigned converge_s;		/* wait for the path to switch, 120 */
	unsigned settle_s;		/* extra wait before verify, 5 */
	unsigned restore_s;		/* restore's own deadline, 1800 */
	unsigned drill_s;		/* whole drill before restore, 3600 */
};

struct spec_converge {
	unsigned rate_hz;		/* probes/s per watched target, 100 */
	unsigned stable_ms;		/* on the new path this long = stable,
					 * 3000 */
};

struct spec {
	char file[PATH_MAX];
	char name[SPEC_NAME_MAX];
	char description[256];
	bool change_required;		/* run needs --change ID */
	/* The same, as issue 14 spells it (require_change_id); folded into
	 * change_required when the spec is read. */
	bool require_change_id;
	struct window_spec window;	/* "window": when run may start */
	struct azure_cfg azure;
	unsigned n_devices;
	struct device_cfg devices[SPEC_MAX_DEVICES];
	struct hop_sets sets;		/* "hops": {"msee": [...], ...} */
	struct probe_cfg probe;		/* "trace": native tracer settings */
	unsigned n_probes;
	struct spec_probe probes[SPEC_MAX_PROBES];
	unsigned n_preflight;
	struct spec_check preflight[SPEC_MAX_CHECKS];
	struct spec_expect baseline, failover, restored;
	struct spec_timeouts timeouts;
	struct spec_converge converge;
};

/* 0, or -EINVAL with every problem in diags (printed by the front end as
 * "file:line:column: message"), or -errno when the file cannot be read. */
int spec_load(const char *path, struct spec **out, struct spec_diags *diags);
int spec_load_buffer(const char *buf, size_t len, const char *name,
    struct spec **out, struct spec_diags *diags);
void spec_free(struct spec *s);

const struct device_cfg *spec_device(const struct spec *s, const char *name);
const struct spec_probe *spec_probe(const struct spec *s, const char *name);

/* Defaults for every optional key (also used by the man page example
 * test). */
void spec_defaults(struct spec *s);

/*
 * The path classes of a probe, from the spec alone: primary = failover
 * "avoid" members and the baseline path's addresses/@sets that the failover
 * path does not name; backup = the failover path's addresses/@sets that the
 * baseline path does not name.  Returns primary->n + backup->n (0: nothing
 * tells the paths apart).
 */
unsigned spec_watch_classes(const struct spec *s, const char *probe,
    struct hop_set *primary, struct hop_set *backup);

#endif
