/*
 * Test and benchmark helper: run the native prober against TARGET for a
 * while, then analyse the samples with converge_analyse() around the
 * instant written (CLOCK_MONOTONIC ms) into T0_FILE by whoever changed the
 * path meanwhile.  Prints one JSON object.
 *
 * usage: probe_watch TARGET TTL RATE_HZ DURATION_MS T0_FILE PRIMARY_CIDR
 *            STABLE_MS [return]
 */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "converge.h"
#include "registry.h"

static int
fail(const char *what, const struct fd_error *err)
{
	fprintf(stderr, "probe_watch: %s: %s\n", what, err ? err->msg : "");
	return 1;
}

int
main(int argc, char **argv)
{
	const struct probe_ops *ops = provider_probe("native");
	struct probe_cfg cfg;
	struct watch_req req;
	struct probe_watch *w = NULL;
	struct watch_samples s = { 0 };
	struct converge_result r;
	struct fd_error err = { 0 };
	struct hop_set set;
	struct timespec ts;
	unsigned long long t0 = 0, dur;
	json_t *o, *runs;
	FILE *f;
	void *ctx = NULL;
	unsigned i;
	int rc;

	if (argc != 8 && argc != 9) {
		fprintf(stderr, "usage: probe_watch TARGET TTL RATE_HZ "
		    "DURATION_MS T0_FILE PRIMARY_CIDR STABLE_MS [return]\n");
		return 2;
	}
	memset(&cfg, 0, sizeof(cfg));
	memset(&req, 0, sizeof(req));
	memset(&set, 0, sizeof(set));
	if (addr_parse(argv[1], &req.target, &err) < 0)
		return fail("target", &err);
	req.ttl = (unsigned)strtoul(argv[2], NULL, 10);
	req.rate_hz = (unsigned)strtoul(argv[3], NULL, 10);
	/* This helper times the switch by the TTL responder alone, on the
	 * probe topology whose routers answer at any rate (topo.sh says
	 * why): UDP with a TTL probe in every slot, the pre-issue-9 prober.
	 * The paced icmp/tcp prober is timed by the lab (scenarios a, k) and
	 * bench/drill.sh. */
	req.method = PROBE_METHOD_UDP;
	req.ttl_rate_hz = req.rate_hz;
	dur = strtoull(argv[4], NULL, 10);
	req.max_ms = dur + 5000;
	set.n = 1;
	if (prefix_parse_host(argv[6], &set.prefixes[0], &err) < 0)
		return fail("primary", &err);
	if (ops == NULL || ops->open(&cfg, &ctx, &err) < 0)
		return fail("open", &err);
	if (ops->watch_begin(ctx, &req, &w, &err) < 0)
		return fail("watch_begin", &err);
	ts.tv_sec = (time_t)(dur / 1000);
	ts.tv_nsec = (long)(dur % 1000) * 1000000L;
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
	if (ops->watch_end(ctx, w, &s, &err) < 0)
		return fail("watch_end", &err);
	ops->close(ctx);

	f = fopen(argv[5], "r");
	if (f == NULL || fscanf(f, "%llu", &t0) != 1) {
		fprintf(stderr, "probe_watch: no t0 in %s\n", argv[5]);
		return 1;
	}
	fclose(f);
	rc = converge_analyse_dir(&s, t0, &set, argc == 9 &&
	    strcmp(argv[8], "return") == 0 ? CONVERGE_RETURN : CONVERGE_LEAVE,
	    (unsigned)strtoul(argv[7], NULL, 10), &r);
	if (rc < 0) {
		fprintf(stderr, "probe_watch: analyse: %s\n", strerror(-rc));
		return 1;
	}
	runs = json_array();
	for (i = 0; i < r.n_runs; i++)
		json_array_append_new(runs, json_pack("{s:s,s:I,s:I,s:i}",
		    "class", converge_class_str(r.runs[i].cls),
		    "start", (json_int_t)r.runs[i].start_ms - (json_int_t)t0,
		    "end", (json_int_t)r.runs[i].end_ms - (json_int_t)t0,
		    "n", (int)r.runs[i].n));
	o = json_pack("{s:i,s:I,s:b,s:I,s:I,s:b,s:I,s:i,s:i,s:I,s:o}",
	    "samples", (int)s.n, "t0", (json_int_t)t0,
	    "left", r.left, "left_delta_ms",
	    (json_int_t)r.left_ms - (json_int_t)t0,
	    "left_mid_delta_ms", (json_int_t)r.left_mid_ms - (json_int_t)t0,
	    "stable", r.stable, "stable_delta_ms",
	    (json_int_t)r.stable_ms - (json_int_t)t0,
	    "sent", (int)r.sent, "lost", (int)r.lost,
	    "longest_loss_ms", (json_int_t)r.longest_loss_ms,
	    "runs", runs);
	json_dumpf(o, stdout, JSON_COMPACT);
	putchar('\n');
	json_decref(o);
	watch_samples_done(&s);
	return 0;
}
