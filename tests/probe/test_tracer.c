/*
 * The native tracer and the prober against loopback only (127.0.0.1 and
 * ::1): the destination answers the first probe with port unreachable, so
 * the trace is reached at hop 1.
 */
#include <errno.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "converge.h"
#include "probe/prober.h"
#include "probe/tracer.h"
#include "registry.h"

static bool
have_ipv6(void)
{
	int fd = socket(AF_INET6, SOCK_DGRAM, 0);

	if (fd < 0)
		return false;
	close(fd);
	return true;
}

static void
check_loopback(const char *target)
{
	struct probe_cfg cfg;
	struct hop_list *l = hop_list_new();
	struct probe_trace_stats st;
	struct fd_error err = { 0 };
	struct fd_addr to;
	char buf[FD_ADDR_STRLEN];
	unsigned k;
	int rc;

	memset(&cfg, 0, sizeof(cfg));
	assert_int_equal(addr_parse(target, &to, NULL), 0);
	rc = tracer_run(&cfg, &to, l, NULL, &st, &err);
	if (rc != 0)
		fail_msg("%s: %s", target, err.msg);
	assert_true(l->reached);
	assert_int_equal(l->n, 1);
	assert_int_equal(l->hops[0].ttl, 1);
	assert_int_equal(l->hops[0].n_answers, 1);
	assert_string_equal(addr_str(&l->hops[0].answers[0].addr, buf,
	    sizeof(buf)), target);
	assert_int_equal(l->hops[0].n_probes, 3);
	for (k = 0; k < 3; k++) {
		assert_int_equal(l->hops[0].probes[k].answer, 0);
		assert_true(l->hops[0].probes[k].rtt_ms >= 0);
		assert_true(l->hops[0].probes[k].rtt_ms < 1000);
		assert_string_equal(l->hops[0].probes[k].flag, "");
	}
	assert_string_equal(l->source, "native");
	assert_int_equal(st.answered, 3);
	/* Probes beyond the destination are not worth waiting for: the
	 * whole trace is far quicker than one 3 s wait. */
	assert_true(st.wall_ms < 1500);
	hop_list_free(l);
}

static void
test_loopback_v4(void **state)
{
	(void)state;
	check_loopback("127.0.0.1");
}

static void
test_loopback_v6(void **state)
{
	(void)state;
	if (!have_ipv6())
		skip();
	check_loopback("::1");
}

/* More probes to one hop than a Linux router's burst (6): the tracer
 * holds the rest back and sends them a second apart, as the router's
 * bucket refills, instead of asking while it cannot answer.  Loopback
 * does not limit (icmpv4_xrlim_allow), so every probe is answered. */
static void
test_paced_per_hop(void **state)
{
	struct probe_cfg cfg;
	struct hop_list *l = hop_list_new();
	struct probe_trace_stats st;
	struct fd_error err = { 0 };
	struct fd_addr to;
	unsigned k;

	(void)state;
	memset(&cfg, 0, sizeof(cfg));
	cfg.probes_per_hop = 8;
	cfg.max_ttl = 1;
	assert_int_equal(addr_parse("127.0.0.1", &to, NULL), 0);
	if (tracer_run(&cfg, &to, l, NULL, &st, &err) != 0)
		fail_msg("%s", err.msg);
	assert_int_equal(st.sent, 8);
	assert_int_equal(st.paced, 2);
	assert_int_equal(st.answered, 8);
	assert_int_equal(l->n, 1);
	assert_int_equal(l->hops[0].n_probes, 8);
	for (k = 0; k < 8; k++)
		assert_int_equal(l->hops[0].probes[k].answer, 0);
	/* Every probe answered: nothing to mark. */
	assert_false(l->hops[0].rate_limited);
	assert_int_equal(st.rate_limited, 0);
	/* A hop known to answer more at once (--hop-burst): none held. */
	cfg.hop_burst = 8;
	if (tracer_run(&cfg, &to, l, NULL, &st, &err) != 0)
		fail_msg("%s", err.msg);
	assert_int_equal(st.paced, 0);
	assert_int_equal(st.answered, 8);
	cfg.hop_burst = TRACER_MAX_HOP_BURST + 1;
	assert_int_equal(tracer_run(&cfg, &to, l, NULL, &st, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "hop burst"));
	hop_list_free(l);
}

