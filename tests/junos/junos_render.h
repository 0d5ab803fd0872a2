/* Stable text form of the parsed models, for the golden .ok files. */
#ifndef FD_JUNOS_RENDER_H
#define FD_JUNOS_RENDER_H

#include <stdio.h>

#include "hops.h"
#include "routes.h"

void render_routes(FILE *f, const struct route_set *s);
void render_bgp(FILE *f, const struct bgp_summary *s);
void render_hops(FILE *f, const struct hop_list *l);

#endif
