/*
 * Integration driver: the real libcurl adapter against tests/mock/arm_mock.py
 * over TLS.  Does what the engine does with a cloud provider: preflight
 * reads, disable the peering and wait for the operation, then always
 * restore (enable, unforced as the engine does) and confirm.  Started by
 * integration.py, which owns the mock and asserts on its request log.
 *
 * Environment: FD_MOCK_PORT, FD_MOCK_CA, FD_AZURE_LOG (log file),
 * FD_ARC_KEY_DIR (Azure Arc key directory), and the AZURE_* or managed
 * identity credentials.  Output: "key: value" lines on stdout.
 * Exit: 0 restored; 3 a read failed; 4 restore failed.
 *
 * "azure_drive contexts N" instead opens N contexts at once, as the
 * engine does for a phase's concurrent reads, and reads the circuit on
 * each at once, twice; then closes the first and reads on the second
 * again.  Exit 0 when every read passed, 3 otherwise.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "azure/azure.h"
#include "registry.h"

static void
log_file(void *arg, enum log_level level, const char *line)
{
	FILE *f = arg;

	(void)level;
	fprintf(f, "%s\n", line);
	fflush(f);
}

/* The engine's waiter, in miniature: poll, sleep the hint, give up at a
 * deadline. */
static int
wait_op(void *ctx, const struct fd_clock *clock, struct cloud_op *op,
    struct fd_error *err)
{
	uint64_t deadline = clock_now(clock) + 60000;
	struct cloud_poll p;
	int rc;

	for (;;) {
		if ((rc = azure_cloud_ops.op_poll(ctx, op, &p, err)) < 0)
			return rc;
		printf("poll: %s\n", p.status);
		if (p.done)
			return 0;
		if (clock_now(clock) > deadline)
			return fd_error_set(err, -ETIMEDOUT, "operation timed "
			    "out");
		clock_sleep(clock, p.retry_after_ms ? p.retry_after_ms : 1000);
	}
}

static int
toggle(void *ctx, const struct fd_clock *clock, bool enabled, bool force,
    struct fd_error *err)
{
	struct cloud_op *op = NULL;
	struct cloud_op_info info;
	int rc;

	rc = azure_cloud_ops.peering_set_begin(ctx, enabled, force, &op, &info,
	    err);
	if (rc < 0)
		return rc;
	printf("%s: http %d request id %s\n", enabled ? "enable" : "disable",
	    info.http_status, info.request_id);
	rc = wait_op(ctx, clock, op, err);
	azure_cloud_ops.op_free(op);
	return rc;
}

#define MAX_CTX 8

struct reader {
	const struct azure_cfg *cfg;
	const struct azure_deps *deps;
	struct fd_clock *clock;
	pthread_barrier_t *start;
	void *ctx;
	int round;
	int rc;
	struct fd_error err;
};

/* One context's read: opened on its first round, all rounds started
 * together. */
static void *
reader_run(void *arg)
{
	struct reader *r = arg;
	struct cloud_circuit c;

	pthread_barrier_wait(r->start);
	if (r->ctx == NULL && (r->rc = azure_open_with(r->cfg, r->clock,
	    "11111111-2222-3333-4444-555555555555", r->deps, &r->ctx,
	    &r->err)) < 0)
		return NULL;
	r->rc = azure_cloud_ops.circuit(r->ctx, &c, &r->err);
	return NULL;
}

static int
contexts(const struct azure_cfg *cfg, const struct azure_deps *deps,
    struct fd_clock *clock, unsigned n)
{
	struct reader rd[MAX_CTX];
	pthread_t th[MAX_CTX];
	pthread_barrier_t start;
	struct cloud_circuit c;
	int round, status = 0;
	unsigned i;

	memset(rd, 0, sizeof(rd));
	for (round = 1; round <= 2; round++) {
		pthread_barrier_init(&start, NULL, n);
		for (i = 0; i < n; i++) {
			rd[i].cfg = cfg;
			rd[i].deps = deps;
			rd[i].clock = clock;
			rd[i].start = &start;
			pthread_create(&th[i], NULL, reader_run, &rd[i]);
		}
		for (i = 0; i < n; i++)
			pthread_join(th[i], NULL);
		pthread_barrier_destroy(&start);
		for (i = 0; i < n; i++) {
			if (rd[i].rc < 0) {
				printf("error: round %d context %u: %s\n", round,
				    i, rd[i].err.msg);
				status = 3;
			}
		}
		printf("round %d: %s\n", round, status ? "failed" : "ok");
		fflush(stdout);
	}
	/* The context that may have fetched the token goes; the others
	 * keep the cache. */
	azure_cloud_ops.close(rd[0].ctx);
	rd[0].ctx = NULL;
	if (n > 1 && rd[1].ctx != NULL) {
		struct fd_error err = { 0 };

		if (azure_cloud_ops.circuit(rd[1].ctx, &c, &err) < 0) {
			printf("error: after close: %s\n", err.msg);
			status = 3;
		} else {
			printf("after close: ok\n");
		}
	}
	for (i = 1; i < n; i++)
		azure_cloud_ops.close(rd[i].ctx);
	return status;
}

