/*
 * Maintenance windows; see window.h and failover-drill.json(5).
 *
 * Local wall-clock times are turned into instants by the C library's
 * mktime()/localtime_r() under TZ=":zone", so every DST rule and every
 * historical change of the tz database applies; no offset is ever
 * assumed.  glibc reads ":name" as a file under TZDIR
 * (/usr/share/zoneinfo) and silently falls back to UTC for a name it
 * cannot find, which is why window_tz_check() looks for the file first.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "window.h"

/* Days looked at either side of now: a week and a day covers a range
 * that opened last week and runs past midnight. */
#define HORIZON_DAYS 8
#define MAX_IVALS ((2 * HORIZON_DAYS + 1) * WINDOW_MAX_RANGES)

static const char *const day_names[7] = { "mon", "tue", "wed", "thu", "fri",
	"sat", "sun" };

int
window_day(const char *s)
{
	int i;

	for (i = 0; i < 7; i++)
		if (strcmp(s, day_names[i]) == 0)
			return i;
	return -EINVAL;
}

int
window_parse_hhmm(const char *s, bool allow_24, unsigned *min)
{
	unsigned h, m;

	if (strlen(s) != 5 || !isdigit((unsigned char)s[0]) ||
	    !isdigit((unsigned char)s[1]) || s[2] != ':' ||
	    !isdigit((unsigned char)s[3]) || !isdigit((unsigned char)s[4]))
		return -EINVAL;
	h = (unsigned)(s[0] - '0') * 10 + (unsigned)(s[1] - '0');
	m = (unsigned)(s[3] - '0') * 10 + (unsigned)(s[4] - '0');
	if (m > 59 || h > 24 || (h == 24 && (m != 0 || !allow_24)))
		return -EINVAL;
	*min = h * 60 + m;
	return 0;
}

static int
digits(const char **p, int n)
{
	int v = 0;

	for (; n > 0; n--, (*p)++) {
		if (!isdigit((unsigned char)**p))
			return -1;
		v = v * 10 + (**p - '0');
	}
	return v;
}

static bool
leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* RFC 3339 section 5.6: date-time = full-date "T" full-time, full-time
 * = partial-time time-offset, time-offset = "Z" / ("+" / "-") HH:MM.
 * Leap seconds (:60) are refused: no clock we compare with shows one. */
int
window_parse_time(const char *s, time_t *out)
{
	static const int mdays[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30,
		31, 30, 31 };
	const char *p = s;
	struct tm tm;
	int y, mo, d, h, mi, sec, oh = 0, om = 0, sign = 0;
	time_t t;

	y = digits(&p, 4);
	if (y < 0 || *p++ != '-' || (mo = digits(&p, 2)) < 0 || *p++ != '-' ||
	    (d = digits(&p, 2)) < 0 || (*p != 'T' && *p != 't'))
		return -EINVAL;
	p++;
	if ((h = digits(&p, 2)) < 0 || *p++ != ':' ||
	    (mi = digits(&p, 2)) < 0 || *p++ != ':' ||
	    (sec = digits(&p, 2)) < 0)
		return -EINVAL;
	if (*p == '.') {
		if (!isdigit((unsigned char)*++p))
			return -EINVAL;
		while (isdigit((unsigned char)*p))
			p++;
	}
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		sign = *p++ == '-' ? -1 : 1;
		if ((oh = digits(&p, 2)) < 0 || *p++ != ':' ||
		    (om = digits(&p, 2)) < 0 || oh > 23 || om > 59)
			return -EINVAL;
	} else {
		return -EINVAL;
	}
	if (*p != '\0' || mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 ||
	    sec > 59 || d > mdays[mo - 1] + (mo == 2 && leap(y)))
		return -EINVAL;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	t = timegm(&tm);
	if (t == (time_t)-1 && !(y == 1969 && mo == 12 && d == 31))
		return -EINVAL;
	*out = t - sign * (oh * 3600 + om * 60);
	return 0;
}

