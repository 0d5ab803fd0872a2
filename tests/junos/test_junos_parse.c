/*
 * Parser details checked field by field against the raw reference outputs
 * (each expectation first asserts that the raw text really says so), plus
 * the helpers and the command builders.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "junos/junos.h"
#include "junos/junos_parse.h"
#include "testutil.h"

static char *
ref(const char *file, size_t *len)
{
	char rel[256], path[1024];
	char *buf;

	snprintf(rel, sizeof(rel), "outputs/junos/%s", file);
	assert_non_null(tu_reference(rel, path, sizeof(path)));
	buf = tu_slurp(path, len);
	assert_non_null(buf);
	return buf;
}

static const struct route *
find(const struct route_set *s, const char *pfx, bool active)
{
	struct fd_prefix p;
	size_t idx[8], n, i;

	assert_int_equal(prefix_parse(pfx, &p, NULL), 0);
	n = route_set_find(s, &p, idx, 8);
	for (i = 0; i < n; i++)
		if (s->v[idx[i]].active == active)
			return &s->v[idx[i]];
	fail_msg("no %s route for %s", active ? "active" : "inactive", pfx);
	return NULL;
}

static void
nh_is(const struct route_nh *nh, const char *addr, const char *iface,
    bool selected)
{
	char a[FD_ADDR_STRLEN];

	assert_string_equal(addr_str(&nh->addr, a, sizeof(a)), addr);
	assert_string_equal(nh->iface, iface);
	assert_int_equal(nh->selected, selected);
}

static void
test_blank_med_lclpref_columns(void **state)
{
	struct route_set s;
	struct fd_error err = { 0 };
	size_t len;
	char *buf = ref("show-route-receive-protocol-bgp-text-ipv6-02.txt",
	    &len);
	const struct route *r;

	(void)state;
	/* The raw rows, as FORMATS.md 2.1 quotes them. */
	assert_non_null(strstr(buf, "* 2001:db8:22::/48        "
	    "2001:db8:7fc5:ca45::2 1000               65509 I"));
	assert_non_null(strstr(buf, "* 2001:db8:3000::/48      "
	    "2001:db8:7fc5:ca45::2           100      65509 I"));
	route_set_init(&s);
	assert_int_equal(junos_text_bgp_routes(buf, len, &s, &err), 0);
	r = find(&s, "2001:db8:22::/48", true);
	assert_int_equal(r->med, 1000);
	assert_int_equal(r->local_pref, -1);
	assert_string_equal(r->as_path, "65509 I");
	r = find(&s, "2001:db8:3000::/48", true);
	assert_int_equal(r->med, -1);
	assert_int_equal(r->local_pref, 100);
	r = find(&s, "2001:db8:6880::/48", true);
	assert_int_equal(r->med, 1000);
	assert_int_equal(r->local_pref, 100);
	/* Wrapped prefix, "*" on the continuation line. */
	r = find(&s, "2001:db8:7fc5:9a4b::4/128", true);
	nh_is(&r->nh[0], "2001:db8:7fc5:ca45::4", "", true);
	route_set_done(&s);
	free(buf);
}

static void
test_json_inactive_path_and_prompt(void **state)
{
	struct route_set s;
	struct fd_error err = { 0 };
	size_t len;
	char *buf = ref("show-route-json-vqfx-vrf-master-prompt-01.json", &len);
	const struct route *r;
	char *copy;

	(void)state;
	assert_non_null(strstr(buf, "\n\n{master:0}"));
	route_set_init(&s);
	assert_int_equal(junos_json_routes(buf, len, &s, &err), 0);
	/* 10.10.50.0/24: Direct active, BGP inactive ("active-tag":[{}]). */
	r = find(&s, "10.10.50.0/24", true);
	assert_string_equal(r->protocol, "Direct");
	r = find(&s, "10.10.50.0/24", false);
	assert_string_equal(r->protocol, "BGP");
	assert_string_equal(r->as_path, "1 I");
	/* Its own next hop still carries selected-next-hop (FORMATS 3.4). */
	nh_is(&r->nh[0], "10.10.50.1", "xe-0/0/0.0", true);
	route_set_done(&s);

	/* Anything but a prompt after the object is an error. */
	copy = malloc(len + 8);
	assert_non_null(copy);
	memcpy(copy, buf, len);
	memcpy(copy + len, "\nxyz\n", 5);
	route_set_init(&s);
	assert_int_equal(junos_json_routes(copy, len + 5, &s, &err), -EBADMSG);
	assert_int_equal(s.n, 0);
	free(copy);
	free(buf);
}