int
main(int argc, char **argv)
{
	const char *port = getenv("FD_MOCK_PORT"), *ca = getenv("FD_MOCK_CA");
	const char *logp = getenv("FD_AZURE_LOG");
	struct azure_cfg cfg;
	struct azure_deps deps;
	struct fd_clock clock;
	struct fd_error err = { 0 };
	struct cloud_circuit c;
	struct route_set rs;
	struct bgp_summary bs;
	struct fd_addr peer;
	FILE *lf;
	void *ctx = NULL;
	int rc, status = 0;

	if (port == NULL || ca == NULL || logp == NULL) {
		fprintf(stderr, "need FD_MOCK_PORT, FD_MOCK_CA, FD_AZURE_LOG\n");
		return 2;
	}
	lf = fopen(logp, "a");
	if (lf == NULL)
		return 2;
	memset(&cfg, 0, sizeof(cfg));
	snprintf(cfg.subscription, sizeof(cfg.subscription),
	    "00000000-0000-0000-0000-00000000c011");
	snprintf(cfg.resource_group, sizeof(cfg.resource_group), "SEA-Cust11");
	snprintf(cfg.circuit, sizeof(cfg.circuit), "SEA-Cust11-ER");
	snprintf(cfg.vpn_gateway, sizeof(cfg.vpn_gateway),
	    "SEA-Cust11-VNet01-gw-vpn");
	snprintf(cfg.cloud, sizeof(cfg.cloud), "custom");
	snprintf(cfg.arm_endpoint, sizeof(cfg.arm_endpoint),
	    "https://127.0.0.1:%s", port);
	snprintf(cfg.authority, sizeof(cfg.authority), "https://127.0.0.1:%s",
	    port);
	snprintf(cfg.ca_bundle, sizeof(cfg.ca_bundle), "%s", ca);
	cfg.request_timeout_ms = 10000;
	memset(&deps, 0, sizeof(deps));
	deps.log = log_file;
	deps.log_arg = lf;
	/* Where the mock's Azure Arc endpoint writes its key files (the
	 * agent's own directory needs root). */
	deps.arc_key_dir = getenv("FD_ARC_KEY_DIR");
	clock_init_real(&clock, NULL);
	if (argc == 3 && strcmp(argv[1], "contexts") == 0) {
		unsigned n = (unsigned)atoi(argv[2]);

		if (n < 1 || n > MAX_CTX)
			return 2;
		status = contexts(&cfg, &deps, &clock, n);
		fclose(lf);
		return status;
	}

	if ((rc = azure_open_with(&cfg, &clock, "11111111-2222-3333-4444-"
	    "555555555555", &deps, &ctx, &err)) < 0) {
		printf("error: open: %s\n", err.msg);
		return 3;
	}
	/* Preflight reads. */
	if ((rc = azure_cloud_ops.circuit(ctx, &c, &err)) < 0) {
		printf("error: circuit: %s\n", err.msg);
		status = 3;
		goto out;
	}
	printf("circuit: %s peering %s %s\n", c.ready ? "ready" :
	    c.not_ready, cloud_state_str(c.peering), c.peering_status);
	if ((rc = azure_cloud_ops.learned_routes(ctx, &rs, &err)) < 0) {
		printf("error: learned: %s\n", err.msg);
		status = 3;
		goto out;
	}
	printf("learned: %zu\n", rs.n);
	route_set_done(&rs);
	addr_parse("192.168.11.88", &peer, NULL);
	if ((rc = azure_cloud_ops.advertised_routes(ctx, &peer, &rs,
	    &err)) < 0) {
		printf("error: advertised: %s\n", err.msg);
		status = 3;
		goto out;
	}
	printf("advertised: %zu\n", rs.n);
	route_set_done(&rs);
	if ((rc = azure_cloud_ops.bgp_peers(ctx, &bs, &err)) < 0) {
		printf("error: bgp: %s\n", err.msg);
		status = 3;
		goto out;
	}
	printf("bgp peers: %zu\n", bs.n);
	bgp_summary_done(&bs);

	/* Failover. */
	if ((rc = toggle(ctx, &clock, false, false, &err)) < 0)
		printf("disable error: %s\n", err.msg);
	else
		printf("disabled: ok\n");
	/* Restore always runs, unforced as the engine does: already
	 * Enabled (and Succeeded) is -EALREADY, confirmed below. */
	if ((rc = toggle(ctx, &clock, true, false, &err)) < 0 &&
	    rc != -EALREADY) {
		printf("restore error: %s\n", err.msg);
		status = 4;
		goto out;
	}
	if ((rc = azure_cloud_ops.circuit(ctx, &c, &err)) < 0) {
		printf("restore error: %s\n", err.msg);
		status = 4;
		goto out;
	}
	printf("final: peering %s %s\n", cloud_state_str(c.peering),
	    c.peering_status);
	if (c.peering != CLOUD_STATE_ENABLED || !c.peering_settled)
		status = 4;
	printf("last request id: %s\n", azure_last_request_id(ctx));
out:
	azure_cloud_ops.close(ctx);
	fclose(lf);
	return status;
}
