/* The drill spec's checks (preflight, per phase) and expectations; see
 * spec_priv.h and failover-drill.json(5). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spec_priv.h"

/* ------------------------------------------------------------ checks */

static const struct jw_field dev_adv_fields[] = {
	FCUSTOM("device", F_STR, true),
	FCUSTOM("advertised_to", F_STR, true),
	FSTR("table", struct spec_check, table, false),
	FCUSTOM("includes", F_ARR, false),
	FCUSTOM("excludes", F_ARR, false),
	FCUSTOM("as_path", F_STR, false),
};

static const struct jw_field dev_rcv_fields[] = {
	FCUSTOM("device", F_STR, true),
	FCUSTOM("received_from", F_STR, true),
	FSTR("table", struct spec_check, table, false),
	FCUSTOM("includes", F_ARR, false),
	FCUSTOM("excludes", F_ARR, false),
	FCUSTOM("as_path", F_STR, false),
};

static const struct jw_field dev_bgp_fields[] = {
	FCUSTOM("device", F_STR, true),
	FCUSTOM("bgp_established", F_ARR, true),
};

static const struct jw_field dev_route_fields[] = {
	FCUSTOM("device", F_STR, true),
	FCUSTOM("prefix", F_STR, true),
	FSTR("table", struct spec_check, table, false),
	FCUSTOM("active", F_OBJ, false),
	FCUSTOM("backup", F_ANY, false),
	FCUSTOM("absent", F_BOOL, false),
};

static const struct jw_field active_fields[] = {
	FSTR("protocol", struct route_expect, protocol, false),
	FSTR("as_path", struct route_expect, as_path, false),
	FCUSTOM("local_pref", F_UINT, false),
	FCUSTOM("next_hop", F_STR, false),
	FSTR("interface", struct route_expect, nh_iface, false),
};

static const struct jw_field backup_fields[] = {
	FSTR("protocol", struct route_expect, backup_protocol, false),
	FSTR("as_path", struct route_expect, backup_as_path, false),
	FSTR("interface", struct route_expect, backup_nh_iface, false),
};

static const struct jw_field az_learned_fields[] = {
	FCUSTOM("azure", F_STR, true),
	FCUSTOM("prefix", F_STR, false),
	FCUSTOM("next_hop", F_STR, false),
	FCUSTOM("as_path", F_STR, false),
	FCUSTOM("includes", F_ARR, false),
};

static const struct jw_field az_adv_fields[] = {
	FCUSTOM("azure", F_STR, true),
	FCUSTOM("peer", F_STR, true),
	FCUSTOM("includes", F_ARR, false),
	FCUSTOM("excludes", F_ARR, false),
	FCUSTOM("as_path", F_STR, false),
};

static const struct jw_field az_bgp_fields[] = {
	FCUSTOM("azure", F_STR, true),
	FCUSTOM("established", F_ARR, true),
};

static const struct jw_field az_circuit_fields[] = {
	FCUSTOM("azure", F_STR, true),
};

/* permissions, links, vpn_connections, no_link_failover_test: no
 * options. */
static const struct jw_field az_plain_fields[] = {
	FCUSTOM("azure", F_STR, true),
};

static void
copy_member(json_t *o, const char *key, char *dst, size_t size)
{
	json_t *v = jw_get_str(o, key);

	if (v != NULL)
		snprintf(dst, size, "%s", json_string_value(v));
}

/* includes / excludes / as_path of an advertised or received check. */
static void
parse_prefix_lists(struct jw_ctx *c, json_t *o, struct prefix_expect *pe,
    bool need)
{
	pe->n_includes = jw_member_prefixes(c, o, "includes", pe->includes,
	    PREFIX_LIST_MAX);
	pe->n_excludes = jw_member_prefixes(c, o, "excludes", pe->excludes,
	    PREFIX_LIST_MAX);
	copy_member(o, "as_path", pe->as_path, sizeof(pe->as_path));
	if (need && json_object_get(o, "includes") == NULL &&
	    json_object_get(o, "excludes") == NULL)
		jw_diag(c, AT_VALUE,
		    "the check states nothing: add includes or excludes");
}

