/*
 * libFuzzer harness for the lease tag's value (lease.h, issue 14): what
 * another operator or tool left on the circuit.  Never crash; a value
 * that parses formats back within 256 characters to one that parses, and
 * formatting that again changes nothing (cleaned fields are stable).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lease.h"

static void
same(const struct lease *a, const struct lease *b)
{
	if (strcmp(a->drill, b->drill) != 0 || strcmp(a->by, b->by) != 0 ||
	    strcmp(a->change, b->change) != 0 || a->since != b->since ||
	    a->until != b->until)
		__builtin_trap();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1), v1[CLOUD_LEASE_MAX + 1],
	    v2[CLOUD_LEASE_MAX + 1];
	struct lease l, c, back;

	if (s == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	if (lease_parse(s, &l, NULL) == 0) {
		(void)lease_expired(&l, 0);
		lease_init(&c, l.drill, l.by, l.change, l.since, l.until);
		if (lease_format(&c, v1, sizeof(v1), NULL) < 0 ||
		    strlen(v1) > CLOUD_LEASE_MAX ||
		    lease_parse(v1, &back, NULL) < 0)
			__builtin_trap();
		same(&c, &back);
		if (lease_format(&back, v2, sizeof(v2), NULL) < 0 ||
		    strcmp(v1, v2) != 0)
			__builtin_trap();
	}
	free(s);
	return 0;
}
