/* The JSON field walker; see jsonwalk.h. */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "jsonwalk.h"

static void
diag_add(struct spec_diags *d, unsigned line, unsigned col, const char *fmt,
    va_list ap) __attribute__((format(printf, 4, 0)));

static void
diag_add(struct spec_diags *d, unsigned line, unsigned col, const char *fmt,
    va_list ap)
{
	struct spec_diag *g;

	if (d->n++ >= SPEC_MAX_DIAGS)
		return;
	g = &d->v[d->n - 1];
	g->line = line;
	g->column = col;
	vsnprintf(g->msg, sizeof(g->msg), fmt, ap);
}

void
jw_diag_at(struct spec_diags *d, unsigned line, unsigned col, const char *fmt,
    ...)
{
	va_list ap;

	va_start(ap, fmt);
	diag_add(d, line, col, fmt, ap);
	va_end(ap);
}

/* Report at the current value (or its key); the message is prefixed with
 * the value's dotted name. */
void
jw_diag(struct jw_ctx *c, enum at at, const char *fmt, ...)
{
	struct jpos p = { 1, 1, 1, 1 };
	char msg[200];
	va_list ap;

	if (c->d->n >= SPEC_MAX_DIAGS) {
		c->d->n++;
		return;
	}
	/* A pointer the scanner does not know (it cannot happen for text
	 * jansson accepted) falls back to the start of the file. */
	(void)jpos_find(c->ix, c->ptr, &p);
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (c->dlen > 0)
		jw_diag_at(c->d, at == AT_KEY ? p.key_line : p.line,
		    at == AT_KEY ? p.key_col : p.col, "%s: %s", c->disp, msg);
	else
		jw_diag_at(c->d, p.line, p.col, "%s", msg);
}

unsigned
jw_cur_line(struct jw_ctx *c)
{
	struct jpos p;

	return jpos_find(c->ix, c->ptr, &p) ? p.line : 0;
}

struct jw_mark
jw_push(struct jw_ctx *c, const char *key)
{
	struct jw_mark m = { c->plen, c->dlen };
	int n;

	if (!jpos_ptr_push(c->ptr, sizeof(c->ptr), &c->plen, key))
		return m;
	n = snprintf(c->disp + c->dlen, sizeof(c->disp) - c->dlen, "%s%s",
	    c->dlen > 0 ? "." : "", key);
	if (n > 0 && (size_t)n < sizeof(c->disp) - c->dlen)
		c->dlen += (size_t)n;
	else
		c->disp[c->dlen] = '\0';
	return m;
}

struct jw_mark
jw_push_idx(struct jw_ctx *c, size_t i)
{
	struct jw_mark m = { c->plen, c->dlen };
	char num[24];
	int n;

	snprintf(num, sizeof(num), "%zu", i);
	if (!jpos_ptr_push(c->ptr, sizeof(c->ptr), &c->plen, num))
		return m;
	n = snprintf(c->disp + c->dlen, sizeof(c->disp) - c->dlen, "[%zu]",
	    i);
	if (n > 0 && (size_t)n < sizeof(c->disp) - c->dlen)
		c->dlen += (size_t)n;
	else
		c->disp[c->dlen] = '\0';
	return m;
}

void
jw_pop(struct jw_ctx *c, struct jw_mark m)
{
	c->plen = m.plen;
	c->ptr[m.plen] = '\0';
	c->dlen = m.dlen;
	c->disp[m.dlen] = '\0';
}

/* ----------------------------------------------------------- helpers */

const char *
jw_type_name(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT: return "an object";
	case JSON_ARRAY: return "an array";
	case JSON_STRING: return "a string";
	case JSON_INTEGER: return "an integer";
	case JSON_REAL: return "a number with a fraction";
	case JSON_TRUE: return "true";
	case JSON_FALSE: return "false";
	case JSON_NULL: return "null";
	}
	return "?";
}

static const char *
ftype_name(enum ftype t)
{
	switch (t) {
	case F_STR: return "a string";
	case F_UINT: return "an integer";
	case F_BOOL: return "true or false";
	case F_REAL: return "a number";
	case F_OBJ: return "an object";
	case F_ARR: return "an array";
	case F_ANY: return "a value";
	}
	return "?";
}

static bool
ftype_ok(enum ftype t, const json_t *v)
{
	switch (t) {
	case F_STR: return json_is_string(v);
	case F_UINT: return json_is_integer(v);
	case F_BOOL: return json_is_boolean(v);
	case F_REAL: return json_is_number(v);
	case F_OBJ: return json_is_object(v);
	case F_ARR: return json_is_array(v);
	case F_ANY: return true;
	}
	return false;
}

