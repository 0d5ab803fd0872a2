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
