/*
 * junos_device_ops over NETCONF ("transport": "netconf") end to end: the
 * libssh2 adapter's netconf subsystem channel against a real sshd
 * (sshd_harness.py --netconf) whose forced command is the Junos CLI
 * emulator, which serves the subsystem as a NETCONF session
 * (tests/emu/junos_cli.py, fixtures mode).  Two servers: one as a router
 * with "set system services netconf ssh" (the subsystem on the SSH port
 * and on a NETCONF-only port, PyEZ's 830), one allowing a single channel
 * per connection (MaxSessions 1, a STIG-hardened SRX) and without JSON
 * (a release before 14.2).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <unistd.h>

#include <cmocka.h>

#include "junos/junos.h"
#include "log.h"
#include "sshtest.h"

static struct sshtest T, One;

static int
setup(void **state)
{
	(void)state;
	if (sshtest_start_emu(&T, "nce2e", "", (const char *const[]){
	    "--netconf", NULL }) < 0)
		return -1;
	/* A release before 14.2 besides: no JSON at all. */
	return sshtest_start_emu(&One, "ncone", "--no-json",
	    (const char *const[]){ "--netconf", "--max-sessions", "1", NULL });
}

static int
teardown(void **state)
{
	(void)state;
	sshtest_stop(&T);
	sshtest_stop(&One);
	return 0;
}

static void *
open_nc(const struct sshtest *t, unsigned port, const char *ri)
{
	struct device_cfg cfg;
	struct fd_error err = { 0 };
	void *ctx = NULL;

	sshtest_cfg(t, &cfg);
	snprintf(cfg.name, sizeof(cfg.name), "fw");
	snprintf(cfg.transport, sizeof(cfg.transport), "netconf");
	snprintf(cfg.routing_instance, sizeof(cfg.routing_instance), "%s",
	    ri);
	cfg.port = port;
	assert_int_equal(junos_device_ops.open(&cfg, &ctx, &err), 0);
	return ctx;
}

/* On the NETCONF-only port: show version has no JSON in the map (an
 * rpc-error about the command: nothing learnt), its text answers; the
 * next query on the same session reads JSON. */
static void
test_queries_one_session(void **state)
{
	struct device_info info;
	struct route_set rs;
	struct fd_error err = { 0 };
	struct fd_prefix p;
	void *ctx = open_nc(&T, T.netconf_port, "VR1");

	(void)state;
	assert_true(T.netconf_port > 0 && T.netconf_port != T.port);
	assert_int_equal(junos_device_ops.info(ctx, &info, &err), 0);
	assert_string_equal(info.hostname, "fw-emu");
	assert_string_equal(info.version, "21.4R3-S5.4");
	route_set_init(&rs);
	assert_int_equal(junos_device_ops.routes(ctx, "", NULL, &rs, &err),
	    0);
	assert_int_equal(rs.n, 4);
	assert_int_equal(prefix_parse("192.168.1.2/32", &p, NULL), 0);
	assert_non_null(route_set_active(&rs, &p));
	assert_string_equal(route_set_active(&rs, &p)->table, "VR1.inet.0");
	route_set_done(&rs);
	junos_device_ops.close(ctx);
}

/* A prefetch batch pipelined on the session: the emulator reads the
 * RPCs as they queue up and answers each in order (RFC 6241 4.5). */
static void
test_prefetch_pipelined(void **state)
{
	static const struct device_query q[] = {
		{ DEVQ_INFO, NULL, NULL, NULL, NULL },
		{ DEVQ_ROUTES, "", NULL, NULL, NULL },
		{ DEVQ_ROUTES, "DATA.inet.0", NULL, NULL, NULL },
	};
	struct device_info info;
	struct route_set rs, data;
	struct fd_error err = { 0 };
	void *ctx = open_nc(&T, T.netconf_port, "VR1");

	(void)state;
	junos_device_ops.prefetch(ctx, q, 3);
	assert_int_equal(junos_device_ops.info(ctx, &info, &err), 0);
	assert_string_equal(info.version, "21.4R3-S5.4");
	route_set_init(&rs);
	route_set_init(&data);
	assert_int_equal(junos_device_ops.routes(ctx, "", NULL, &rs, &err),
	    0);
	assert_int_equal(rs.n, 4);
	if (junos_device_ops.routes(ctx, "DATA.inet.0", NULL, &data, &err) !=
	    0)
		fail_msg("%s", err.msg);
	assert_true(data.n > 0);
	route_set_done(&rs);
	route_set_done(&data);
	junos_device_ops.close(ctx);
}

/* JSON with a raw control character: XML, read without libxml2's help
 * for the session itself. */
static void
test_quirky_json_xml(void **state)
{
	struct route_set rs;
	struct fd_error err = { 0 };
	char lib[256];
	void *ctx;

	(void)state;
	if (junos_device_ops.library(lib, sizeof(lib)) < 0)
		skip();
	ctx = open_nc(&T, T.netconf_port, "");
	route_set_init(&rs);
	assert_int_equal(junos_device_ops.routes(ctx, "QUIRK.inet.0", NULL,
	    &rs, &err), 0);
	assert_int_equal(rs.n, 1);
	assert_string_equal(rs.v[0].as_path, "65020 12076 I");
	route_set_done(&rs);
	junos_device_ops.close(ctx);
}

/* A command the device does not know: the rpc-error, naming the device
 * and the RPC; the session goes on. */