/* Edit distance, for "did you mean"; small strings only. */
static unsigned
edit_distance(const char *a, const char *b)
{
	unsigned row[64], i, j, prev, tmp;
	size_t la = strlen(a), lb = strlen(b);

	if (la >= 63 || lb >= 63)
		return 99;
	for (j = 0; j <= lb; j++)
		row[j] = j;
	for (i = 1; i <= la; i++) {
		prev = row[0];
		row[0] = i;
		for (j = 1; j <= lb; j++) {
			tmp = row[j];
			row[j] = prev + (a[i - 1] != b[j - 1]);
			if (row[j - 1] + 1 < row[j])
				row[j] = row[j - 1] + 1;
			if (tmp + 1 < row[j])
				row[j] = tmp + 1;
			prev = tmp;
		}
	}
	return row[lb];
}

static bool
is_secret_key(const char *k)
{
	static const char *const secrets[] = {
		"password", "passphrase", "secret", "client_secret", "token",
		"private_key", "key", "access_token",
	};
	size_t i;

	for (i = 0; i < NFIELDS(secrets); i++)
		if (strcmp(k, secrets[i]) == 0)
			return true;
	return false;
}

void
jw_unknown_key(struct jw_ctx *c, const char *k, const struct jw_field *f,
    size_t nf)
{
	const char *best = NULL;
	unsigned d, bd = 3;
	size_t i;

	if (is_secret_key(k)) {
		jw_diag(c, AT_KEY, "secrets never go in a drill spec: use "
		    "password_file, password_env or identity_file");
		return;
	}
	for (i = 0; i < nf; i++) {
		/* "stable" for "stable_ms": a missing unit suffix. */
		if (strlen(k) >= 4 &&
		    strncmp(k, f[i].key, strlen(k)) == 0) {
			best = f[i].key;
			break;
		}
		if ((d = edit_distance(k, f[i].key)) < bd) {
			bd = d;
			best = f[i].key;
		}
	}
	if (best != NULL)
		jw_diag(c, AT_KEY, "unknown key (did you mean '%s'?)", best);
	else
		jw_diag(c, AT_KEY, "unknown key");
}

static bool
has_ctrl(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return true;
	return false;
}

/*
 * Check obj's members against the field table: unknown keys (unless
 * extra_ok, when the caller handles them), types, required keys, string
 * lengths and integer ranges; store scalars into base.  Returns the number
 * of problems found.
 */
unsigned
jw_unpack(struct jw_ctx *c, json_t *obj, const struct jw_field *f, size_t nf,
    void *base, bool extra_ok)
{
	unsigned before = c->d->n;
	const char *k;
	json_t *v;
	struct jw_mark m;
	size_t i;

	json_object_foreach(obj, k, v) {
		for (i = 0; i < nf && strcmp(f[i].key, k) != 0; i++)
			;
		m = jw_push(c, k);
		if (i == nf) {
			if (!extra_ok)
				jw_unknown_key(c, k, f, nf);
			jw_pop(c, m);
			continue;
		}
		if (!ftype_ok(f[i].type, v)) {
			jw_diag(c, AT_VALUE, "must be %s, not %s",
			    ftype_name(f[i].type), jw_type_name(v));
			jw_pop(c, m);
			continue;
		}
		if (f[i].type == F_STR) {
			const char *sv = json_string_value(v);

			if (*sv == '\0')
				jw_diag(c, AT_VALUE, "must not be empty");
			else if (has_ctrl(sv))
				jw_diag(c, AT_VALUE, "contains a control "
				    "character");
			else if (f[i].off != NOOFF &&
			    strlen(sv) >= f[i].size)
				jw_diag(c, AT_VALUE, "too long (at most %zu "
				    "characters)", f[i].size - 1);
			else if (f[i].off != NOOFF)
				memcpy((char *)base + f[i].off, sv,
				    strlen(sv) + 1);
		} else if (f[i].type == F_UINT) {
			json_int_t n = json_integer_value(v);

			if (f[i].off != NOOFF &&
			    (n < f[i].min || n > f[i].max))
				jw_diag(c, AT_VALUE, "%lld is out of range "
				    "(%lld..%lld)", (long long)n, f[i].min,
				    f[i].max);
			else if (f[i].off != NOOFF)
				*(unsigned *)(void *)((char *)base +
				    f[i].off) = (unsigned)n;
		} else if (f[i].type == F_BOOL) {
			if (f[i].off != NOOFF)
				*(bool *)(void *)((char *)base + f[i].off) =
				    json_is_true(v);
		} else if (f[i].type == F_REAL) {
			double x = json_number_value(v);

			if (f[i].off != NOOFF && !(x >= (double)f[i].min &&
			    x <= (double)f[i].max))
				jw_diag(c, AT_VALUE, "%g is out of range "
				    "(%lld..%lld)", x, f[i].min, f[i].max);
			else if (f[i].off != NOOFF)
				*(double *)(void *)((char *)base + f[i].off) =
				    x;
		}
		jw_pop(c, m);
	}
	for (i = 0; i < nf; i++)
		if (f[i].required && json_object_get(obj, f[i].key) == NULL)
			jw_diag(c, AT_VALUE, "missing required key '%s'",
			    f[i].key);
	return c->d->n - before;
}

