#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "log.h"

static enum log_level cur_level = LOG_WARN;
static bool cur_tty;
static double t_start;

void
log_init(enum log_level level, bool tty)
{
	cur_level = level;
	cur_tty = tty;
	t_start = clock_wall();
}

enum log_level
log_level(void)
{
	return cur_level;
}

static void
prefix(FILE *f, enum log_level level)
{
	static const char *const names[] = { "error", "warning", "info",
		"debug" };
	double now = clock_wall();

	if (t_start == 0)
		t_start = now;
	if (cur_tty) {
		fprintf(f, "[%7.1fs] ", now - t_start);
	} else {
		time_t t = (time_t)now;
		struct tm tm;
		char buf[32];

		gmtime_r(&t, &tm);
		strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
		fprintf(f, "%s failover-drill: ", buf);
	}
	if (level != LOG_INFO)
		fprintf(f, "%s: ", names[level]);
}

void
log_msg(enum log_level level, const char *fmt, ...)
{
	va_list ap;

	if (level > cur_level)
		return;
	prefix(stderr, level);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	fflush(stderr);
}

void
log_transition(const char *from, const char *to)
{
	char a[32], b[32];
	size_t i;

	snprintf(a, sizeof(a), "%s", from);
	snprintf(b, sizeof(b), "%s", to);
	for (i = 0; a[i]; i++)
		a[i] = (char)toupper((unsigned char)a[i]);
	for (i = 0; b[i]; i++)
		b[i] = (char)toupper((unsigned char)b[i]);
	log_info("[%s] -> [%s]", a, b);
}
