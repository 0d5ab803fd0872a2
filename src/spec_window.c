/* The drill spec's maintenance window (issue 14 item 3); see spec_priv.h,
 * window.h and failover-drill.json(5). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "spec_priv.h"

static const struct jw_field window_fields[] = {
	FSTR("tz", struct window_spec, tz, false),
	FCUSTOM("weekly", F_ARR, false),
	FCUSTOM("not_before", F_STR, false),
	FCUSTOM("not_after", F_STR, false),
};

static const struct jw_field range_fields[] = {
	FCUSTOM("days", F_ARR, true),
	FCUSTOM("from", F_STR, true),
	FCUSTOM("to", F_STR, true),
};

/* not_before / not_after: an RFC 3339 time with its offset. */
static bool
instant(struct jw_ctx *c, json_t *o, const char *key, time_t *out)
{
	json_t *v = jw_get_str(o, key);
	struct jw_mark m;

	if (v == NULL)
		return false;
	if (window_parse_time(json_string_value(v), out) == 0)
		return true;
	m = jw_push(c, key);
	jw_diag(c, AT_VALUE, "'%s' is not an RFC 3339 time with an offset "
	    "(2026-12-05T22:00:00+01:00 or ...Z)", json_string_value(v));
	jw_pop(c, m);
	return false;
}

static unsigned
range_days(struct jw_ctx *c, json_t *a)
{
	struct jw_mark m;
	unsigned days = 0;
	json_t *v;
	size_t i;
	int d;

	if (json_array_size(a) == 0)
		jw_diag(c, AT_VALUE, "no day: name at least one of mon, tue, "
		    "wed, thu, fri, sat, sun");
	json_array_foreach(a, i, v) {
		m = jw_push_idx(c, i);
		if (!json_is_string(v) ||
		    (d = window_day(json_string_value(v))) < 0)
			jw_diag(c, AT_VALUE, "not a day: give mon, tue, wed, "
			    "thu, fri, sat or sun");
		else if (days & (1u << d))
			jw_diag(c, AT_VALUE, "'%s' named twice",
			    json_string_value(v));
		else
			days |= 1u << d;
		jw_pop(c, m);
	}
	return days;
}

static void
parse_range(struct jw_ctx *c, json_t *o, struct window_range *r)
{
	json_t *from = jw_get_str(o, "from"), *to = jw_get_str(o, "to"), *v;
	bool ok_from = false, ok_to = false;
	struct jw_mark m;

	r->line = jw_cur_line(c);
	if ((v = jw_get_typed(o, "days", JSON_ARRAY)) != NULL) {
		m = jw_push(c, "days");
		r->days = range_days(c, v);
		jw_pop(c, m);
	}
	if (from != NULL && !(ok_from = window_parse_hhmm(json_string_value(
	    from), false, &r->from_min) == 0))
		jw_key_diag(c, o, "from", "'%s' is not a local time HH:MM "
		    "(00:00 to 23:59)", json_string_value(from));
	if (to != NULL && !(ok_to = window_parse_hhmm(json_string_value(to),
	    true, &r->to_min) == 0))
		jw_key_diag(c, o, "to", "'%s' is not a local time HH:MM "
		    "(00:00 to 24:00)", json_string_value(to));
	if (ok_from && ok_to && r->from_min == r->to_min)
		jw_key_diag(c, o, "to", "the range opens and closes at %s: "
		    "for a whole day give from 00:00 to 24:00",
		    json_string_value(from));
}

void
spec_parse_window(struct jw_ctx *c, json_t *o)
{
	struct window_spec *w = &vspec(c)->window;
	struct jw_mark m, mi;
	json_t *a, *r;
	size_t i;
	int rc;

	w->set = true;
	w->line = jw_cur_line(c);
	jw_unpack(c, o, window_fields, NFIELDS(window_fields), w, false);
	w->has_not_before = instant(c, o, "not_before", &w->not_before);
	w->has_not_after = instant(c, o, "not_after", &w->not_after);
	if (w->has_not_before && w->has_not_after &&
	    w->not_after <= w->not_before)
		jw_key_diag(c, o, "not_after", "not after not_before: the "
		    "window never opens");
	if ((a = jw_get_typed(o, "weekly", JSON_ARRAY)) != NULL) {
		m = jw_push(c, "weekly");
		if (json_array_size(a) == 0)
			jw_diag(c, AT_VALUE, "no range: give at least one "
			    "{days, from, to}, or leave weekly out");
		if (json_array_size(a) > WINDOW_MAX_RANGES)
			jw_diag(c, AT_VALUE, "too many ranges (at most %d)",
			    WINDOW_MAX_RANGES);
		json_array_foreach(a, i, r) {
			if (w->n_weekly >= WINDOW_MAX_RANGES)
				break;
			mi = jw_push_idx(c, i);
			if (!json_is_object(r)) {
				jw_diag(c, AT_VALUE, "a range must be an "
				    "object {days, from, to}, not %s",
				    jw_type_name(r));
			} else {
				jw_unpack(c, r, range_fields,
				    NFIELDS(range_fields), NULL, false);
				parse_range(c, r, &w->weekly[w->n_weekly++]);
			}
			jw_pop(c, mi);
		}
		jw_pop(c, m);
	}
	/* Weekly ranges are wall-clock times: they need the zone, which
	 * must exist (glibc would read an unknown one as UTC, silently). */
	if (w->n_weekly > 0 && json_object_get(o, "tz") == NULL)
		jw_key_diag(c, o, "weekly", "weekly ranges need tz, the time "
		    "zone they are in (e.g. Europe/Berlin)");
	/* Too long a name was reported by jw_unpack(). */
	if ((a = jw_get_str(o, "tz")) != NULL &&
	    strlen(json_string_value(a)) < sizeof(w->tz)) {
		m = jw_push(c, "tz");
		if ((rc = window_tz_check(w->tz)) == -EINVAL)
			jw_diag(c, AT_VALUE, "'%s' is not a time zone name "
			    "of the tz database (Area/City, e.g. "
			    "Europe/Berlin)", w->tz);
		else if (rc < 0)
			jw_diag(c, AT_VALUE, "time zone '%s' is not "
			    "installed (no TZif file under TZDIR or "
			    "/usr/share/zoneinfo; package tzdata)", w->tz);
		else if (w->n_weekly == 0)
			jw_diag(c, AT_VALUE, "tz without weekly ranges: "
			    "not_before and not_after carry their own "
			    "offsets");
		jw_pop(c, m);
	}
	if (w->n_weekly == 0 && !w->has_not_before && !w->has_not_after &&
	    json_object_get(o, "weekly") == NULL &&
	    json_object_get(o, "not_before") == NULL &&
	    json_object_get(o, "not_after") == NULL)
		jw_diag(c, AT_VALUE, "an empty window: give weekly ranges, "
		    "not_before or not_after");
}
