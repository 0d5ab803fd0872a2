/*
 * The three provider interfaces: a cloud (Azure: the peering toggle and
 * Azure-side reads), a device (Junos over SSH: route and BGP state), and a
 * probe (native traceroute and the continuous convergence prober).
 *
 * Each is a const ops table plus a void *ctx made by open().  Dependencies
 * (clock, transports) are injected at open time.  Providers never decide
 * policy: the core owns deadlines, polling intervals and cancellation.
 * All functions return 0 or a negative errno and fill err; *out is written
 * only on success.  A failed request's id goes in err->request_id, never
 * only in the text.  The boundary is typed: states are enums and bools,
 * and a provider's vocabulary (ARM's "Succeeded", "Provisioned") stays
 * inside it, shown to the operator but never compared by the engine.
 * Providers log through log.h with the level decided where the line is
 * made.
 */
#ifndef FD_PROVIDER_H
#define FD_PROVIDER_H

#include <limits.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "clock.h"
#include "error.h"
#include "hops.h"
#include "netaddr.h"
#include "routes.h"

/* ------------------------------------------------------------------ cloud */

struct azure_cfg {
	char subscription[64];
	char resource_group[96];
	char circuit[96];
	char peering[64];		/* default "AzurePrivatePeering" */
	char vpn_gateway[96];		/* "" when not checked */
	char cloud[16];			/* "public" | "usgov" | "china" | "custom" */
	char arm_endpoint[256];		/* "" = the cloud's; https only */
	char authority[256];		/* "" = the cloud's login host */
	char audience[256];		/* "" = the cloud's; custom: discovered */
	char ca_bundle[PATH_MAX];	/* "" = system CAs */
	char api_version[32];		/* default "2024-05-01"; previews fit */
	bool ipv6;			/* also toggle ipv6PeeringConfig.state */
	/* Network Watcher connectivity check (optional). */
	char network_watcher_rg[96];
	char network_watcher[96];
	char source_vm_id[512];
	unsigned request_timeout_ms;	/* per HTTP request */
};

/*
 * A peering's state (IPv4, or its IPv6 configuration) in the engine's
 * terms; the provider maps its own vocabulary onto it.  The names
 * cloud_state_str() gives are what journals and result.json record.
 */
enum cloud_state {
	CLOUD_STATE_NONE = 0,		/* not configured (no IPv6) */
	CLOUD_STATE_ENABLED,
	CLOUD_STATE_DISABLED,
	CLOUD_STATE_UNKNOWN,		/* the provider reported another */
};

/* "" | "Enabled" | "Disabled" | "unknown". */
const char *cloud_state_str(enum cloud_state st);
/* The inverse, case-insensitive; "" is CLOUD_STATE_NONE; -EINVAL for
 * any other word. */
int cloud_state_parse(const char *s, enum cloud_state *out);

/*
 * The drill's lease (issue 14): one tag on the circuit, visible to every
 * operator and every host, naming who drills it until when.  Azure tag
 * values hold at most 256 characters (MicrosoftDocs azure-resource-
 * manager/management/tag-resources.md, "Limitations").
 */
#define CLOUD_LEASE_TAG "failover-drill-lease"
#define CLOUD_LEASE_MAX 256

/*
 * The circuit and its peering as the engine judges them.  Verdicts are
 * typed; the provider's own words come along only to be shown.
 */
struct cloud_circuit {
	/* The circuit can take a peering write: provisioned by its service
	 * provider, enabled, no operation on it running or failed.  When
	 * not, not_ready says which and why, in the provider's words. */
	bool ready;
	char not_ready[256];
	enum cloud_state peering;	/* IPv4 */
	enum cloud_state peering_ipv6;	/* NONE when not dual-stack */
	/* No operation on the peering runs or failed; when not,
	 * peering_status is the provider's word for where it is (shown,
	 * never compared: "Updating"). */
	bool peering_settled;
	char peering_status[32];
	long long peer_asn, azure_asn;
	char primary_prefix[FD_PREFIX_STRLEN];
	char secondary_prefix[FD_PREFIX_STRLEN];
	char etag[128];
	/* The lease tag (CLOUD_LEASE_TAG) among the circuit's tags, when a
	 * provider with lease_set reads them: lease_found, and its value
	 * (cut at CLOUD_LEASE_MAX; the engine parses it). */
	bool lease_found;
	char lease[CLOUD_LEASE_MAX + 1];
};

/* An operation in flight (the peering PUT); owned by the provider. */
struct cloud_op;

