/*
 * The drill spec loader: jansson parses (rejecting duplicate keys), a
 * table-driven walker validates every key, and jsonpos.c places each
 * problem at file:line:column.  Every problem found is reported, not just
 * the first.
 *
 * json_unpack_ex() with JSON_STRICT would stop at the first leftover key
 * and give no position, so the field tables below do the same job (unknown
 * keys, types, required keys) for every key at once.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "jsonpos.h"
#include "spec.h"

/* A drill spec is a page of JSON; anything this large is a mistake. */
#define SPEC_MAX_BYTES (1024 * 1024)
#define NOOFF SIZE_MAX

enum ftype { F_STR, F_UINT, F_BOOL, F_REAL, F_OBJ, F_ARR, F_ANY };

struct field {
	const char *key;
	enum ftype type;
	size_t off;		/* into the base struct, NOOFF: caller's */
	size_t size;		/* F_STR: buffer size */
	long long min, max;	/* F_UINT; F_REAL too */
	bool required;
};

#define FSTR(k, st, m, req) { k, F_STR, offsetof(st, m), \
	sizeof(((st *)0)->m), 0, 0, req }
#define FUINT(k, st, m, lo, hi) { k, F_UINT, offsetof(st, m), 0, lo, hi, \
	false }
#define FBOOL(k, st, m) { k, F_BOOL, offsetof(st, m), 0, 0, 0, false }
#define FREAL(k, st, m, lo, hi) { k, F_REAL, offsetof(st, m), 0, lo, hi, \
	false }
#define FCUSTOM(k, t, req) { k, t, NOOFF, 0, 0, 0, req }
#define NFIELDS(a) (sizeof(a) / sizeof((a)[0]))

enum at { AT_VALUE, AT_KEY };

struct vctx {
	struct spec *s;
	struct spec_diags *d;
	const struct jpos_index *ix;
	char ptr[512];		/* JSON pointer of the current value */
	size_t plen;
	char disp[512];		/* the same for people: expect.baseline.x */
	size_t dlen;
};

struct mark {
	size_t plen, dlen;
};

/* ------------------------------------------------------------- diags */

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

static void
diag_at(struct spec_diags *d, unsigned line, unsigned col, const char *fmt,
    ...) __attribute__((format(printf, 4, 5)));

static void
diag_at(struct spec_diags *d, unsigned line, unsigned col, const char *fmt,
    ...)
{
	va_list ap;

	va_start(ap, fmt);
	diag_add(d, line, col, fmt, ap);
	va_end(ap);
}

/* Report at the current value (or its key); the message is prefixed with
 * the value's dotted name. */
static void
diag(struct vctx *c, enum at at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
diag(struct vctx *c, enum at at, const char *fmt, ...)
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
		diag_at(c->d, at == AT_KEY ? p.key_line : p.line,
		    at == AT_KEY ? p.key_col : p.col, "%s: %s", c->disp, msg);
	else
		diag_at(c->d, p.line, p.col, "%s", msg);
}

static unsigned
cur_line(struct vctx *c)
{
	struct jpos p;

	return jpos_find(c->ix, c->ptr, &p) ? p.line : 0;
}

