/*
 * The drill spec loader: jansson parses (rejecting duplicate keys), a
 * table-driven walker (jsonwalk.c) validates every key, and jsonpos.c
 * places each problem at file:line:column.  Every problem found is
 * reported, not just the first.
 *
 * json_unpack_ex() with JSON_STRICT would stop at the first leftover key
 * and give no position, so the field tables (here, spec_sections.c,
 * spec_checks.c) do the same job (unknown keys, types, required keys) for
 * every key at once.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "spec_priv.h"

/* A drill spec is a page of JSON; anything this large is a mistake. */
#define SPEC_MAX_BYTES (1024 * 1024)

/* --------------------------------------------------- top level, misc */

static const struct jw_field timeout_fields[] = {
	FUINT("operation_s", struct spec_timeouts, operation_s, 10, 86400),
	FUINT("converge_s", struct spec_timeouts, converge_s, 1, 3600),
	FUINT("settle_s", struct spec_timeouts, settle_s, 0, 3600),
	FUINT("restore_s", struct spec_timeouts, restore_s, 60, 86400),
	FUINT("drill_s", struct spec_timeouts, drill_s, 60, 86400),
};

static const struct jw_field converge_fields[] = {
	FUINT("rate_hz", struct spec_converge, rate_hz, 20, 1000),
	FUINT("stable_ms", struct spec_converge, stable_ms, 100, 600000),
};

static const struct jw_field top_fields[] = {
	FSTR("name", struct spec, name, true),
	FSTR("description", struct spec, description, false),
	FBOOL("change_required", struct spec, change_required),
	FBOOL("require_change_id", struct spec, require_change_id),
	FCUSTOM("window", F_OBJ, false),
	FCUSTOM("azure", F_OBJ, true),
	FCUSTOM("devices", F_OBJ, false),
	FCUSTOM("hops", F_OBJ, false),
	FCUSTOM("probes", F_ARR, false),
	FCUSTOM("trace", F_OBJ, false),
	FCUSTOM("preflight", F_ARR, false),
	FCUSTOM("expect", F_OBJ, true),
	FCUSTOM("timeouts", F_OBJ, false),
	FCUSTOM("converge", F_OBJ, false),
};

typedef void (*section_fn)(struct jw_ctx *, json_t *);

static void
section(struct jw_ctx *c, json_t *root, const char *key, json_type t,
    section_fn fn)
{
	json_t *v = jw_get_typed(root, key, t);
	struct jw_mark m;

	if (v == NULL)
		return;
	m = jw_push(c, key);
	fn(c, v);
	jw_pop(c, m);
}

static void
parse_timeouts(struct jw_ctx *c, json_t *o)
{
	jw_unpack(c, o, timeout_fields, NFIELDS(timeout_fields),
	    &vspec(c)->timeouts, false);
}

static void
parse_converge(struct jw_ctx *c, json_t *o)
{
	jw_unpack(c, o, converge_fields, NFIELDS(converge_fields),
	    &vspec(c)->converge, false);
}

static void
parse_preflight(struct jw_ctx *c, json_t *a)
{
	spec_parse_checks(c, a, vspec(c)->preflight, &vspec(c)->n_preflight,
	    false);
}

/* A watched probe whose paths the spec cannot tell apart would "converge"
 * at once: an error at the probe, not a drill that passes vacuously. */
static void
check_watch_classes(struct jw_ctx *c)
{
	struct hop_set pri, bak;
	unsigned i;

	/* Only for an otherwise valid spec: with errors elsewhere (a bad
	 * path, a dangling @set) the classes are not known yet. */
	if (c->d->n > 0)
		return;
	for (i = 0; i < vspec(c)->n_probes; i++) {
		const struct spec_probe *p = &vspec(c)->probes[i];

		if (!p->watch || spec_watch_classes(vspec(c), p->name, &pri,
		    &bak) > 0)
			continue;
		jw_diag_at(c->d, p->line, 1, "probes: watched probe '%s' has "
		    "nothing to tell ExpressRoute from the VPN: name a hop "
		    "of one path only in expect.baseline.%s or "
		    "expect.failover.%s (path, avoid)", p->name, p->name,
		    p->name);
	}
}

