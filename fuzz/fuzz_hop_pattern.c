/*
 * libFuzzer harness for the hop pattern and compact hop list parsers
 * (hops.h): neither may crash, and what they print must parse back to the
 * same thing.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hops.h"

static void
pattern(const char *s)
{
	struct hop_pat p, q;
	char buf[128];

	if (hop_pat_parse(s, &p, NULL) < 0)
		return;
	hop_pat_str(&p, buf, sizeof(buf));
	if (hop_pat_parse(buf, &q, NULL) < 0 || q.kind != p.kind)
		__builtin_trap();
	if (p.kind == HOP_PAT_PREFIX && !prefix_equal(&p.prefix, &q.prefix))
		__builtin_trap();
	if (p.kind == HOP_PAT_SET && strcmp(p.set, q.set) != 0)
		__builtin_trap();
}

static void
list(const char *s)
{
	struct hop_list *a = hop_list_new(), *b = hop_list_new();
	char *buf = malloc(65536);

	if (a == NULL || b == NULL || buf == NULL)
		goto out;
	/* An accepted list without hops ("?") prints as "", which is
	 * rightly refused; only lists with hops must round-trip. */
	if (hop_list_parse(s, a, NULL) < 0 || a->n == 0)
		goto out;
	hop_list_str(a, buf, 65536);
	if (hop_list_parse(buf, b, NULL) < 0 || b->n != a->n)
		__builtin_trap();
out:
	free(buf);
	hop_list_free(a);
	hop_list_free(b);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s;

	if (size > 4096)
		return 0;
	if ((s = malloc(size + 1)) == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	pattern(s);
	list(s);
	free(s);
	return 0;
}