struct cloud_poll {
	bool done;			/* finished, and it succeeded */
	uint64_t retry_after_ms;	/* server's hint (Retry-After) or 0 */
	char status[32];		/* the provider's word, shown in the
					 * heartbeat only: "InProgress" */
};

struct cloud_op_info {
	int http_status;		/* of the initial PUT */
	char request_id[64];		/* x-ms-request-id of the PUT */
	char client_request_id[64];
	char correlation_id[64];
	/* When the accepted PUT went out, on the provider's clock (the one
	 * open() or set_clock() gave it); 0 unknown.  Switch times count
	 * from it: the GET before the PUT and any retry of the PUT are not
	 * part of the failover. */
	uint64_t sent_ms;
};

/* Who the provider acts as (the access token's claims); each field ""
 * when the token does not say. */
struct cloud_identity {
	char app_id[64];		/* appid (v2.0: azp) */
	char object_id[64];		/* oid of the principal */
	char tenant_id[64];
	char type[16];			/* idtyp: "app" | "user" | "" */
	char name[128];			/* a user's upn */
};

struct conncheck_req {
	struct fd_addr dest;
	unsigned port;			/* 0 with protocol "Icmp" */
	char protocol[8];		/* "Icmp", "Tcp" */
};

/* The cloud reads and writes plan names, described by the provider. */
enum cloud_step {
	CLOUD_STEP_CIRCUIT,		/* read the circuit and peering */
	CLOUD_STEP_PERMISSIONS,		/* read the principal's actions */
	CLOUD_STEP_GATEWAY_PERMISSIONS,	/* the same on the VPN gateway */
	CLOUD_STEP_DISABLE,		/* the peering write that disables */
	CLOUD_STEP_ENABLE,		/* the one that restores */
	CLOUD_STEP_LEASE_SET,		/* write the lease tag */
	CLOUD_STEP_LEASE_CLEAR,		/* remove it */
};

struct cloud_ops {
	const char *name;
	/* Optional, for plan (nothing is opened or sent): what a step
	 * reads or writes, in the provider's own terms (the request and
	 * the body).  -ENOENT when cfg makes no such step. */
	int (*describe)(const struct azure_cfg *cfg, enum cloud_step step,
	    char *buf, size_t len);
	/* open() may be called again for more contexts, each used by one
	 * thread at a time: the engine then makes independent reads (the
	 * preflight checks, both links' summaries) concurrently, each on a
	 * context of its own. */
	bool parallel_reads;
	/* Optional: the library this provider loads at run time, as
	 * provider_libraries() reports it. */
	int (*library)(char *buf, size_t len);
	int (*open)(const struct azure_cfg *cfg, const struct fd_clock *clock,
	    const char *correlation_id, void **ctx, struct fd_error *err);
	int (*circuit)(void *ctx, struct cloud_circuit *out,
	    struct fd_error *err);
	/* GET the peering, set state (and IPv6 state), PUT with If-Match.
	 * Refuses (-EALREADY) when the peering is already in that state
	 * unless force; -EBUSY when not Succeeded. */
	int (*peering_set_begin)(void *ctx, bool enabled, bool force,
	    struct cloud_op **out, struct cloud_op_info *info,
	    struct fd_error *err);
	/* One poll of the operation; an operation that failed or was
	 * cancelled is an error (-EIO) with its code and message in
	 * err->msg and its request id in err->request_id. */
	int (*op_poll)(void *ctx, struct cloud_op *op, struct cloud_poll *out,
	    struct fd_error *err);
	void (*op_free)(struct cloud_op *op);
	/* Azure-side reads; the provider follows their LROs with the clock
	 * it was given. */
	int (*learned_routes)(void *ctx, struct route_set *out,
	    struct fd_error *err);
	int (*advertised_routes)(void *ctx, const struct fd_addr *peer,
	    struct route_set *out, struct fd_error *err);
	int (*bgp_peers)(void *ctx, struct bgp_summary *out,
	    struct fd_error *err);
	int (*connectivity)(void *ctx, const struct conncheck_req *req,
	    struct hop_list *out, struct fd_error *err);
	/* Preflight verdicts; each may be NULL (not supported).  May the
	 * principal do everything a drill does (reads, the gateway's read
	 * actions, the peering write)?  -EPERM naming every missing
	 * action. */
	int (*permissions)(void *ctx, struct fd_error *err);
	/* Optional, both or neither: the lease tag on the circuit
	 * (CLOUD_LEASE_TAG; circuit() reads it, so reading costs no request
	 * of its own).  lease_set writes name=value and leaves every other
	 * tag alone; lease_clear removes the tag only while it still holds
	 * value (another drill's lease stays).  Neither write is
	 * conditional: the last writer wins.  info gets the request's ids;
	 * a refused write is -EACCES, -EINVAL ... with err->request_id. */
	int (*lease_set)(void *ctx, const char *value,
	    struct cloud_op_info *info, struct fd_error *err);
	int (*lease_clear)(void *ctx, const char *value,
	    struct cloud_op_info *info, struct fd_error *err);
	/* Optional: who the provider acts as, from its credential (never
	 * the secret itself); -EBADMSG when the credential does not say. */
	int (*identity)(void *ctx, struct cloud_identity *out,
	    struct fd_error *err);
	/* The BGP neighbours of one link ("Primary" | "Secondary") of the
	 * peering, as its MSEE sees them (routeTablesSummary): state
	 * "Established" with received = the prefix count, or the BGP state
	 * it reports instead. */
	int (*link_summary)(void *ctx, const char *link,
	    struct bgp_summary *out, struct fd_error *err);
	/* Every connection of the VPN gateway Connected with its tunnels,
	 * and with an active-active gateway a Connected BGP peer per
	 * instance; -EBADMSG naming the first that is not. */
	int (*vpn_connections)(void *ctx, struct fd_error *err);
	/* No Microsoft link-failover test running on the circuit: -EBUSY
	 * naming it. */
	int (*link_test_idle)(void *ctx, struct fd_error *err);
	/* The IPv6 peering state the next enable puts back (recorded in
	 * preflight or the journal); never enables an IPv6 peering that
	 * was off.  CLOUD_STATE_NONE: what the provider saw before its own
	 * disable, else unchanged. */
	void (*ipv6_restore)(void *ctx, enum cloud_state state);
	/* Optional: the clock every later wait of the provider runs on
	 * (Retry-After, retries, read-action polling).  The drill gives it
	 * its own clock for the reads of preflight, baseline and verify, so
	 * a signal cuts them short, and the restore clock, which no signal
	 * cuts, for restore.  Never called while another call runs. */
	void (*set_clock)(void *ctx, const struct fd_clock *clock);
	void (*close)(void *ctx);
};