static void
test_vsrx_two_paths(void **state)
{
	struct route_set s;
	struct fd_error err = { 0 };
	size_t len;
	char *buf = ref("show-route-protocol-bgp-json-vsrx-compact-01.json",
	    &len);
	const struct route *r;

	(void)state;
	route_set_init(&s);
	assert_int_equal(junos_json_routes(buf, len, &s, &err), 0);
	r = find(&s, "0.0.0.0/0", true);
	assert_string_equal(r->table, "DATA.inet.0");
	assert_string_equal(r->as_path, "65401 577 1 I");
	nh_is(&r->nh[0], "10.17.1.5", "ge-0/0/2.0", true);
	r = find(&s, "0.0.0.0/0", false);
	nh_is(&r->nh[0], "10.17.1.7", "ge-0/0/3.0", true);
	route_set_done(&s);
	free(buf);
}

static void
test_text_ecmp_and_labels(void **state)
{
	struct route_set s;
	struct fd_error err = { 0 };
	size_t len;
	char *buf = ref("show-route-table-text-ecmp-01.txt", &len);
	const struct route *r;

	(void)state;
	route_set_init(&s);
	assert_int_equal(junos_text_routes(buf, len, &s, &err), 0);
	r = find(&s, "10.0.0.5/32", true);
	assert_int_equal(r->n_nh, 2);
	nh_is(&r->nh[0], "10.2.94.2", "lt-1/2/0.49", false);
	nh_is(&r->nh[1], "10.2.3.2", "lt-1/2/0.23", true);
	route_set_done(&s);
	free(buf);

	buf = ref("show-route-table-vrf-text-bgp-labels-01.txt", &len);
	route_set_init(&s);
	assert_int_equal(junos_text_routes(buf, len, &s, &err), 0);
	r = find(&s, "192.168.61.0/30", true);
	/* ", Push 16, Push 299792(top)" is not part of the interface. */
	nh_is(&r->nh[0], "10.120.202.49", "xe-2/0/0.0", true);
	assert_string_equal(r->as_path, "I");
	assert_int_equal(r->local_pref, 100);
	route_set_done(&s);
	free(buf);
}

static void
test_summary_inline_counts(void **state)
{
	struct bgp_summary s;
	struct fd_error err = { 0 };
	size_t len;
	char *buf = ref("show-bgp-summary-text-inline-counts-03.txt", &len);

	(void)state;
	assert_non_null(strstr(buf, "10.145.0.2                  3          2"
	    "          3       0       1           9 0/0/0/0"));
	bgp_summary_init(&s);
	assert_int_equal(junos_text_bgp_summary(buf, len, &s, &err), 0);
	assert_int_equal(s.n, 2);
	assert_string_equal(s.v[0].state, "Established");
	assert_int_equal(s.v[0].uptime_s, 9);
	assert_int_equal(s.v[0].received, 0);
	bgp_summary_done(&s);
	free(buf);
}

