#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "provider.h"

void
watch_samples_done(struct watch_samples *s)
{
	if (s == NULL)
		return;
	free(s->v);
	memset(s, 0, sizeof(*s));
}

int
watch_samples_add(struct watch_samples *s, const struct watch_sample *w)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 256;
		struct watch_sample *v = realloc(s->v, cap * sizeof(*v));

		if (v == NULL)
			return -ENOMEM;
		s->v = v;
		s->cap = cap;
	}
	s->v[s->n++] = *w;
	return 0;
}

static const char *const method_names[] = {
	[PROBE_METHOD_ICMP] = "icmp",
	[PROBE_METHOD_TCP] = "tcp",
	[PROBE_METHOD_UDP] = "udp",
};

const char *
probe_method_str(enum probe_method m)
{
	if ((unsigned)m >= sizeof(method_names) / sizeof(method_names[0]))
		return "?";
	return method_names[m];
}

int
probe_method_parse(const char *s, enum probe_method *out)
{
	unsigned i;

	if (s == NULL)
		return -EINVAL;
	for (i = 0; i < sizeof(method_names) / sizeof(method_names[0]); i++)
		if (strcmp(s, method_names[i]) == 0) {
			*out = (enum probe_method)i;
			return 0;
		}
	return -EINVAL;
}