/* ----------------------------------------------------------------- device */

struct device_cfg {
	char name[32];			/* spec key: "fw", "ce1" */
	char kind[16];			/* "junos" */
	char host[256];
	unsigned port;			/* default 22 */
	char user[64];
	char routing_instance[64];	/* "" = master */
	char known_hosts[PATH_MAX];	/* default ~/.ssh/known_hosts */
	bool accept_new_host_key;	/* trust on first use: off by default */
	char identity_file[PATH_MAX];
	char passphrase_file[PATH_MAX];
	char password_file[PATH_MAX];
	char password_env[64];
	bool agent;			/* try ssh-agent */
	char jump_host[256];		/* "" or [user@]host[:port] */
	unsigned connect_timeout_ms;
	unsigned command_timeout_ms;
	unsigned keepalive_s;
	/* Device traceroutes ("traceroute ... wait S ttl N"), from the
	 * spec's "trace" settings; 0 = the device's defaults (Junos: wait
	 * 5 s, ttl 30, 3 probes). */
	unsigned trace_wait_s;
	unsigned trace_max_ttl;
	/* How queries travel (spec "transport"): "cli" ("" too), a CLI
	 * command per exec channel, or "netconf", RPCs on one NETCONF
	 * session (RFC 6241 over SSH, RFC 6242). */
	char transport[16];
};

struct device_info {
	char model[64];
	char version[64];
	char hostname[64];
	/* A chassis cluster's nodes: "node0 21.4R3, node1 21.4R3"; "" for
	 * a single device. */
	char nodes[128];
};

/*
 * The raw replies a device provider parsed, saved as evidence for the
 * change review (the result directory's replies/, failover-drill(1)
 * FILES).  One budget per drill, shared by every device: providers add
 * what they save to used (from their collector threads at once) and save
 * nothing more once a reply would pass max_bytes, noting that once (full).
 */
struct device_replies {
	uint64_t max_bytes;
	_Atomic uint64_t used;
	atomic_bool full;
};

/* One query of a batch (device_ops.prefetch); pointers as the query
 * call will take them (NULL: none). */
enum device_query_kind {
	DEVQ_INFO,
	DEVQ_ROUTES,		/* table, prefix */
	DEVQ_ADVERTISED,	/* addr (neighbour), table */
	DEVQ_RECEIVED,		/* addr (neighbour), table */
	DEVQ_BGP_SUMMARY,	/* instance */
};

