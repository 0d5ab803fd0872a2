/*
 * Golden tests: every Junos file of $FD_REFERENCE/outputs/junos is parsed
 * and its model rendered (junos_render.c) and compared with
 * tests/golden/junos/<file>.ok.  Files we deliberately do not read must
 * give a clean error, recorded as "error <code>" in their .ok.
 *
 * FD_GOLDEN_UPDATE=1 rewrites the .ok files (then review them by hand
 * against the raw outputs before committing).
 */
#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "junos/junos_parse.h"
#include "junos_render.h"
#include "testutil.h"

enum kind {
	K_JSON_ROUTES, K_JSON_BGP, K_XML_ROUTES, K_XML_BGP, K_XML_TRACE,
	K_TEXT_ROUTES, K_TEXT_BGP_ROUTES, K_TEXT_SUMMARY, K_TEXT_NEIGHBOR,
	K_TEXT_TRACE, K_TEXT_MONITOR, K_JSON_VERSION, K_XML_VERSION,
	K_TEXT_VERSION,
};

struct golden {
	const char *file;
	enum kind kind;
	int want;	/* 0, or the error code a deliberate refusal gives */
};

static const struct golden corpus[] = {
	{ "netconf-rpc-reply-json-wrapped-truncated-01.txt", K_JSON_ROUTES,
	    -EBADMSG },
	{ "show-bgp-neighbor-json-vqfx-01.json", K_JSON_BGP, 0 },
	{ "show-bgp-neighbor-text-01.txt", K_TEXT_NEIGHBOR, 0 },
	{ "show-bgp-neighbor-xml-01.xml", K_XML_BGP, 0 },
	{ "show-bgp-summary-instance-text-04.txt", K_TEXT_SUMMARY, 0 },
	{ "show-bgp-summary-text-02.txt", K_TEXT_SUMMARY, 0 },
	{ "show-bgp-summary-text-inline-counts-03.txt", K_TEXT_SUMMARY, 0 },
	{ "show-bgp-summary-text-vrf-01.txt", K_TEXT_SUMMARY, 0 },
	{ "show-bgp-summary-xml-vrf-ribs-01.xml", K_XML_BGP, 0 },
	{ "show-route-advertising-protocol-bgp-detail-text-01.txt",
	    K_TEXT_BGP_ROUTES, -EPROTONOSUPPORT },
	{ "show-route-advertising-protocol-bgp-text-01.txt",
	    K_TEXT_BGP_ROUTES, 0 },
	{ "show-route-advertising-protocol-bgp-text-ipv6-wrapped-02.txt",
	    K_TEXT_BGP_ROUTES, 0 },
	{ "show-route-detail-xml-mx-bgp-indirect-01.xml", K_XML_ROUTES, 0 },
	{ "show-route-detail-xml-mx-bgp-multipath-01.xml", K_XML_ROUTES, 0 },
	{ "show-route-detail-xml-napalm-ecmp-01.xml", K_XML_ROUTES, 0 },
	{ "show-route-extensive-text-bgp-indirect-01.txt", K_TEXT_ROUTES,
	    -EPROTONOSUPPORT },
	{ "show-route-json-vqfx-vrf-master-prompt-01.json", K_JSON_ROUTES, 0 },
	{ "show-route-prefix-text-multi-table-01.txt", K_TEXT_ROUTES, 0 },
	{ "show-route-protocol-bgp-detail-json-vmx-01.json", K_JSON_ROUTES, 0 },
	{ "show-route-protocol-bgp-json-vmx-l3vpn-01.json", K_JSON_ROUTES, 0 },
	{ "show-route-protocol-bgp-json-vsrx-compact-01.json", K_JSON_ROUTES,
	    0 },
	{ "show-route-receive-protocol-bgp-text-01.txt", K_TEXT_BGP_ROUTES, 0 },
	{ "show-route-receive-protocol-bgp-text-ipv6-02.txt",
	    K_TEXT_BGP_ROUTES, 0 },
	{ "show-route-table-text-ecmp-01.txt", K_TEXT_ROUTES, 0 },
	{ "show-route-table-vrf-inet6-text-wrapped-prefix-01.txt",
	    K_TEXT_ROUTES, 0 },
	{ "show-route-table-vrf-json-01.json", K_JSON_ROUTES, 0 },
	{ "show-route-table-vrf-text-01.txt", K_TEXT_ROUTES, 0 },
	{ "show-route-table-vrf-text-bgp-labels-01.txt", K_TEXT_ROUTES, 0 },
	{ "show-route-table-vrf-text-reject-01.txt", K_TEXT_ROUTES, 0 },
	{ "show-route-table-vrf-xml-01.xml", K_XML_ROUTES, 0 },
	{ "show-route-text-bgp-two-paths-01.txt", K_TEXT_ROUTES, 0 },
	{ "traceroute-monitor-text-01.txt", K_TEXT_MONITOR, 0 },
	{ "traceroute-no-resolve-text-01.txt", K_TEXT_TRACE, 0 },
	{ "traceroute-no-resolve-text-sendto-errors-02.txt", K_TEXT_TRACE, 0 },
	{ "traceroute-rpc-xml-napalm-01.xml", K_XML_TRACE, 0 },
};
#define NCORPUS (sizeof(corpus) / sizeof(corpus[0]))

