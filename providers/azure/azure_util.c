/*
 * What the ARM client (arm.c), the credential chain (cred.c) and the
 * client assertion (jwt.c) share, so that they call down into this file
 * and never into each other in a circle: arm.c -> cred.c -> jwt.c, each
 * -> azure_util.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <time.h>

#include "azure_util.h"

void
azure_uuid(char out[37])
{
	unsigned char b[16];
	size_t i;
	char *o = out;

	if (getrandom(b, sizeof(b), 0) != (ssize_t)sizeof(b)) {
		/* Uniqueness, not secrecy, is what a request id needs. */
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		for (i = 0; i < sizeof(b); i++)
			b[i] = (unsigned char)((ts.tv_nsec >> (i % 4 * 8)) ^
			    (i * 37) ^ rand());
	}
	b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
	b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
	for (i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			*o++ = '-';
		o += sprintf(o, "%02x", b[i]);
	}
	*o = '\0';
}

bool
azure_status_is(const char *s, const char *want)
{
	return s != NULL && strcasecmp(s, want) == 0;
}

int64_t
azure_retry_after_ms(const struct http_response *r)
{
	const char *v;
	char *end;
	long long n;
	struct tm tm;

	/* Order of azcore's RetryAfter(): retry-after-ms,
	 * x-ms-retry-after-ms, Retry-After (AZURE-REST.md §3.1). */
	if ((v = http_response_header(r, "retry-after-ms")) != NULL ||
	    (v = http_response_header(r, "x-ms-retry-after-ms")) != NULL) {
		n = strtoll(v, &end, 10);
		if (end != v && n >= 0)
			return n;
	}
	if ((v = http_response_header(r, "Retry-After")) == NULL)
		return -1;
	n = strtoll(v, &end, 10);
	if (end != v && *end == '\0' && n >= 0)
		return n * 1000;
	memset(&tm, 0, sizeof(tm));
	if (strptime(v, "%a, %d %b %Y %H:%M:%S GMT", &tm) != NULL) {
		time_t t = timegm(&tm), now = time(NULL);

		return t > now ? (int64_t)(t - now) * 1000 : 0;
	}
	return -1;
}

void
azure_free_secret(char *s)
{
	if (s == NULL)
		return;
	explicit_bzero(s, strlen(s));
	free(s);
}
