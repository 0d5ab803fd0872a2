/*
 * Rendering of a hop list: a stable model dump (golden files), a
 * traceroute-like text for people, and JSON.  One print path per form;
 * the caller owns the returned strings and objects.
 */
#ifndef FD_RENDER_H
#define FD_RENDER_H

#include <jansson.h>

#include "hops.h"

/* Stable, line-oriented dump of every field of the model:
 *   source/target/reached/truncated/hops header lines, then one line per
 *   hop: "TTL  a=ADDR "name" b=...  |  a:RTT[FLAG] * ..."
 * (answers lettered a, b, ...; "*" a probe with no reply; "-" an RTT that
 * was not measured).  NULL on allocation failure. */
char *trace_render_model(const struct hop_list *l);

/* Like traceroute -n with names in parentheses. */
char *trace_render_text(const struct hop_list *l);

/* {"source","target","reached","truncated","hops":[{"ttl","answers":
 * [{"addr","name"}],"probes":[{"answer","rtt_ms","flag"}]}]} */
json_t *trace_render_json(const struct hop_list *l);

#endif