/*
 * Shapes real devices print that the reference corpus lacks, kept in
 * tests/junos/fixtures/shapes/ (issue 10): SRX chassis clusters and their
 * status lines, malformed JSON the provider answers by asking for XML,
 * next-table routes, asdot ASNs, pasted "user@host>" prompts.
 */
static const struct golden shapes[] = {
	{ "show-bgp-summary-json-duplicate-keys-01.json", K_JSON_BGP,
	    -EBADMSG },
	{ "show-bgp-summary-json-prefix-instances-01.json", K_JSON_BGP, 0 },
	{ "show-bgp-summary-text-asdot-01.txt", K_TEXT_SUMMARY, 0 },
	{ "show-route-json-control-char-01.json", K_JSON_ROUTES, -EBADMSG },
	{ "show-route-json-empty-route-information-01.json", K_JSON_ROUTES,
	    0 },
	{ "show-route-json-two-objects-01.json", K_JSON_ROUTES, -EBADMSG },
	{ "show-route-text-next-table-01.txt", K_TEXT_ROUTES, 0 },
	{ "show-route-xml-status-line-01.xml", K_XML_ROUTES, 0 },
	{ "show-version-srx-cluster-json-01.json", K_JSON_VERSION, 0 },
	{ "show-version-srx-cluster-text-01.txt", K_TEXT_VERSION, 0 },
	{ "show-version-srx-cluster-xml-01.xml", K_XML_VERSION, 0 },
	{ "traceroute-trailing-silent-hops-text-01.txt", K_TEXT_TRACE, 0 },
};
#define NSHAPES (sizeof(shapes) / sizeof(shapes[0]))
#define SHAPES_DIR "tests/junos/fixtures/shapes"

/* Parse buf with the parser of kind k and render the model (or the error
 * code) into a malloc'ed string. */