static void
test_flows_and_first_ttl(void **state)
{
	struct probe_cfg cfg;
	struct hop_list *l = hop_list_new(), *flows;
	struct fd_error err = { 0 };
	struct fd_addr to;
	unsigned f;

	(void)state;
	flows = calloc(4, sizeof(*flows));
	assert_non_null(flows);
	memset(&cfg, 0, sizeof(cfg));
	cfg.flows = 4;
	cfg.probes_per_hop = 2;
	cfg.first_ttl = 2;
	addr_parse("127.0.0.1", &to, NULL);
	assert_int_equal(tracer_run(&cfg, &to, l, flows, NULL, &err), 0);
	assert_true(l->reached);
	assert_int_equal(l->hops[0].ttl, 2);
	/* 4 flows x 2 probes, one responder. */
	assert_int_equal(l->hops[0].n_probes, 8);
	assert_int_equal(l->hops[0].n_answers, 1);
	for (f = 0; f < 4; f++) {
		assert_true(flows[f].reached);
		assert_int_equal(flows[f].n, 1);
		assert_int_equal(flows[f].hops[0].n_probes, 2);
	}
	free(flows);
	hop_list_free(l);
}

static void
test_cfg_errors(void **state)
{
	struct probe_cfg cfg;
	struct hop_list *l = hop_list_new();
	struct fd_error err = { 0 };
	struct fd_addr to, none;

	(void)state;
	addr_parse("127.0.0.1", &to, NULL);
	memset(&cfg, 0, sizeof(cfg));
	cfg.probes_per_hop = TRACER_MAX_PROBES + 1;
	assert_int_equal(tracer_run(&cfg, &to, l, NULL, NULL, &err), -EINVAL);
	memset(&cfg, 0, sizeof(cfg));
	cfg.max_ttl = HOPS_MAX + 1;
	assert_int_equal(tracer_run(&cfg, &to, l, NULL, NULL, &err), -EINVAL);
	memset(&cfg, 0, sizeof(cfg));
	cfg.first_ttl = 10;
	cfg.max_ttl = 5;
	assert_int_equal(tracer_run(&cfg, &to, l, NULL, NULL, &err), -EINVAL);
	memset(&cfg, 0, sizeof(cfg));
	cfg.flows = TRACER_MAX_FLOWS + 1;
	assert_int_equal(tracer_run(&cfg, &to, l, NULL, NULL, &err), -EINVAL);
	memset(&cfg, 0, sizeof(cfg));
	snprintf(cfg.source, sizeof(cfg.source), "::1");
	assert_int_equal(tracer_run(&cfg, &to, l, NULL, NULL, &err), -EINVAL);
	memset(&none, 0, sizeof(none));
	memset(&cfg, 0, sizeof(cfg));
	assert_int_equal(tracer_run(&cfg, &none, l, NULL, NULL, &err),
	    -EINVAL);
	/* *out untouched on failure. */
	assert_int_equal(l->n, 0);
	hop_list_free(l);
}

static void
test_ops_table(void **state)
{
	const struct probe_ops *ops = provider_probe("native");
	struct probe_cfg cfg;
	struct hop_list *l = hop_list_new();
	struct fd_error err = { 0 };
	struct fd_addr to;
	void *ctx = NULL;

	(void)state;
	assert_non_null(ops);
	memset(&cfg, 0, sizeof(cfg));
	cfg.probes_per_hop = 1;
	assert_int_equal(ops->open(&cfg, &ctx, &err), 0);
	addr_parse("127.0.0.1", &to, NULL);
	assert_int_equal(ops->trace(ctx, &to, l, &err), 0);
	assert_true(l->reached);
	assert_int_equal(l->hops[0].n_probes, 1);
	ops->close(ctx);
	cfg.flows = 99;
	assert_int_equal(ops->open(&cfg, &ctx, &err), -EINVAL);
	hop_list_free(l);
}

