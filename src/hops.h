/*
 * The hop model (what a traceroute saw), hop patterns (what the spec
 * expects), the matcher and the aligned diff of two hop lists.
 *
 * A hop list is a plain value of fixed size (about 60 KiB): allocate it
 * with hop_list_new() or embed it in a heap object.
 */
#ifndef FD_HOPS_H
#define FD_HOPS_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"
#include "netaddr.h"

#define HOPS_MAX 64		/* TTLs kept per trace */
#define HOP_MAX_ANSWERS 8	/* distinct responders per TTL (ECMP) */
#define HOP_MAX_PROBES 10	/* probes kept per TTL */
#define HOP_NAME_MAX 64

struct hop_answer {
	struct fd_addr addr;	/* may be unset when only a name was shown */
	char name[HOP_NAME_MAX];	/* reverse name or "" */
};

struct hop_probe {
	int answer;		/* index into hop.answers, -1: no reply */
	double rtt_ms;		/* < 0: not measured */
	char flag[8];		/* "!H" "!N" "!P" "!X" "!<n>" or "" */
};

struct hop {
	unsigned ttl;
	unsigned n_answers;	/* 0 = silent hop ("*") */
	struct hop_answer answers[HOP_MAX_ANSWERS];
	unsigned n_probes;
	struct hop_probe probes[HOP_MAX_PROBES];
	/* The router limited its ICMP errors: some probes of one flow went
	 * unanswered although it answered others of that flow (in the burst
	 * or when asked again after a refill).  Its stars are a rate limit,
	 * not a missing hop; only its answers count for expectations. */
	bool rate_limited;
};

struct hop_list {
	char source[32];	/* "native", "junos", "windows-tracert", ... */
	struct fd_addr target;	/* destination, when known */
	bool reached;		/* the destination answered */
	bool truncated;		/* output ended mid-trace */
	unsigned n;
	struct hop hops[HOPS_MAX];
};

struct hop_list *hop_list_new(void);
void hop_list_free(struct hop_list *l);
void hop_list_init(struct hop_list *l);

/* Builders used by importers and tracers.  hop_add_probe() records one probe
 * of TTL ttl (creating the hop, keeping TTL order); addr NULL = no reply.
 * Returns -ENOSPC past the fixed limits. */
int hop_list_add_probe(struct hop_list *l, unsigned ttl,
    const struct fd_addr *addr, const char *name, double rtt_ms,
    const char *flag);
struct hop *hop_list_get(struct hop_list *l, unsigned ttl);
/* Set reached from the target and the last hop's answers. */
void hop_list_finish(struct hop_list *l);

/* "10.1.11.1, *, 10.17.11.132"; ECMP hops as "a|b".  Returns buf. */
const char *hop_list_str(const struct hop_list *l, char *buf, size_t len);
/* Parse the same compact form (tests, fixtures). */
int hop_list_parse(const char *s, struct hop_list *out, struct fd_error *err);

/* ---- Named address sets ("@msee") ---- */

#define HOPSET_NAME_MAX 32
#define HOPSET_MAX_PREFIXES 16
#define HOPSETS_MAX 16

struct hop_set {
	char name[HOPSET_NAME_MAX];
	unsigned n;
	struct fd_prefix prefixes[HOPSET_MAX_PREFIXES];
};

struct hop_sets {
	unsigned n;
	struct hop_set sets[HOPSETS_MAX];
};

const struct hop_set *hop_sets_find(const struct hop_sets *s,
    const char *name);

/* ---- Patterns ---- */

enum hop_pat_kind {
	HOP_PAT_PREFIX,		/* an address (host prefix) or a CIDR */
	HOP_PAT_SET,		/* @name */
	HOP_PAT_SILENT,		/* "*": exactly one hop that did not answer */
	HOP_PAT_ONE,		/* "?": exactly one hop, answered or not */
	HOP_PAT_ANY,		/* "...": any number of hops, also none */
};

struct hop_pat {
	enum hop_pat_kind kind;
	struct fd_prefix prefix;
	char set[HOPSET_NAME_MAX];
};

#define PATH_MAX_PATS 32
#define PATH_MAX_AVOID 16

struct path_expect {
	unsigned n;
	struct hop_pat pats[PATH_MAX_PATS];
	unsigned n_avoid;
	struct hop_pat avoid[PATH_MAX_AVOID];
	bool reach;		/* default true: the target must answer */
	unsigned max_hops;	/* 0 = no limit */
};

/* One pattern token.  A set name is not resolved here (see
 * hop_pat_check()). */
int hop_pat_parse(const char *s, struct hop_pat *out, struct fd_error *err);
/* -ENOENT when an @set is not defined. */
int hop_pat_check(const struct hop_pat *p, const struct hop_sets *sets,
    struct fd_error *err);
const char *hop_pat_str(const struct hop_pat *p, char *buf, size_t len);
/* Does hop h match p?  ECMP: any of its answers matching is enough. */
bool hop_pat_match_hop(const struct hop_pat *p, const struct hop_sets *sets,
    const struct hop *h);

/*
 * Compare a trace with an expectation.  Returns 0 when it matches,
 * -EBADMSG when it does not (err->msg says why: which hop, what was
 * expected), -ENODATA for an empty trace (never a pass).
 */
int hops_match(const struct path_expect *e, const struct hop_sets *sets,
    const struct hop_list *l, struct fd_error *err);

/* ---- Diff ---- */

#define HOP_DIFF_MAX (2 * HOPS_MAX)

struct hop_diff_row {
	int a;			/* index into list a, -1 = none */
	int b;			/* index into list b, -1 = none */
	bool differs;
};

struct hop_diff {
	unsigned n;
	struct hop_diff_row rows[HOP_DIFF_MAX];
};

/* Align a and b (longest common subsequence over hop identity: answer
 * address sets, silent hops equal to silent hops). */
void hops_diff(const struct hop_list *a, const struct hop_list *b,
    struct hop_diff *out);

/* Are the two hops the same (share an answer address, or both silent)? */
bool hop_same(const struct hop *a, const struct hop *b);

#endif
