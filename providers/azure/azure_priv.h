/*
 * Inside the Azure provider (not for the engine, nor its tests): the
 * provider's state and what its files share.
 *
 *   azure.c          open/close, the ops table, the shared helpers
 *   azure_peering.c  circuit and peering state, the toggle operation
 *   azure_reads.c    the gateway's and circuit's reads, preflight verdicts
 *   azure_convert.c  ARM JSON to the engine's types (pure)
 *   azure_lease.c    the drill's lease tag on the circuit
 */
#ifndef FD_AZURE_PRIV_H
#define FD_AZURE_PRIV_H

#include <pthread.h>

#include "azure.h"
#include "log.h"

struct azure {
	struct azure_cfg cfg;
	struct fd_clock clock;
	struct http own_http;	/* opened here unless injected */
	struct http http;
	struct azure_cred *cred;
	/* What it was opened with (after defaults), to open a sibling for
	 * a concurrent request; deps.http NULL: its own libcurl handle. */
	struct azure_deps deps;
	struct arm arm;
	char peering_path[768];
	char circuit_path[512];
	char gateway_path[512];
	/* IPv6 peering state seen before our own disable, and the one the
	 * engine asked the next enable to put back (ipv6_restore). */
	char v6_seen[16];
	char v6_restore[16];
	/* The circuit as read to confirm the last operation (op_confirm),
	 * for the engine's next read of it: valid once, while the context
	 * sent nothing else (arm.n_requests) and for a short while. */
	struct cloud_circuit confirmed;
	bool confirmed_valid;
	unsigned confirmed_n;
	uint64_t confirmed_at;
};

/* A request of a provider call run beside the call's own: on a thread,
 * on a sibling context (its own HTTP handle: a libcurl easy handle serves
 * one thread; the token from the shared cache), so that two independent
 * requests cost one round trip.  The sibling's connection is a new one
 * (TCP and TLS handshakes, two round trips to ARM): a gain while ARM's
 * own time per request exceeds a round trip; a libcurl connection cache
 * shared by the contexts (CURLSH) would take the handshakes off too.  With an injected transport (scripted
 * tests) or when no thread can be had, az_job_finish runs it on az
 * itself, after the caller's own requests, as the serial code did. */
struct az_job {
	struct azure *az;	/* where run runs */
	void (*run)(struct az_job *j);
	void *sib;
	pthread_t th;
	bool threaded;
};

void az_job_start(struct azure *az, struct az_job *j);
/* Wait for the job; run it here first when it was not started and
 * run_here (false: the caller's own requests failed, skip it). */
void az_job_finish(struct azure *az, struct az_job *j, bool run_here);

/* A string member of o, "" when absent. */
const char *az_jstr(const json_t *o, const char *key);
/* ARM's peering state words: "Enabled" | "Disabled". */
const char *az_want_str(bool enabled);
/* A line of the provider's log, at the level it is made with. */
void az_log_line(struct azure *az, enum log_level level, const char *fmt,
    ...) __attribute__((format(printf, 3, 4)));

/* azure_peering.c */
int az_circuit(void *ctx, struct cloud_circuit *out, struct fd_error *err);
int az_peering_set_begin(void *ctx, bool enabled, bool force,
    struct cloud_op **out, struct cloud_op_info *info,
    struct fd_error *err);
int az_op_poll(void *ctx, struct cloud_op *op, struct cloud_poll *out,
    struct fd_error *err);
void az_op_free(struct cloud_op *op);
void az_ipv6_restore(void *ctx, enum cloud_state state);

/* azure_lease.c: the lease tag (issue 14) */
int az_lease_set(void *ctx, const char *value, struct cloud_op_info *info,
    struct fd_error *err);
int az_lease_clear(void *ctx, const char *value, struct cloud_op_info *info,
    struct fd_error *err);
/* The lease tag among a circuit GET's tags. */
void az_lease_fill(const json_t *circuit, struct cloud_circuit *c);

/* azure_reads.c */
int az_learned_routes(void *ctx, struct route_set *out,
    struct fd_error *err);
int az_advertised_routes(void *ctx, const struct fd_addr *peer,
    struct route_set *out, struct fd_error *err);
int az_bgp_peers(void *ctx, struct bgp_summary *out, struct fd_error *err);
int az_connectivity(void *ctx, const struct conncheck_req *req,
    struct hop_list *out, struct fd_error *err);
int az_permissions(void *ctx, struct fd_error *err);
int az_link_summary(void *ctx, const char *link, struct bgp_summary *out,
    struct fd_error *err);
int az_vpn_connections(void *ctx, struct fd_error *err);
int az_link_test_idle(void *ctx, struct fd_error *err);

#endif
