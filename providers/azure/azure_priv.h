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

#include "azure.h"
#include "log.h"

struct azure {
	struct azure_cfg cfg;
	struct fd_clock clock;
	struct http own_http;	/* opened here unless injected */
	struct http http;
	struct azure_cred *cred;
	struct arm arm;
	char peering_path[768];
	char circuit_path[512];
	char gateway_path[512];
	/* IPv6 peering state seen before our own disable, and the one the
	 * engine asked the next enable to put back (ipv6_restore). */
	char v6_seen[16];
	char v6_restore[16];
};

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
