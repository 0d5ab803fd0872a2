#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "replies.h"

const char *
replies_dir(const char *out_dir, const char *phase, char *buf, size_t len)
{
	int n;

	if (out_dir == NULL || phase == NULL)
		return NULL;
	n = snprintf(buf, len, "%s/replies/%s", out_dir, phase);
	if (n > 0 && (size_t)n < len)
		return buf;
	log_warn("replies: %s/replies/%s: path too long; the device replies "
	    "of %s are not saved", out_dir, phase, phase);
	return NULL;
}

void
replies_phase(const struct device_ops *const *ops, void *const *ctx,
    size_t n, const char *out_dir, const char *phase,
    struct device_replies *b)
{
	char dir[PATH_MAX];
	const char *d;
	size_t i;

	if (b->max_bytes == 0)
		b->max_bytes = REPLIES_MAX_BYTES;
	d = replies_dir(out_dir, phase, dir, sizeof(dir));
	for (i = 0; i < n; i++)
		if (ops[i] != NULL && ops[i]->record != NULL)
			ops[i]->record(ctx[i], d, b);
}

static int
visible(const struct dirent *e)
{
	return e->d_name[0] != '.';
}

/* Byte order, not the locale's (alphasort): the same list everywhere. */
static int
by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

/* The file names of one phase's directory, sorted; NULL when empty. */
static json_t *
phase_files(const char *dir)
{
	struct dirent **v = NULL;
	json_t *a = NULL;
	int n, i;

	n = scandir(dir, &v, visible, by_name);
	for (i = 0; i < n; i++) {
		if (a == NULL)
			a = json_array();
		json_array_append_new(a, json_string(v[i]->d_name));
		free(v[i]);
	}
	free(v);
	return a;
}

json_t *
replies_index(const char *out_dir)
{
	char root[PATH_MAX], dir[PATH_MAX + 256];
	struct dirent **v = NULL;
	json_t *o = NULL, *a;
	int n, i, len;

	if (out_dir == NULL)
		return NULL;
	len = snprintf(root, sizeof(root), "%s/replies", out_dir);
	if (len < 0 || (size_t)len >= sizeof(root))
		return NULL;
	n = scandir(root, &v, visible, by_name);
	for (i = 0; i < n; i++) {
		snprintf(dir, sizeof(dir), "%s/%s", root, v[i]->d_name);
		if ((a = phase_files(dir)) != NULL) {
			if (o == NULL)
				o = json_object();
			json_object_set_new(o, v[i]->d_name, a);
		}
		free(v[i]);
	}
	free(v);
	return o;
}
