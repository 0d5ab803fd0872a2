/* The "trace" verb; see cmd_trace.h and failover-drill(1). */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd_trace.h"
#include "import.h"
#include "provider.h"
#include "render.h"

enum { TRACE_OK = 0, TRACE_FAILED = 1, TRACE_USAGE = 2 };

static const char trace_usage[] =
"usage: failover-drill trace [--json | --model] [-q N] [-f FIRST] [-m MAX]\n"
"           [--flows N] [--per-flow] [-w MAX[,HERE,NEAR]] [-p PORT]\n"
"           [--hop-burst N] [--reask] [-s SOURCE] [-i IFACE] TARGET\n"
"       failover-drill trace [--json | --model] --import FILE "
"[--format NAME]\n"
"       failover-drill trace --format help\n";

static int
trace_usage_error(const char *msg, const char *arg)
{
	fprintf(stderr, "failover-drill: trace: %s%s%s\n", msg,
	    arg ? ": " : "", arg ? arg : "");
	fputs(trace_usage, stderr);
	return TRACE_USAGE;
}

static bool
parse_uint(const char *s, unsigned lo, unsigned hi, unsigned *out)
{
	char *end;
	unsigned long v;

	if (s == NULL || *s == '\0' || *s == '-')
		return false;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < lo || v > hi)
		return false;
	*out = (unsigned)v;
	return true;
}

/* -w MAX[,HERE,NEAR]: seconds (as Linux traceroute), factors. */
static bool
parse_wait(const char *s, struct probe_cfg *cfg)
{
	double max, here = 0, near = 0;
	char *end;

	max = strtod(s, &end);
	if (end == s || max <= 0 || max > 60)
		return false;
	if (*end == ',') {
		here = strtod(end + 1, &end);
		if (*end != ',')
			return false;
		near = strtod(end + 1, &end);
		if (here < 0 || near < 0)
			return false;
	}
	if (*end != '\0')
		return false;
	cfg->wait_max_ms = (unsigned)(max * 1000);
	if (cfg->wait_max_ms == 0)
		cfg->wait_max_ms = 1;
	cfg->wait_here = here;
	cfg->wait_near = near;
	return true;
}

static char *
slurp(const char *path, size_t *len)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	char *buf = NULL;
	size_t cap = 0, n = 0;

	if (f == NULL)
		return NULL;
	for (;;) {
		size_t r;

		if (n == cap) {
			char *b;

			cap = cap ? cap * 2 : 65536;
			if (cap > 64u << 20 || (b = realloc(buf, cap)) ==
			    NULL) {
				free(buf);
				buf = NULL;
				break;
			}
			buf = b;
		}
		r = fread(buf + n, 1, cap - n, f);
		n += r;
		if (r == 0)
			break;
	}
	if (buf != NULL && ferror(f)) {
		free(buf);
		buf = NULL;
	}
	if (f != stdin)
		fclose(f);
	*len = n;
	return buf;
}

enum out_form { OUT_TEXT, OUT_JSON, OUT_MODEL };

static int
print_list(const struct hop_list *l, enum out_form form, json_t **json)
{
	char *s;

	if (form == OUT_JSON) {
		*json = trace_render_json(l);
		return *json != NULL ? 0 : -ENOMEM;
	}
	s = form == OUT_MODEL ? trace_render_model(l) : trace_render_text(l);
	if (s == NULL)
		return -ENOMEM;
	fputs(s, stdout);
	free(s);
	return 0;
}

static int
do_import(const char *file, const char *format, enum out_form form)
{
	struct hop_list *l = hop_list_new();
	struct fd_error err = { 0 };
	json_t *j = NULL;
	char *buf;
	size_t len;
	int rc;

	buf = slurp(file, &len);
	if (buf == NULL || l == NULL) {
		fprintf(stderr, "failover-drill: trace: %s: %s\n", file,
		    buf == NULL ? strerror(errno ? errno : EIO) :
		    "out of memory");
		free(buf);
		hop_list_free(l);
		return TRACE_FAILED;
	}
	rc = trace_import(buf, len, format, l, &err);
	free(buf);
	if (rc < 0) {
		fprintf(stderr, "failover-drill: trace: %s: %s\n", file,
		    err.msg);
		hop_list_free(l);
		return rc == -EINVAL ? TRACE_USAGE : TRACE_FAILED;
	}
	rc = print_list(l, form, &j);
	if (j != NULL) {
		json_dumpf(j, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER |
		    JSON_REAL_PRECISION(6));
		fputc('\n', stdout);
		json_decref(j);
	}
	hop_list_free(l);
	return rc < 0 ? TRACE_FAILED : TRACE_OK;
}

