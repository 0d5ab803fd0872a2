/*
 * Namespace-test helper: run the native prober's end-to-end probe of one
 * method against TARGET for a while and print what came back as one JSON
 * object: {"samples", "answered", "lost", "reply_ttl": [distinct TTLs]}.
 * An error (the kernel refusing the socket, say) goes to stderr, exit 1.
 *
 * usage: probe_once TARGET METHOD PORT RATE_HZ DURATION_MS
 */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "registry.h"

int
main(int argc, char **argv)
{
	const struct probe_ops *ops = provider_probe("native");
	struct probe_cfg cfg;
	struct watch_req req;
	struct probe_watch *w = NULL;
	struct watch_samples s = { 0 };
	struct fd_error err = { 0 };
	struct timespec ts;
	unsigned long long dur;
	json_t *ttls, *o;
	void *ctx = NULL;
	size_t i, answered = 0;
	int seen[256] = { 0 }, t;

	if (argc != 6) {
		fprintf(stderr, "usage: probe_once TARGET METHOD PORT RATE_HZ "
		    "DURATION_MS\n");
		return 2;
	}
	memset(&cfg, 0, sizeof(cfg));
	memset(&req, 0, sizeof(req));
	if (addr_parse(argv[1], &req.target, &err) < 0 ||
	    probe_method_parse(argv[2], &req.method) < 0) {
		fprintf(stderr, "probe_once: bad target or method\n");
		return 2;
	}
	req.port = (unsigned)strtoul(argv[3], NULL, 10);
	req.rate_hz = (unsigned)strtoul(argv[4], NULL, 10);
	dur = strtoull(argv[5], NULL, 10);
	req.max_ms = dur + 5000;
	if (ops == NULL || ops->open(&cfg, &ctx, &err) < 0) {
		fprintf(stderr, "probe_once: %s\n", err.msg);
		return 1;
	}
	if (ops->watch_begin(ctx, &req, &w, &err) < 0) {
		fprintf(stderr, "probe_once: %s\n", err.msg);
		ops->close(ctx);
		return 1;
	}
	ts.tv_sec = (time_t)(dur / 1000);
	ts.tv_nsec = (long)(dur % 1000) * 1000000L;
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
	if (ops->watch_end(ctx, w, &s, &err) < 0) {
		fprintf(stderr, "probe_once: %s\n", err.msg);
		ops->close(ctx);
		return 1;
	}
	ops->close(ctx);
	ttls = json_array();
	for (i = 0; i < s.n; i++) {
		if (!s.v[i].e2e_reply)
			continue;
		answered++;
		t = s.v[i].reply_ttl;
		if (t >= 0 && t < 256 && !seen[t]++)
			json_array_append_new(ttls, json_integer(t));
	}
	o = json_pack("{s:I,s:I,s:I,s:o}", "samples", (json_int_t)s.n,
	    "answered", (json_int_t)answered, "lost",
	    (json_int_t)(s.n - answered), "reply_ttl", ttls);
	json_dumpf(o, stdout, JSON_COMPACT);
	putchar('\n');
	json_decref(o);
	watch_samples_done(&s);
	return 0;
}