static uint64_t
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void
test_prober_loopback(void **state)
{
	const struct probe_ops *ops = provider_probe("native");
	struct watch_req req;
	struct probe_watch *w = NULL;
	struct watch_samples s = { 0 };
	struct fd_error err = { 0 };
	struct probe_cfg cfg;
	struct timespec ts = { 0, 500 * 1000000L };
	uint64_t t0;
	void *ctx = NULL;
	size_t i, e2e = 0, ttl = 0;

	(void)state;
	memset(&cfg, 0, sizeof(cfg));
	assert_int_equal(ops->open(&cfg, &ctx, &err), 0);
	memset(&req, 0, sizeof(req));
	addr_parse("127.0.0.1", &req.target, NULL);
	req.method = PROBE_METHOD_UDP;
	req.rate_hz = 50;
	req.ttl = 1;
	req.ttl_rate_hz = 50;	/* a TTL probe in every slot */
	req.max_ms = 10000;
	t0 = mono_ms();
	assert_int_equal(ops->watch_begin(ctx, &req, &w, &err), 0);
	nanosleep(&ts, NULL);
	assert_int_equal(ops->watch_end(ctx, w, &s, &err), 0);
	/* 50/s for 0.5 s: about 25 samples (fewer under valgrind), on the
	 * clock_now() base. */
	assert_in_range(s.n, 5, 30);
	assert_true(s.v[0].t_ms >= t0 && s.v[0].t_ms <= t0 + 1000);
	for (i = 0; i < s.n; i++) {
		char buf[FD_ADDR_STRLEN];

		if (i > 0)
			assert_true(s.v[i].t_ms >= s.v[i - 1].t_ms);
		e2e += s.v[i].e2e_reply;
		if (s.v[i].ttl_reply) {
			ttl++;
			assert_string_equal(addr_str(&s.v[i].ttl_from, buf,
			    sizeof(buf)), "127.0.0.1");
		}
	}
	assert_int_equal(e2e, s.n);
	assert_int_equal(ttl, s.n);
	for (i = 0; i < s.n; i++)
		assert_true(s.v[i].ttl_sent);
	watch_samples_done(&s);

	/* It stops by itself after max_ms. */
	req.max_ms = 200;
	assert_int_equal(ops->watch_begin(ctx, &req, &w, &err), 0);
	nanosleep(&ts, NULL);
	assert_int_equal(ops->watch_end(ctx, w, &s, &err), 0);
	assert_in_range(s.n, 2, 12);
	watch_samples_done(&s);

	req.rate_hz = 0;
	assert_int_equal(ops->watch_begin(ctx, &req, &w, &err), -EINVAL);
	ops->close(ctx);
}


/* watch_peek while the watch runs (loopback UDP, answered by port
 * unreachable): the samples so far, from an index on, as watch_end will
 * hand them over; the watch goes on probing after each peek. */