const char *
window_utc_str(time_t t, char *buf, size_t len)
{
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL || strftime(buf, len,
	    "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(buf, len, "%lld", (long long)t);
	return buf;
}

static const char *
tz_dir(void)
{
	const char *d = getenv("TZDIR");

	return d != NULL && *d != '\0' ? d : "/usr/share/zoneinfo";
}

int
window_tz_check(const char *tz)
{
	char path[PATH_MAX], magic[4];
	const char *p;
	ssize_t n;
	int fd;

	/* A name relative to the database, as tzfile(5) keeps them. */
	if (*tz == '\0' || *tz == '/' || strstr(tz, "..") != NULL)
		return -EINVAL;
	for (p = tz; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '/' && *p != '_' &&
		    *p != '-' && *p != '+')
			return -EINVAL;
	if ((size_t)snprintf(path, sizeof(path), "%s/%s", tz_dir(), tz) >=
	    sizeof(path))
		return -EINVAL;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return -ENOENT;
	n = read(fd, magic, sizeof(magic));
	close(fd);
	/* tzfile(5): every TZif file begins with the magic "TZif". */
	return n == 4 && memcmp(magic, "TZif", 4) == 0 ? 0 : -ENOENT;
}

/* ---- local wall time, under the zone set by tz_enter() ---- */

struct tz_saved {
	char *old;
	bool had;
};

static int
tz_enter(const char *tz, struct tz_saved *sv)
{
	const char *o = getenv("TZ");
	char buf[WINDOW_TZ_MAX + 2];

	sv->had = o != NULL;
	sv->old = o != NULL ? strdup(o) : NULL;
	if (sv->had && sv->old == NULL)
		return -ENOMEM;
	snprintf(buf, sizeof(buf), ":%s", tz);
	if (setenv("TZ", buf, 1) < 0) {
		free(sv->old);
		return -errno;
	}
	tzset();
	return 0;
}

static void
tz_leave(struct tz_saved *sv)
{
	if (sv->had)
		setenv("TZ", sv->old, 1);
	else
		unsetenv("TZ");
	tzset();
	free(sv->old);
	sv->old = NULL;
}

/* A local date, normalised: year (since 1900), month, day, weekday. */
struct ldate {
	int y, mon, mday, wday;
};

/* The local date days after (before, when negative) the date of t. */
static void
date_add(time_t t, int days, struct ldate *out)
{
	struct tm tm;

	localtime_r(&t, &tm);
	/* Noon: never in a DST change, so mktime() keeps the date. */
	tm.tm_mday += days;
	tm.tm_hour = 12;
	tm.tm_min = tm.tm_sec = 0;
	tm.tm_isdst = -1;
	(void)mktime(&tm);
	out->y = tm.tm_year;
	out->mon = tm.tm_mon;
	out->mday = tm.tm_mday;
	out->wday = tm.tm_wday;
}

/* Compare the local wall time at t with (d, min): <0, 0, >0. */
static int
wall_cmp(time_t t, const struct ldate *d, int min)
{
	struct tm tm;
	long a, b;

	localtime_r(&t, &tm);
	a = ((long)tm.tm_year * 12 + tm.tm_mon) * 32 + tm.tm_mday;
	b = ((long)d->y * 12 + d->mon) * 32 + d->mday;
	if (a != b)
		return a < b ? -1 : 1;
	a = tm.tm_hour * 60 + tm.tm_min;
	return a < min ? -1 : a > min;
}

/*
 * The instant of wall time min (minutes after midnight) on date d: of
 * two readings (the autumn change) the first; in a gap (the spring
 * change) the moment the clocks jump over it.
 */
static time_t
wall_time(const struct ldate *d, int min)
{
	time_t t[2], best = (time_t)-1, lo, hi, mid;
	struct tm tm;
	int i;

	for (i = 0; i < 2; i++) {
		memset(&tm, 0, sizeof(tm));
		tm.tm_year = d->y;
		tm.tm_mon = d->mon;
		tm.tm_mday = d->mday;
		tm.tm_hour = min / 60;
		tm.tm_min = min % 60;
		tm.tm_isdst = i;	/* read it as standard, then as DST */
		t[i] = mktime(&tm);
		if (t[i] != (time_t)-1 && wall_cmp(t[i], d, min) == 0 &&
		    (best == (time_t)-1 || t[i] < best))
			best = t[i];
	}
	if (best != (time_t)-1)
		return best;
	/* In a gap: each reading lands on the other side of the jump; the
	 * wall clock runs forward between them. */
	lo = t[0] < t[1] ? t[0] : t[1];
	hi = t[0] < t[1] ? t[1] : t[0];
	if (lo == (time_t)-1 || wall_cmp(lo, d, min) >= 0 ||
	    wall_cmp(hi, d, min) < 0)
		return hi;
	while (hi - lo > 1) {
		mid = lo + (hi - lo) / 2;
		if (wall_cmp(mid, d, min) < 0)
			lo = mid;
		else
			hi = mid;
	}
	return hi;
}

struct ival {
	time_t from, to;
};

static int
ival_cmp(const void *a, const void *b)
{
	const struct ival *x = a, *y = b;

	return x->from < y->from ? -1 : x->from > y->from;
}

/* The weekly ranges as instants around now, sorted and merged. */
static size_t
weekly_ivals(const struct window_spec *w, time_t now, struct ival *v)
{
	struct ldate d, e;
	size_t n = 0, i, m;
	unsigned r;
	int k;

	for (k = -HORIZON_DAYS; k <= HORIZON_DAYS; k++) {
		date_add(now, k, &d);
		for (r = 0; r < w->n_weekly; r++) {
			const struct window_range *g = &w->weekly[r];

			/* tm_wday: 0 is Sunday; our bit 0 is Monday. */
			if (!(g->days & (1u << ((d.wday + 6) % 7))))
				continue;
			v[n].from = wall_time(&d, (int)g->from_min);
			if (g->to_min > g->from_min && g->to_min < 1440) {
				v[n].to = wall_time(&d, (int)g->to_min);
			} else {
				date_add(v[n].from, 1, &e);
				v[n].to = wall_time(&e,
				    (int)(g->to_min % 1440));
			}
			if (v[n].to > v[n].from)
				n++;
		}
	}
	qsort(v, n, sizeof(*v), ival_cmp);
	for (i = 0, m = 0; i < n; i++) {
		if (m > 0 && v[i].from <= v[m - 1].to) {
			if (v[i].to > v[m - 1].to)
				v[m - 1].to = v[i].to;
		} else {
			v[m++] = v[i];
		}
	}
	return m;
}

static const char *
local_str(time_t t, char *buf, size_t len)
{
	struct tm tm;

	localtime_r(&t, &tm);
	if (strftime(buf, len, "%a %Y-%m-%d %H:%M %Z", &tm) == 0)
		buf[0] = '\0';
	return buf;
}

/* The weekly part: open and until, or closed and the next opening. */
static int
eval_weekly(const struct window_spec *w, time_t now, struct window_state *st,
    struct fd_error *err)
{
	struct ival *v = NULL;
	struct tz_saved sv;
	char a[64];
	size_t n, i;
	int rc;

	if ((rc = window_tz_check(w->tz)) < 0)
		return fd_error_set(err, rc, "time zone %s is not in the "
		    "tz database (%s)", w->tz, tz_dir());
	if ((v = calloc(MAX_IVALS, sizeof(*v))) == NULL)
		return fd_error_set(err, -ENOMEM, "out of memory");
	if ((rc = tz_enter(w->tz, &sv)) < 0) {
		free(v);
		return fd_error_set(err, rc, "cannot set TZ");
	}
	n = weekly_ivals(w, now, v);
	for (i = 0; i < n; i++) {
		if (v[i].from <= now && now < v[i].to) {
			st->open = true;
			st->until = v[i].to;
			break;
		}
		if (v[i].from > now) {
			st->next = v[i].from;
			snprintf(st->why, sizeof(st->why), "outside the "
			    "weekly window (%s): it opens next %s", w->tz,
			    local_str(v[i].from, a, sizeof(a)));
			break;
		}
	}
	if (i == n)
		snprintf(st->why, sizeof(st->why), "outside the weekly window "
		    "(%s): no range opens within %d days", w->tz,
		    HORIZON_DAYS);
	tz_leave(&sv);
	free(v);
	return 0;
}

int
window_eval(const struct window_spec *w, time_t now,
    struct window_state *out, struct fd_error *err)
{
	struct window_state st, at;
	char a[32], b[32];
	int rc;

	memset(&st, 0, sizeof(st));
	st.open = true;
	if (w->n_weekly > 0) {
		st.open = false;
		if ((rc = eval_weekly(w, now, &st, err)) < 0)
			return rc;
	}
	if (w->has_not_before && now < w->not_before) {
		st.open = false;
		st.next = w->not_before;
		/* With weekly ranges: the first of them open from then. */
		memset(&at, 0, sizeof(at));
		if (w->n_weekly > 0 && (rc = eval_weekly(w, w->not_before, &at,
		    err)) < 0)
			return rc;
		if (w->n_weekly > 0 && !at.open)
			st.next = at.next;
		window_utc_str(w->not_before, a, sizeof(a));
		if (st.next == w->not_before)
			snprintf(st.why, sizeof(st.why), "the window opens at "
			    "not_before %s", a);
		else if (st.next != 0)
			snprintf(st.why, sizeof(st.why), "before not_before "
			    "%s; the first weekly range after it opens %s", a,
			    window_utc_str(st.next, b, sizeof(b)));
		else
			snprintf(st.why, sizeof(st.why), "before not_before "
			    "%s; no weekly range opens within 8 days of it",
			    a);
	}
	if (w->has_not_after && now >= w->not_after) {
		st.open = false;
		st.next = 0;
		snprintf(st.why, sizeof(st.why), "the window closed at "
		    "not_after %s", window_utc_str(w->not_after, a,
		    sizeof(a)));
	}
	if (st.open && w->has_not_after &&
	    (st.until == 0 || w->not_after < st.until))
		st.until = w->not_after;
	if (st.open) {
		st.next = 0;
		st.why[0] = '\0';
	} else {
		st.until = 0;
	}
	*out = st;
	return 0;
}

void
window_limit(struct window_spec *w, time_t until)
{
	w->set = true;
	if (until == 0)
		return;
	if (!w->has_not_after || until < w->not_after) {
		w->has_not_after = true;
		w->not_after = until;
	}
}