static void
validate(struct jw_ctx *c, json_t *root)
{
	struct spec *s = vspec(c);
	json_t *v;
	struct jw_mark m;

	jw_unpack(c, root, top_fields, NFIELDS(top_fields), s, false);
	/* Issue 14 spells change_required "require_change_id": either key
	 * says it; both must agree. */
	if (json_is_boolean(json_object_get(root, "require_change_id")) &&
	    json_is_boolean(json_object_get(root, "change_required")) &&
	    s->require_change_id != s->change_required)
		jw_key_diag(c, root, "require_change_id", "%s, but "
		    "change_required is %s: the two keys are one setting; "
		    "keep one", s->require_change_id ? "true" : "false",
		    s->change_required ? "true" : "false");
	s->change_required = s->change_required || s->require_change_id;
	if (jw_get_str(root, "name") && s->name[0] != '\0') {
		m = jw_push(c, "name");
		jw_check_name(c, AT_VALUE, "drill name", s->name,
		    SPEC_NAME_MAX - 1);
		jw_pop(c, m);
	}
	/* Definitions first, then what refers to them. */
	section(c, root, "azure", JSON_OBJECT, spec_parse_azure);
	section(c, root, "devices", JSON_OBJECT, spec_parse_devices);
	section(c, root, "hops", JSON_OBJECT, spec_parse_hops);
	section(c, root, "probes", JSON_ARRAY, spec_parse_probes);
	section(c, root, "trace", JSON_OBJECT, spec_parse_trace);
	section(c, root, "timeouts", JSON_OBJECT, parse_timeouts);
	section(c, root, "converge", JSON_OBJECT, parse_converge);
	section(c, root, "window", JSON_OBJECT, spec_parse_window);
	section(c, root, "preflight", JSON_ARRAY, parse_preflight);
	section(c, root, "expect", JSON_OBJECT, spec_parse_expect);
	if (s->failover.converge_within_s > s->timeouts.converge_s &&
	    (v = jw_get_typed(root, "expect", JSON_OBJECT)) != NULL &&
	    (v = jw_get_typed(v, "failover", JSON_OBJECT)) != NULL) {
		m = jw_push(c, "expect");
		(void)jw_push(c, "failover");
		jw_key_diag(c, v, "converge_within_s", "%u s is longer than "
		    "timeouts.converge_s (%u s): the drill would give up "
		    "first", s->failover.converge_within_s,
		    s->timeouts.converge_s);
		jw_pop(c, m);
	}
	check_watch_classes(c);
}

/* Stable sort by position, so the front end prints in file order. */
static void
diags_sort(struct spec_diags *d)
{
	unsigned n = d->n < SPEC_MAX_DIAGS ? d->n : SPEC_MAX_DIAGS, i, j;
	struct spec_diag t;

	for (i = 1; i < n; i++) {
		t = d->v[i];
		for (j = i; j > 0 && (d->v[j - 1].line > t.line ||
		    (d->v[j - 1].line == t.line &&
		    d->v[j - 1].column > t.column)); j--)
			d->v[j] = d->v[j - 1];
		d->v[j] = t;
	}
}

/* Column of the start of the token jansson quotes in "... near 'tok'";
 * jansson's own column is that of the token's last character. */
static unsigned
jansson_column(const json_error_t *e)
{
	const char *near = strstr(e->text, " near '");
	unsigned chars = 0;
	const char *p;
	size_t n;

	if (e->column <= 0)
		return 1;
	if (near == NULL)
		return (unsigned)e->column;
	near += 7;
	n = strlen(near);
	if (n == 0 || near[n - 1] != '\'')
		return (unsigned)e->column;
	for (p = near; p < near + n - 1; p++)
		if (((unsigned char)*p & 0xc0) != 0x80)
			chars++;
	if (chars == 0 || chars > (unsigned)e->column)
		return (unsigned)e->column;
	return (unsigned)e->column - chars + 1;
}

void
spec_defaults(struct spec *s)
{
	memset(s, 0, sizeof(*s));
	snprintf(s->azure.peering, sizeof(s->azure.peering),
	    "AzurePrivatePeering");
	snprintf(s->azure.api_version, sizeof(s->azure.api_version),
	    "2024-05-01");
	/* ARM gives a resource provider 60 s before answering 504 itself:
	 * a request timeout under that gives up on answers still coming. */
	s->azure.request_timeout_ms = 65000;
	s->probe.probes_per_hop = 3;
	s->probe.first_ttl = 1;
	s->probe.max_ttl = 30;
	s->probe.flows = 1;
	s->probe.wait_max_ms = 3000;
	s->probe.wait_here = 3.0;
	s->probe.wait_near = 10.0;
	s->probe.port = 33434;
	s->timeouts.operation_s = 900;
	s->timeouts.converge_s = 120;
	s->timeouts.settle_s = 5;
	s->timeouts.restore_s = 1800;
	s->timeouts.drill_s = 3600;
	s->converge.rate_hz = 100;
	s->converge.stable_ms = 3000;
}