static void
test_malformed_inputs(void **state)
{
	struct route_set s;
	struct bgp_summary b;
	struct hop_list *h = hop_list_new();
	struct fd_error err = { 0 };
	static const char *bad[] = {
		"", "\n\n", "{", "[]", "{\"route-information\": 3}",
		"inet.0: 1 destinations, 1 routes (1 active, 0 holddown, 0 "
		    "hidden)\n10.0.0.0/8 *[BGP/170] 1:00\n    > to 300.1.1.1 "
		    "via ge-0/0/0.0\n",
		"<route-information><route-table>", "garbage line\n",
	};
	size_t i;

	(void)state;
	route_set_init(&s);
	bgp_summary_init(&b);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		size_t n = strlen(bad[i]);

		assert_true(junos_json_routes(bad[i], n, &s, &err) < 0);
		assert_true(junos_xml_routes(bad[i], n, &s, &err) < 0);
		assert_true(junos_text_routes(bad[i], n, &s, &err) < 0);
		assert_true(junos_text_bgp_routes(bad[i], n, &s, &err) < 0);
		assert_true(junos_text_bgp_summary(bad[i], n, &b, &err) < 0);
		assert_true(junos_json_bgp(bad[i], n, &b, &err) < 0);
		assert_true(junos_text_traceroute(bad[i], n, h, &err) < 0);
		assert_int_equal(s.n, 0);
		assert_int_equal(b.n, 0);
		assert_int_equal(h->n, 0);
	}
	hop_list_free(h);
}

static void
test_age_and_as_path(void **state)
{
	char out[ROUTE_ASPATH_MAX];

	(void)state;
	assert_int_equal(junos_age_parse("4:07"), 247);
	assert_int_equal(junos_age_parse("9"), 9);
	assert_int_equal(junos_age_parse("01:04:54"), 3894);
	assert_int_equal(junos_age_parse("1d 6:42:42"), 110562);
	assert_int_equal(junos_age_parse("1w0d 15:56:54"), 662214);
	assert_int_equal(junos_age_parse("29w6d 21:35:55"), 18135355);
	assert_int_equal(junos_age_parse("x"), -1);
	assert_int_equal(junos_age_parse("1:2:3:4"), -1);
	assert_int_equal(junos_age_parse("5d"), -1);

	junos_as_path_clean("AS path: (65151 65000) I, validation-state: "
	    "unverified", out, sizeof(out));
	assert_string_equal(out, "(65151 65000) I");
	junos_as_path_clean("AS path: I  (Originator)", out, sizeof(out));
	assert_string_equal(out, "I");
	junos_as_path_clean("AS path: 1299 13335 I\nAggregator: 13335 "
	    "141.101.72.1\nAS path: Recorded", out, sizeof(out));
	assert_string_equal(out, "1299 13335 I");
	junos_as_path_clean("65515 I", out, sizeof(out));
	assert_string_equal(out, "65515 I");
}

/* "n" ASNs "4200000001 4200000002 ..." followed by " I". */
static char *
long_path(unsigned n)
{
	char *p = malloc((size_t)n * 12 + 8);
	size_t o = 0;
	unsigned i;

	assert_non_null(p);
	for (i = 0; i < n; i++)
		o += (size_t)sprintf(p + o, "%s%u", i ? " " : "",
		    4200000001u + i);
	strcpy(p + o, " I");
	return p;
}

/*
 * Issue 10 item 8: long lines.  An AS path of 150 four-byte ASNs (1.6 kB)
 * is kept whole by every parser (it was cut at 64 tokens / 1023 bytes
 * without a word); one too long to keep is flagged and never compared.
 */