static struct mark
push(struct vctx *c, const char *key)
{
	struct mark m = { c->plen, c->dlen };
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

static struct mark
push_idx(struct vctx *c, size_t i)
{
	struct mark m = { c->plen, c->dlen };
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

static void
pop(struct vctx *c, struct mark m)
{
	c->plen = m.plen;
	c->ptr[m.plen] = '\0';
	c->dlen = m.dlen;
	c->disp[m.dlen] = '\0';
}

/* ----------------------------------------------------------- helpers */

static const char *
type_name(const json_t *v)
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

static void
unknown_key(struct vctx *c, const char *k, const struct field *f, size_t nf)
{
	const char *best = NULL;
	unsigned d, bd = 3;
	size_t i;

	if (is_secret_key(k)) {
		diag(c, AT_KEY, "secrets never go in a drill spec: use "
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
		diag(c, AT_KEY, "unknown key (did you mean '%s'?)", best);
	else
		diag(c, AT_KEY, "unknown key");
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
static unsigned
unpack(struct vctx *c, json_t *obj, const struct field *f, size_t nf,
    void *base, bool extra_ok)
{
	unsigned before = c->d->n;
	const char *k;
	json_t *v;
	struct mark m;
	size_t i;

	json_object_foreach(obj, k, v) {
		for (i = 0; i < nf && strcmp(f[i].key, k) != 0; i++)
			;
		m = push(c, k);
		if (i == nf) {
			if (!extra_ok)
				unknown_key(c, k, f, nf);
			pop(c, m);
			continue;
		}
		if (!ftype_ok(f[i].type, v)) {
			diag(c, AT_VALUE, "must be %s, not %s",
			    ftype_name(f[i].type), type_name(v));
			pop(c, m);
			continue;
		}
		if (f[i].type == F_STR) {
			const char *sv = json_string_value(v);

			if (*sv == '\0')
				diag(c, AT_VALUE, "must not be empty");
			else if (has_ctrl(sv))
				diag(c, AT_VALUE, "contains a control "
				    "character");
			else if (f[i].off != NOOFF &&
			    strlen(sv) >= f[i].size)
				diag(c, AT_VALUE, "too long (at most %zu "
				    "characters)", f[i].size - 1);
			else if (f[i].off != NOOFF)
				memcpy((char *)base + f[i].off, sv,
				    strlen(sv) + 1);
		} else if (f[i].type == F_UINT) {
			json_int_t n = json_integer_value(v);

			if (f[i].off != NOOFF &&
			    (n < f[i].min || n > f[i].max))
				diag(c, AT_VALUE, "%lld is out of range "
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
				diag(c, AT_VALUE, "%g is out of range "
				    "(%lld..%lld)", x, f[i].min, f[i].max);
			else if (f[i].off != NOOFF)
				*(double *)(void *)((char *)base + f[i].off) =
				    x;
		}
		pop(c, m);
	}
	for (i = 0; i < nf; i++)
		if (f[i].required && json_object_get(obj, f[i].key) == NULL)
			diag(c, AT_VALUE, "missing required key '%s'",
			    f[i].key);
	return c->d->n - before;
}

/* The value of key when it has the right type (unpack() reported it
 * otherwise), or NULL. */
static json_t *
get_str(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	return json_is_string(v) && *json_string_value(v) != '\0' ? v : NULL;
}

static json_t *
get_typed(json_t *o, const char *key, json_type t)
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

static bool
check_name(struct vctx *c, enum at at, const char *what, const char *s,
    size_t max)
{
	if (name_ok(s, max))
		return true;
	diag(c, at, "%s '%.64s' must be 1 to %zu letters, digits, '_' or '-'",
	    what, s, max);
	return false;
}

/* Parse the string at key (pushed by the caller's path) as an address. */
static bool
parse_addr_value(struct vctx *c, json_t *v, struct fd_addr *out)
{
	struct fd_error err;

	if (!json_is_string(v)) {
		diag(c, AT_VALUE, "must be an IP address string, not %s",
		    type_name(v));
		return false;
	}
	if (addr_parse(json_string_value(v), out, &err) < 0) {
		diag(c, AT_VALUE, "%s", err.msg);
		return false;
	}
	return true;
}

static bool
parse_prefix_value(struct vctx *c, json_t *v, struct fd_prefix *out)
{
	struct fd_error err;

	if (!json_is_string(v)) {
		diag(c, AT_VALUE, "must be an address or CIDR string, not %s",
		    type_name(v));
		return false;
	}
	if (prefix_parse_host(json_string_value(v), out, &err) < 0) {
		diag(c, AT_VALUE, "%s", err.msg);
		return false;
	}
	return true;
}

/* An address member of o (already type-checked by unpack). */
static bool
member_addr(struct vctx *c, json_t *o, const char *key, struct fd_addr *out)
{
	json_t *v = get_str(o, key);
	struct mark m;
	bool ok;

	if (v == NULL)
		return false;
	m = push(c, key);
	ok = parse_addr_value(c, v, out);
	pop(c, m);
	return ok;
}

static bool
member_prefix(struct vctx *c, json_t *o, const char *key,
    struct fd_prefix *out)
{
	json_t *v = get_str(o, key);
	struct mark m;
	bool ok;

	if (v == NULL)
		return false;
	m = push(c, key);
	ok = parse_prefix_value(c, v, out);
	pop(c, m);
	return ok;
}

/* An array member of addresses; returns the count stored. */
static unsigned
member_addrs(struct vctx *c, json_t *o, const char *key, struct fd_addr *out,
    unsigned max)
{
	json_t *a = get_typed(o, key, JSON_ARRAY), *v;
	struct mark m, mi;
	unsigned n = 0;
	size_t i;

	if (a == NULL)
		return 0;
	m = push(c, key);
	if (json_array_size(a) == 0)
		diag(c, AT_VALUE, "must list at least one address");
	else if (json_array_size(a) > max)
		diag(c, AT_VALUE, "at most %u addresses", max);
	json_array_foreach(a, i, v) {
		if (n >= max)
			break;
		mi = push_idx(c, i);
		if (parse_addr_value(c, v, &out[n]))
			n++;
		pop(c, mi);
	}
	pop(c, m);
	return n;
}

static unsigned
member_prefixes(struct vctx *c, json_t *o, const char *key,
    struct fd_prefix *out, unsigned max)
{
	json_t *a = get_typed(o, key, JSON_ARRAY), *v;
	struct mark m, mi;
	unsigned n = 0;
	size_t i;

	if (a == NULL)
		return 0;
	m = push(c, key);
	if (json_array_size(a) == 0)
		diag(c, AT_VALUE, "must list at least one prefix");
	else if (json_array_size(a) > max)
		diag(c, AT_VALUE, "at most %u prefixes", max);
	json_array_foreach(a, i, v) {
		if (n >= max)
			break;
		mi = push_idx(c, i);
		if (parse_prefix_value(c, v, &out[n]))
			n++;
		pop(c, mi);
	}
	pop(c, m);
	return n;
}

/* Characters that would change the meaning of an ARM resource URL. */
static bool
arm_segment_ok(const char *s)
{
	for (; *s; s++)
		if (*s == '/' || *s == '?' || *s == '#' || *s == '%' ||
		    *s == '&' || isspace((unsigned char)*s))
			return false;
	return true;
}

/* "00000000-0000-0000-0000-000000000000" */
static bool
guid_ok(const char *s)
{
	size_t i;

	if (strlen(s) != 36)
		return false;
	for (i = 0; i < 36; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return false;
		} else if (!isxdigit((unsigned char)s[i])) {
			return false;
		}
	}
	return true;
}

/* "2024-05-01" or "2024-05-01-preview" */
static bool
api_version_ok(const char *s)
{
	size_t i;

	for (i = 0; i < 10; i++) {
		if (i == 4 || i == 7) {
			if (s[i] != '-')
				return false;
		} else if (!isdigit((unsigned char)s[i])) {
			return false;
		}
	}
	return s[10] == '\0' || strcmp(s + 10, "-preview") == 0;
}

static bool
hostname_ok(const char *s)
{
	struct fd_addr a;

	if (addr_parse(s, &a, NULL) == 0)
		return true;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '.' && *s != '-' &&
		    *s != '_')
			return false;
	return true;
}

static bool
env_name_ok(const char *s)
{
	if (!isalpha((unsigned char)*s) && *s != '_')
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '_')
			return false;
	return true;
}

/*
 * "~/x" -> "$HOME/x", as ssh(1) does for its files, and
 * "$CREDENTIALS_DIRECTORY/x" -> the directory systemd gives a service its
 * LoadCredential= files in (systemd.exec(5)); unset, the path is kept as
 * written and opening it fails naming it.
 */
#define CRED_PREFIX "$CREDENTIALS_DIRECTORY/"
static void
expand_home(struct vctx *c, const char *key, char *path, size_t size)
{
	const char *home = getenv("HOME"), *rest = path + 2;
	char buf[PATH_MAX];
	struct mark m;

	if (strncmp(path, CRED_PREFIX, strlen(CRED_PREFIX)) == 0) {
		home = getenv("CREDENTIALS_DIRECTORY");
		rest = path + strlen(CRED_PREFIX);
	} else if (strncmp(path, "~/", 2) != 0) {
		return;
	}
	if (home == NULL || *home == '\0')
		return;
	if ((size_t)snprintf(buf, sizeof(buf), "%s/%s", home, rest) >=
	    size) {
		m = push(c, key);
		diag(c, AT_VALUE, "too long once ~ is expanded");
		pop(c, m);
		return;
	}
	memcpy(path, buf, strlen(buf) + 1);
}

/* ------------------------------------------------------------- azure */

static const struct field azure_fields[] = {
	FSTR("subscription", struct azure_cfg, subscription, true),
	FSTR("resource_group", struct azure_cfg, resource_group, true),
	FSTR("circuit", struct azure_cfg, circuit, true),
	FSTR("peering", struct azure_cfg, peering, false),
	FSTR("vpn_gateway", struct azure_cfg, vpn_gateway, false),
	FSTR("cloud", struct azure_cfg, cloud, false),
	FSTR("arm_endpoint", struct azure_cfg, arm_endpoint, false),
	FSTR("authority", struct azure_cfg, authority, false),
	FSTR("audience", struct azure_cfg, audience, false),
	FSTR("ca_bundle", struct azure_cfg, ca_bundle, false),
	FSTR("api_version", struct azure_cfg, api_version, false),
	FBOOL("ipv6", struct azure_cfg, ipv6),
	FSTR("network_watcher_rg", struct azure_cfg, network_watcher_rg,
	    false),
	FSTR("network_watcher", struct azure_cfg, network_watcher, false),
	FSTR("source_vm_id", struct azure_cfg, source_vm_id, false),
	FUINT("request_timeout_ms", struct azure_cfg, request_timeout_ms,
	    1000, 600000),
};

static void
key_diag(struct vctx *c, json_t *o, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* A problem with the value of member key of o (or o itself when absent). */
static void
key_diag(struct vctx *c, json_t *o, const char *key, const char *fmt, ...)
{
	struct mark m = { c->plen, c->dlen };
	char msg[200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (json_object_get(o, key) != NULL)
		m = push(c, key);
	diag(c, AT_VALUE, "%s", msg);
	pop(c, m);
}

static void
parse_azure(struct vctx *c, json_t *o)
{
	struct azure_cfg *a = &c->s->azure;
	static const char *const arm_keys[] = {
		"resource_group", "circuit", "peering", "vpn_gateway",
		"network_watcher_rg", "network_watcher",
	};
	size_t i;

	unpack(c, o, azure_fields, NFIELDS(azure_fields), a, false);
	if (get_str(o, "subscription") && !guid_ok(a->subscription))
		key_diag(c, o, "subscription", "'%s' is not a subscription "
		    "id (a GUID)", a->subscription);
	for (i = 0; i < NFIELDS(arm_keys); i++) {
		json_t *v = get_str(o, arm_keys[i]);

		if (v != NULL && !arm_segment_ok(json_string_value(v)))
			key_diag(c, o, arm_keys[i], "'/', '?', '#', '%%', "
			    "'&' and spaces cannot be part of an Azure "
			    "resource name");
	}
	if (strcmp(a->peering, "AzurePrivatePeering") != 0 &&
	    strcmp(a->peering, "MicrosoftPeering") != 0)
		key_diag(c, o, "peering", "'%s' is not a peering this tool "
		    "toggles (AzurePrivatePeering or MicrosoftPeering)",
		    a->peering);
	/* No "cloud" stays "" (public, or AZURE_AUTHORITY_HOST's host, as
	 * azure-identity reads it); a named cloud keeps its own host. */
	if (get_str(o, "cloud") != NULL &&
	    strcmp(a->cloud, "public") != 0 && strcmp(a->cloud, "usgov") != 0 &&
	    strcmp(a->cloud, "china") != 0 && strcmp(a->cloud, "custom") != 0)
		key_diag(c, o, "cloud", "'%s' is not a cloud (public, usgov, "
		    "china or custom)", a->cloud);
	if (strcmp(a->cloud, "custom") == 0 &&
	    (a->arm_endpoint[0] == '\0' || a->authority[0] == '\0'))
		key_diag(c, o, "cloud", "a custom cloud needs arm_endpoint "
		    "and authority");
	if (a->arm_endpoint[0] != '\0' &&
	    strncmp(a->arm_endpoint, "https://", 8) != 0)
		key_diag(c, o, "arm_endpoint", "must be an https:// URL");
	if (a->authority[0] != '\0' &&
	    strncmp(a->authority, "https://", 8) != 0)
		key_diag(c, o, "authority", "must be an https:// URL");
	if (a->audience[0] != '\0' &&
	    (strncmp(a->audience, "https://", 8) != 0 ||
	    a->audience[8] == '\0' || a->audience[8] == '/' ||
	    strpbrk(a->audience, " \t\r\n?#") != NULL))
		key_diag(c, o, "audience", "'%s' is not a token audience (an "
		    "https:// URI without query, as in the cloud's "
		    "metadata/endpoints authentication.audiences)",
		    a->audience);
	if (!api_version_ok(a->api_version))
		key_diag(c, o, "api_version", "'%s' is not an ARM api-version "
		    "(YYYY-MM-DD or YYYY-MM-DD-preview)", a->api_version);
	if ((a->source_vm_id[0] != '\0') != (a->network_watcher[0] != '\0') ||
	    (a->network_watcher[0] != '\0') !=
	    (a->network_watcher_rg[0] != '\0'))
		key_diag(c, o, a->source_vm_id[0] ? "source_vm_id" :
		    "network_watcher", "a connectivity check needs "
		    "network_watcher_rg, network_watcher and source_vm_id "
		    "together");
	expand_home(c, "ca_bundle", a->ca_bundle, sizeof(a->ca_bundle));
}

/* ----------------------------------------------------------- devices */

static const struct field device_fields[] = {
	FSTR("kind", struct device_cfg, kind, true),
	FSTR("host", struct device_cfg, host, true),
	FUINT("port", struct device_cfg, port, 1, 65535),
	FSTR("user", struct device_cfg, user, false),
	FSTR("routing_instance", struct device_cfg, routing_instance, false),
	FSTR("known_hosts", struct device_cfg, known_hosts, false),
	FSTR("identity_file", struct device_cfg, identity_file, false),
	FSTR("passphrase_file", struct device_cfg, passphrase_file, false),
	FSTR("password_file", struct device_cfg, password_file, false),
	FSTR("password_env", struct device_cfg, password_env, false),
	FBOOL("agent", struct device_cfg, agent),
	FBOOL("accept_new_host_key", struct device_cfg, accept_new_host_key),
	FSTR("jump_host", struct device_cfg, jump_host, false),
	FCUSTOM("timeouts", F_OBJ, false),
};

static const struct field device_timeout_fields[] = {
	FUINT("connect_ms", struct device_cfg, connect_timeout_ms, 100,
	    600000),
	FUINT("command_ms", struct device_cfg, command_timeout_ms, 100,
	    3600000),
	FUINT("keepalive_s", struct device_cfg, keepalive_s, 0, 3600),
};

static void
device_defaults(struct device_cfg *d)
{
	memset(d, 0, sizeof(*d));
	snprintf(d->kind, sizeof(d->kind), "junos");
	d->port = 22;
	snprintf(d->known_hosts, sizeof(d->known_hosts),
	    "~/.ssh/known_hosts");
	d->agent = true;
	d->connect_timeout_ms = 10000;
	d->command_timeout_ms = 60000;
	d->keepalive_s = 15;
}

static void
parse_device(struct vctx *c, const char *name, json_t *o)
{
	struct device_cfg *d = &c->s->devices[c->s->n_devices];
	json_t *t;
	struct mark m;

	device_defaults(d);
	if (check_name(c, AT_KEY, "device name", name, sizeof(d->name) - 1))
		snprintf(d->name, sizeof(d->name), "%s", name);
	if (!json_is_object(o)) {
		diag(c, AT_VALUE, "a device must be an object, not %s",
		    type_name(o));
		return;
	}
	unpack(c, o, device_fields, NFIELDS(device_fields), d, false);
	if ((t = get_typed(o, "timeouts", JSON_OBJECT)) != NULL) {
		m = push(c, "timeouts");
		unpack(c, t, device_timeout_fields,
		    NFIELDS(device_timeout_fields), d, false);
		pop(c, m);
	}
	if (get_str(o, "kind") && strcmp(d->kind, "junos") != 0)
		key_diag(c, o, "kind", "unsupported device kind '%s' (only "
		    "junos)", d->kind);
	if (get_str(o, "host") && !hostname_ok(d->host))
		key_diag(c, o, "host", "'%s' is neither an IP address nor a "
		    "host name", d->host);
	if (get_str(o, "password_env") && !env_name_ok(d->password_env))
		key_diag(c, o, "password_env", "'%s' is not an environment "
		    "variable name", d->password_env);
	if (d->password_file[0] != '\0' && d->password_env[0] != '\0')
		key_diag(c, o, "password_env", "give password_file or "
		    "password_env, not both");
	if (d->passphrase_file[0] != '\0' && d->identity_file[0] == '\0')
		key_diag(c, o, "passphrase_file", "passphrase_file needs "
		    "identity_file");
	if (get_str(o, "jump_host") && strchr(d->jump_host, ' ') != NULL)
		key_diag(c, o, "jump_host", "must be [user@]host[:port]");
	expand_home(c, "known_hosts", d->known_hosts, sizeof(d->known_hosts));
	expand_home(c, "identity_file", d->identity_file,
	    sizeof(d->identity_file));
	expand_home(c, "passphrase_file", d->passphrase_file,
	    sizeof(d->passphrase_file));
	expand_home(c, "password_file", d->password_file,
	    sizeof(d->password_file));
	if (d->name[0] != '\0')
		c->s->n_devices++;
}

static void
parse_devices(struct vctx *c, json_t *o)
{
	const char *k;
	json_t *v;
	struct mark m;

	json_object_foreach(o, k, v) {
		m = push(c, k);
		if (c->s->n_devices >= SPEC_MAX_DEVICES)
			diag(c, AT_KEY, "too many devices (at most %d)",
			    SPEC_MAX_DEVICES);
		else
			parse_device(c, k, v);
		pop(c, m);
	}
}

/* -------------------------------------------------------------- hops */

static void
parse_hops(struct vctx *c, json_t *o)
{
	struct hop_sets *sets = &c->s->sets;
	const char *k;
	json_t *a, *v;
	struct mark m, mi;
	size_t i;

	json_object_foreach(o, k, a) {
		struct hop_set *hs = &sets->sets[sets->n];

		m = push(c, k);
		if (sets->n >= HOPSETS_MAX) {
			diag(c, AT_KEY, "too many hop sets (at most %d)",
			    HOPSETS_MAX);
			pop(c, m);
			continue;
		}
		if (!check_name(c, AT_KEY, "hop set name", k,
		    HOPSET_NAME_MAX - 1)) {
			pop(c, m);
			continue;
		}
		if (!json_is_array(a)) {
			diag(c, AT_VALUE, "a hop set must be an array of "
			    "addresses and CIDRs, not %s", type_name(a));
			pop(c, m);
			continue;
		}
		memset(hs, 0, sizeof(*hs));
		snprintf(hs->name, sizeof(hs->name), "%s", k);
		if (json_array_size(a) == 0)
			diag(c, AT_VALUE, "empty hop set");
		if (json_array_size(a) > HOPSET_MAX_PREFIXES)
			diag(c, AT_VALUE, "at most %d members",
			    HOPSET_MAX_PREFIXES);
		json_array_foreach(a, i, v) {
			if (hs->n >= HOPSET_MAX_PREFIXES)
				break;
			mi = push_idx(c, i);
			if (parse_prefix_value(c, v, &hs->prefixes[hs->n]))
				hs->n++;
			pop(c, mi);
		}
		sets->n++;
		pop(c, m);
	}
}

/* ------------------------------------------------------------ probes */

static const struct field probe_fields[] = {
	FSTR("name", struct spec_probe, name, true),
	FCUSTOM("to", F_STR, true),
	FSTR("from", struct spec_probe, from, false),
	FBOOL("watch", struct spec_probe, watch),
	FCUSTOM("method", F_STR, false),
	FUINT("port", struct spec_probe, port, 1, 65535),
};

static void
parse_probes(struct vctx *c, json_t *a)
{
	struct spec *s = c->s;
	bool any_watch = false, unwatched[SPEC_MAX_PROBES] = { false };
	json_t *o, *v;
	struct mark m;
	size_t i;
	unsigned j;

	if (json_array_size(a) > SPEC_MAX_PROBES) {
		diag(c, AT_VALUE, "too many probes (at most %d)",
		    SPEC_MAX_PROBES);
	}
	json_array_foreach(a, i, o) {
		struct spec_probe *p = &s->probes[s->n_probes];
		unsigned bad;

		if (s->n_probes >= SPEC_MAX_PROBES)
			break;
		m = push_idx(c, i);
		memset(p, 0, sizeof(*p));
		if (!json_is_object(o)) {
			diag(c, AT_VALUE, "a probe must be an object, not %s",
			    type_name(o));
			pop(c, m);
			continue;
		}
		p->line = cur_line(c);
		bad = unpack(c, o, probe_fields, NFIELDS(probe_fields), p,
		    false);
		if (get_str(o, "name") && !check_name(c, AT_VALUE,
		    "probe name", p->name, SPEC_NAME_MAX - 1))
			bad++;
		if (p->name[0] != '\0' && spec_probe(s, p->name) != NULL) {
			key_diag(c, o, "name", "duplicate probe name '%s'",
			    p->name);
			bad++;
		}
		if (!member_addr(c, o, "to", &p->to))
			bad++;
		if (strcmp(p->from, "azure") == 0) {
			/* Azure side: Network Watcher from the source VM. */
			if (s->azure.source_vm_id[0] == '\0') {
				key_diag(c, o, "from", "'azure' needs "
				    "azure.network_watcher_rg, "
				    "network_watcher and source_vm_id");
				bad++;
			}
		} else if (p->from[0] != '\0' &&
		    spec_device(s, p->from) == NULL) {
			key_diag(c, o, "from", "unknown device '%s'",
			    p->from);
			bad++;
		}
		if (p->from[0] != '\0' && p->watch) {
			key_diag(c, o, "watch", "only native probes (without "
			    "'from') can be watched");
			bad++;
		}
		if ((v = json_object_get(o, "method")) != NULL &&
		    json_is_string(v) && probe_method_parse(
		    json_string_value(v), &p->method) < 0) {
			key_diag(c, o, "method", "unknown method '%s' (icmp, "
			    "tcp or udp)", json_string_value(v));
			bad++;
		}
		if (v != NULL && p->from[0] != '\0') {
			key_diag(c, o, "method", "only native probes (without "
			    "'from') have a method");
			bad++;
		}
		if (p->method == PROBE_METHOD_TCP && p->port == 0 &&
		    json_object_get(o, "port") == NULL) {
			key_diag(c, o, "method", "method tcp needs 'port' "
			    "(the port the target answers, e.g. 3389)");
			bad++;
		} else if (p->method != PROBE_METHOD_TCP &&
		    json_object_get(o, "port") != NULL) {
			key_diag(c, o, "port", "'port' is only for method "
			    "tcp");
			bad++;
		}
		if (p->watch)
			any_watch = true;
		else if (json_object_get(o, "watch") != NULL &&
		    s->n_probes < SPEC_MAX_PROBES)
			unwatched[s->n_probes] = true;
		/* Keep a named probe even when it has problems, so the
		 * expectations naming it do not add noise. */
		if (p->name[0] != '\0')
			s->n_probes++;
		pop(c, m);
	}
	/* Unless a probe asks to be watched, watch the first native probe
	 * that did not say "watch": false. */
	if (!any_watch)
		for (j = 0; j < s->n_probes; j++)
			if (s->probes[j].from[0] == '\0' && !unwatched[j]) {
				s->probes[j].watch = true;
				break;
			}
}

/* ------------------------------------------------------------- trace */

static const struct field trace_fields[] = {
	FUINT("probes_per_hop", struct probe_cfg, probes_per_hop, 1,
	    HOP_MAX_PROBES),
	FUINT("first_ttl", struct probe_cfg, first_ttl, 1, HOPS_MAX),
	FUINT("max_ttl", struct probe_cfg, max_ttl, 1, HOPS_MAX),
	FUINT("flows", struct probe_cfg, flows, 1, 16),
	FUINT("wait_max_ms", struct probe_cfg, wait_max_ms, 10, 60000),
	FREAL("wait_here", struct probe_cfg, wait_here, 0, 100),
	FREAL("wait_near", struct probe_cfg, wait_near, 0, 100),
	FUINT("port", struct probe_cfg, port, 1, 65535 - HOPS_MAX),
	FSTR("source", struct probe_cfg, source, false),
	FSTR("iface", struct probe_cfg, iface, false),
};

static void
parse_trace(struct vctx *c, json_t *o)
{
	struct probe_cfg *p = &c->s->probe;
	struct fd_addr a;

	unpack(c, o, trace_fields, NFIELDS(trace_fields), p, false);
	if (p->first_ttl > p->max_ttl)
		key_diag(c, o, "first_ttl", "first_ttl %u is above max_ttl %u",
		    p->first_ttl, p->max_ttl);
	if (get_str(o, "source"))
		(void)member_addr(c, o, "source", &a);
}

/* ------------------------------------------------------------ checks */

static const struct field dev_adv_fields[] = {
	FCUSTOM("device", F_STR, true),
	FCUSTOM("advertised_to", F_STR, true),
	FSTR("table", struct spec_check, table, false),
	FCUSTOM("includes", F_ARR, false),
	FCUSTOM("excludes", F_ARR, false),
	FCUSTOM("as_path", F_STR, false),
};

static const struct field dev_rcv_fields[] = {
	FCUSTOM("device", F_STR, true),
	FCUSTOM("received_from", F_STR, true),
	FSTR("table", struct spec_check, table, false),
	FCUSTOM("includes", F_ARR, false),
	FCUSTOM("excludes", F_ARR, false),
	FCUSTOM("as_path", F_STR, false),
};

static const struct field dev_bgp_fields[] = {
	FCUSTOM("device", F_STR, true),
	FCUSTOM("bgp_established", F_ARR, true),
};

static const struct field dev_route_fields[] = {
	FCUSTOM("device", F_STR, true),
	FCUSTOM("prefix", F_STR, true),
	FSTR("table", struct spec_check, table, false),
	FCUSTOM("active", F_OBJ, false),
	FCUSTOM("backup", F_ANY, false),
	FCUSTOM("absent", F_BOOL, false),
};

static const struct field active_fields[] = {
	FSTR("protocol", struct route_expect, protocol, false),
	FSTR("as_path", struct route_expect, as_path, false),
	FCUSTOM("local_pref", F_UINT, false),
	FCUSTOM("next_hop", F_STR, false),
	FSTR("interface", struct route_expect, nh_iface, false),
};

static const struct field backup_fields[] = {
	FSTR("protocol", struct route_expect, backup_protocol, false),
	FSTR("as_path", struct route_expect, backup_as_path, false),
	FSTR("interface", struct route_expect, backup_nh_iface, false),
};

static const struct field az_learned_fields[] = {
	FCUSTOM("azure", F_STR, true),
	FCUSTOM("prefix", F_STR, false),
	FCUSTOM("next_hop", F_STR, false),
	FCUSTOM("as_path", F_STR, false),
	FCUSTOM("includes", F_ARR, false),
};

static const struct field az_adv_fields[] = {
	FCUSTOM("azure", F_STR, true),
	FCUSTOM("peer", F_STR, true),
	FCUSTOM("includes", F_ARR, false),
	FCUSTOM("excludes", F_ARR, false),
	FCUSTOM("as_path", F_STR, false),
};

static const struct field az_bgp_fields[] = {
	FCUSTOM("azure", F_STR, true),
	FCUSTOM("established", F_ARR, true),
};

static const struct field az_circuit_fields[] = {
	FCUSTOM("azure", F_STR, true),
};

/* permissions, links, vpn_connections, no_link_failover_test: no
 * options. */
static const struct field az_plain_fields[] = {
	FCUSTOM("azure", F_STR, true),
};

static void
copy_member(json_t *o, const char *key, char *dst, size_t size)
{
	json_t *v = get_str(o, key);

	if (v != NULL)
		snprintf(dst, size, "%s", json_string_value(v));
}

/* includes / excludes / as_path of an advertised or received check. */
static void
parse_prefix_lists(struct vctx *c, json_t *o, struct prefix_expect *pe,
    bool need)
{
	pe->n_includes = member_prefixes(c, o, "includes", pe->includes,
	    PREFIX_LIST_MAX);
	pe->n_excludes = member_prefixes(c, o, "excludes", pe->excludes,
	    PREFIX_LIST_MAX);
	copy_member(o, "as_path", pe->as_path, sizeof(pe->as_path));
	if (need && json_object_get(o, "includes") == NULL &&
	    json_object_get(o, "excludes") == NULL)
		diag(c, AT_VALUE, "the check states nothing: add includes or "
		    "excludes");
}

static void
check_device_name(struct vctx *c, json_t *o, struct spec_check *k)
{
	copy_member(o, "device", k->device, sizeof(k->device));
	if (get_str(o, "device") && spec_device(c->s, k->device) == NULL)
		key_diag(c, o, "device", "unknown device '%.64s'", k->device);
}

static void
parse_route_check(struct vctx *c, json_t *o, struct spec_check *k)
{
	struct route_expect *r = &k->route;
	json_t *act, *bk, *ab, *lp;
	struct mark m;

	(void)member_prefix(c, o, "prefix", &r->prefix);
	act = get_typed(o, "active", JSON_OBJECT);
	bk = json_object_get(o, "backup");
	ab = json_object_get(o, "absent");
	if (act != NULL) {
		m = push(c, "active");
		unpack(c, act, active_fields, NFIELDS(active_fields), r,
		    false);
		if ((lp = get_typed(act, "local_pref", JSON_INTEGER)) != NULL) {
			if (json_integer_value(lp) < 0 ||
			    json_integer_value(lp) > 4294967295LL)
				key_diag(c, act, "local_pref", "out of range "
				    "(0..4294967295)");
			else
				r->local_pref = json_integer_value(lp);
		}
		if (get_str(act, "next_hop") && member_prefix(c, act,
		    "next_hop", &r->nh_addr))
			r->has_nh_addr = true;
		pop(c, m);
	}
	if (bk != NULL) {
		m = push(c, "backup");
		if (json_is_true(bk)) {
			r->backup = true;
		} else if (json_is_object(bk)) {
			r->backup = true;
			unpack(c, bk, backup_fields, NFIELDS(backup_fields), r,
			    false);
		} else {
			diag(c, AT_VALUE, "must be true or an object, not %s",
			    type_name(bk));
		}
		pop(c, m);
	}
	if (json_is_true(ab)) {
		r->present = false;
		if (act != NULL || bk != NULL)
			key_diag(c, o, "absent", "an absent route has no "
			    "active or backup route");
	}
}

static void
need_gateway(struct vctx *c, json_t *o, const char *what)
{
	if (c->s->azure.vpn_gateway[0] == '\0')
		key_diag(c, o, "azure", "%s checks need azure.vpn_gateway",
		    what);
}

/*
 * One check object, at the current path.  route_only: from an expect
 * phase's "routes" list.  false when it could not be used.
 */
static bool
parse_check(struct vctx *c, json_t *o, struct spec_check *k, bool route_only)
{
	static const char *const dev_keys[] = {
		"advertised_to", "received_from", "bgp_established", "prefix",
	};
	unsigned before = c->d->n, n_disc = 0;
	const char *disc = NULL, *az;
	size_t i;

	memset(k, 0, sizeof(*k));
	route_expect_init(&k->route);
	prefix_expect_init(&k->prefixes);
	if (!json_is_object(o)) {
		diag(c, AT_VALUE, "a check must be an object, not %s",
		    type_name(o));
		return false;
	}
	k->line = cur_line(c);
	if (json_object_get(o, "device") != NULL &&
	    json_object_get(o, "azure") != NULL) {
		diag(c, AT_VALUE, "a check has either 'device' or 'azure', "
		    "not both");
		return false;
	}
	if (json_object_get(o, "device") != NULL) {
		for (i = 0; i < NFIELDS(dev_keys); i++)
			if (json_object_get(o, dev_keys[i]) != NULL) {
				n_disc++;
				disc = dev_keys[i];
			}
		if (n_disc != 1) {
			diag(c, AT_VALUE, "a device check has exactly one of "
			    "advertised_to, received_from, bgp_established "
			    "or prefix");
			return false;
		}
		if (route_only && strcmp(disc, "prefix") != 0) {
			diag(c, AT_VALUE, "'routes' holds route checks "
			    "(device and prefix); put this one in 'checks'");
			return false;
		}
		if (strcmp(disc, "advertised_to") == 0) {
			k->kind = CHECK_DEV_ADVERTISED;
			unpack(c, o, dev_adv_fields, NFIELDS(dev_adv_fields),
			    k, false);
			(void)member_addr(c, o, "advertised_to", &k->peer);
			parse_prefix_lists(c, o, &k->prefixes, true);
		} else if (strcmp(disc, "received_from") == 0) {
			k->kind = CHECK_DEV_RECEIVED;
			unpack(c, o, dev_rcv_fields, NFIELDS(dev_rcv_fields),
			    k, false);
			(void)member_addr(c, o, "received_from", &k->peer);
			parse_prefix_lists(c, o, &k->prefixes, true);
		} else if (strcmp(disc, "bgp_established") == 0) {
			k->kind = CHECK_DEV_BGP;
			unpack(c, o, dev_bgp_fields, NFIELDS(dev_bgp_fields),
			    k, false);
			k->n_peers = member_addrs(c, o, "bgp_established",
			    k->peers, SPEC_MAX_PEERS);
		} else {
			k->kind = CHECK_DEV_ROUTE;
			unpack(c, o, dev_route_fields,
			    NFIELDS(dev_route_fields), k, false);
			parse_route_check(c, o, k);
		}
		check_device_name(c, o, k);
		return c->d->n == before;
	}
	if (json_object_get(o, "azure") == NULL) {
		diag(c, AT_VALUE, "a check needs 'device' or 'azure'");
		return false;
	}
	if (!json_is_string(json_object_get(o, "azure"))) {
		key_diag(c, o, "azure", "must be learned_routes, "
		    "advertised_routes, bgp_peers, circuit, permissions, "
		    "links, vpn_connections or no_link_failover_test");
		return false;
	}
	az = json_string_value(json_object_get(o, "azure"));
	if (route_only) {
		diag(c, AT_VALUE, "'routes' holds route checks (device and "
		    "prefix); put this one in 'checks'");
		return false;
	}
	if (strcmp(az, "learned_routes") == 0) {
		k->kind = CHECK_AZ_LEARNED;
		unpack(c, o, az_learned_fields, NFIELDS(az_learned_fields), k,
		    false);
		need_gateway(c, o, "learned_routes");
		if (json_object_get(o, "prefix") == NULL &&
		    json_object_get(o, "includes") == NULL)
			diag(c, AT_VALUE, "a learned_routes check needs "
			    "prefix or includes");
		if (json_object_get(o, "prefix") == NULL &&
		    json_object_get(o, "next_hop") != NULL)
			key_diag(c, o, "next_hop", "next_hop needs prefix");
		(void)member_prefix(c, o, "prefix", &k->route.prefix);
		if (member_prefix(c, o, "next_hop", &k->route.nh_addr))
			k->route.has_nh_addr = true;
		k->prefixes.n_includes = member_prefixes(c, o, "includes",
		    k->prefixes.includes, PREFIX_LIST_MAX);
		copy_member(o, "as_path", json_object_get(o, "prefix") ?
		    k->route.as_path : k->prefixes.as_path,
		    sizeof(k->route.as_path));
	} else if (strcmp(az, "advertised_routes") == 0) {
		k->kind = CHECK_AZ_ADVERTISED;
		unpack(c, o, az_adv_fields, NFIELDS(az_adv_fields), k, false);
		need_gateway(c, o, "advertised_routes");
		(void)member_addr(c, o, "peer", &k->peer);
		parse_prefix_lists(c, o, &k->prefixes, true);
	} else if (strcmp(az, "bgp_peers") == 0) {
		k->kind = CHECK_AZ_BGP;
		unpack(c, o, az_bgp_fields, NFIELDS(az_bgp_fields), k, false);
		need_gateway(c, o, "bgp_peers");
		k->n_peers = member_addrs(c, o, "established", k->peers,
		    SPEC_MAX_PEERS);
	} else if (strcmp(az, "circuit") == 0) {
		k->kind = CHECK_AZ_CIRCUIT;
		unpack(c, o, az_circuit_fields, NFIELDS(az_circuit_fields), k,
		    false);
	} else if (strcmp(az, "permissions") == 0) {
		k->kind = CHECK_AZ_PERMISSIONS;
		unpack(c, o, az_plain_fields, NFIELDS(az_plain_fields), k,
		    false);
	} else if (strcmp(az, "links") == 0) {
		k->kind = CHECK_AZ_LINKS;
		unpack(c, o, az_plain_fields, NFIELDS(az_plain_fields), k,
		    false);
	} else if (strcmp(az, "vpn_connections") == 0) {
		k->kind = CHECK_AZ_VPN;
		unpack(c, o, az_plain_fields, NFIELDS(az_plain_fields), k,
		    false);
		need_gateway(c, o, "vpn_connections");
	} else if (strcmp(az, "no_link_failover_test") == 0) {
		k->kind = CHECK_AZ_LINK_TEST;
		unpack(c, o, az_plain_fields, NFIELDS(az_plain_fields), k,
		    false);
	} else {
		key_diag(c, o, "azure", "unknown Azure check '%.64s' "
		    "(learned_routes, advertised_routes, bgp_peers, circuit, "
		    "permissions, links, vpn_connections or "
		    "no_link_failover_test)", az);
		return false;
	}
	return c->d->n == before;
}

/* Append the checks of array a to v (max entries, *n so far). */
static void
parse_checks(struct vctx *c, json_t *a, struct spec_check *v, unsigned *n,
    bool route_only)
{
	struct mark m;
	json_t *o;
	size_t i;

	json_array_foreach(a, i, o) {
		m = push_idx(c, i);
		if (*n >= SPEC_MAX_CHECKS) {
			diag(c, AT_VALUE, "too many checks (at most %d per "
			    "phase)", SPEC_MAX_CHECKS);
			pop(c, m);
			break;
		}
		if (parse_check(c, o, &v[*n], route_only))
			(*n)++;
		pop(c, m);
	}
}

/* ------------------------------------------------------------ expect */

static const struct field path_fields[] = {
	FCUSTOM("path", F_ARR, false),
	FCUSTOM("avoid", F_ARR, false),
	FBOOL("reach", struct path_expect, reach),
	FUINT("max_hops", struct path_expect, max_hops, 1, HOPS_MAX),
};

/* Parse the patterns of array key into pats; returns the count. */
static unsigned
parse_patterns(struct vctx *c, json_t *o, const char *key,
    struct hop_pat *pats, unsigned max, bool avoid)
{
	json_t *a = get_typed(o, key, JSON_ARRAY), *v;
	struct fd_error err;
	struct mark m, mi;
	unsigned n = 0;
	size_t i;

	if (a == NULL)
		return 0;
	m = push(c, key);
	if (json_array_size(a) == 0)
		diag(c, AT_VALUE, "empty %s: leave the key out instead", key);
	else if (json_array_size(a) > max)
		diag(c, AT_VALUE, "at most %u patterns", max);
	json_array_foreach(a, i, v) {
		if (n >= max)
			break;
		mi = push_idx(c, i);
		if (!json_is_string(v)) {
			diag(c, AT_VALUE, "a hop pattern is a string, not %s",
			    type_name(v));
		} else if (hop_pat_parse(json_string_value(v), &pats[n],
		    &err) < 0 || hop_pat_check(&pats[n], &c->s->sets,
		    &err) < 0) {
			diag(c, AT_VALUE, "%s", err.msg);
		} else if (avoid && pats[n].kind != HOP_PAT_PREFIX &&
		    pats[n].kind != HOP_PAT_SET) {
			diag(c, AT_VALUE, "avoid takes addresses, CIDRs and "
			    "@sets only");
		} else {
			n++;
		}
		pop(c, mi);
	}
	pop(c, m);
	return n;
}

static void
parse_path(struct vctx *c, const char *probe, json_t *o, struct spec_expect *e)
{
	struct spec_path *sp = &e->paths[e->n_paths];
	struct path_expect *pe = &sp->path;

	memset(sp, 0, sizeof(*sp));
	snprintf(sp->probe, sizeof(sp->probe), "%s", probe);
	sp->line = cur_line(c);
	pe->reach = true;
	unpack(c, o, path_fields, NFIELDS(path_fields), pe, false);
	pe->n = parse_patterns(c, o, "path", pe->pats, PATH_MAX_PATS, false);
	pe->n_avoid = parse_patterns(c, o, "avoid", pe->avoid, PATH_MAX_AVOID,
	    true);
	e->n_paths++;
}

static const struct field phase_fields[] = {
	FCUSTOM("routes", F_ARR, false),
	FCUSTOM("checks", F_ARR, false),
	FUINT("converge_within_s", struct spec_expect, converge_within_s, 1,
	    3600),
	FUINT("max_loss", struct spec_expect, max_loss, 1, 1000000),
};

static void
parse_phase(struct vctx *c, json_t *o, struct spec_expect *e, bool failover)
{
	/* Only failover has the convergence keys. */
	size_t nf = failover ? NFIELDS(phase_fields) : 2, tried = 0;
	const char *k;
	json_t *v;
	struct mark m;
	size_t i;

	memset(e, 0, sizeof(*e));
	unpack(c, o, phase_fields, nf, e, true);
	json_object_foreach(o, k, v) {
		for (i = 0; i < nf && strcmp(k, phase_fields[i].key) != 0; i++)
			;
		if (i < nf)
			continue;
		m = push(c, k);
		tried++;
		if (spec_probe(c->s, k) != NULL) {
			if (!json_is_object(v))
				diag(c, AT_VALUE, "a path expectation must be "
				    "an object, not %s", type_name(v));
			else if (e->n_paths >= SPEC_MAX_PROBES)
				diag(c, AT_KEY, "too many paths");
			else
				parse_path(c, k, v, e);
		} else if (!failover && (strcmp(k, "converge_within_s") == 0 ||
		    strcmp(k, "max_loss") == 0)) {
			diag(c, AT_KEY, "only the failover phase has %s", k);
		} else if (json_is_object(v)) {
			diag(c, AT_KEY, "unknown probe '%.64s' (define it in "
			    "probes)", k);
		} else {
			unknown_key(c, k, phase_fields, nf);
		}
		pop(c, m);
	}
	if ((v = get_typed(o, "routes", JSON_ARRAY)) != NULL) {
		tried += json_array_size(v);
		m = push(c, "routes");
		parse_checks(c, v, e->checks, &e->n_checks, true);
		pop(c, m);
	}
	if ((v = get_typed(o, "checks", JSON_ARRAY)) != NULL) {
		tried += json_array_size(v);
		m = push(c, "checks");
		parse_checks(c, v, e->checks, &e->n_checks, false);
		pop(c, m);
	}
	/* Count what the phase tried to say, so a broken check is reported
	 * once rather than also as "no expectations". */
	if (e->n_paths == 0 && e->n_checks == 0 && tried == 0)
		diag(c, AT_VALUE, "a phase needs at least one path or check");
	e->set = true;
}

static const struct field expect_fields[] = {
	FCUSTOM("baseline", F_OBJ, true),
	FCUSTOM("failover", F_OBJ, true),
	FCUSTOM("restored", F_ANY, false),
};

static void
parse_expect(struct vctx *c, json_t *o)
{
	struct spec *s = c->s;
	json_t *v;
	struct mark m;

	unpack(c, o, expect_fields, NFIELDS(expect_fields), NULL, false);
	if ((v = get_typed(o, "baseline", JSON_OBJECT)) != NULL) {
		m = push(c, "baseline");
		parse_phase(c, v, &s->baseline, false);
		pop(c, m);
	}
	if ((v = get_typed(o, "failover", JSON_OBJECT)) != NULL) {
		m = push(c, "failover");
		parse_phase(c, v, &s->failover, true);
		pop(c, m);
	}
	v = json_object_get(o, "restored");
	m = push(c, "restored");
	if (v == NULL || (json_is_string(v) &&
	    strcmp(json_string_value(v), "baseline") == 0)) {
		s->restored = s->baseline;
	} else if (json_is_object(v)) {
		parse_phase(c, v, &s->restored, false);
	} else {
		diag(c, AT_VALUE, "must be \"baseline\" or an object");
	}
	pop(c, m);
}

/* --------------------------------------------------- top level, misc */

static const struct field timeout_fields[] = {
	FUINT("operation_s", struct spec_timeouts, operation_s, 10, 86400),
	FUINT("converge_s", struct spec_timeouts, converge_s, 1, 3600),
	FUINT("settle_s", struct spec_timeouts, settle_s, 0, 3600),
	FUINT("restore_s", struct spec_timeouts, restore_s, 60, 86400),
	FUINT("drill_s", struct spec_timeouts, drill_s, 60, 86400),
};

static const struct field converge_fields[] = {
	FUINT("rate_hz", struct spec_converge, rate_hz, 20, 1000),
	FUINT("stable_ms", struct spec_converge, stable_ms, 100, 600000),
};

static const struct field top_fields[] = {
	FSTR("name", struct spec, name, true),
	FSTR("description", struct spec, description, false),
	FBOOL("change_required", struct spec, change_required),
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

typedef void (*section_fn)(struct vctx *, json_t *);

static void
section(struct vctx *c, json_t *root, const char *key, json_type t,
    section_fn fn)
{
	json_t *v = get_typed(root, key, t);
	struct mark m;

	if (v == NULL)
		return;
	m = push(c, key);
	fn(c, v);
	pop(c, m);
}

static void
parse_timeouts(struct vctx *c, json_t *o)
{
	unpack(c, o, timeout_fields, NFIELDS(timeout_fields),
	    &c->s->timeouts, false);
}

static void
parse_converge(struct vctx *c, json_t *o)
{
	unpack(c, o, converge_fields, NFIELDS(converge_fields),
	    &c->s->converge, false);
}

static void
parse_preflight(struct vctx *c, json_t *a)
{
	parse_checks(c, a, c->s->preflight, &c->s->n_preflight, false);
}

/* A watched probe whose paths the spec cannot tell apart would "converge"
 * at once: an error at the probe, not a drill that passes vacuously. */
static void
check_watch_classes(struct vctx *c)
{
	struct hop_set pri, bak;
	unsigned i;

	/* Only for an otherwise valid spec: with errors elsewhere (a bad
	 * path, a dangling @set) the classes are not known yet. */
	if (c->d->n > 0)
		return;
	for (i = 0; i < c->s->n_probes; i++) {
		const struct spec_probe *p = &c->s->probes[i];

		if (!p->watch || spec_watch_classes(c->s, p->name, &pri,
		    &bak) > 0)
			continue;
		diag_at(c->d, p->line, 1, "probes: watched probe '%s' has "
		    "nothing to tell ExpressRoute from the VPN: name a hop "
		    "of one path only in expect.baseline.%s or "
		    "expect.failover.%s (path, avoid)", p->name, p->name,
		    p->name);
	}
}

static void
validate(struct vctx *c, json_t *root)
{
	struct spec *s = c->s;
	json_t *v;
	struct mark m;

	unpack(c, root, top_fields, NFIELDS(top_fields), s, false);
	if (get_str(root, "name") && s->name[0] != '\0') {
		m = push(c, "name");
		check_name(c, AT_VALUE, "drill name", s->name,
		    SPEC_NAME_MAX - 1);
		pop(c, m);
	}
	/* Definitions first, then what refers to them. */
	section(c, root, "azure", JSON_OBJECT, parse_azure);
	section(c, root, "devices", JSON_OBJECT, parse_devices);
	section(c, root, "hops", JSON_OBJECT, parse_hops);
	section(c, root, "probes", JSON_ARRAY, parse_probes);
	section(c, root, "trace", JSON_OBJECT, parse_trace);
	section(c, root, "timeouts", JSON_OBJECT, parse_timeouts);
	section(c, root, "converge", JSON_OBJECT, parse_converge);
	section(c, root, "preflight", JSON_ARRAY, parse_preflight);
	section(c, root, "expect", JSON_OBJECT, parse_expect);
	if (s->failover.converge_within_s > s->timeouts.converge_s &&
	    (v = get_typed(root, "expect", JSON_OBJECT)) != NULL &&
	    (v = get_typed(v, "failover", JSON_OBJECT)) != NULL) {
		m = push(c, "expect");
		(void)push(c, "failover");
		key_diag(c, v, "converge_within_s", "%u s is longer than "
		    "timeouts.converge_s (%u s): the drill would give up "
		    "first", s->failover.converge_within_s,
		    s->timeouts.converge_s);
		pop(c, m);
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
	struct vctx c;
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
		diag_at(diags, 1, 1, "file too large (%zu bytes, at most %d)",
		    len, SPEC_MAX_BYTES);
		return -EFBIG;
	}
	if (buf == NULL || blank(buf, len)) {
		diag_at(diags, 1, 1, "empty file: a drill spec is a JSON "
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
		diag_at(diags, line, col, "NUL byte: a drill spec is text");
		return -EINVAL;
	}
	scan_rc = jpos_build(buf, len, &ix);
	if (scan_rc == -ENOMEM) {
		rc = -ENOMEM;
		diag_at(diags, 1, 1, "out of memory");
		goto done;
	}
	/* Every duplicate key, where it is; jansson would stop at the
	 * first and point past it. */
	for (i = 0; i < ix.n_dups && i < JPOS_MAX_DUPS; i++)
		diag_at(diags, ix.dups[i].at.key_line, ix.dups[i].at.key_col,
		    "duplicate key '%s'%s%s (first on line %u)",
		    ix.dups[i].key, ix.dups[i].path[0] ? " in " : "",
		    ix.dups[i].path, ix.dups[i].first_line);
	if (ix.n_dups > JPOS_MAX_DUPS)
		diags->n += (unsigned)(ix.n_dups - JPOS_MAX_DUPS);
	root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
	if (root == NULL) {
		if (json_error_code(&jerr) != json_error_duplicate_key ||
		    ix.n_dups == 0)
			diag_at(diags, jerr.line > 0 ? (unsigned)jerr.line : 1,
			    jansson_column(&jerr), "%s", jerr.text);
		goto done;
	}
	if (ix.n_dups > 0)
		goto done;
	if (!json_is_object(root)) {
		diag_at(diags, 1, 1, "a drill spec is a JSON object, not %s",
		    type_name(root));
		goto done;
	}
	if ((s = malloc(sizeof(*s))) == NULL) {
		rc = -ENOMEM;
		diag_at(diags, 1, 1, "out of memory");
		goto done;
	}
	spec_defaults(s);
	snprintf(s->file, sizeof(s->file), "%s", diags->file);
	memset(&c, 0, sizeof(c));
	c.s = s;
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
		diag_at(diags, 0, 0, "cannot open: %s", strerror(-rc));
		return rc;
	}
	if (fstat(fd, &st) < 0) {
		rc = -errno;
		diag_at(diags, 0, 0, "cannot stat: %s", strerror(-rc));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		rc = -EINVAL;
		diag_at(diags, 0, 0, "not a regular file");
		goto out;
	}
	if (st.st_size > SPEC_MAX_BYTES) {
		rc = -EFBIG;
		diag_at(diags, 0, 0, "file too large (at most %d bytes)",
		    SPEC_MAX_BYTES);
		goto out;
	}
	if ((buf = malloc((size_t)st.st_size + 1)) == NULL) {
		rc = -ENOMEM;
		diag_at(diags, 0, 0, "out of memory");
		goto out;
	}
	while (got < (size_t)st.st_size) {
		r = read(fd, buf + got, (size_t)st.st_size - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			rc = -errno;
			diag_at(diags, 0, 0, "cannot read: %s",
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
