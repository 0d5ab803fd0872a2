/*
 * junos_device_ops end to end: a real sshd whose ForceCommand is the Junos
 * CLI emulator in fixtures mode (tests/emu/junos_cli.py --fixtures),
 * serving the reference outputs.  Also the parallel collector.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "collect.h"
#include "junos/junos.h"
#include "sshtest.h"

static struct sshtest T;

static int
setup(void **state)
{
	(void)state;
	return sshtest_start_emu(&T, "e2e", "", NULL);
}

static int
teardown(void **state)
{
	(void)state;
	sshtest_stop(&T);
	return 0;
}

static const struct device_ops *
ops(void)
{
	const struct device_ops *o = provider_device("junos");

	assert_non_null(o);
	assert_ptr_equal(o, &junos_device_ops);
	return o;
}

static void *
open_dev(const char *name, const char *ri, unsigned timeout_ms)
{
	struct device_cfg cfg;
	struct fd_error err = { 0 };
	void *ctx = NULL;

	sshtest_cfg(&T, &cfg);
	snprintf(cfg.name, sizeof(cfg.name), "%s", name);
	snprintf(cfg.routing_instance, sizeof(cfg.routing_instance), "%s",
	    ri);
	if (timeout_ms)
		cfg.command_timeout_ms = timeout_ms;
	assert_int_equal(ops()->open(&cfg, &ctx, &err), 0);
	return ctx;
}

static void
test_info_text_fallback(void **state)
{
	struct device_info info;
	struct fd_error err = { 0 };
	void *ctx = open_dev("fw", "", 0);

	(void)state;
	/* "show version | display json" is unmapped: the emulator answers
	 * "unknown command." and the provider retries as text. */
	assert_int_equal(ops()->info(ctx, &info, &err), 0);
	assert_string_equal(info.hostname, "fw-emu");
	assert_string_equal(info.model, "vsrx");
	assert_string_equal(info.version, "21.4R3-S5.4");
	ops()->close(ctx);
}

/* "transport": "netconf" to an sshd with no netconf subsystem (a Junos
 * box without "set system services netconf ssh"): refused, saying what
 * the device must allow; the connection itself was fine. */
static void
test_netconf_subsystem_refused(void **state)
{
	struct device_cfg cfg;
	struct device_info info;
	struct fd_error err = { 0 };
	void *ctx = NULL;

	(void)state;
	sshtest_cfg(&T, &cfg);
	snprintf(cfg.name, sizeof(cfg.name), "fw");
	snprintf(cfg.transport, sizeof(cfg.transport), "netconf");
	assert_int_equal(ops()->open(&cfg, &ctx, &err), 0);
	assert_int_equal(ops()->info(ctx, &info, &err), -EPROTONOSUPPORT);
	if (strstr(err.msg, "fw: netconf show version: the device does not "
	    "offer the netconf subsystem on port ") == NULL ||
	    strstr(err.msg, "set system services netconf ssh") == NULL)
		fail_msg("%s", err.msg);
	ops()->close(ctx);
}

static void
test_routes_json_instance_table(void **state)
{
	struct route_set rs;
	struct fd_error err = { 0 };
	struct fd_prefix p;
	const struct route *r;
	void *ctx = open_dev("fw", "VR1", 0);

	(void)state;
	route_set_init(&rs);
	/* table "" = the routing instance's inet table. */
	assert_int_equal(ops()->routes(ctx, "", NULL, &rs, &err), 0);
	assert_int_equal(rs.n, 4);
	assert_int_equal(prefix_parse("192.168.1.2/32", &p, NULL), 0);
	r = route_set_active(&rs, &p);
	assert_non_null(r);
	assert_string_equal(r->table, "VR1.inet.0");
	assert_string_equal(r->protocol, "IS-IS");
	assert_int_equal(r->preference, 18);
	assert_int_equal(r->n_nh, 1);
	assert_string_equal(r->nh[0].iface, "ge-0/0/0.0");
	assert_true(r->nh[0].selected);
	route_set_done(&rs);

	/* With a prefix: "... 192.168.1.2/32 exact | display json". */
	route_set_init(&rs);
	assert_int_equal(ops()->routes(ctx, "", &p, &rs, &err), 0);
	assert_int_equal(rs.n, 4);
	route_set_done(&rs);
	ops()->close(ctx);
}

