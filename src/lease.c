/*
 * The drill's lease on the circuit (lease.h): its value, parsed and
 * formatted as pure functions.  What the drill does with it is
 * drill_lease.c.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lease.h"

/* ------------------------------------------------------------- value */

/* Copy at most max characters of src, each ';' '=' or character outside
 * printable ASCII made '_', so the value splits back into its fields
 * and a cut never halves a UTF-8 sequence; leading and trailing blanks
 * dropped. */
static void
field_copy(char *dst, size_t max, const char *src)
{
	size_t n = 0, end = 0;

	while (src != NULL && *src == ' ')
		src++;
	for (; src != NULL && *src != '\0' && n < max; src++) {
		unsigned char c = (unsigned char)*src;

		dst[n++] = c == ';' || c == '=' || c < 0x20 || c > 0x7e ?
		    '_' : (char)c;
		if (c != ' ')
			end = n;
	}
	dst[end] = '\0';
}

void
lease_init(struct lease *l, const char *drill, const char *by,
    const char *change, time_t since, time_t until)
{
	memset(l, 0, sizeof(*l));
	field_copy(l->drill, LEASE_DRILL_MAX, drill);
	field_copy(l->by, LEASE_BY_MAX, by);
	field_copy(l->change, LEASE_CHANGE_MAX, change);
	if (l->change[0] == '\0')
		snprintf(l->change, sizeof(l->change), "-");
	if (l->drill[0] == '\0')
		snprintf(l->drill, sizeof(l->drill), "-");
	if (l->by[0] == '\0')
		snprintf(l->by, sizeof(l->by), "-");
	l->since = since;
	l->until = until;
}

const char *
lease_time_str(time_t t, char *buf, size_t len)
{
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(buf, len, "?");
	return buf;
}

int
lease_format(const struct lease *l, char *buf, size_t len,
    struct fd_error *err)
{
	char a[32], b[32];
	int n;

	/* 36 characters of keys and separators, two times of 20 and the
	 * fields' maxima: 252, within CLOUD_LEASE_MAX. */
	_Static_assert(36 + 40 + LEASE_DRILL_MAX + LEASE_BY_MAX +
	    LEASE_CHANGE_MAX <= CLOUD_LEASE_MAX, "lease value too long");
	n = snprintf(buf, len, "drill=%s; by=%s; since=%s; until=%s; "
	    "change=%s", l->drill, l->by, lease_time_str(l->since, a,
	    sizeof(a)), lease_time_str(l->until, b, sizeof(b)), l->change);
	if (n < 0 || (size_t)n >= len)
		return fd_error_set(err, -ENOSPC, "lease value does not fit "
		    "%zu bytes", len);
	return 0;
}

/* "YYYY-MM-DDTHH:MM:SSZ", exactly. */
static int
time_parse(const char *s, time_t *out)
{
	struct tm tm;
	unsigned y, mo, d, h, mi, se;
	int used = 0;
	size_t i;
	static const unsigned mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30,
	    31, 30, 31 };

	/* Digits where digits go: sscanf's %u would also take a sign or a
	 * blank. */
	if (strlen(s) != 20)
		return -1;
	for (i = 0; i < 19; i++)
		if (i != 4 && i != 7 && i != 10 && i != 13 && i != 16 &&
		    !isdigit((unsigned char)s[i]))
			return -1;
	if (sscanf(s, "%4u-%2u-%2uT%2u:%2u:%2uZ%n", &y, &mo, &d, &h, &mi,
	    &se, &used) != 6 || used != 20)
		return -1;
	if (y < 1970 || mo < 1 ||
	    mo > 12 || d < 1 || d > mdays[mo - 1] || h > 23 || mi > 59 ||
	    se > 59)
		return -1;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = (int)y - 1900;
	tm.tm_mon = (int)mo - 1;
	tm.tm_mday = (int)d;
	tm.tm_hour = (int)h;
	tm.tm_min = (int)mi;
	tm.tm_sec = (int)se;
	*out = timegm(&tm);
	return 0;
}

int
lease_parse(const char *s, struct lease *out, struct fd_error *err)
{
	static const char *const keys[] = { "drill", "by", "since", "until",
	    "change" };
	static const size_t max[] = { LEASE_DRILL_MAX, LEASE_BY_MAX, 20, 20,
	    LEASE_CHANGE_MAX };
	char copy[CLOUD_LEASE_MAX + 1], *save = NULL, *f;
	char val[5][LEASE_DRILL_MAX + 1];
	bool seen[5] = { false };
	struct lease l;
	size_t i;

	if (s == NULL || s[0] == '\0')
		return fd_error_set(err, -EBADMSG, "lease: empty value");
	if (strlen(s) > CLOUD_LEASE_MAX)
		return fd_error_set(err, -EBADMSG, "lease: value longer than "
		    "%d characters", CLOUD_LEASE_MAX);
	snprintf(copy, sizeof(copy), "%s", s);
	for (f = strtok_r(copy, ";", &save); f != NULL;
	    f = strtok_r(NULL, ";", &save)) {
		char *eq;

		while (*f == ' ')
			f++;
		if (*f == '\0')
			continue;
		if ((eq = strchr(f, '=')) == NULL)
			return fd_error_set(err, -EBADMSG, "lease: '%.40s' is "
			    "not key=value", f);
		*eq = '\0';
		for (i = 0; i < 5; i++)
			if (strcmp(f, keys[i]) == 0)
				break;
		if (i == 5)
			continue;	/* a later version's field */
		if (seen[i])
			return fd_error_set(err, -EBADMSG, "lease: %s twice",
			    keys[i]);
		if (strlen(eq + 1) > max[i] || eq[1] == '\0')
			return fd_error_set(err, -EBADMSG, "lease: %s %s",
			    keys[i], eq[1] ? "too long" : "empty");
		seen[i] = true;
		snprintf(val[i], sizeof(val[i]), "%s", eq + 1);
	}
	for (i = 0; i < 4; i++)
		if (!seen[i])
			return fd_error_set(err, -EBADMSG, "lease: no %s",
			    keys[i]);
	memset(&l, 0, sizeof(l));
	snprintf(l.drill, sizeof(l.drill), "%s", val[0]);
	snprintf(l.by, sizeof(l.by), "%s", val[1]);
	snprintf(l.change, sizeof(l.change), "%s", seen[4] ? val[4] : "-");
	if (time_parse(val[2], &l.since) < 0)
		return fd_error_set(err, -EBADMSG, "lease: since '%s' is not "
		    "YYYY-MM-DDTHH:MM:SSZ", val[2]);
	if (time_parse(val[3], &l.until) < 0)
		return fd_error_set(err, -EBADMSG, "lease: until '%s' is not "
		    "YYYY-MM-DDTHH:MM:SSZ", val[3]);
	*out = l;
	return 0;
}

bool
lease_expired(const struct lease *l, time_t now)
{
	return now >= l->until;
}

void
lease_holder_str(const struct lease *l, char *buf, size_t len)
{
	char t[32];

	snprintf(buf, len, "by %s (drill %s, change %s) until %s", l->by,
	    l->drill, l->change, lease_time_str(l->until, t, sizeof(t)));
}
