/*
 * libFuzzer harness for the drill spec loader.  Besides "never crash",
 * it checks that the position scanner accepts whatever jansson accepts
 * (otherwise diagnostics would lose their positions), that a rejected spec
 * always says why and where, and that an accepted one is self-consistent.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "jsonpos.h"
#include "spec.h"

static void
check_positions(const uint8_t *data, size_t size, const struct spec_diags *d)
{
	unsigned lines = 1, i;
	size_t k;

	for (k = 0; k < size; k++)
		if (data[k] == '\n')
			lines++;
	if (d->n == 0)
		__builtin_trap();
	for (i = 0; i < d->n && i < SPEC_MAX_DIAGS; i++) {
		if (d->v[i].line < 1 || d->v[i].line > lines ||
		    d->v[i].column < 1 || d->v[i].msg[0] == '\0')
			__builtin_trap();
		if (i > 0 && d->v[i - 1].line > d->v[i].line)
			__builtin_trap();	/* not in file order */
	}
}

static void
check_spec(const struct spec *s)
{
	unsigned i;

	if (s->n_devices > SPEC_MAX_DEVICES || s->n_probes > SPEC_MAX_PROBES ||
	    s->n_preflight > SPEC_MAX_CHECKS || !s->baseline.set ||
	    !s->failover.set || !s->restored.set)
		__builtin_trap();
	if (s->baseline.n_paths + s->baseline.n_checks == 0 ||
	    s->failover.n_paths + s->failover.n_checks == 0)
		__builtin_trap();
	for (i = 0; i < s->baseline.n_paths; i++)
		if (spec_probe(s, s->baseline.paths[i].probe) == NULL)
			__builtin_trap();
	for (i = 0; i < s->n_preflight; i++)
		if (s->preflight[i].kind <= CHECK_DEV_ROUTE &&
		    spec_device(s, s->preflight[i].device) == NULL)
			__builtin_trap();
	/* An accepted window can open: ranges with days and a length,
	 * weekly ranges with a zone, not_before before not_after. */
	if (s->window.set && s->window.n_weekly == 0 &&
	    !s->window.has_not_before && !s->window.has_not_after)
		__builtin_trap();
	if (s->window.n_weekly > 0 && s->window.tz[0] == '\0')
		__builtin_trap();
	for (i = 0; i < s->window.n_weekly; i++)
		if (s->window.weekly[i].days == 0 ||
		    s->window.weekly[i].days > 127 ||
		    s->window.weekly[i].from_min > 1439 ||
		    s->window.weekly[i].to_min > 1440 ||
		    s->window.weekly[i].from_min == s->window.weekly[i].to_min)
			__builtin_trap();
	if (s->window.has_not_before && s->window.has_not_after &&
	    s->window.not_before >= s->window.not_after)
		__builtin_trap();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct spec_diags *d = malloc(sizeof(*d));
	struct jpos_index ix;
	struct spec *s = NULL;
	json_error_t jerr;
	json_t *j;
	int rc, scan;

	if (d == NULL)
		return 0;
	rc = spec_load_buffer((const char *)data, size, "fuzz", &s, d);
	if (rc == 0)
		check_spec(s);
	else if (rc == -EINVAL)
		check_positions(data, size, d);
	spec_free(s);
	free(d);

	j = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES,
	    &jerr);
	scan = jpos_build((const char *)data, size, &ix);
	/* jansson drops a NUL after a number or literal; the loader
	 * refuses NUL bytes before either parser sees them. */
	if (j != NULL && memchr(data, 0, size) == NULL &&
	    (scan != 0 || ix.n_dups != 0))
		__builtin_trap();
	jpos_done(&ix);
	json_decref(j);
	return 0;
}