static void
test_routes_text_two_paths(void **state)
{
	struct route_set rs;
	struct fd_error err = { 0 };
	struct fd_prefix p;
	size_t idx[4];
	void *ctx = open_dev("ce1", "", 0);

	(void)state;
	route_set_init(&rs);
	assert_int_equal(prefix_parse("10.220.0.0/16", &p, NULL), 0);
	assert_int_equal(ops()->routes(ctx, "inet.0", &p, &rs, &err), 0);
	/* Two BGP paths, keyed by prefix and next hop; the active one via
	 * 10.169.14.121 (FORMATS.md 1.4). */
	assert_int_equal(route_set_find(&rs, &p, idx, 4), 2);
	assert_true(rs.v[idx[0]].active);
	assert_false(rs.v[idx[1]].active);
	assert_int_equal(rs.v[idx[0]].local_pref, 120);
	assert_string_equal(rs.v[idx[1]].nh[0].iface, "ge-0/0/0.0");
	route_set_done(&rs);
	ops()->close(ctx);
}

static void
test_bgp(void **state)
{
	struct bgp_summary bs;
	struct route_set rs;
	struct fd_error err = { 0 };
	struct fd_addr a;
	const struct bgp_peer *p;
	void *ctx = open_dev("ce1", "", 0);

	(void)state;
	bgp_summary_init(&bs);
	assert_int_equal(ops()->bgp_summary(ctx, "", &bs, &err), 0);
	assert_int_equal(bs.n, 19);
	assert_int_equal(addr_parse("10.169.14.240", &a, NULL), 0);
	p = bgp_summary_find(&bs, &a);
	assert_non_null(p);
	assert_true(bgp_peer_established(p));
	assert_int_equal(p->received, 684);
	bgp_summary_done(&bs);

	bgp_summary_init(&bs);
	assert_int_equal(ops()->bgp_summary(ctx, "VRF-TEST001", &bs, &err), 0);
	assert_int_equal(bs.n, 1);
	assert_string_equal(bs.v[0].instance, "VRF-TEST001");
	bgp_summary_done(&bs);

	bgp_summary_init(&bs);
	assert_int_equal(addr_parse("10.10.50.1", &a, NULL), 0);
	assert_int_equal(junos_bgp_neighbor(ctx, &a, &bs, &err), 0);
	assert_int_equal(bs.n, 1);
	assert_int_equal(bs.v[0].advertised, 1);
	bgp_summary_done(&bs);

	route_set_init(&rs);
	assert_int_equal(addr_parse("10.189.5.253", &a, NULL), 0);
	assert_int_equal(ops()->advertised(ctx, &a, "", &rs, &err), 0);
	assert_int_equal(rs.n, 5);
	assert_string_equal(rs.v[0].as_path, "(65151 65000) I");
	route_set_done(&rs);
	route_set_init(&rs);
	assert_int_equal(ops()->received(ctx, &a, "", &rs, &err), 0);
	assert_int_equal(rs.n, 8);
	route_set_done(&rs);
	ops()->close(ctx);
}

static void
test_traceroute(void **state)
{
	struct hop_list *l = hop_list_new();
	struct fd_error err = { 0 };
	struct fd_addr a;
	char buf[256];
	void *ctx = open_dev("fw", "VR1", 0);

	(void)state;
	assert_non_null(l);
	assert_int_equal(addr_parse("10.121.0.1", &a, NULL), 0);
	/* instance "" = the device's routing instance (VR1). */
	assert_int_equal(ops()->traceroute(ctx, &a, "", l, &err), 0);
	assert_string_equal(hop_list_str(l, buf, sizeof(buf)),
	    "*, 10.121.0.1");
	assert_true(l->reached);
	hop_list_free(l);
	ops()->close(ctx);
}

/* Issue 10: a trace whose last hops are silent takes longer than
 * command_ms; the provider asks for the spec's wait/ttl and lets the
 * command run as long as they can take, keeping the answered hops. */
static void
test_traceroute_silent_tail(void **state)
{
	struct hop_list *l = hop_list_new();
	struct fd_error err = { 0 };
	struct device_cfg cfg;
	struct fd_addr a;
	char buf[256];
	void *ctx = NULL;

	(void)state;
	assert_non_null(l);
	sshtest_cfg(&T, &cfg);
	snprintf(cfg.name, sizeof(cfg.name), "fw");
	cfg.command_timeout_ms = 1000;
	cfg.trace_wait_s = 1;
	cfg.trace_max_ttl = 3;
	assert_int_equal(ops()->open(&cfg, &ctx, &err), 0);
	assert_int_equal(addr_parse("10.135.0.9", &a, NULL), 0);
	assert_int_equal(ops()->traceroute(ctx, &a, "", l, &err), 0);
	assert_string_equal(hop_list_str(l, buf, sizeof(buf)),
	    "10.145.0.2, 10.135.0.1, *");
	assert_false(l->reached);
	hop_list_free(l);
	ops()->close(ctx);
}