struct device_query {
	enum device_query_kind kind;
	const char *table;
	const struct fd_prefix *prefix;
	const struct fd_addr *addr;
	const char *instance;
};

struct device_ops {
	const char *kind;
	int (*library)(char *buf, size_t len);	/* optional, as cloud_ops */
	int (*open)(const struct device_cfg *cfg, void **ctx,
	    struct fd_error *err);
	/* Connect (if not yet) and identify: "show version". */
	int (*info)(void *ctx, struct device_info *out, struct fd_error *err);
	/* show route table T [PREFIX exact]; table "" = the routing
	 * instance's inet table (or inet.0); prefix NULL = whole table. */
	int (*routes)(void *ctx, const char *table, const struct fd_prefix *pfx,
	    struct route_set *out, struct fd_error *err);
	int (*advertised)(void *ctx, const struct fd_addr *nbr,
	    const char *table, struct route_set *out, struct fd_error *err);
	int (*received)(void *ctx, const struct fd_addr *nbr, const char *table,
	    struct route_set *out, struct fd_error *err);
	/* instance "" = all */
	int (*bgp_summary)(void *ctx, const char *instance,
	    struct bgp_summary *out, struct fd_error *err);
	int (*traceroute)(void *ctx, const struct fd_addr *to,
	    const char *instance, struct hop_list *out, struct fd_error *err);
	/* Optional.  Called by the core about once a second while it waits
	 * (settle, converge, the ARM operation, backoff), from the drill's
	 * thread and never while a query of this device runs: keep the
	 * session alive (an SSH keepalive).  Never connects, never blocks. */
	void (*idle)(void *ctx);
	/* Optional.  From now on save the reply of every query (info,
	 * routes, BGP, traceroute: the bytes parsed) as a file in dir,
	 * made on the first reply; dir NULL stops.  The file names and
	 * formats are the provider's.  Called from the drill's thread when
	 * its phase changes, never while a query of this device runs.  A
	 * reply that cannot be saved is a logged warning, never a query
	 * error. */
	void (*record)(void *ctx, const char *dir,
	    struct device_replies *budget);
	void (*close)(void *ctx);
	/* Optional.  The independent queries about to be asked of this
	 * device, from the thread that then asks them, one call each as
	 * usual: the provider may send them at once and keep each reply for
	 * its call.  Never fails: a query without a kept reply runs as it
	 * would have; replies not asked for are dropped at the next
	 * prefetch or close. */
	void (*prefetch)(void *ctx, const struct device_query *q, size_t n);
};

/* ------------------------------------------------------------------ probe */

struct probe_cfg {
	unsigned probes_per_hop;	/* default 3 */
	unsigned first_ttl;		/* default 1 */
	unsigned max_ttl;		/* default 30 */
	unsigned flows;			/* fixed flows per trace, default 1 */
	unsigned wait_max_ms;		/* default 3000 */
	double wait_here;		/* x RTT of this hop's replies, 3.0 */
	double wait_near;		/* x RTT of later hops' replies, 10.0 */
	unsigned port;			/* base destination port, 33434 */
	unsigned hop_burst;		/* probes to one hop at once, then one
					 * a second; default 6 (Linux) */
	bool reask;			/* ask a silent hop again after a
					 * refill (trace --reask) */
	char source[FD_ADDR_STRLEN];	/* "" = kernel's choice */
	char iface[32];
};

/* Upper bounds of probe_cfg for any probe provider (the trace verb's
 * option ranges). */
#define PROBE_MAX_PROBES 10		/* probes_per_hop */
#define PROBE_MAX_FLOWS 16		/* flows */
#define PROBE_MAX_HOP_BURST 160		/* hop_burst: every probe to a hop */

/* What one trace did (the trace verb's --json "stats"). */
struct probe_trace_stats {
	unsigned sent;		/* probes sent */
	unsigned answered;	/* matched to a probe */
	unsigned unmatched;	/* errors whose quote did not carry our id */
	unsigned asked_again;	/* silent hops asked again after a refill */
	unsigned reasked;	/* silent hops answered when asked again */
	unsigned paced;		/* probes held back for a hop's bucket */
	unsigned rate_limited;	/* hops marked rate-limited */
	uint64_t wall_ms;
};

enum probe_method { PROBE_METHOD_ICMP = 0, PROBE_METHOD_TCP, PROBE_METHOD_UDP };

const char *probe_method_str(enum probe_method m);
int probe_method_parse(const char *s, enum probe_method *out);