static void
check_device_name(struct jw_ctx *c, json_t *o, struct spec_check *k)
{
	copy_member(o, "device", k->device, sizeof(k->device));
	if (jw_get_str(o, "device") && spec_device(vspec(c), k->device) == NULL)
		jw_key_diag(c, o, "device", "unknown device '%.64s'",
		    k->device);
}

static void
parse_route_check(struct jw_ctx *c, json_t *o, struct spec_check *k)
{
	struct route_expect *r = &k->route;
	json_t *act, *bk, *ab, *lp;
	struct jw_mark m;

	(void)jw_member_prefix(c, o, "prefix", &r->prefix);
	act = jw_get_typed(o, "active", JSON_OBJECT);
	bk = json_object_get(o, "backup");
	ab = json_object_get(o, "absent");
	if (act != NULL) {
		m = jw_push(c, "active");
		jw_unpack(c, act, active_fields, NFIELDS(active_fields), r,
		    false);
		lp = jw_get_typed(act, "local_pref", JSON_INTEGER);
		if (lp != NULL) {
			if (json_integer_value(lp) < 0 ||
			    json_integer_value(lp) > 4294967295LL)
				jw_key_diag(c, act, "local_pref",
				    "out of range (0..4294967295)");
			else
				r->local_pref = json_integer_value(lp);
		}
		if (jw_get_str(act, "next_hop") && jw_member_prefix(c, act,
		    "next_hop", &r->nh_addr))
			r->has_nh_addr = true;
		jw_pop(c, m);
	}
	if (bk != NULL) {
		m = jw_push(c, "backup");
		if (json_is_true(bk)) {
			r->backup = true;
		} else if (json_is_object(bk)) {
			r->backup = true;
			jw_unpack(c, bk, backup_fields, NFIELDS(backup_fields),
			    r, false);
		} else {
			jw_diag(c, AT_VALUE,
			    "must be true or an object, not %s",
			    jw_type_name(bk));
		}
		jw_pop(c, m);
	}
	if (json_is_true(ab)) {
		r->present = false;
		if (act != NULL || bk != NULL)
			jw_key_diag(c, o, "absent", "an absent route has no "
			    "active or backup route");
	}
}

static void
need_gateway(struct jw_ctx *c, json_t *o, const char *what)
{
	if (vspec(c)->azure.vpn_gateway[0] == '\0')
		jw_key_diag(c, o, "azure", "%s checks need azure.vpn_gateway",
		    what);
}

/*
 * One check object, at the current path.  route_only: from an expect
 * phase's "routes" list.  false when it could not be used.
 */