/* Issue 10: a trace cut off by its command timeout keeps the hops the
 * device printed before it (the cut-off line dropped), marked truncated;
 * the next command gets a new session. */
static void
test_traceroute_cut_off(void **state)
{
	struct hop_list *l = hop_list_new();
	struct bgp_summary bs;
	struct fd_error err = { 0 };
	struct device_cfg cfg;
	struct fd_addr a;
	char buf[256];
	void *ctx = NULL;

	(void)state;
	assert_non_null(l);
	sshtest_cfg(&T, &cfg);
	snprintf(cfg.name, sizeof(cfg.name), "fw");
	cfg.command_timeout_ms = 1000;
	cfg.trace_wait_s = 1;
	cfg.trace_max_ttl = 1;
	assert_int_equal(ops()->open(&cfg, &ctx, &err), 0);
	assert_int_equal(addr_parse("10.135.0.7", &a, NULL), 0);
	assert_int_equal(ops()->traceroute(ctx, &a, "", l, &err), 0);
	assert_string_equal(hop_list_str(l, buf, sizeof(buf)),
	    "10.145.0.2, 10.135.0.1");
	assert_false(l->reached);
	assert_true(l->truncated);
	hop_list_free(l);
	bgp_summary_init(&bs);
	assert_int_equal(ops()->bgp_summary(ctx, "", &bs, &err), 0);
	assert_true(bs.n > 0);
	bgp_summary_done(&bs);
	ops()->close(ctx);
}

static void
test_injection_refused_before_io(void **state)
{
	struct route_set rs;
	struct bgp_summary bs;
	struct fd_error err = { 0 };
	struct device_cfg cfg;
	void *ctx = open_dev("fw", "", 0);
	void *bad = NULL;

	(void)state;
	route_set_init(&rs);
	bgp_summary_init(&bs);
	assert_int_equal(ops()->routes(ctx, "inet.0 | display xml", NULL, &rs,
	    &err), -EINVAL);
	assert_int_equal(ops()->routes(ctx, "inet.0;reboot", NULL, &rs, &err),
	    -EINVAL);
	assert_int_equal(ops()->bgp_summary(ctx, "a b", &bs, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "fw: "));
	sshtest_cfg(&T, &cfg);
	snprintf(cfg.routing_instance, sizeof(cfg.routing_instance), "x|y");
	assert_int_equal(ops()->open(&cfg, &bad, &err), -EINVAL);
	assert_null(bad);
	ops()->close(ctx);
}

static void
test_errors_name_device_and_command(void **state)
{
	struct route_set rs;
	struct fd_error err = { 0 };
	struct fd_addr a;
	/* Below the fixture's 6 s hang, above a loaded CI box's slowest
	 * normal command (1.5 s was seen to flake). */
	void *ctx = open_dev("ce2", "", 4000);

	(void)state;
	route_set_init(&rs);
	/* Unknown to the CLI in JSON and text. */
	assert_int_equal(addr_parse("192.0.2.9", &a, NULL), 0);
	assert_int_equal(ops()->advertised(ctx, &a, "", &rs, &err), -EPROTO);
	assert_non_null(strstr(err.msg, "ce2: show route advertising-"
	    "protocol bgp 192.0.2.9"));
	assert_non_null(strstr(err.msg, "unknown command"));
	/* Garbage where JSON was promised. */
	assert_int_equal(ops()->routes(ctx, "bad.inet.0", NULL, &rs, &err),
	    -EBADMSG);
	assert_non_null(strstr(err.msg, "ce2: show route table bad.inet.0"));
	/* A hung command: the device's own timeout, then a clean error. */
	assert_int_equal(ops()->routes(ctx, "slow.inet.0", NULL, &rs, &err),
	    -ETIMEDOUT);
	assert_non_null(strstr(err.msg, "ce2: show route table slow.inet.0"));
	assert_int_equal(rs.n, 0);
	/* ... and the provider reconnects for the next query. */
	assert_int_equal(ops()->routes(ctx, "DATA.inet.0", NULL, &rs, &err),
	    0);
	assert_int_equal(rs.n, 145);
	route_set_done(&rs);
	ops()->close(ctx);
}

