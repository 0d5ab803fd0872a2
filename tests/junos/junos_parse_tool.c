/*
 * junos_parse_tool KIND < output: parse Junos CLI output with one of the
 * provider's parsers and print the model as the golden files show it.
 * Used by emu_bird_test.sh (and handy when a device answers oddly).
 * KIND: json-routes xml-routes text-routes text-bgp-routes json-bgp
 * xml-bgp text-summary text-neighbor text-trace json-version text-version
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "junos/junos_parse.h"
#include "junos_render.h"

int
main(int argc, char **argv)
{
	struct route_set rs;
	struct bgp_summary bs;
	struct hop_list *hl = hop_list_new();
	struct device_info info;
	struct fd_error err = { 0 };
	char *buf = NULL;
	size_t len = 0, cap = 0, n;
	const char *k;
	int rc = -1;

	if (argc != 2 || hl == NULL) {
		fprintf(stderr, "usage: junos_parse_tool KIND < output\n");
		return 2;
	}
	k = argv[1];
	do {
		if (len + 65536 > cap) {
			cap = cap ? cap * 2 : 65536;
			buf = realloc(buf, cap);
			if (buf == NULL)
				return 1;
		}
		n = fread(buf + len, 1, cap - len, stdin);
		len += n;
	} while (n > 0);
	route_set_init(&rs);
	bgp_summary_init(&bs);
	if (strcmp(k, "json-routes") == 0)
		rc = junos_json_routes(buf, len, &rs, &err);
	else if (strcmp(k, "xml-routes") == 0)
		rc = junos_xml_routes(buf, len, &rs, &err);
	else if (strcmp(k, "text-routes") == 0)
		rc = junos_text_routes(buf, len, &rs, &err);
	else if (strcmp(k, "text-bgp-routes") == 0)
		rc = junos_text_bgp_routes(buf, len, &rs, &err);
	else if (strcmp(k, "json-bgp") == 0)
		rc = junos_json_bgp(buf, len, &bs, &err);
	else if (strcmp(k, "xml-bgp") == 0)
		rc = junos_xml_bgp(buf, len, &bs, &err);
	else if (strcmp(k, "text-summary") == 0)
		rc = junos_text_bgp_summary(buf, len, &bs, &err);
	else if (strcmp(k, "text-neighbor") == 0)
		rc = junos_text_bgp_neighbor(buf, len, &bs, &err);
	else if (strcmp(k, "text-trace") == 0)
		rc = junos_text_traceroute(buf, len, hl, &err);
	else if (strcmp(k, "json-version") == 0 ||
	    strcmp(k, "xml-version") == 0 ||
	    strcmp(k, "text-version") == 0) {
		rc = k[0] == 'j' ? junos_json_version(buf, len, &info, &err) :
		    k[0] == 'x' ? junos_xml_version(buf, len, &info, &err) :
		    junos_text_version(buf, len, &info, &err);
		if (rc == 0)
			printf("hostname=%s model=%s version=%s nodes=%s\n",
			    info.hostname, info.model, info.version,
			    info.nodes);
	} else {
		fprintf(stderr, "junos_parse_tool: unknown kind %s\n", k);
		return 2;
	}
	if (rc < 0) {
		printf("error %d: %s\n", rc, err.msg);
	} else if (strstr(k, "trace") != NULL) {
		render_hops(stdout, hl);
	} else if (strstr(k, "bgp") != NULL && strstr(k, "routes") == NULL) {
		render_bgp(stdout, &bs);
	} else if (strstr(k, "summary") != NULL ||
	    strstr(k, "neighbor") != NULL) {
		render_bgp(stdout, &bs);
	} else if (strstr(k, "version") == NULL) {
		render_routes(stdout, &rs);
	}
	route_set_done(&rs);
	bgp_summary_done(&bs);
	hop_list_free(hl);
	free(buf);
	return rc < 0 ? 1 : 0;
}