static int
do_trace(const struct probe_ops *ops, const struct probe_cfg *cfg,
    const struct fd_addr *to, enum out_form form, bool per_flow)
{
	struct hop_list *l = hop_list_new(), *flows = NULL;
	struct fd_error err = { 0 };
	struct probe_trace_stats st;
	json_t *j = NULL;
	unsigned f;
	int rc;

	if (per_flow)
		flows = calloc(cfg->flows, sizeof(*flows));
	if (l == NULL || (per_flow && flows == NULL)) {
		fprintf(stderr, "failover-drill: trace: out of memory\n");
		rc = TRACE_FAILED;
		goto out;
	}
	rc = ops->trace_once(cfg, to, l, flows, &st, &err);
	if (rc < 0) {
		fprintf(stderr, "failover-drill: trace: %s\n", err.msg);
		rc = TRACE_FAILED;
		goto out;
	}
	rc = print_list(l, form, &j);
	for (f = 0; rc == 0 && flows != NULL && f < cfg->flows; f++) {
		if (form == OUT_JSON) {
			json_t *fj = trace_render_json(&flows[f]), *arr;

			arr = json_object_get(j, "flows");
			if (arr == NULL) {
				arr = json_array();
				json_object_set_new(j, "flows", arr);
			}
			json_array_append_new(arr, fj);
		} else {
			printf("flow %u (port %u):\n", f, cfg->port + f);
			rc = print_list(&flows[f], form, NULL);
		}
	}
	if (j != NULL) {
		json_object_set_new(j, "stats", json_pack(
		    "{s:i,s:i,s:i,s:i,s:i,s:i,s:i,s:i}",
		    "sent", (int)st.sent, "answered", (int)st.answered,
		    "unmatched", (int)st.unmatched, "asked_again",
		    (int)st.asked_again, "reasked", (int)st.reasked,
		    "paced", (int)st.paced, "rate_limited",
		    (int)st.rate_limited, "wall_ms", (int)st.wall_ms));
		json_dumpf(j, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER |
		    JSON_REAL_PRECISION(6));
		fputc('\n', stdout);
		json_decref(j);
	}
	rc = rc < 0 ? TRACE_FAILED : TRACE_OK;
out:
	free(flows);
	hop_list_free(l);
	return rc;
}

