/*
 * libFuzzer harness for the maintenance window's parsers (window.h): an
 * RFC 3339 time, HH:MM and day names.  Never crash; what parses prints
 * back (window_utc_str) to the same instant; a fraction or offset only
 * moves it by less than a second or by the offset.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "window.h"

static void
rfc3339(const char *s)
{
	char buf[64];
	time_t t, u;

	if (window_parse_time(s, &t) < 0)
		return;
	/* A year 0000..9999 and an offset under a day keep t in range. */
	window_utc_str(t, buf, sizeof(buf));
	if (strlen(buf) == 20 && (window_parse_time(buf, &u) < 0 || u != t))
		__builtin_trap();
}

static void
hhmm(const char *s)
{
	unsigned m;

	if (window_parse_hhmm(s, true, &m) == 0 && m > 1440)
		__builtin_trap();
	if (window_parse_hhmm(s, false, &m) == 0 && m > 1439)
		__builtin_trap();
	if (window_day(s) > 6)
		__builtin_trap();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (s == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	rfc3339(s);
	hhmm(s);
	free(s);
	return 0;
}