static void
test_changed_host_key_refused(void **state)
{
	struct device_cfg cfg;
	struct device_info info;
	struct fd_error err = { 0 };
	void *ctx = NULL;

	(void)state;
	sshtest_cfg(&T, &cfg);
	snprintf(cfg.name, sizeof(cfg.name), "fw");
	snprintf(cfg.known_hosts, sizeof(cfg.known_hosts),
	    "%s/known_hosts_changed", T.dir);
	assert_int_equal(ops()->open(&cfg, &ctx, &err), 0);
	assert_int_equal(ops()->info(ctx, &info, &err), -EKEYREJECTED);
	assert_non_null(strstr(err.msg, "fw: show version"));
	assert_non_null(strstr(err.msg, T.host_fp));
	ops()->close(ctx);
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void
test_collect_parallel_slow_device(void **state)
{
	struct collect_job jobs[7];
	struct fd_error err = { 0 };
	void *fast1 = open_dev("fast1", "VR1", 0);
	void *fast2 = open_dev("fast2", "", 0);
	void *slow[3];
	double t0, dt;
	size_t i;

	(void)state;
	/* Three hung devices with a 2 s command timeout each: one after the
	 * other they would take >= 6 s; concurrently about 2 s. */
	for (i = 0; i < 3; i++) {
		char name[16];

		snprintf(name, sizeof(name), "slow%zu", i);
		slow[i] = open_dev(name, "", 2000);
		collect_job_init(&jobs[i], ops(), slow[i], name,
		    COLLECT_ROUTES);
		snprintf(jobs[i].table, sizeof(jobs[i].table), "slow.inet.0");
	}
	collect_job_init(&jobs[3], ops(), fast1, "fast1", COLLECT_ROUTES);
	collect_job_init(&jobs[4], ops(), fast2, "fast2", COLLECT_BGP_SUMMARY);
	collect_job_init(&jobs[5], ops(), fast1, "fast1", COLLECT_INFO);
	collect_job_init(&jobs[6], ops(), fast2, "fast2", COLLECT_TRACEROUTE);
	assert_int_equal(addr_parse("10.135.0.2", &jobs[6].addr, NULL), 0);

	t0 = now_s();
	assert_int_equal(collect_run(jobs, 7, &err), -ETIMEDOUT);
	dt = now_s() - t0;
	assert_true(dt >= 1.9);
	assert_true(dt < 5.0);
	assert_non_null(strstr(err.msg, "3 of 7"));
	for (i = 0; i < 3; i++) {
		char want[64];

		assert_int_equal(jobs[i].rc, -ETIMEDOUT);
		snprintf(want, sizeof(want), "slow%zu: show route table "
		    "slow.inet.0", i);
		assert_non_null(strstr(jobs[i].err.msg, want));
	}
	/* The fast devices were not held up by the slow ones. */
	assert_int_equal(jobs[3].rc, 0);
	assert_int_equal(jobs[3].routes.n, 4);
	assert_true(jobs[3].elapsed_ms < 1900);
	assert_int_equal(jobs[4].rc, 0);
	assert_int_equal(jobs[4].bgp.n, 19);
	assert_int_equal(jobs[5].rc, 0);
	assert_string_equal(jobs[5].info.hostname, "fw-emu");
	assert_int_equal(jobs[6].rc, 0);
	assert_int_equal(jobs[6].hops->n, 2);
	for (i = 0; i < 7; i++)
		collect_job_done(&jobs[i]);
	ops()->close(fast1);
	ops()->close(fast2);
	for (i = 0; i < 3; i++)
		ops()->close(slow[i]);
}

/* Issue 10: "instance Cust11" (a release without exact-instance for the
 * summary) also lists Cust111, whose Established peer reuses the address
 * of Cust11's peer, which is down: the provider must report the latter. */
static void
test_bgp_exact_instance(void **state)
{
	struct bgp_summary bs;
	struct fd_error err = { 0 };
	struct fd_addr a;
	const struct bgp_peer *p;
	void *ctx = open_dev("fw", "", 0);

	(void)state;
	assert_int_equal(addr_parse("10.17.11.76", &a, NULL), 0);
	bgp_summary_init(&bs);
	assert_int_equal(ops()->bgp_summary(ctx, "Cust11", &bs, &err), 0);
	assert_int_equal(bs.n, 1);
	p = bgp_summary_find(&bs, &a);
	assert_non_null(p);
	assert_string_equal(p->instance, "Cust11");
	assert_false(bgp_peer_established(p));
	bgp_summary_done(&bs);
	/* exact-instance accepted: only that instance's peers are kept
	 * even if the reply had more. */
	bgp_summary_init(&bs);
	assert_int_equal(ops()->bgp_summary(ctx, "Cust12", &bs, &err), 0);
	assert_int_equal(bs.n, 0);
	bgp_summary_done(&bs);
	ops()->close(ctx);
}

/* Issue 10: JSON that does not parse is asked again as XML (then text);
 * a route-information without route-table is an empty answer.  Each
 * check opens the device afresh: a device remembers that its JSON does
 * not parse and asks its next commands in XML (issue 9). */
static void
test_json_quirks_fallback(void **state)
{
	struct route_set rs;
	struct bgp_summary bs;
	struct fd_error err = { 0 };
	struct fd_prefix p;
	void *ctx = open_dev("fw", "", 0);

	(void)state;
	route_set_init(&rs);
	assert_int_equal(ops()->routes(ctx, "QUIRK.inet.0", NULL, &rs, &err),
	    0);
	assert_int_equal(rs.n, 1);
	assert_string_equal(rs.v[0].as_path, "65020 12076 I");
	route_set_done(&rs);
	ops()->close(ctx);
	ctx = open_dev("fw", "", 0);
	bgp_summary_init(&bs);
	assert_int_equal(ops()->bgp_summary(ctx, "DUP", &bs, &err), 0);
	/* The text answer's Cust11 peer is not DUP's; the other one's
	 * instance is unknown (no RIB line while Active): kept. */
	assert_int_equal(bs.n, 1);
	assert_int_equal(bs.v[0].peer_as, 12076);
	bgp_summary_done(&bs);
	ops()->close(ctx);
	ctx = open_dev("fw", "", 0);
	route_set_init(&rs);
	assert_int_equal(prefix_parse("10.9.9.0/24", &p, NULL), 0);
	assert_int_equal(ops()->routes(ctx, "EMPTY.inet.0", &p, &rs, &err),
	    0);
	assert_int_equal(rs.n, 0);
	route_set_done(&rs);
	ops()->close(ctx);
}

/* ------------------------------------------------ saved replies */

/* The whole file; NULL when there is none. */
static char *
slurp_bin(const char *path, size_t *len)
{
	struct stat st;
	char *buf;
	FILE *f;

	if ((f = fopen(path, "rb")) == NULL)
		return NULL;
	assert_int_equal(fstat(fileno(f), &st), 0);
	buf = malloc((size_t)st.st_size + 1);
	assert_non_null(buf);
	*len = fread(buf, 1, (size_t)st.st_size, f);
	assert_int_equal(*len, (size_t)st.st_size);
	fclose(f);
	return buf;
}

/* dir/name holds exactly the bytes of the fixture the emulator sent
 * (base: FD_REFERENCE or FD_SOURCE_ROOT). */
static void
assert_saved(const char *dir, const char *name, const char *base_env,
    const char *fixture)
{
	char got_p[512], want_p[512];
	size_t got_n = 0, want_n = 0;
	char *got, *want;

	snprintf(got_p, sizeof(got_p), "%s/%s", dir, name);
	snprintf(want_p, sizeof(want_p), "%s/%s", getenv(base_env), fixture);
	want = slurp_bin(want_p, &want_n);
	assert_non_null(want);
	got = slurp_bin(got_p, &got_n);
	if (got == NULL)
		fail_msg("%s: not saved", got_p);
	if (got_n != want_n || memcmp(got, want, got_n) != 0)
		fail_msg("%s (%zu bytes) differs from %s (%zu bytes)", got_p,
		    got_n, want_p, want_n);
	free(got);
	free(want);
}

static unsigned
count_files(const char *dir)
{
	struct dirent *e;
	unsigned n = 0;
	DIR *d = opendir(dir);

	assert_non_null(d);
	while ((e = readdir(d)) != NULL)
		if (e->d_name[0] != '.')
			n++;
		else if (strcmp(e->d_name, ".") != 0 &&
		    strcmp(e->d_name, "..") != 0)
			fail_msg("%s/%s: a temporary file left", dir,
			    e->d_name);
	closedir(d);
	return n;
}

/*
 * Issue 13: the replies of two phases collected as the drill collects
 * them (one thread per device, both devices at once) over the real
 * libssh2 transport land in <phase>/<device>__<command>.<format>, each
 * the bytes the device sent: JSON, text after a refused JSON, the text of
 * a traceroute, and XML after a JSON that did not parse (the JSON file
 * then gone).
 */
static void
test_replies_two_phases(void **state)
{
	struct device_replies budget;
	struct collect_job jobs[4];
	struct fd_error err = { 0 };
	char root[64], base[96], verify[96], lib[256];
	void *fw = open_dev("fw", "VR1", 0);
	void *ce1 = open_dev("ce1", "", 0);
	size_t i;

	(void)state;
	snprintf(root, sizeof(root), "/tmp/fdt-e2e-replies-XXXXXX");
	assert_non_null(mkdtemp(root));
	snprintf(base, sizeof(base), "%s/replies/baseline", root);
	snprintf(verify, sizeof(verify), "%s/replies/verify", root);
	memset(&budget, 0, sizeof(budget));
	budget.max_bytes = 1 << 20;
	ops()->record(fw, base, &budget);
	ops()->record(ce1, base, &budget);

	collect_job_init(&jobs[0], ops(), fw, "fw", COLLECT_INFO);
	collect_job_init(&jobs[1], ops(), fw, "fw", COLLECT_ROUTES);
	collect_job_init(&jobs[2], ops(), ce1, "ce1", COLLECT_BGP_SUMMARY);
	collect_job_init(&jobs[3], ops(), ce1, "ce1", COLLECT_TRACEROUTE);
	assert_int_equal(addr_parse("10.135.0.2", &jobs[3].addr, NULL), 0);
	assert_int_equal(collect_run(jobs, 4, &err), 0);
	for (i = 0; i < 4; i++)
		collect_job_done(&jobs[i]);
	assert_saved(base, "fw__show_version.txt", "FD_SOURCE_ROOT",
	    "tests/junos/fixtures/show-version.txt");
	assert_saved(base, "fw__show_route_table_VR1.inet.0.json",
	    "FD_REFERENCE", "outputs/junos/show-route-table-vrf-json-01.json");
	assert_saved(base, "ce1__show_bgp_summary.txt", "FD_REFERENCE",
	    "outputs/junos/show-bgp-summary-text-02.txt");
	assert_saved(base, "ce1__traceroute_10.135.0.2_no-resolve.txt",
	    "FD_REFERENCE", "outputs/junos/traceroute-no-resolve-text-01.txt");
	assert_int_equal(count_files(base), 4);

	/* The next phase: its own directory, the earlier one untouched. */
	ops()->record(fw, verify, &budget);
	ops()->record(ce1, verify, &budget);
	if (ops()->library(lib, sizeof(lib)) == 0) {
		struct route_set rs;

		route_set_init(&rs);
		assert_int_equal(ops()->routes(fw, "QUIRK.inet.0", NULL, &rs,
		    &err), 0);
		route_set_done(&rs);
		assert_saved(verify, "fw__show_route_table_QUIRK.inet.0.xml",
		    "FD_SOURCE_ROOT", "tests/junos/fixtures/shapes/"
		    "show-route-xml-status-line-01.xml");
	} else {
		/* libxml2 is loaded at run time: text is the fallback. */
		struct device_info info;

		assert_int_equal(ops()->info(fw, &info, &err), 0);
		assert_saved(verify, "fw__show_version.txt", "FD_SOURCE_ROOT",
		    "tests/junos/fixtures/show-version.txt");
	}
	assert_int_equal(count_files(verify), 1);
	assert_int_equal(count_files(base), 4);
	ops()->close(fw);
	ops()->close(ce1);
	{
		char *const rm[] = { "rm", "-rf", root, NULL };

		assert_int_equal(sshtest_run(rm), 0);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bgp_exact_instance),
		cmocka_unit_test(test_json_quirks_fallback),
		cmocka_unit_test(test_info_text_fallback),
		cmocka_unit_test(test_netconf_subsystem_refused),
		cmocka_unit_test(test_routes_json_instance_table),
		cmocka_unit_test(test_routes_text_two_paths),
		cmocka_unit_test(test_bgp),
		cmocka_unit_test(test_traceroute),
		cmocka_unit_test(test_traceroute_silent_tail),
		cmocka_unit_test(test_traceroute_cut_off),
		cmocka_unit_test(test_injection_refused_before_io),
		cmocka_unit_test(test_errors_name_device_and_command),
		cmocka_unit_test(test_changed_host_key_refused),
		cmocka_unit_test(test_collect_parallel_slow_device),
		cmocka_unit_test(test_replies_two_phases),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