int
cmd_trace(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'J' },
		{ "model", no_argument, NULL, 'M' },
		{ "import", required_argument, NULL, 'I' },
		{ "format", required_argument, NULL, 'F' },
		{ "probes", required_argument, NULL, 'q' },
		{ "first-ttl", required_argument, NULL, 'f' },
		{ "max-ttl", required_argument, NULL, 'm' },
		{ "flows", required_argument, NULL, 'n' },
		{ "per-flow", no_argument, NULL, 'P' },
		{ "wait", required_argument, NULL, 'w' },
		{ "port", required_argument, NULL, 'p' },
		{ "hop-burst", required_argument, NULL, 'B' },
		{ "reask", no_argument, NULL, 'R' },
		{ "source", required_argument, NULL, 's' },
		{ "interface", required_argument, NULL, 'i' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	/* The native tracer, as the drill's probes (main.c). */
	const struct probe_ops *ops = provider_probe("native");
	struct probe_cfg cfg;
	struct fd_error err = { 0 };
	struct fd_addr to;
	enum out_form form = OUT_TEXT;
	const char *import = NULL, *format = NULL;
	bool per_flow = false, trace_opts = false, reask = false;
	unsigned v;
	int c;

	memset(&cfg, 0, sizeof(cfg));
	optind = 0;	/* 0: re-read the optstring (the global parse used "+") */
	while ((c = getopt_long(argc, argv, "hq:f:m:w:p:s:i:", opts,
	    NULL)) != -1) {
		if (c != 'J' && c != 'M' && c != 'I' && c != 'F' && c != 'h')
			trace_opts = true;
		switch (c) {
		case 'h':
			fputs(trace_usage, stdout);
			return TRACE_OK;
		case 'J':
			form = OUT_JSON;
			break;
		case 'M':
			form = OUT_MODEL;
			break;
		case 'I':
			import = optarg;
			break;
		case 'F':
			format = optarg;
			break;
		case 'q':
			if (!parse_uint(optarg, 1, PROBE_MAX_PROBES, &v))
				return trace_usage_error("bad -q", optarg);
			cfg.probes_per_hop = v;
			break;
		case 'f':
			if (!parse_uint(optarg, 1, HOPS_MAX, &v))
				return trace_usage_error("bad -f", optarg);
			cfg.first_ttl = v;
			break;
		case 'm':
			if (!parse_uint(optarg, 1, HOPS_MAX, &v))
				return trace_usage_error("bad -m", optarg);
			cfg.max_ttl = v;
			break;
		case 'n':
			if (!parse_uint(optarg, 1, PROBE_MAX_FLOWS, &v))
				return trace_usage_error("bad --flows",
				    optarg);
			cfg.flows = v;
			break;
		case 'P':
			per_flow = true;
			break;
		case 'w':
			if (!parse_wait(optarg, &cfg))
				return trace_usage_error("bad -w", optarg);
			break;
		case 'p':
			if (!parse_uint(optarg, 1, 65535, &v))
				return trace_usage_error("bad -p", optarg);
			cfg.port = v;
			break;
		case 'B':
			if (!parse_uint(optarg, 1, PROBE_MAX_HOP_BURST, &v))
				return trace_usage_error("bad --hop-burst",
				    optarg);
			cfg.hop_burst = v;
			break;
		case 'R':
			reask = true;
			break;
		case 's':
			snprintf(cfg.source, sizeof(cfg.source), "%s", optarg);
			break;
		case 'i':
			if (strlen(optarg) >= sizeof(cfg.iface))
				return trace_usage_error("bad -i", optarg);
			snprintf(cfg.iface, sizeof(cfg.iface), "%s", optarg);
			break;
		default:
			return trace_usage_error("bad option", NULL);
		}
	}
	if (format != NULL && strcmp(format, "help") == 0) {
		size_t i;

		for (i = 0; trace_formats[i] != NULL; i++)
			printf("%-14s %s\n", trace_formats[i]->name,
			    trace_formats[i]->desc);
		return TRACE_OK;
	}
	if (import != NULL) {
		if (optind != argc || trace_opts)
			return trace_usage_error("--import takes no TARGET "
			    "and no trace options", NULL);
		if (format != NULL && trace_format_find(format) == NULL)
			return trace_usage_error("unknown format (see "
			    "--format help)", format);
		return do_import(import, format, form);
	}
	if (format != NULL)
		return trace_usage_error("--format needs --import", NULL);
	if (optind != argc - 1)
		return trace_usage_error("exactly one TARGET", NULL);
	if (addr_parse(argv[optind], &to, &err) < 0)
		return trace_usage_error("TARGET must be an IPv4 or IPv6 "
		    "address", argv[optind]);
	/* One trace, as traceroute: a silent hop is not asked again after
	 * a refill unless --reask.  (The drill does not either: it traces a
	 * judged path again, whole, when a silent hop fails it; see
	 * drill.c check_paths().) */
	cfg.reask = reask;
	if (ops == NULL || ops->cfg_check == NULL || ops->trace_once == NULL) {
		fprintf(stderr, "failover-drill: trace: no native probe built "
		    "in\n");
		return TRACE_FAILED;
	}
	if (ops->cfg_check(&cfg, &err) < 0)
		return trace_usage_error(err.msg, NULL);
	return do_trace(ops, &cfg, &to, form, per_flow);
}