static bool
blank(const char *buf, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (buf[i] != ' ' && buf[i] != '\t' && buf[i] != '\n' &&
		    buf[i] != '\r')
			return false;
	return true;
}

int
spec_load_buffer(const char *buf, size_t len, const char *name,
    struct spec **out, struct spec_diags *diags)
{
	struct jpos_index ix;
	struct jw_ctx c;
	struct spec *s = NULL;
	json_error_t jerr;
	json_t *root = NULL;
	const char *nul;
	size_t i;
	int scan_rc, rc = -EINVAL;

	memset(diags, 0, sizeof(*diags));
	snprintf(diags->file, sizeof(diags->file), "%s",
	    name ? name : "<spec>");
	memset(&ix, 0, sizeof(ix));
	if (len > SPEC_MAX_BYTES) {
		jw_diag_at(diags, 1, 1,
		    "file too large (%zu bytes, at most %d)", len,
		    SPEC_MAX_BYTES);
		return -EFBIG;
	}
	if (buf == NULL || blank(buf, len)) {
		jw_diag_at(diags, 1, 1, "empty file: a drill spec is a JSON "
		    "object");
		return -EINVAL;
	}
	/* jansson 2.14 silently drops a NUL byte after a number or a
	 * literal (found by fuzz/fuzz_spec.c); a spec is text, so refuse
	 * them all, where they are. */
	if ((nul = memchr(buf, '\0', len)) != NULL) {
		unsigned line = 1, col = 1;
		const char *p;

		for (p = buf; p < nul; p++) {
			if (*p == '\n') {
				line++;
				col = 1;
			} else if (((unsigned char)*p & 0xc0) != 0x80) {
				col++;
			}
		}
		jw_diag_at(diags, line, col, "NUL byte: a drill spec is text");
		return -EINVAL;
	}
	scan_rc = jpos_build(buf, len, &ix);
	if (scan_rc == -ENOMEM) {
		rc = -ENOMEM;
		jw_diag_at(diags, 1, 1, "out of memory");
		goto done;
	}
	/* Every duplicate key, where it is; jansson would stop at the
	 * first and point past it. */
	for (i = 0; i < ix.n_dups && i < JPOS_MAX_DUPS; i++)
		jw_diag_at(diags, ix.dups[i].at.key_line, ix.dups[i].at.key_col,
		    "duplicate key '%s'%s%s (first on line %u)",
		    ix.dups[i].key, ix.dups[i].path[0] ? " in " : "",
		    ix.dups[i].path, ix.dups[i].first_line);
	if (ix.n_dups > JPOS_MAX_DUPS)
		diags->n += (unsigned)(ix.n_dups - JPOS_MAX_DUPS);
	root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
	if (root == NULL) {
		if (json_error_code(&jerr) != json_error_duplicate_key ||
		    ix.n_dups == 0)
			jw_diag_at(diags,
			    jerr.line > 0 ? (unsigned)jerr.line : 1,
			    jansson_column(&jerr), "%s", jerr.text);
		goto done;
	}
	if (ix.n_dups > 0)
		goto done;
	if (!json_is_object(root)) {
		jw_diag_at(diags, 1, 1, "a drill spec is a JSON object, not %s",
		    jw_type_name(root));
		goto done;
	}
	if ((s = malloc(sizeof(*s))) == NULL) {
		rc = -ENOMEM;
		jw_diag_at(diags, 1, 1, "out of memory");
		goto done;
	}
	spec_defaults(s);
	snprintf(s->file, sizeof(s->file), "%s", diags->file);
	memset(&c, 0, sizeof(c));
	c.user = s;
	c.d = diags;
	c.ix = &ix;
	validate(&c, root);
	if (diags->n == 0) {
		*out = s;
		s = NULL;
		rc = 0;
	}
done:
	diags_sort(diags);
	free(s);
	json_decref(root);
	jpos_done(&ix);
	return rc;
}