static void
test_long_as_paths(void **state)
{
	struct route_set s;
	struct route_expect e;
	struct fd_error err = { 0 };
	char *text, *path = long_path(150), *huge = long_path(400);
	size_t n;

	(void)state;
	text = malloc(16384);
	assert_non_null(text);

	/* show route ... (detail lines under the destination) */
	n = (size_t)snprintf(text, 16384, "\ninet.0: 1 destinations, 1 routes "
	    "(1 active, 0 holddown, 0 hidden)\n+ = Active Route, - = Last "
	    "Active, * = Both\n\n10.220.0.0/16      *[BGP/170] 3w3d 03:12:24, "
	    "localpref 120, from 10.169.14.240\n                    AS path: "
	    "%s, validation-state: unverified\n                    >  to "
	    "10.169.14.121 via ge-0/0/1.0\n", path);
	route_set_init(&s);
	assert_int_equal(junos_text_routes(text, n, &s, &err), 0);
	assert_int_equal(s.n, 1);
	assert_string_equal(s.v[0].as_path, path);
	assert_false(s.v[0].as_path_cut);
	route_set_done(&s);

	/* The same with 400 ASNs: a 4.4 kB line, longer than any kept. */
	n = (size_t)snprintf(text, 16384, "\ninet.0: 1 destinations, 1 routes "
	    "(1 active, 0 holddown, 0 hidden)\n\n10.220.0.0/16      "
	    "*[BGP/170] 3w3d 03:12:24, localpref 120, from 10.169.14.240\n"
	    "                    AS path: %s\n                    >  to "
	    "10.169.14.121 via ge-0/0/1.0\n", huge);
	route_set_init(&s);
	assert_int_equal(junos_text_routes(text, n, &s, &err), 0);
	assert_int_equal(s.n, 1);
	assert_true(s.v[0].as_path_cut);
	route_expect_init(&e);
	assert_int_equal(prefix_parse("10.220.0.0/16", &e.prefix, NULL), 0);
	snprintf(e.as_path, sizeof(e.as_path), "%s", "4200000001 I");
	assert_int_equal(routes_check(&e, &s, &err), -EBADMSG);
	assert_non_null(strstr(err.msg, "longer than"));
	route_set_done(&s);

	/* show route receive-protocol bgp: the AS path is the last column. */
	n = (size_t)snprintf(text, 16384, "\ninet.0: 1 destinations, 1 routes "
	    "(1 active, 0 holddown, 0 hidden)\n"
	    "  Prefix                  Nexthop              MED     Lclpref    "
	    "AS path\n"
	    "* 10.220.0.0/16           10.169.14.240                100        "
	    "%s\n", path);
	route_set_init(&s);
	assert_int_equal(junos_text_bgp_routes(text, n, &s, &err), 0);
	assert_int_equal(s.n, 1);
	assert_string_equal(s.v[0].as_path, path);
	assert_false(s.v[0].as_path_cut);
	route_set_done(&s);

	/* JSON: the as-path string as Junos prints it. */
	n = (size_t)snprintf(text, 16384, "{\"route-information\":[{"
	    "\"route-table\":[{\"table-name\":[{\"data\":\"inet.0\"}],"
	    "\"rt\":[{\"rt-destination\":[{\"data\":\"10.220.0.0/16\"}],"
	    "\"rt-entry\":[{\"active-tag\":[{\"data\":\"*\"}],"
	    "\"protocol-name\":[{\"data\":\"BGP\"}],"
	    "\"as-path\":[{\"data\":\"AS path: %s\\n\"}]}]}]}]}]}", path);
	route_set_init(&s);
	assert_int_equal(junos_json_routes(text, n, &s, &err), 0);
	assert_int_equal(s.n, 1);
	assert_string_equal(s.v[0].as_path, path);
	route_set_done(&s);

	free(text);
	free(path);
	free(huge);
}

