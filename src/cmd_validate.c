/* The "validate" verb; see failover-drill(1). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "cli.h"

/*
 * validate --json: one object per spec on stdout, for editors and CI:
 * {"file", "ok", "drill" | null, "errors": [{"line", "column",
 * "message"}]}, in a JSON array.
 */
static json_t *
validate_json(const char *path)
{
	struct spec_diags diags;
	struct spec *s = NULL;
	json_t *errs = json_array(), *one;
	unsigned k;
	int rc;

	memset(&diags, 0, sizeof(diags));
	rc = spec_load(path, &s, &diags);
	for (k = 0; rc < 0 && k < diags.n && k < SPEC_MAX_DIAGS; k++)
		json_array_append_new(errs, json_pack("{s:i, s:i, s:s}",
		    "line", (int)diags.v[k].line, "column",
		    (int)diags.v[k].column, "message", diags.v[k].msg));
	if (rc < 0 && rc != -EINVAL && diags.n == 0)
		json_array_append_new(errs, json_pack("{s:i, s:i, s:s}",
		    "line", 0, "column", 0, "message", strerror(-rc)));
	one = json_pack("{s:s, s:b, s:o, s:o}", "file", path, "ok", rc == 0,
	    "drill", rc == 0 ? json_string(s->name) : json_null(),
	    "errors", errs);
	spec_free(s);
	return one;
}

int
cmd_validate(int argc, char **argv)
{
	int i, bad = 0;
	bool as_json = false;
	json_t *all = NULL;

	for (i = 1; i < argc && strcmp(argv[i], "--json") != 0; i++)
		;
	if (i < argc) {
		as_json = true;
		memmove(argv + i, argv + i + 1,
		    (size_t)(argc - i - 1) * sizeof(*argv));
		argc--;
		all = json_array();
	}
	if (argc < 2)
		return usage_error("validate: %s", "no SPEC given");
	for (i = 1; i < argc; i++) {
		struct spec *s = NULL;

		if (as_json) {
			json_t *one = validate_json(argv[i]);

			bad += !json_is_true(json_object_get(one, "ok"));
			json_array_append_new(all, one);
			continue;
		}
		if (load_spec(argv[i], &s) < 0) {
			bad++;
			continue;
		}
		printf("%s: ok (drill %s)\n", argv[i], s->name);
		spec_free(s);
	}
	if (as_json) {
		json_dumpf(all, stdout, JSON_INDENT(2));
		putchar('\n');
		json_decref(all);
	}
	return bad ? DRILL_USAGE : 0;
}
