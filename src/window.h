/*
 * Maintenance windows (issue 14 item 3): weekly ranges of local wall-clock
 * time in a named time zone of the system's tz database, and absolute
 * not_before / not_after instants.  Pure arithmetic over an injected
 * "now"; the front end decides what to do with the answer.
 */
#ifndef FD_WINDOW_H
#define FD_WINDOW_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "error.h"

#define WINDOW_MAX_RANGES 16
#define WINDOW_TZ_MAX 64

/* One weekly range: it opens on each of its days at from and closes at
 * to, the next day when to is not after from ("22:00" to "04:00"). */
struct window_range {
	unsigned days;		/* bit 0 Monday .. bit 6 Sunday */
	unsigned from_min;	/* minutes after local midnight, 0..1439 */
	unsigned to_min;	/* 0..1440 (24:00) */
	unsigned line;		/* in the spec, for messages */
};

struct window_spec {
	bool set;			/* the spec has a window */
	char tz[WINDOW_TZ_MAX];		/* IANA name, e.g. Europe/Berlin */
	unsigned n_weekly;
	struct window_range weekly[WINDOW_MAX_RANGES];
	bool has_not_before, has_not_after;
	time_t not_before, not_after;
	unsigned line;
};

/* Where "now" stands. */
struct window_state {
	bool open;
	/* open: when it closes (0: never).  Ranges that touch or overlap
	 * count as one; a run of them longer than a week ends "8 days on". */
	time_t until;
	/* closed: when it opens next (0: never) */
	time_t next;
	char why[200];		/* closed: why, for people */
};

/*
 * Evaluate w at now.  The weekly ranges are read in w->tz through the
 * system tz database (TZ set for the call, then put back: call it before
 * any thread starts).  A wall time the clocks skip (the hour of a spring
 * DST change) means the moment of the jump; one that happens twice (the
 * autumn change) its first occurrence.  -ENOENT when the zone is not
 * installed.
 */
int window_eval(const struct window_spec *w, time_t now,
    struct window_state *out, struct fd_error *err);

/* The window's end brought forward to until (0: none), e.g. from
 * "run --window-until"; sets w->set. */
void window_limit(struct window_spec *w, time_t until);

/* RFC 3339 date-time ("2026-12-05T22:00:00Z", "...+01:00", fraction
 * allowed, 'T'/'Z' of either case; an offset is required): 0 or -EINVAL. */
int window_parse_time(const char *s, time_t *out);
/* "HH:MM" 00:00..23:59, or 24:00 when allow_24: 0 or -EINVAL. */
int window_parse_hhmm(const char *s, bool allow_24, unsigned *min);
/* "mon".."sun": 0..6, or -EINVAL. */
int window_day(const char *s);
/* Is tz a zone of the system's tz database (a TZif file under $TZDIR or
 * /usr/share/zoneinfo)?  0, -EINVAL (not a zone name) or -ENOENT. */
int window_tz_check(const char *tz);
/* "2026-12-05T21:00:00Z" */
const char *window_utc_str(time_t t, char *buf, size_t len);

#endif