static void
test_command_builders(void **state)
{
	char buf[256];
	struct fd_prefix p;
	struct fd_addr a;
	struct fd_error err = { 0 };

	(void)state;
	assert_true(junos_valid_name("Cust11.inet.0"));
	assert_true(junos_valid_name("VRF-TEST_001"));
	assert_false(junos_valid_name(""));
	assert_false(junos_valid_name("a;b"));
	assert_false(junos_valid_name("a|b"));
	assert_false(junos_valid_name("a b"));
	assert_false(junos_valid_name("-x"));
	assert_false(junos_valid_name("x\n"));
	assert_false(junos_valid_name("0123456789012345678901234567890123"
	    "456789012345678901234567890123"));

	assert_int_equal(prefix_parse("10.17.11.0/25", &p, NULL), 0);
	assert_int_equal(junos_cmd_routes("Cust11.inet.0", &p, buf,
	    sizeof(buf), &err), 0);
	assert_string_equal(buf, "show route table Cust11.inet.0 "
	    "10.17.11.0/25 exact");
	assert_int_equal(junos_cmd_routes("inet.0 | display xml", NULL, buf,
	    sizeof(buf), &err), -EINVAL);

	assert_int_equal(addr_parse("10.17.11.76", &a, NULL), 0);
	assert_int_equal(junos_cmd_bgp_routes(true, &a, "Cust11.inet.0", buf,
	    sizeof(buf), &err), 0);
	assert_string_equal(buf, "show route advertising-protocol bgp "
	    "10.17.11.76 table Cust11.inet.0");
	assert_int_equal(junos_cmd_bgp_routes(false, &a, "", buf,
	    sizeof(buf), &err), 0);
	assert_string_equal(buf, "show route receive-protocol bgp "
	    "10.17.11.76");
	assert_int_equal(junos_cmd_bgp_summary("Cust11", buf, sizeof(buf),
	    &err), 0);
	/* "instance Cust11" would list Cust111 too (Junos prefix match). */
	assert_string_equal(buf, "show bgp summary exact-instance Cust11");
	assert_int_equal(junos_cmd_bgp_summary("x;y", buf, sizeof(buf),
	    &err), -EINVAL);
	assert_int_equal(junos_cmd_traceroute(&a, "Cust11", 0, 0, buf,
	    sizeof(buf), &err), 0);
	assert_string_equal(buf, "traceroute 10.17.11.76 no-resolve "
	    "routing-instance Cust11");
	/* The spec's trace settings go to the device (Junos defaults are
	 * wait 5, ttl 30), and the command may take all of it. */
	assert_int_equal(junos_cmd_traceroute(&a, "", 2, 12, buf,
	    sizeof(buf), &err), 0);
	assert_string_equal(buf, "traceroute 10.17.11.76 no-resolve wait 2 "
	    "ttl 12");
	assert_int_equal(junos_traceroute_timeout_ms(2, 12), 12 * 3 * 2000 +
	    10000);
	assert_int_equal(junos_traceroute_timeout_ms(0, 0), 460000);
	assert_int_equal(junos_cmd_bgp_neighbor(&a, buf, sizeof(buf), &err),
	    0);
	assert_string_equal(buf, "show bgp neighbor 10.17.11.76");
	/* Too small a buffer is an error, not a truncated command. */
	assert_int_equal(junos_cmd_bgp_summary("Cust11", buf, 20, &err),
	    -ENAMETOOLONG);
}

static void
test_prompt_after_text(void **state)
{
	static const char routes[] =
	    "\ninet.0: 1 destinations, 1 routes (1 active, 0 holddown, 0 "
	    "hidden)\n+ = Active Route, - = Last Active, * = Both\n\n"
	    "10.17.11.0/25      *[BGP/170] 00:01:02, localpref 100\n"
	    "                      AS path: 65515 I, validation-state: "
	    "unverified\n                    >  to 192.168.11.88 via st0.0\n"
	    "\n{master:0}\n";
	static const char trace[] =
	    "traceroute to 10.17.11.132 (10.17.11.132), 30 hops max, 52 byte "
	    "packets\n 1  10.1.11.1  0.5 ms  0.4 ms  0.4 ms\n 2  *  *  *\n"
	    " 3  10.17.11.132  9.1 ms  9.0 ms  9.2 ms\n\n{primary:node0}\n";
	struct route_set s;
	struct hop_list *h = hop_list_new();
	struct fd_error err = { 0 };
	char buf[128];

	(void)state;
	assert_true(junos_is_prompt("{master:0}"));
	assert_true(junos_is_prompt("{backup}"));
	assert_false(junos_is_prompt("{ \"a\": 1 }"));
	route_set_init(&s);
	assert_int_equal(junos_text_routes(routes, sizeof(routes) - 1, &s,
	    &err), 0);
	assert_int_equal(s.n, 1);
	assert_string_equal(s.v[0].as_path, "65515 I");
	assert_string_equal(s.v[0].nh[0].iface, "st0.0");
	route_set_done(&s);
	assert_int_equal(junos_text_traceroute(trace, sizeof(trace) - 1, h,
	    &err), 0);
	assert_string_equal(hop_list_str(h, buf, sizeof(buf)),
	    "10.1.11.1, *, 10.17.11.132");
	assert_true(h->reached);
	hop_list_free(h);
}