static void
test_prober_peek(void **state)
{
	const struct probe_ops *ops = provider_probe("native");
	struct watch_req req;
	struct probe_watch *w = NULL;
	struct watch_samples a = { 0 }, b = { 0 }, s = { 0 };
	struct fd_error err = { 0 };
	struct probe_cfg cfg;
	struct timespec ts = { 0, 300 * 1000000L };
	void *ctx = NULL;
	size_t i, answered = 0;

	(void)state;
	assert_non_null(ops->watch_peek);
	memset(&cfg, 0, sizeof(cfg));
	assert_int_equal(ops->open(&cfg, &ctx, &err), 0);
	memset(&req, 0, sizeof(req));
	addr_parse("127.0.0.1", &req.target, NULL);
	req.method = PROBE_METHOD_UDP;
	req.rate_hz = 50;
	req.max_ms = 10000;
	assert_int_equal(ops->watch_begin(ctx, &req, &w, &err), 0);
	nanosleep(&ts, NULL);
	assert_int_equal(ops->watch_peek(ctx, w, 0, &a, &err), 0);
	assert_true(a.n >= 2);
	for (i = 0; i < a.n; i++)
		answered += a.v[i].e2e_reply;
	assert_true(answered >= 1);
	nanosleep(&ts, NULL);
	/* From a.n on: only what came since, appended to what b holds. */
	assert_int_equal(ops->watch_peek(ctx, w, a.n, &b, &err), 0);
	assert_true(b.n >= 2);
	assert_true(b.v[0].t_ms > a.v[a.n - 1].t_ms);
	assert_int_equal(ops->watch_end(ctx, w, &s, &err), 0);
	assert_true(s.n >= a.n + b.n);
	for (i = 0; i < a.n; i++)
		assert_int_equal(s.v[i].t_ms, a.v[i].t_ms);
	for (i = 0; i < b.n; i++)
		assert_int_equal(s.v[a.n + i].t_ms, b.v[i].t_ms);
	watch_samples_done(&a);
	watch_samples_done(&b);
	watch_samples_done(&s);
	ops->close(ctx);
}

/* Echo over an unprivileged ping socket: every probe answered with the
 * reply's TTL (64 on loopback), the TTL-limited echo paced to one every
 * 2 s by default.  Where the host's net.ipv4.ping_group_range excludes us, the
 * error must name the sysctl (never a silent fall-back to UDP). */
static void
test_prober_icmp_loopback(void **state)
{
	const struct probe_ops *ops = provider_probe("native");
	struct watch_req req;
	struct probe_watch *w = NULL;
	struct watch_samples s = { 0 };
	struct fd_error err = { 0 };
	struct probe_cfg cfg;
	struct timespec ts = { 1, 200 * 1000000L };
	void *ctx = NULL;
	size_t i, sent_ttl = 0;
	int rc;

	(void)state;
	memset(&cfg, 0, sizeof(cfg));
	assert_int_equal(ops->open(&cfg, &ctx, &err), 0);
	memset(&req, 0, sizeof(req));
	addr_parse("127.0.0.1", &req.target, NULL);
	req.method = PROBE_METHOD_ICMP;
	req.rate_hz = 20;
	req.ttl = 1;
	req.max_ms = 10000;
	rc = ops->watch_begin(ctx, &req, &w, &err);
	if (rc == -EACCES) {
		assert_non_null(strstr(err.msg, "net.ipv4.ping_group_range"));
		ops->close(ctx);
		return;
	}
	assert_int_equal(rc, 0);
	nanosleep(&ts, NULL);
	assert_int_equal(ops->watch_end(ctx, w, &s, &err), 0);
	assert_in_range(s.n, 5, 30);
	for (i = 0; i < s.n; i++) {
		assert_true(s.v[i].e2e_reply);
		assert_int_equal(s.v[i].reply_ttl, 64);
		sent_ttl += s.v[i].ttl_sent;
	}
	/* One every 2 s over 1.2 s: the first slot only. */
	assert_int_equal(sent_ttl, 1);
	assert_true(s.v[0].ttl_sent && s.v[0].ttl_reply);
	watch_samples_done(&s);
	ops->close(ctx);
}

/* The TTL probe's adaptive pace over a recorded stream (issue 9 item 2):
 * a router that answered and then stops while the end-to-end probe gets
 * through is backed off, two silences at a time, to at most 8x; lost
 * slots (the path down) change nothing; answers step it back. */
