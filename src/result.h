/*
 * The result document of one drill run and the hop-list JSON it embeds.
 *
 * The engine builds the document (a json_t) as the drill runs, its traces
 * with hops_json.h; this module checks documents read back from disk.
 * Rendering is in report.h, the result directory in result_write.h.
 *
 * Result document schema "failover-drill/result/1"
 * ------------------------------------------------
 * Readers ignore members they do not know; adding a member keeps the
 * version, removing one or changing its type or meaning bumps it.
 * Times are UTC, RFC 3339 with milliseconds ("2026-11-24T02:30:00.123Z");
 * durations are seconds (numbers).  "?" marks an optional member.
 *
 * {
 *   "schema": "failover-drill/result/1",
 *   "tool": {"name": "failover-drill", "version": "0.1.0"},
 *   "drill": {"name": S, "spec": PATH, "subscription": S,
 *             "resource_group": S, "circuit": S, "peering": S},
 *   "mode": "run" | "dry-run",
 *   "started": TIME, "finished": TIME, "duration_s": N,
 *   "outcome": "passed" | "failed" | "aborted" | "restore-failed",
 *   "exit_code": 0..4,                  (failover-drill(1) EXIT STATUS)
 *   "error": null | "one-line message",
 *   "backup_healthy": true | false | null,   (null: not determined)
 *   "phases": [{"name": "preflight" | "baseline" | "failover" |
 *                       "converge" | "verify" | "restore" |
 *                       "verify-restored",
 *               "started": TIME, "duration_s": N,
 *               "status": "ok" | "failed" | "error" | "skipped",
 *               "message"?: S}],
 *   "checks": [{"phase": PHASE, "name": S, "ok": BOOL,
 *               "message"?: S, "line"?: spec line or 0}],
 *   "paths": [{"probe": S, "target": ADDR, "from"?: "" or device,
 *              "traces": {"baseline": TRACE | null,
 *                         "failover": TRACE | null,
 *                         "restored": TRACE | null}}],
 *   "convergence": {"failover": CONV | null, "failback": CONV | null},
 *   "azure": {"correlation_id": S,
 *             "operations": [{"action": "disable" | "enable",
 *                             "http_status": INT, "request_id": S,
 *                             "status": S ("Succeeded", "Failed", ...),
 *                             "duration_s": N, "attempts": INT}]},
 *   "journal"?: PATH | null
 * }
 * TRACE (hop_list_to_json()):
 *   {"source": "native", "target": ADDR or "", "reached": BOOL,
 *    "truncated": BOOL,
 *    "hops": [{"ttl": 1..255 (increasing),
 *              "answers": [{"addr": ADDR or "", "name": S}],
 *              "probes": [{"answer": index into answers or -1,
 *                          "rtt_ms": N | null (not measured),
 *                          "flag": "" | "!H" | ...}]}]}
 * CONV (continuous probing; times since the ARM write was sent):
 *   {"probe": S, "target": ADDR, "rate_hz": N, "sent": INT, "lost": INT,
 *    "left_s": N | null, "stable_s": N | null, "longest_loss_s": N,
 *    "converged": BOOL,
 *    "signals"?: {"none"|"ttl_responder"|"reply_ttl"|"rtt"|"carried": INT},
 *    "timeline"?: [{"from_s": N, "to_s": N,
 *                   "state": "primary" | "backup" | "lost"}]}
 */
#ifndef FD_RESULT_H
#define FD_RESULT_H

#include <jansson.h>

#include "error.h"
#include "hops.h"
#include "hops_json.h"	/* TRACE; kept here for the engine's callers */

#define RESULT_SCHEMA "failover-drill/result/1"

/* Validate a result document; the message names the member
 * ("phases[2].duration_s: expected a number, got a string"). */
int result_check(const json_t *doc, struct fd_error *err);
/* Load path (duplicate keys rejected) and result_check() it; *out is a new
 * reference. */
int result_load(const char *path, json_t **out, struct fd_error *err);

/* Parse a TIME as above ('Z' or a +hh:mm offset) to seconds since the
 * epoch. */
int result_time_parse(const char *s, double *out);

#endif