/* Inputs that once broke a parser (found by the fuzzers). */
static void
test_fuzz_regressions(void **state)
{
	char path[1024];
	struct hop_list *h = hop_list_new();
	struct fd_error err = { 0 };
	size_t len;
	char *buf;

	(void)state;
	/* > HOPS_MAX rows: an error that says why, no partial output. */
	assert_non_null(tu_source("tests/junos/fuzz-regress/"
	    "traceroute-monitor-too-many-hops.txt", path, sizeof(path)));
	buf = tu_slurp(path, &len);
	assert_non_null(buf);
	assert_int_equal(junos_text_traceroute_monitor(buf, len, h, &err),
	    -ENOSPC);
	assert_int_equal(err.code, -ENOSPC);
	assert_non_null(strstr(err.msg, "hops"));
	assert_int_equal(h->n, 0);
	free(buf);
	hop_list_free(h);
}

static void
test_reply_rejected(void **state)
{
	(void)state;
	assert_true(junos_reply_rejected("            ^\nsyntax error.\n"));
	assert_true(junos_reply_rejected("      ^\nunknown command.\n"));
	assert_false(junos_reply_rejected("inet.0: 1 destinations\n"));
}

/* Issue 10: a chassis cluster's or dual RE's status line before and after
 * a reply is ignored by every parser: the same model either way. */
typedef int (*parse_fn)(const char *, size_t, void *, struct fd_error *);

static int
pj_routes(const char *b, size_t n, void *o, struct fd_error *e)
{
	return junos_json_routes(b, n, o, e);
}

static int
px_routes(const char *b, size_t n, void *o, struct fd_error *e)
{
	return junos_xml_routes(b, n, o, e);
}

static int
pt_routes(const char *b, size_t n, void *o, struct fd_error *e)
{
	return junos_text_routes(b, n, o, e);
}

static int
pt_bgp_routes(const char *b, size_t n, void *o, struct fd_error *e)
{
	return junos_text_bgp_routes(b, n, o, e);
}

static int
pj_bgp(const char *b, size_t n, void *o, struct fd_error *e)
{
	return junos_json_bgp(b, n, o, e);
}

static int
px_bgp(const char *b, size_t n, void *o, struct fd_error *e)
{
	return junos_xml_bgp(b, n, o, e);
}

static int
pt_summary(const char *b, size_t n, void *o, struct fd_error *e)
{
	return junos_text_bgp_summary(b, n, o, e);
}

static int
pt_neighbor(const char *b, size_t n, void *o, struct fd_error *e)
{
	return junos_text_bgp_neighbor(b, n, o, e);
}