static bool
parse_check(struct jw_ctx *c, json_t *o, struct spec_check *k, bool route_only)
{
	static const char *const dev_keys[] = {
		"advertised_to", "received_from", "bgp_established", "prefix",
	};
	unsigned before = c->d->n, n_disc = 0;
	const char *disc = NULL, *az;
	size_t i;

	memset(k, 0, sizeof(*k));
	route_expect_init(&k->route);
	prefix_expect_init(&k->prefixes);
	if (!json_is_object(o)) {
		jw_diag(c, AT_VALUE, "a check must be an object, not %s",
		    jw_type_name(o));
		return false;
	}
	k->line = jw_cur_line(c);
	if (json_object_get(o, "device") != NULL &&
	    json_object_get(o, "azure") != NULL) {
		jw_diag(c, AT_VALUE, "a check has either 'device' or 'azure', "
		    "not both");
		return false;
	}
	if (json_object_get(o, "device") != NULL) {
		for (i = 0; i < NFIELDS(dev_keys); i++)
			if (json_object_get(o, dev_keys[i]) != NULL) {
				n_disc++;
				disc = dev_keys[i];
			}
		if (n_disc != 1) {
			jw_diag(c, AT_VALUE,
			    "a device check has exactly one of "
			    "advertised_to, received_from, bgp_established "
			    "or prefix");
			return false;
		}
		if (route_only && strcmp(disc, "prefix") != 0) {
			jw_diag(c, AT_VALUE, "'routes' holds route checks "
			    "(device and prefix); put this one in 'checks'");
			return false;
		}
		if (strcmp(disc, "advertised_to") == 0) {
			k->kind = CHECK_DEV_ADVERTISED;
			jw_unpack(c, o, dev_adv_fields, NFIELDS(dev_adv_fields),
			    k, false);
			(void)jw_member_addr(c, o, "advertised_to", &k->peer);
			parse_prefix_lists(c, o, &k->prefixes, true);
		} else if (strcmp(disc, "received_from") == 0) {
			k->kind = CHECK_DEV_RECEIVED;
			jw_unpack(c, o, dev_rcv_fields, NFIELDS(dev_rcv_fields),
			    k, false);
			(void)jw_member_addr(c, o, "received_from", &k->peer);
			parse_prefix_lists(c, o, &k->prefixes, true);
		} else if (strcmp(disc, "bgp_established") == 0) {
			k->kind = CHECK_DEV_BGP;
			jw_unpack(c, o, dev_bgp_fields, NFIELDS(dev_bgp_fields),
			    k, false);
			k->n_peers = jw_member_addrs(c, o, "bgp_established",
			    k->peers, SPEC_MAX_PEERS);
		} else {
			k->kind = CHECK_DEV_ROUTE;
			jw_unpack(c, o, dev_route_fields,
			    NFIELDS(dev_route_fields), k, false);
			parse_route_check(c, o, k);
		}
		check_device_name(c, o, k);
		return c->d->n == before;
	}
	if (json_object_get(o, "azure") == NULL) {
		jw_diag(c, AT_VALUE, "a check needs 'device' or 'azure'");
		return false;
	}
	if (!json_is_string(json_object_get(o, "azure"))) {
		jw_key_diag(c, o, "azure", "must be learned_routes, "
		    "advertised_routes, bgp_peers, circuit, permissions, "
		    "links, vpn_connections or no_link_failover_test");
		return false;
	}
	az = json_string_value(json_object_get(o, "azure"));
	if (route_only) {
		jw_diag(c, AT_VALUE, "'routes' holds route checks (device and "
		    "prefix); put this one in 'checks'");
		return false;
	}
	if (strcmp(az, "learned_routes") == 0) {
		k->kind = CHECK_AZ_LEARNED;
		jw_unpack(c, o, az_learned_fields, NFIELDS(az_learned_fields),
		    k, false);
		need_gateway(c, o, "learned_routes");
		if (json_object_get(o, "prefix") == NULL &&
		    json_object_get(o, "includes") == NULL)
			jw_diag(c, AT_VALUE, "a learned_routes check needs "
			    "prefix or includes");
		if (json_object_get(o, "prefix") == NULL &&
		    json_object_get(o, "next_hop") != NULL)
			jw_key_diag(c, o, "next_hop", "next_hop needs prefix");
		(void)jw_member_prefix(c, o, "prefix", &k->route.prefix);
		if (jw_member_prefix(c, o, "next_hop", &k->route.nh_addr))
			k->route.has_nh_addr = true;
		k->prefixes.n_includes = jw_member_prefixes(c, o, "includes",
		    k->prefixes.includes, PREFIX_LIST_MAX);
		copy_member(o, "as_path", json_object_get(o, "prefix") ?
		    k->route.as_path : k->prefixes.as_path,
		    sizeof(k->route.as_path));
	} else if (strcmp(az, "advertised_routes") == 0) {
		k->kind = CHECK_AZ_ADVERTISED;
		jw_unpack(c, o, az_adv_fields, NFIELDS(az_adv_fields), k,
		    false);
		need_gateway(c, o, "advertised_routes");
		(void)jw_member_addr(c, o, "peer", &k->peer);
		parse_prefix_lists(c, o, &k->prefixes, true);
	} else if (strcmp(az, "bgp_peers") == 0) {
		k->kind = CHECK_AZ_BGP;
		jw_unpack(c, o, az_bgp_fields, NFIELDS(az_bgp_fields), k,
		    false);
		need_gateway(c, o, "bgp_peers");
		k->n_peers = jw_member_addrs(c, o, "established", k->peers,
		    SPEC_MAX_PEERS);
	} else if (strcmp(az, "circuit") == 0) {
		k->kind = CHECK_AZ_CIRCUIT;
		jw_unpack(c, o, az_circuit_fields, NFIELDS(az_circuit_fields),
		    k, false);
	} else if (strcmp(az, "permissions") == 0) {
		k->kind = CHECK_AZ_PERMISSIONS;
		jw_unpack(c, o, az_plain_fields, NFIELDS(az_plain_fields), k,
		    false);
	} else if (strcmp(az, "links") == 0) {
		k->kind = CHECK_AZ_LINKS;
		jw_unpack(c, o, az_plain_fields, NFIELDS(az_plain_fields), k,
		    false);
	} else if (strcmp(az, "vpn_connections") == 0) {
		k->kind = CHECK_AZ_VPN;
		jw_unpack(c, o, az_plain_fields, NFIELDS(az_plain_fields), k,
		    false);
		need_gateway(c, o, "vpn_connections");
	} else if (strcmp(az, "no_link_failover_test") == 0) {
		k->kind = CHECK_AZ_LINK_TEST;
		jw_unpack(c, o, az_plain_fields, NFIELDS(az_plain_fields), k,
		    false);
	} else {
		jw_key_diag(c, o, "azure", "unknown Azure check '%.64s' "
		    "(learned_routes, advertised_routes, bgp_peers, circuit, "
		    "permissions, links, vpn_connections or "
		    "no_link_failover_test)", az);
		return false;
	}
	return c->d->n == before;
}

