/* The result document itself, pretty-printed. */
#include "report.h"

static int
json_render(const json_t *doc, FILE *out, struct fd_error *err)
{
	if (json_dumpf(doc, out, JSON_INDENT(2) | JSON_PRESERVE_ORDER) < 0 ||
	    fputc('\n', out) == EOF)
		return fd_error_set(err, -EIO, "writing JSON failed");
	return 0;
}

const struct report_ops report_json_ops = {
	.name = "json",
	.render = json_render,
};
