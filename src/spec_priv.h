/*
 * Inside the drill spec loader: spec.c (top level, loading, lookups),
 * spec_sections.c (azure, devices, hops, probes, trace), spec_checks.c
 * (checks and expectations) and spec_window.c (the maintenance window), over the field walker of jsonwalk.h, whose
 * context carries the spec being filled.
 */
#ifndef FD_SPEC_PRIV_H
#define FD_SPEC_PRIV_H

#include "jsonwalk.h"
#include "spec.h"

static inline struct spec *
vspec(const struct jw_ctx *c)
{
	return c->user;
}

void spec_parse_azure(struct jw_ctx *c, json_t *o);
void spec_parse_devices(struct jw_ctx *c, json_t *o);
void spec_parse_hops(struct jw_ctx *c, json_t *o);
void spec_parse_probes(struct jw_ctx *c, json_t *a);
void spec_parse_trace(struct jw_ctx *c, json_t *o);
void spec_parse_window(struct jw_ctx *c, json_t *o);	/* spec_window.c */
void spec_parse_checks(struct jw_ctx *c, json_t *a, struct spec_check *v,
    unsigned *n, bool route_only);
void spec_parse_expect(struct jw_ctx *c, json_t *o);

#endif