/* The value of key when it has the right type (jw_unpack() reported it
 * otherwise), or NULL. */
json_t *
jw_get_str(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	return json_is_string(v) && *json_string_value(v) != '\0' ? v : NULL;
}

json_t *
jw_get_typed(json_t *o, const char *key, json_type t)
{
	json_t *v = json_object_get(o, key);

	if (v == NULL || json_typeof(v) != t)
		return NULL;
	return v;
}


static bool
name_ok(const char *s, size_t max)
{
	size_t n = strlen(s);

	if (n == 0 || n > max)
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '_' && *s != '-')
			return false;
	return true;
}

bool
jw_check_name(struct jw_ctx *c, enum at at, const char *what, const char *s,
    size_t max)
{
	if (name_ok(s, max))
		return true;
	jw_diag(c, at,
	    "%s '%.64s' must be 1 to %zu letters, digits, '_' or '-'", what, s,
	    max);
	return false;
}


/* Parse the string at key (pushed by the caller's path) as an address. */
bool
jw_addr_value(struct jw_ctx *c, json_t *v, struct fd_addr *out)
{
	struct fd_error err;

	if (!json_is_string(v)) {
		jw_diag(c, AT_VALUE, "must be an IP address string, not %s",
		    jw_type_name(v));
		return false;
	}
	if (addr_parse(json_string_value(v), out, &err) < 0) {
		jw_diag(c, AT_VALUE, "%s", err.msg);
		return false;
	}
	return true;
}

bool
jw_prefix_value(struct jw_ctx *c, json_t *v, struct fd_prefix *out)
{
	struct fd_error err;

	if (!json_is_string(v)) {
		jw_diag(c, AT_VALUE,
		    "must be an address or CIDR string, not %s",
		    jw_type_name(v));
		return false;
	}
	if (prefix_parse_host(json_string_value(v), out, &err) < 0) {
		jw_diag(c, AT_VALUE, "%s", err.msg);
		return false;
	}
	return true;
}

/* An address member of o (already type-checked by unpack). */
bool
jw_member_addr(struct jw_ctx *c, json_t *o, const char *key,
    struct fd_addr *out)
{
	json_t *v = jw_get_str(o, key);
	struct jw_mark m;
	bool ok;

	if (v == NULL)
		return false;
	m = jw_push(c, key);
	ok = jw_addr_value(c, v, out);
	jw_pop(c, m);
	return ok;
}

bool
jw_member_prefix(struct jw_ctx *c, json_t *o, const char *key,
    struct fd_prefix *out)
{
	json_t *v = jw_get_str(o, key);
	struct jw_mark m;
	bool ok;

	if (v == NULL)
		return false;
	m = jw_push(c, key);
	ok = jw_prefix_value(c, v, out);
	jw_pop(c, m);
	return ok;
}

/* An array member of addresses; returns the count stored. */
unsigned
jw_member_addrs(struct jw_ctx *c, json_t *o, const char *key,
    struct fd_addr *out, unsigned max)
{
	json_t *a = jw_get_typed(o, key, JSON_ARRAY), *v;
	struct jw_mark m, mi;
	unsigned n = 0;
	size_t i;

	if (a == NULL)
		return 0;
	m = jw_push(c, key);
	if (json_array_size(a) == 0)
		jw_diag(c, AT_VALUE, "must list at least one address");
	else if (json_array_size(a) > max)
		jw_diag(c, AT_VALUE, "at most %u addresses", max);
	json_array_foreach(a, i, v) {
		if (n >= max)
			break;
		mi = jw_push_idx(c, i);
		if (jw_addr_value(c, v, &out[n]))
			n++;
		jw_pop(c, mi);
	}
	jw_pop(c, m);
	return n;
}

unsigned
jw_member_prefixes(struct jw_ctx *c, json_t *o, const char *key,
    struct fd_prefix *out, unsigned max)
{
	json_t *a = jw_get_typed(o, key, JSON_ARRAY), *v;
	struct jw_mark m, mi;
	unsigned n = 0;
	size_t i;

	if (a == NULL)
		return 0;
	m = jw_push(c, key);
	if (json_array_size(a) == 0)
		jw_diag(c, AT_VALUE, "must list at least one prefix");
	else if (json_array_size(a) > max)
		jw_diag(c, AT_VALUE, "at most %u prefixes", max);
	json_array_foreach(a, i, v) {
		if (n >= max)
			break;
		mi = jw_push_idx(c, i);
		if (jw_prefix_value(c, v, &out[n]))
			n++;
		jw_pop(c, mi);
	}
	jw_pop(c, m);
	return n;
}

/* A problem with the value of member key of o (or o itself when absent). */
void
jw_key_diag(struct jw_ctx *c, json_t *o, const char *key, const char *fmt,
    ...)
{
	struct jw_mark m = { c->plen, c->dlen };
	char msg[200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (json_object_get(o, key) != NULL)
		m = jw_push(c, key);
	jw_diag(c, AT_VALUE, "%s", msg);
	jw_pop(c, m);
}