/* Append the checks of array a to v (max entries, *n so far). */
void
spec_parse_checks(struct jw_ctx *c, json_t *a, struct spec_check *v,
    unsigned *n, bool route_only)
{
	struct jw_mark m;
	json_t *o;
	size_t i;

	json_array_foreach(a, i, o) {
		m = jw_push_idx(c, i);
		if (*n >= SPEC_MAX_CHECKS) {
			jw_diag(c, AT_VALUE, "too many checks (at most %d per "
			    "phase)", SPEC_MAX_CHECKS);
			jw_pop(c, m);
			break;
		}
		if (parse_check(c, o, &v[*n], route_only))
			(*n)++;
		jw_pop(c, m);
	}
}

/* ------------------------------------------------------------ expect */

static const struct jw_field path_fields[] = {
	FCUSTOM("path", F_ARR, false),
	FCUSTOM("avoid", F_ARR, false),
	FBOOL("reach", struct path_expect, reach),
	FUINT("max_hops", struct path_expect, max_hops, 1, HOPS_MAX),
};

/* Parse the patterns of array key into pats; returns the count. */
static unsigned
parse_patterns(struct jw_ctx *c, json_t *o, const char *key,
    struct hop_pat *pats, unsigned max, bool avoid)
{
	json_t *a = jw_get_typed(o, key, JSON_ARRAY), *v;
	struct fd_error err;
	struct jw_mark m, mi;
	unsigned n = 0;
	size_t i;

	if (a == NULL)
		return 0;
	m = jw_push(c, key);
	if (json_array_size(a) == 0)
		jw_diag(c, AT_VALUE, "empty %s: leave the key out instead",
		    key);
	else if (json_array_size(a) > max)
		jw_diag(c, AT_VALUE, "at most %u patterns", max);
	json_array_foreach(a, i, v) {
		if (n >= max)
			break;
		mi = jw_push_idx(c, i);
		if (!json_is_string(v)) {
			jw_diag(c, AT_VALUE,
			    "a hop pattern is a string, not %s",
			    jw_type_name(v));
		} else if (hop_pat_parse(json_string_value(v), &pats[n],
		    &err) < 0 || hop_pat_check(&pats[n], &vspec(c)->sets,
		    &err) < 0) {
			jw_diag(c, AT_VALUE, "%s", err.msg);
		} else if (avoid && pats[n].kind != HOP_PAT_PREFIX &&
		    pats[n].kind != HOP_PAT_SET) {
			jw_diag(c, AT_VALUE, "avoid takes addresses, CIDRs and "
			    "@sets only");
		} else {
			n++;
		}
		jw_pop(c, mi);
	}
	jw_pop(c, m);
	return n;
}

static void
parse_path(struct jw_ctx *c, const char *probe, json_t *o,
    struct spec_expect *e)
{
	struct spec_path *sp = &e->paths[e->n_paths];
	struct path_expect *pe = &sp->path;

	memset(sp, 0, sizeof(*sp));
	snprintf(sp->probe, sizeof(sp->probe), "%s", probe);
	sp->line = jw_cur_line(c);
	pe->reach = true;
	jw_unpack(c, o, path_fields, NFIELDS(path_fields), pe, false);
	pe->n = parse_patterns(c, o, "path", pe->pats, PATH_MAX_PATS, false);
	pe->n_avoid = parse_patterns(c, o, "avoid", pe->avoid, PATH_MAX_AVOID,
	    true);
	e->n_paths++;
}