static void
test_ttl_pace(void **state)
{
	struct ttl_pace tp;
	unsigned i;

	(void)state;
	ttl_pace_init(&tp, 200);	/* 100/s, one every 2 s */
	/* Silent from the start: a router that never answers, not a
	 * limit; the pace stays. */
	assert_int_equal(ttl_pace_update(&tp, false, true), 200);
	assert_int_equal(ttl_pace_update(&tp, false, true), 200);
	/* Answers, then the burst pattern: silence, e2e answered. */
	assert_int_equal(ttl_pace_update(&tp, true, true), 200);
	assert_int_equal(ttl_pace_update(&tp, false, true), 200);
	assert_int_equal(ttl_pace_update(&tp, false, true), 400);
	/* Lost end to end: the path is down, not the router limiting. */
	for (i = 0; i < 5; i++)
		assert_int_equal(ttl_pace_update(&tp, false, false), 400);
	assert_int_equal(ttl_pace_update(&tp, false, true), 400);
	assert_int_equal(ttl_pace_update(&tp, false, true), 800);
	for (i = 0; i < 10; i++)
		ttl_pace_update(&tp, false, true);
	assert_int_equal(tp.every, 200 * TTL_PACE_MAX_FACTOR);
	/* Three answers in a row: twice as often again, never above base. */
	assert_int_equal(ttl_pace_update(&tp, true, true), 1600);
	assert_int_equal(ttl_pace_update(&tp, true, true), 1600);
	assert_int_equal(ttl_pace_update(&tp, true, true), 800);
	for (i = 0; i < 20; i++)
		ttl_pace_update(&tp, true, true);
	assert_int_equal(tp.every, 200);
}

/* TCP connect probes: a listening port (SYN-ACK) and a closed one (RST)
 * both count as answers; nothing is left connected. */
static void
test_prober_tcp_loopback(void **state)
{
	const struct probe_ops *ops = provider_probe("native");
	struct watch_req req;
	struct fd_error err = { 0 };
	struct probe_cfg cfg;
	struct sockaddr_in sa;
	socklen_t sl = sizeof(sa);
	unsigned answered = 0, port;
	void *ctx = NULL;
	int lfd, closed;

	(void)state;
	lfd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(lfd >= 0);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(lfd, 64), 0);
	assert_int_equal(getsockname(lfd, (struct sockaddr *)&sa, &sl), 0);
	port = ntohs(sa.sin_port);
	/* A port nobody listens on: bound, never listening. */
	closed = socket(AF_INET, SOCK_STREAM, 0);
	sa.sin_port = 0;
	assert_int_equal(bind(closed, (struct sockaddr *)&sa, sizeof(sa)), 0);
	sl = sizeof(sa);
	assert_int_equal(getsockname(closed, (struct sockaddr *)&sa, &sl), 0);

	memset(&cfg, 0, sizeof(cfg));
	assert_int_equal(ops->open(&cfg, &ctx, &err), 0);
	memset(&req, 0, sizeof(req));
	addr_parse("127.0.0.1", &req.target, NULL);
	req.method = PROBE_METHOD_TCP;
	req.port = port;
	/* reach() stops at the first answer (SYN-ACK here, RST below). */
	assert_int_equal(ops->reach(ctx, &req, 5, &answered, &err), 0);
	assert_true(answered >= 1 && answered <= 5);
	req.port = ntohs(sa.sin_port);
	answered = 0;
	assert_int_equal(ops->reach(ctx, &req, 5, &answered, &err), 0);
	assert_true(answered >= 1 && answered <= 5);
	req.port = 0;
	assert_int_equal(ops->reach(ctx, &req, 5, &answered, &err), -EINVAL);
	close(closed);
	close(lfd);
	ops->close(ctx);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_loopback_v4),
		cmocka_unit_test(test_loopback_v6),
		cmocka_unit_test(test_paced_per_hop),
		cmocka_unit_test(test_flows_and_first_ttl),
		cmocka_unit_test(test_cfg_errors),
		cmocka_unit_test(test_ops_table),
		cmocka_unit_test(test_prober_loopback),
		cmocka_unit_test(test_prober_peek),
		cmocka_unit_test(test_prober_icmp_loopback),
		cmocka_unit_test(test_prober_tcp_loopback),
		cmocka_unit_test(test_ttl_pace),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
