/*
 * Namespace-test helper: traces of each TARGET in turn, back to back, as the
 * drill's native provider makes them (a silent hop asked again, one history
 * of the routers' buckets for all of them; struct tracer_hist), and per
 * trace one JSON line: {"asked_again", "reasked", "reached", "silent":
 * [TTLs]}.
 *
 * usage: trace_hist PROBES_PER_HOP MAX_TTL TARGET...
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "probe/tracer.h"

int
main(int argc, char **argv)
{
	struct tracer_hist hist;
	struct probe_cfg cfg;
	struct fd_addr to;
	struct fd_error err = { 0 };
	int i;

	if (argc < 4) {
		fprintf(stderr, "usage: trace_hist PROBES_PER_HOP MAX_TTL "
		    "TARGET...\n");
		return 2;
	}
	memset(&cfg, 0, sizeof(cfg));
	cfg.probes_per_hop = (unsigned)atoi(argv[1]);
	cfg.max_ttl = (unsigned)atoi(argv[2]);
	cfg.reask = true;
	memset(&hist, 0, sizeof(hist));
	for (i = 3; i < argc; i++) {
		struct hop_list *l = hop_list_new();
		struct probe_trace_stats st;
		json_t *o, *silent;
		unsigned h;
		char *js;

		if (addr_parse(argv[i], &to, &err) < 0) {
			fprintf(stderr, "trace_hist: %s\n", err.msg);
			return 2;
		}
		if (l == NULL || tracer_run_hist(&cfg, &to, l, NULL, &st, &hist,
		    &err) < 0) {
			fprintf(stderr, "trace_hist: %s\n", err.msg);
			return 1;
		}
		silent = json_array();
		for (h = 0; h < l->n; h++)
			if (l->hops[h].n_answers == 0)
				json_array_append_new(silent,
				    json_integer(l->hops[h].ttl));
		o = json_pack("{s:i, s:i, s:b, s:o}", "asked_again",
		    (int)st.asked_again, "reasked", (int)st.reasked,
		    "reached", l->reached, "silent", silent);
		js = json_dumps(o, JSON_COMPACT);
		printf("%s\n", js);
		free(js);
		json_decref(o);
		hop_list_free(l);
	}
	return 0;
}
