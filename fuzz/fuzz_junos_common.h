/*
 * Body shared by the Junos parser harnesses: run one parser of
 * providers/junos/junos_parse.h (FUZZ_JUNOS_KIND), then check what the
 * callers rely on: an error says why and leaves the output untouched; a
 * success gives well-formed routes, peers or hops.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "junos/junos_parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum { FJ_ROUTES, FJ_BGP, FJ_HOPS, FJ_INFO };

static int
fj_parse(int kind, const char *buf, size_t len, struct route_set *rs,
    struct bgp_summary *bs, struct hop_list *hl, struct device_info *info,
    struct fd_error *err);

static void
fj_check_routes(const struct route_set *s)
{
	size_t i;
	unsigned k;

	for (i = 0; i < s->n; i++) {
		const struct route *r = &s->v[i];

		if (r->prefix.addr.family != AF_INET &&
		    r->prefix.addr.family != AF_INET6)
			abort();
		if (r->n_nh > ROUTE_MAX_NH ||
		    memchr(r->table, '\0', sizeof(r->table)) == NULL ||
		    memchr(r->as_path, '\0', sizeof(r->as_path)) == NULL)
			abort();
		for (k = 0; k < r->n_nh; k++)
			if (!addr_is_set(&r->nh[k].addr) &&
			    r->nh[k].iface[0] == '\0')
				abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct hop_list hl;
	struct route_set rs;
	struct bgp_summary bs;
	struct device_info info;
	struct fd_error err = { 0 };
	int kind = FUZZ_JUNOS_KIND, rc;
	size_t i;

	route_set_init(&rs);
	bgp_summary_init(&bs);
	hop_list_init(&hl);
	memset(&info, 0, sizeof(info));
	rc = fj_parse(kind, (const char *)data, size, &rs, &bs, &hl, &info,
	    &err);
	if (rc < 0) {
		if (rc != err.code || err.msg[0] == '\0' || rs.n != 0 ||
		    bs.n != 0 || hl.n != 0)
			abort();
	} else if (rc != 0) {
		abort();
	}
	fj_check_routes(&rs);
	for (i = 0; i < bs.n; i++)
		if (!addr_is_set(&bs.v[i].addr))
			abort();
	if (rc == 0 && kind == FJ_HOPS) {
		if (hl.n == 0 || hl.n > HOPS_MAX)
			abort();
		for (i = 1; i < hl.n; i++)
			if (hl.hops[i].ttl <= hl.hops[i - 1].ttl)
				abort();
	}
	route_set_done(&rs);
	bgp_summary_done(&bs);
	return 0;
}
