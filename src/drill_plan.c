/*
 * The plan verb: every step and every write of a drill, walked from the
 * same phase list (drill_phases[]) as drill_run, so plan cannot promise
 * what run does not do.  One JSON document; the text is printed from it.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "drill_priv.h"

void
plan_step(json_t *phase, const char *kind, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	json_array_append_new(json_object_get(phase, "steps"), json_pack(
	    "{s:s, s:s}", "kind", kind, "what", buf));
}

void
plan_checks(json_t *phase, const struct spec_check *v, unsigned n)
{
	char name[160];
	unsigned i;

	for (i = 0; i < n; i++) {
		check_name(&v[i], name, sizeof(name));
		plan_step(phase, "read", "%s", name);
	}
}

void
plan_paths(json_t *phase, const struct spec *s, const struct spec_expect *e)
{
	char buf[64], pats[512];
	unsigned i, k;

	for (i = 0; i < e->n_paths; i++) {
		const struct spec_probe *p = spec_probe(s, e->paths[i].probe);
		size_t off = 0;

		pats[0] = '\0';
		for (k = 0; k < e->paths[i].path.n; k++)
			off += (size_t)snprintf(pats + off, sizeof(pats) - off,
			    "%s%s", k ? " " : "", hop_pat_str(
			    &e->paths[i].path.pats[k], buf, sizeof(buf)));
		if (e->paths[i].path.n_avoid > 0)
			off += (size_t)snprintf(pats + off, sizeof(pats) - off,
			    "] avoiding [");
		for (k = 0; k < e->paths[i].path.n_avoid; k++)
			off += (size_t)snprintf(pats + off, sizeof(pats) - off,
			    "%s%s", k ? " " : "", hop_pat_str(
			    &e->paths[i].path.avoid[k], buf, sizeof(buf)));
		plan_step(phase, "trace", "%s -> %s%s%s: expect [%s]%s",
		    e->paths[i].probe, p ? addr_str(&p->to, buf, sizeof(buf)) :
		    "?", p && p->from[0] ? " from " : "",
		    p && p->from[0] ? p->from : "", pats,
		    e->paths[i].path.reach ? "" : " unreachable");
	}
}

/* Does the spec trace or expect anything over IPv6 (a sign the peering
 * is dual-stack)? */
static bool
plan_has_ipv6(const struct spec *s)
{
	unsigned i, k;

	for (i = 0; i < s->n_probes; i++)
		if (s->probes[i].to.family == AF_INET6)
			return true;
	for (i = 0; i < s->sets.n; i++)
		for (k = 0; k < s->sets.sets[i].n; k++)
			if (s->sets.sets[i].prefixes[k].addr.family == AF_INET6)
				return true;
	return false;
}

json_t *
drill_plan_json(const struct spec *s, const struct cloud_ops *cloud,
    bool dry_run)
{
	struct drill_plan_ctx pc = { s, cloud };
	json_t *doc, *phases = json_array();
	size_t i, k;
	json_int_t writes = 0;

	doc = json_pack("{s:s, s:s, s:b, s:s, s:[], s:[]}", "drill", s->name,
	    "spec", s->file, "dry_run", dry_run, "peering", s->azure.peering,
	    "warnings", "notes");
	if (!s->azure.ipv6 && plan_has_ipv6(s))
		json_array_append_new(json_object_get(doc, "warnings"),
		    json_string("the drill traces IPv6 but azure.ipv6 is "
		    "false: a dual-stack peering keeps its IPv6 on "
		    "ExpressRoute during the drill"));
	else if (!s->azure.ipv6)
		json_array_append_new(json_object_get(doc, "notes"),
		    json_string("IPv6 is not toggled (azure.ipv6 false); "
		    "preflight warns if the peering is dual-stack"));
	for (i = 0; i < drill_n_phases; i++) {
		const struct drill_phase *dp = &drill_phases[i];
		json_t *ph, *st;
		json_int_t n = 0;

		/* A dry run stops where run stops: before the first
		 * change. */
		if (dry_run && dp->kind == PHASE_CHANGE)
			break;
		ph = json_pack("{s:I, s:s, s:s, s:[]}", "number",
		    (json_int_t)(i + 1), "name", dp->name, "title", dp->name,
		    "steps");
		dp->plan(&pc, ph);
		json_array_foreach(json_object_get(ph, "steps"), k, st)
			if (strcmp(json_string_value(json_object_get(st,
			    "kind")), "write") == 0)
				n++;
		json_object_set_new(ph, "writes", json_integer(n));
		json_object_set_new(ph, "always",
		    json_boolean(dp->kind >= PHASE_RESTORE));
		writes += n;
		json_array_append_new(phases, ph);
	}
	json_object_set_new(doc, "phases", phases);
	json_object_set_new(doc, "writes", json_integer(writes));
	return doc;
}

void
drill_plan(const struct spec *s, const struct cloud_ops *cloud, bool dry_run,
    FILE *out)
{
	json_t *doc = drill_plan_json(s, cloud, dry_run), *v, *ph, *st;
	size_t i, k;
	json_int_t writes;

	fprintf(out, "drill %s (%s)%s\n", s->name, s->file,
	    dry_run ? ", dry run" : "");
	json_array_foreach(json_object_get(doc, "warnings"), i, v)
		fprintf(out, "WARNING: %s\n", json_string_value(v));
	json_array_foreach(json_object_get(doc, "notes"), i, v)
		fprintf(out, "note: %s\n", json_string_value(v));
	json_array_foreach(json_object_get(doc, "phases"), i, ph) {
		fprintf(out, "%lld. %s\n", (long long)json_integer_value(
		    json_object_get(ph, "number")), json_string_value(
		    json_object_get(ph, "title")));
		json_array_foreach(json_object_get(ph, "steps"), k, st) {
			const char *kind = json_string_value(
			    json_object_get(st, "kind"));

			fprintf(out, "    %-7s%s\n", strcmp(kind, "write") ==
			    0 ? "WRITE" : kind, json_string_value(
			    json_object_get(st, "what")));
		}
	}
	writes = json_integer_value(json_object_get(doc, "writes"));
	if (writes == 0)
		fprintf(out, "writes: none%s\n", dry_run ? " (dry run)" : "");
	else
		fprintf(out, "writes: %lld (disable and enable of peering "
		    "%s%s)\n", (long long)writes, s->azure.peering,
		    writes > 2 ? "; the lease tag set and removed" : "");
	json_decref(doc);
}
