/* libFuzzer harness: junos_json_version(), then junos_xml_version(), then
 * junos_text_version(), as the provider falls back (see
 * fuzz_junos_common.h). */
#define FUZZ_JUNOS_KIND FJ_INFO
#include "fuzz_junos_common.h"

static int
fj_parse(int kind, const char *buf, size_t len, struct route_set *rs,
    struct bgp_summary *bs, struct hop_list *hl, struct device_info *info,
    struct fd_error *err)
{
	int rc;

	(void)kind;
	(void)rs;
	(void)bs;
	(void)hl;
	rc = junos_json_version(buf, len, info, err);
	if (rc < 0)
		rc = junos_xml_version(buf, len, info, err);
	if (rc < 0)
		rc = junos_text_version(buf, len, info, err);
	return rc;
}