static void
test_status_lines_everywhere(void **state)
{
	static const struct {
		const char *file;
		parse_fn fn;
		bool bgp;
	} cases[] = {
		{ "show-route-table-vrf-json-01.json", pj_routes, false },
		{ "show-route-table-vrf-xml-01.xml", px_routes, false },
		{ "show-route-table-vrf-text-01.txt", pt_routes, false },
		{ "show-route-receive-protocol-bgp-text-01.txt", pt_bgp_routes,
		    false },
		{ "show-bgp-neighbor-json-vqfx-01.json", pj_bgp, true },
		{ "show-bgp-summary-xml-vrf-ribs-01.xml", px_bgp, true },
		{ "show-bgp-summary-text-02.txt", pt_summary, true },
		{ "show-bgp-neighbor-text-01.txt", pt_neighbor, true },
	};
	static const char *const status[] = {
		"{primary:node0}", "{secondary:node1}", "{master}", "{master:0}",
	};
	size_t i, k;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct route_set r0, r1;
		struct bgp_summary b0, b1;
		struct fd_error err = { 0 };
		size_t len, wlen;
		char *buf = ref(cases[i].file, &len), *w;

		k = i % 4;
		wlen = len + 64;
		w = malloc(wlen);
		assert_non_null(w);
		wlen = (size_t)snprintf(w, wlen, "%s\n%.*s\n%s\n", status[k],
		    (int)len, buf, status[(k + 1) % 4]);
		route_set_init(&r0);
		route_set_init(&r1);
		bgp_summary_init(&b0);
		bgp_summary_init(&b1);
		assert_int_equal(cases[i].fn(buf, len, cases[i].bgp ?
		    (void *)&b0 : (void *)&r0, &err), 0);
		if (cases[i].fn(w, wlen, cases[i].bgp ? (void *)&b1 :
		    (void *)&r1, &err) != 0)
			fail_msg("%s with status lines: %s", cases[i].file,
			    err.msg);
		assert_int_equal(r0.n, r1.n);
		assert_int_equal(b0.n, b1.n);
		if (r0.n > 0) {
			assert_true(prefix_equal(&r0.v[0].prefix,
			    &r1.v[0].prefix));
			assert_string_equal(r0.v[r0.n - 1].as_path,
			    r1.v[r1.n - 1].as_path);
		}
		if (b0.n > 0)
			assert_string_equal(b0.v[b0.n - 1].state,
			    b1.v[b1.n - 1].state);
		route_set_done(&r0);
		route_set_done(&r1);
		bgp_summary_done(&b0);
		bgp_summary_done(&b1);
		free(w);
		free(buf);
	}
}

/* Issue 10: the instance filter of a prefix-matched summary. */
static void
test_keep_instance(void **state)
{
	struct bgp_summary s;
	struct bgp_peer p;
	static const struct {
		const char *addr, *inst, *state;
	} peers[] = {
		{ "10.17.11.76", "Cust111", "Established" },
		{ "10.17.11.76", "Cust11", "Active" },
		{ "10.17.11.77", "", "Connect" },
		{ "10.17.11.78", "", "Active" },
		{ "10.17.11.78", "Cust11", "Established" },
		{ "10.17.11.79", "Cust1", "Established" },
	};
	size_t i;

	(void)state;
	bgp_summary_init(&s);
	for (i = 0; i < sizeof(peers) / sizeof(peers[0]); i++) {
		bgp_peer_init(&p);
		assert_int_equal(addr_parse(peers[i].addr, &p.addr, NULL), 0);
		snprintf(p.instance, sizeof(p.instance), "%s", peers[i].inst);
		snprintf(p.state, sizeof(p.state), "%s", peers[i].state);
		assert_int_equal(bgp_summary_add(&s, &p), 0);
	}
	junos_bgp_keep_instance(&s, "Cust11");
	/* .76 of Cust11 (not Cust111's); .77 of unknown instance kept;
	 * .78 only Cust11's; .79 of Cust1 dropped. */
	assert_int_equal(s.n, 3);
	assert_string_equal(s.v[0].state, "Active");
	assert_string_equal(s.v[1].state, "Connect");
	assert_string_equal(s.v[2].state, "Established");
	assert_string_equal(s.v[2].instance, "Cust11");
	bgp_summary_done(&s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_blank_med_lclpref_columns),
		cmocka_unit_test(test_json_inactive_path_and_prompt),
		cmocka_unit_test(test_vsrx_two_paths),
		cmocka_unit_test(test_text_ecmp_and_labels),
		cmocka_unit_test(test_summary_inline_counts),
		cmocka_unit_test(test_malformed_inputs),
		cmocka_unit_test(test_age_and_as_path),
		cmocka_unit_test(test_long_as_paths),
		cmocka_unit_test(test_command_builders),
		cmocka_unit_test(test_prompt_after_text),
		cmocka_unit_test(test_fuzz_regressions),
		cmocka_unit_test(test_reply_rejected),
		cmocka_unit_test(test_status_lines_everywhere),
		cmocka_unit_test(test_keep_instance),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
