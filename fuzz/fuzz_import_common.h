/*
 * Body shared by the importer harnesses: parse with one format (or
 * auto-detection when FUZZ_IMPORT_FORMAT is NULL), then check the
 * model's invariants and run every renderer over the result.
 */
#include <stdint.h>
#include <stdlib.h>

#include "import.h"
#include "render.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct hop_list l;
	struct fd_error err = { 0 };
	unsigned i, k;
	char *s;
	json_t *j;

	if (trace_import((const char *)data, size, FUZZ_IMPORT_FORMAT, &l,
	    &err) < 0) {
		if (err.code >= 0 || err.msg[0] == '\0')
			abort();	/* an error must say why */
		return 0;
	}
	if (l.n == 0 || l.n > HOPS_MAX)
		abort();
	for (i = 0; i < l.n; i++) {
		const struct hop *h = &l.hops[i];

		if (h->ttl == 0 || (i > 0 && h->ttl <= l.hops[i - 1].ttl) ||
		    h->n_answers > HOP_MAX_ANSWERS ||
		    h->n_probes > HOP_MAX_PROBES)
			abort();
		for (k = 0; k < h->n_probes; k++)
			if (h->probes[k].answer >= (int)h->n_answers)
				abort();
	}
	s = trace_render_model(&l);
	free(s);
	s = trace_render_text(&l);
	free(s);
	j = trace_render_json(&l);
	json_decref(j);
	return 0;
}
