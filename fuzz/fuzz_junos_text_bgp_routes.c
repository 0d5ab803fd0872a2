/* libFuzzer harness: junos_text_bgp_routes() (see fuzz_junos_common.h). */
#define FUZZ_JUNOS_KIND FJ_ROUTES
#include "fuzz_junos_common.h"

static int
fj_parse(int kind, const char *buf, size_t len, struct route_set *rs,
    struct bgp_summary *bs, struct hop_list *hl, struct device_info *info,
    struct fd_error *err)
{
	(void)kind;
	(void)rs;
	(void)bs;
	(void)hl;
	(void)info;
	return junos_text_bgp_routes(buf, len, rs, err);
}