static char *
parse_render(enum kind k, const char *buf, size_t len, int *rcp)
{
	struct route_set rs;
	struct bgp_summary bs;
	struct hop_list *hl = hop_list_new();
	struct fd_error err = { 0 };
	struct device_info info;
	char *text = NULL;
	size_t tlen = 0;
	FILE *f = open_memstream(&text, &tlen);
	int rc = 0;

	assert_non_null(hl);
	assert_non_null(f);
	memset(&info, 0, sizeof(info));
	route_set_init(&rs);
	bgp_summary_init(&bs);
	switch (k) {
	case K_JSON_ROUTES:
		rc = junos_json_routes(buf, len, &rs, &err);
		break;
	case K_XML_ROUTES:
		rc = junos_xml_routes(buf, len, &rs, &err);
		break;
	case K_TEXT_ROUTES:
		rc = junos_text_routes(buf, len, &rs, &err);
		break;
	case K_TEXT_BGP_ROUTES:
		rc = junos_text_bgp_routes(buf, len, &rs, &err);
		break;
	case K_JSON_BGP:
		rc = junos_json_bgp(buf, len, &bs, &err);
		break;
	case K_XML_BGP:
		rc = junos_xml_bgp(buf, len, &bs, &err);
		break;
	case K_TEXT_SUMMARY:
		rc = junos_text_bgp_summary(buf, len, &bs, &err);
		break;
	case K_TEXT_NEIGHBOR:
		rc = junos_text_bgp_neighbor(buf, len, &bs, &err);
		break;
	case K_XML_TRACE:
		rc = junos_xml_traceroute(buf, len, hl, &err);
		break;
	case K_TEXT_TRACE:
		rc = junos_text_traceroute(buf, len, hl, &err);
		break;
	case K_TEXT_MONITOR:
		rc = junos_text_traceroute_monitor(buf, len, hl, &err);
		break;
	case K_JSON_VERSION:
		rc = junos_json_version(buf, len, &info, &err);
		break;
	case K_XML_VERSION:
		rc = junos_xml_version(buf, len, &info, &err);
		break;
	case K_TEXT_VERSION:
		rc = junos_text_version(buf, len, &info, &err);
		break;
	}
	if (rc < 0) {
		/* A failure leaves the output untouched and explains. */
		assert_int_equal(rs.n, 0);
		assert_int_equal(bs.n, 0);
		assert_int_equal(hl->n, 0);
		assert_true(err.msg[0] != '\0');
		fprintf(f, "error %d\n", rc);
	} else if (k == K_JSON_VERSION || k == K_XML_VERSION ||
	    k == K_TEXT_VERSION) {
		fprintf(f, "hostname=%s\nmodel=%s\nversion=%s\nnodes=%s\n",
		    info.hostname, info.model, info.version, info.nodes);
	} else if (k == K_XML_TRACE || k == K_TEXT_TRACE ||
	    k == K_TEXT_MONITOR) {
		render_hops(f, hl);
	} else if (k == K_JSON_BGP || k == K_XML_BGP || k == K_TEXT_SUMMARY ||
	    k == K_TEXT_NEIGHBOR) {
		render_bgp(f, &bs);
	} else {
		render_routes(f, &rs);
	}
	fclose(f);
	route_set_done(&rs);
	bgp_summary_done(&bs);
	hop_list_free(hl);
	*rcp = rc;
	return text;
}

static bool
is_shape(const struct golden *g)
{
	return g >= shapes && g < shapes + NSHAPES;
}

static char *
slurp_file(const char *file, bool shape, size_t *len)
{
	char rel[256], path[1024];
	char *buf;

	if (shape) {
		snprintf(rel, sizeof(rel), SHAPES_DIR "/%s", file);
		assert_non_null(tu_source(rel, path, sizeof(path)));
	} else {
		snprintf(rel, sizeof(rel), "outputs/junos/%s", file);
		assert_non_null(tu_reference(rel, path, sizeof(path)));
	}
	buf = tu_slurp(path, len);
	if (buf == NULL)
		fail_msg("cannot read %s", path);
	return buf;
}