int
spec_load(const char *path, struct spec **out, struct spec_diags *diags)
{
	struct stat st;
	char *buf = NULL;
	size_t got = 0;
	ssize_t r;
	int fd, rc;

	memset(diags, 0, sizeof(*diags));
	snprintf(diags->file, sizeof(diags->file), "%s", path);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		rc = -errno;
		jw_diag_at(diags, 0, 0, "cannot open: %s", strerror(-rc));
		return rc;
	}
	if (fstat(fd, &st) < 0) {
		rc = -errno;
		jw_diag_at(diags, 0, 0, "cannot stat: %s", strerror(-rc));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		rc = -EINVAL;
		jw_diag_at(diags, 0, 0, "not a regular file");
		goto out;
	}
	if (st.st_size > SPEC_MAX_BYTES) {
		rc = -EFBIG;
		jw_diag_at(diags, 0, 0, "file too large (at most %d bytes)",
		    SPEC_MAX_BYTES);
		goto out;
	}
	if ((buf = malloc((size_t)st.st_size + 1)) == NULL) {
		rc = -ENOMEM;
		jw_diag_at(diags, 0, 0, "out of memory");
		goto out;
	}
	while (got < (size_t)st.st_size) {
		r = read(fd, buf + got, (size_t)st.st_size - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			rc = -errno;
			jw_diag_at(diags, 0, 0, "cannot read: %s",
			    strerror(-rc));
			goto out;
		}
		if (r == 0)
			break;
		got += (size_t)r;
	}
	rc = spec_load_buffer(buf, got, path, out, diags);
out:
	free(buf);
	close(fd);
	return rc;
}

void
spec_free(struct spec *s)
{
	free(s);
}

const struct device_cfg *
spec_device(const struct spec *s, const char *name)
{
	unsigned i;

	for (i = 0; i < s->n_devices; i++)
		if (strcmp(s->devices[i].name, name) == 0)
			return &s->devices[i];
	return NULL;
}

const struct spec_probe *
spec_probe(const struct spec *s, const char *name)
{
	unsigned i;

	for (i = 0; i < s->n_probes; i++)
		if (strcmp(s->probes[i].name, name) == 0)
			return &s->probes[i];
	return NULL;
}

static bool
pat_named(const struct path_expect *e, const struct hop_pat *p)
{
	unsigned i;

	for (i = 0; e != NULL && i < e->n; i++) {
		if (e->pats[i].kind != p->kind)
			continue;
		if (p->kind == HOP_PAT_SET &&
		    strcmp(e->pats[i].set, p->set) == 0)
			return true;
		if (p->kind == HOP_PAT_PREFIX &&
		    prefix_equal(&e->pats[i].prefix, &p->prefix))
			return true;
	}
	return false;
}

static void
class_add(const struct spec *s, const struct hop_pat *p, struct hop_set *hs)
{
	const struct hop_set *set;
	unsigned j;

	if (p->kind == HOP_PAT_PREFIX) {
		if (hs->n < HOPSET_MAX_PREFIXES)
			hs->prefixes[hs->n++] = p->prefix;
	} else if (p->kind == HOP_PAT_SET &&
	    (set = hop_sets_find(&s->sets, p->set)) != NULL) {
		for (j = 0; j < set->n && hs->n < HOPSET_MAX_PREFIXES; j++)
			hs->prefixes[hs->n++] = set->prefixes[j];
	}
}

static const struct path_expect *
expect_path(const struct spec_expect *e, const char *probe)
{
	unsigned i;

	for (i = 0; i < e->n_paths; i++)
		if (strcmp(e->paths[i].probe, probe) == 0)
			return &e->paths[i].path;
	return NULL;
}

unsigned
spec_watch_classes(const struct spec *s, const char *probe,
    struct hop_set *primary, struct hop_set *backup)
{
	const struct path_expect *base, *fo;
	unsigned i;

	memset(primary, 0, sizeof(*primary));
	memset(backup, 0, sizeof(*backup));
	snprintf(primary->name, sizeof(primary->name), "primary");
	snprintf(backup->name, sizeof(backup->name), "backup");
	base = expect_path(&s->baseline, probe);
	fo = expect_path(&s->failover, probe);
	if (fo != NULL)
		for (i = 0; i < fo->n_avoid; i++)
			class_add(s, &fo->avoid[i], primary);
	/* A hop named by both paths (the target, the first router) tells
	 * nothing; one named by only one of them does. */
	if (base != NULL && fo != NULL && fo->n > 0)
		for (i = 0; i < base->n; i++)
			if (!pat_named(fo, &base->pats[i]))
				class_add(s, &base->pats[i], primary);
	if (fo != NULL && base != NULL && base->n > 0)
		for (i = 0; i < fo->n; i++)
			if (!pat_named(base, &fo->pats[i]))
				class_add(s, &fo->pats[i], backup);
	return primary->n + backup->n;
}