static const struct jw_field phase_fields[] = {
	FCUSTOM("routes", F_ARR, false),
	FCUSTOM("checks", F_ARR, false),
	FUINT("converge_within_s", struct spec_expect, converge_within_s, 1,
	    3600),
	FUINT("max_loss", struct spec_expect, max_loss, 1, 1000000),
};

static void
parse_phase(struct jw_ctx *c, json_t *o, struct spec_expect *e, bool failover)
{
	/* Only failover has the convergence keys. */
	size_t nf = failover ? NFIELDS(phase_fields) : 2, tried = 0;
	const char *k;
	json_t *v;
	struct jw_mark m;
	size_t i;

	memset(e, 0, sizeof(*e));
	jw_unpack(c, o, phase_fields, nf, e, true);
	json_object_foreach(o, k, v) {
		for (i = 0; i < nf && strcmp(k, phase_fields[i].key) != 0; i++)
			;
		if (i < nf)
			continue;
		m = jw_push(c, k);
		tried++;
		if (spec_probe(vspec(c), k) != NULL) {
			if (!json_is_object(v))
				jw_diag(c, AT_VALUE,
				    "a path expectation must be "
				    "an object, not %s", jw_type_name(v));
			else if (e->n_paths >= SPEC_MAX_PROBES)
				jw_diag(c, AT_KEY, "too many paths");
			else
				parse_path(c, k, v, e);
		} else if (!failover && (strcmp(k, "converge_within_s") == 0 ||
		    strcmp(k, "max_loss") == 0)) {
			jw_diag(c, AT_KEY, "only the failover phase has %s", k);
		} else if (json_is_object(v)) {
			jw_diag(c, AT_KEY,
			    "unknown probe '%.64s' (define it in probes)", k);
		} else {
			jw_unknown_key(c, k, phase_fields, nf);
		}
		jw_pop(c, m);
	}
	if ((v = jw_get_typed(o, "routes", JSON_ARRAY)) != NULL) {
		tried += json_array_size(v);
		m = jw_push(c, "routes");
		spec_parse_checks(c, v, e->checks, &e->n_checks, true);
		jw_pop(c, m);
	}
	if ((v = jw_get_typed(o, "checks", JSON_ARRAY)) != NULL) {
		tried += json_array_size(v);
		m = jw_push(c, "checks");
		spec_parse_checks(c, v, e->checks, &e->n_checks, false);
		jw_pop(c, m);
	}
	/* Count what the phase tried to say, so a broken check is reported
	 * once rather than also as "no expectations". */
	if (e->n_paths == 0 && e->n_checks == 0 && tried == 0)
		jw_diag(c, AT_VALUE,
		    "a phase needs at least one path or check");
	e->set = true;
}

static const struct jw_field expect_fields[] = {
	FCUSTOM("baseline", F_OBJ, true),
	FCUSTOM("failover", F_OBJ, true),
	FCUSTOM("restored", F_ANY, false),
};

void
spec_parse_expect(struct jw_ctx *c, json_t *o)
{
	struct spec *s = vspec(c);
	json_t *v;
	struct jw_mark m;

	jw_unpack(c, o, expect_fields, NFIELDS(expect_fields), NULL, false);
	if ((v = jw_get_typed(o, "baseline", JSON_OBJECT)) != NULL) {
		m = jw_push(c, "baseline");
		parse_phase(c, v, &s->baseline, false);
		jw_pop(c, m);
	}
	if ((v = jw_get_typed(o, "failover", JSON_OBJECT)) != NULL) {
		m = jw_push(c, "failover");
		parse_phase(c, v, &s->failover, true);
		jw_pop(c, m);
	}
	v = json_object_get(o, "restored");
	m = jw_push(c, "restored");
	if (v == NULL || (json_is_string(v) &&
	    strcmp(json_string_value(v), "baseline") == 0)) {
		s->restored = s->baseline;
	} else if (json_is_object(v)) {
		parse_phase(c, v, &s->restored, false);
	} else {
		jw_diag(c, AT_VALUE, "must be \"baseline\" or an object");
	}
	jw_pop(c, m);
}