static void
golden_one(void **state)
{
	const struct golden *g = *state;
	char rel[256], okpath[1024], *buf, *got, *want;
	size_t len;
	int rc;

	buf = slurp_file(g->file, is_shape(g), &len);
	got = parse_render(g->kind, buf, len, &rc);
	if (g->want != 0)
		assert_int_equal(rc, g->want);
	else if (rc != 0)
		fail_msg("%s: parser failed with %d", g->file, rc);

	snprintf(rel, sizeof(rel), "tests/golden/junos/%s.ok", g->file);
	assert_non_null(tu_source(rel, okpath, sizeof(okpath)));
	if (getenv("FD_GOLDEN_UPDATE") != NULL) {
		FILE *f = fopen(okpath, "w");

		assert_non_null(f);
		fputs(got, f);
		fclose(f);
	}
	want = tu_slurp(okpath, NULL);
	if (want == NULL)
		fail_msg("missing %s", okpath);
	if (strcmp(got, want) != 0) {
		size_t i = 0, line = 1;

		while (got[i] && got[i] == want[i])
			if (got[i++] == '\n')
				line++;
		fail_msg("%s: differs from %s at line %zu:\n got: %.200s",
		    g->file, okpath, line, got + i);
	}
	free(want);
	free(got);
	free(buf);
}

/* The table above must name every file of the corpus: a new reference
 * output is not silently left untested. */
static void
every_file_covered(void **state)
{
	char path[1024];
	DIR *d;
	struct dirent *de;
	size_t i, seen = 0;

	(void)state;
	assert_non_null(tu_reference("outputs/junos", path, sizeof(path)));
	d = opendir(path);
	assert_non_null(d);
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		for (i = 0; i < NCORPUS; i++)
			if (strcmp(corpus[i].file, de->d_name) == 0)
				break;
		if (i == NCORPUS)
			fail_msg("reference file %s has no golden entry",
			    de->d_name);
		seen++;
	}
	closedir(d);
	assert_int_equal(seen, NCORPUS);

	/* And every file of the shapes directory. */
	assert_non_null(tu_source(SHAPES_DIR, path, sizeof(path)));
	d = opendir(path);
	assert_non_null(d);
	seen = 0;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		for (i = 0; i < NSHAPES; i++)
			if (strcmp(shapes[i].file, de->d_name) == 0)
				break;
		if (i == NSHAPES)
			fail_msg("shape file %s has no golden entry",
			    de->d_name);
		seen++;
	}
	closedir(d);
	assert_int_equal(seen, NSHAPES);
}

/* Every parser on every file: any result is fine, but no crash, and a
 * failure never leaves partial output (checked in parse_render). */
static void
cross_parse(void **state)
{
	size_t i;
	int k, rc;

	(void)state;
	for (i = 0; i < NCORPUS; i++) {
		size_t len;
		char *buf = slurp_file(corpus[i].file, false, &len);

		for (k = K_JSON_ROUTES; k <= K_TEXT_VERSION; k++) {
			free(parse_render((enum kind)k, buf, len, &rc));
			assert_true(rc <= 0);
		}
		/* Truncated at every 97th byte: still no crash. */
		for (size_t cut = 0; cut < len; cut += 97)
			for (k = K_JSON_ROUTES; k <= K_TEXT_VERSION; k++)
				free(parse_render((enum kind)k, buf, cut,
				    &rc));
		free(buf);
	}
}

int
main(void)
{
	struct CMUnitTest tests[NCORPUS + NSHAPES + 2];
	size_t i, n = NCORPUS + NSHAPES;

	for (i = 0; i < n; i++) {
		const struct golden *g = i < NCORPUS ? &corpus[i] :
		    &shapes[i - NCORPUS];

		memset(&tests[i], 0, sizeof(tests[i]));
		tests[i].name = g->file;
		tests[i].test_func = golden_one;
		tests[i].initial_state = (void *)g;
	}
	memset(&tests[n], 0, 2 * sizeof(tests[0]));
	tests[n].name = "every_file_covered";
	tests[n].test_func = every_file_covered;
	tests[n + 1].name = "cross_parse";
	tests[n + 1].test_func = cross_parse;
	return _cmocka_run_group_tests("junos_golden", tests, n + 2, NULL,
	    NULL);
}