static void
test_rpc_error_named(void **state)
{
	struct route_set rs;
	struct device_info info;
	struct fd_error err = { 0 };
	void *ctx = open_nc(&T, T.netconf_port, "");

	(void)state;
	route_set_init(&rs);
	assert_int_equal(junos_device_ops.routes(ctx, "NOPE.inet.0", NULL,
	    &rs, &err), -EPROTO);
	if (strstr(err.msg, "fw: netconf show route table NOPE.inet.0: "
	    "rpc-error: syntax error") == NULL)
		fail_msg("%s", err.msg);
	route_set_done(&rs);
	assert_int_equal(junos_device_ops.info(ctx, &info, &err), 0);
	junos_device_ops.close(ctx);
}

/* RFC 6241 4.3: a warning rpc-error beside the data fails nothing. */
static void
test_warning_beside_data(void **state)
{
	struct route_set rs;
	struct fd_error err = { 0 };
	void *ctx = open_nc(&T, T.netconf_port, "");

	(void)state;
	route_set_init(&rs);
	if (junos_device_ops.routes(ctx, "WARN.inet.0", NULL, &rs, &err) != 0)
		fail_msg("%s", err.msg);
	assert_int_equal(rs.n, 4);
	route_set_done(&rs);
	junos_device_ops.close(ctx);
}

/* The SSH port serves the subsystem too (Junos: port 22 keeps accepting
 * NETCONF sessions), and there a device traceroute runs on an exec
 * channel beside the NETCONF one. */
static void
test_ssh_port_and_traceroute(void **state)
{
	struct device_info info;
	struct hop_list *l = hop_list_new();
	struct fd_error err = { 0 };
	struct fd_addr a;
	char buf[256];
	void *ctx = open_nc(&T, T.port, "VR1");

	(void)state;
	assert_non_null(l);
	assert_int_equal(junos_device_ops.info(ctx, &info, &err), 0);
	assert_int_equal(addr_parse("10.121.0.1", &a, NULL), 0);
	assert_int_equal(junos_device_ops.traceroute(ctx, &a, "", l, &err),
	    0);
	assert_string_equal(hop_list_str(l, buf, sizeof(buf)),
	    "*, 10.121.0.1");
	hop_list_free(l);
	assert_int_equal(junos_device_ops.info(ctx, &info, &err), 0);
	assert_string_equal(info.version, "21.4R3-S5.4");
	junos_device_ops.close(ctx);
}

/* The NETCONF-only port (Junos's 830) runs no CLI command: the device
 * traceroute goes as an RPC on the NETCONF session instead. */
static void
test_traceroute_netconf_port(void **state)
{
	struct hop_list *l = hop_list_new();
	struct fd_error err = { 0 };
	struct fd_addr a;
	char buf[256];
	void *ctx = open_nc(&T, T.netconf_port, "VR1");

	(void)state;
	assert_non_null(l);
	assert_int_equal(addr_parse("10.121.0.1", &a, NULL), 0);
	if (junos_device_ops.traceroute(ctx, &a, "", l, &err) != 0)
		fail_msg("%s", err.msg);
	assert_string_equal(hop_list_str(l, buf, sizeof(buf)),
	    "*, 10.121.0.1");
	assert_true(l->reached);
	hop_list_free(l);
	junos_device_ops.close(ctx);
}

/* A release without JSON refuses format="json" with an rpc-error naming
 * it: the text answers, and the device is asked in text from then on. */
static void
test_no_json_text(void **state)
{
	struct route_set rs;
	struct fd_error err = { 0 };
	void *ctx = open_nc(&One, One.port, "VR1");
	int i;

	(void)state;
	for (i = 0; i < 2; i++) {
		route_set_init(&rs);
		if (junos_device_ops.routes(ctx, "", NULL, &rs, &err) != 0)
			fail_msg("%s", err.msg);
		assert_true(rs.n > 0);
		route_set_done(&rs);
	}
	junos_device_ops.close(ctx);
}

/* One channel per connection: the traceroute's exec channel is refused
 * beside NETCONF's; the NETCONF session ends, the trace runs, and the
 * next query opens a new NETCONF session on the same connection. */
static void
test_one_channel_device(void **state)
{
	struct device_info info;
	struct hop_list *l = hop_list_new();
	struct fd_error err = { 0 };
	struct fd_addr a;
	char buf[256];
	void *ctx = open_nc(&One, One.port, "VR1");

	(void)state;
	assert_non_null(l);
	assert_int_equal(junos_device_ops.info(ctx, &info, &err), 0);
	assert_int_equal(addr_parse("10.121.0.1", &a, NULL), 0);
	if (junos_device_ops.traceroute(ctx, &a, "", l, &err) != 0)
		fail_msg("%s", err.msg);
	assert_string_equal(hop_list_str(l, buf, sizeof(buf)),
	    "*, 10.121.0.1");
	hop_list_free(l);
	memset(&info, 0, sizeof(info));
	if (junos_device_ops.info(ctx, &info, &err) != 0)
		fail_msg("%s", err.msg);
	assert_string_equal(info.version, "21.4R3-S5.4");
	junos_device_ops.close(ctx);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_queries_one_session),
		cmocka_unit_test(test_prefetch_pipelined),
		cmocka_unit_test(test_quirky_json_xml),
		cmocka_unit_test(test_rpc_error_named),
		cmocka_unit_test(test_warning_beside_data),
		cmocka_unit_test(test_ssh_port_and_traceroute),
		cmocka_unit_test(test_traceroute_netconf_port),
		cmocka_unit_test(test_one_channel_device),
		cmocka_unit_test(test_no_json_text),
	};

	if (getenv("FD_TEST_DEBUG") != NULL)
		log_init(LOG_DEBUG, false);
	return cmocka_run_group_tests(tests, setup, teardown);
}