struct watch_req {
	struct fd_addr target;
	enum probe_method method;	/* end-to-end probe */
	unsigned port;			/* tcp: destination port */
	unsigned rate_hz;		/* end-to-end probes per second */
	unsigned ttl;			/* TTL of the path-revealing probe; 0 =
					 * only end-to-end probes */
	unsigned ttl_rate_hz;		/* 0 = prober default, adaptive
					 * ~1/s */
	uint64_t max_ms;		/* stop by itself after this long */
};

struct watch_sample {
	uint64_t t_ms;			/* CLOCK_MONOTONIC ms, as clock_now() of a
					 * real clock */
	bool e2e_reply;			/* end-to-end probe answered */
	double rtt_ms;
	int reply_ttl;			/* TTL/hop limit of the e2e answer,
					 * -1 unknown */
	bool ttl_sent;			/* a TTL-limited probe went with
					 * it */
	bool ttl_reply;			/* the TTL-limited probe answered */
	struct fd_addr ttl_from;	/* who answered it */
};

struct watch_samples {
	size_t n, cap;
	struct watch_sample *v;
};

/* A sample's end-to-end and TTL-limited answers may come up to this long
 * after it is taken (later ones count as lost): a peeked sample younger
 * than that may still change (probe_ops watch_peek). */
#define WATCH_REPLY_MS 1000

void watch_samples_done(struct watch_samples *s);
int watch_samples_add(struct watch_samples *s, const struct watch_sample *w);

struct probe_watch;

struct probe_ops {
	const char *name;
	int (*open)(const struct probe_cfg *cfg, void **ctx,
	    struct fd_error *err);
	int (*trace)(void *ctx, const struct fd_addr *to, struct hop_list *out,
	    struct fd_error *err);
	/* The trace verb, one trace as traceroute(8) (both may be NULL).
	 * cfg_check fills cfg's zero fields with the provider's defaults and
	 * checks it (-EINVAL: out of range).  trace_once runs with cfg as
	 * given (reask too): out gets every flow's probes merged; per_flow,
	 * when not NULL, holds cfg->flows lists, one flow each; stats may be
	 * NULL. */
	int (*cfg_check)(struct probe_cfg *cfg, struct fd_error *err);
	int (*trace_once)(const struct probe_cfg *cfg, const struct fd_addr *to,
	    struct hop_list *out, struct hop_list *per_flow,
	    struct probe_trace_stats *stats, struct fd_error *err);
	/* Start probing in the background (a thread); returns at once. */
	int (*watch_begin)(void *ctx, const struct watch_req *req,
	    struct probe_watch **out, struct fd_error *err);
	/* Stop, join, and hand over every sample; frees w. */
	int (*watch_end)(void *ctx, struct probe_watch *w,
	    struct watch_samples *out, struct fd_error *err);
	/* Optional (NULL: the engine sees the samples at watch_end only).
	 * Append to out copies of the samples w has taken so far, from
	 * index from on (the indexes of watch_end's samples), without
	 * stopping it; from the drill's thread while w runs.  A sample
	 * younger than WATCH_REPLY_MS may still get its answers: peek it
	 * again.  Never blocks on the network. */
	int (*watch_peek)(void *ctx, struct probe_watch *w, size_t from,
	    struct watch_samples *out, struct fd_error *err);
	/* Optional (NULL: unknown, and the engine never re-traces early).
	 * Milliseconds from now until every router that answered this
	 * context's traces (the destination too) has an ICMP token again,
	 * as the provider models their rate limits: a trace made sooner
	 * finds some of them silent.  0: now. */
	unsigned (*trace_ready_ms)(void *ctx);
	/* One-shot reachability for preflight: up to count end-to-end
	 * probes of req->method; *answered of them got an answer (the
	 * native provider stops at the first: *answered 0 or 1). */
	int (*reach)(void *ctx, const struct watch_req *req, unsigned count,
	    unsigned *answered, struct fd_error *err);
	void (*close)(void *ctx);
};

/* ---------------------------------------------------------------- registry */

const struct cloud_ops *provider_cloud(const char *name);
const struct device_ops *provider_device(const char *kind);
const struct probe_ops *provider_probe(const char *name);
/*
 * The libraries providers load at run time (dlopen, so ldd does not list
 * them): one line each, "azure: libcurl/7.88.1 ... (libcurl.so.4)" or
 * "azure: libcurl.so.4 not found: ... (Debian: apt-get install ...)".
 * Returns how many could not be loaded.
 */
int provider_libraries(FILE *out);

#endif
