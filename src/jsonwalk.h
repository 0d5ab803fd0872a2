/*
 * A table-driven walker over a parsed JSON document (jansson) that checks
 * every member against a field table (unknown keys with "did you mean",
 * types, required keys, string lengths, ranges), stores scalars into a
 * struct, and reports every problem at file:line:column through
 * jsonpos.h, prefixed with the value's dotted name ("devices.fw.port").
 * It knows no grammar: the drill spec's is spec_sections.c and
 * spec_checks.c.
 *
 * The field-table notation (FSTR .. FCUSTOM, F_*, AT_*) is kept short on
 * purpose, so a table reads as the grammar it checks.
 */
#ifndef FD_JSONWALK_H
#define FD_JSONWALK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "jsonpos.h"
#include "netaddr.h"
#include "spec_diag.h"

/* A field the caller checks and stores itself. */
#define NOOFF SIZE_MAX

enum ftype { F_STR, F_UINT, F_BOOL, F_REAL, F_OBJ, F_ARR, F_ANY };

struct jw_field {
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

/* Where a problem is shown: at the value, or at its key. */
enum at { AT_VALUE, AT_KEY };

/* The walk: where it is (a JSON pointer, and the same dotted for people)
 * and where problems go. */
struct jw_ctx {
	struct spec_diags *d;
	const struct jpos_index *ix;
	char ptr[512];		/* JSON pointer of the current value */
	size_t plen;
	char disp[512];		/* the same for people: expect.baseline.x */
	size_t dlen;
	void *user;		/* the caller's; never looked at */
};

/* A position to return to with jw_pop(). */
struct jw_mark {
	size_t plen, dlen;
};

struct jw_mark jw_push(struct jw_ctx *c, const char *key);
struct jw_mark jw_push_idx(struct jw_ctx *c, size_t i);
void jw_pop(struct jw_ctx *c, struct jw_mark m);
/* The line of the current value, 0 when unknown. */
unsigned jw_cur_line(struct jw_ctx *c);

/* A problem at a position of its own (count kept past SPEC_MAX_DIAGS). */
void jw_diag_at(struct spec_diags *d, unsigned line, unsigned col,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* A problem at the current value (or its key); the message is prefixed
 * with the value's dotted name. */
void jw_diag(struct jw_ctx *c, enum at at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* A problem with the value of member key of o (or o itself when absent). */
void jw_key_diag(struct jw_ctx *c, json_t *o, const char *key,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* "did you mean" among the table's keys; refuses secrets outright. */
void jw_unknown_key(struct jw_ctx *c, const char *k, const struct jw_field *f,
    size_t nf);

/* "an object", "an integer", ... for messages. */
const char *jw_type_name(const json_t *v);

/*
 * Check obj's members against the field table: unknown keys (unless
 * extra_ok, when the caller handles them), types, required keys, string
 * lengths and integer ranges; store scalars into base.  Returns the number
 * of problems found.
 */
unsigned jw_unpack(struct jw_ctx *c, json_t *obj, const struct jw_field *f,
    size_t nf, void *base, bool extra_ok);

/* The value of key when it has the right type (jw_unpack() reported it
 * otherwise), or NULL. */
json_t *jw_get_str(json_t *o, const char *key);
json_t *jw_get_typed(json_t *o, const char *key, json_type t);

/* A name of 1 to max letters, digits, '_' or '-'; reported when not. */
bool jw_check_name(struct jw_ctx *c, enum at at, const char *what,
    const char *s, size_t max);

/* Addresses and prefixes: the value itself, or member key of o (pushed
 * here); the plural forms take a string or an array of them, up to max,
 * and return how many were stored. */
bool jw_addr_value(struct jw_ctx *c, json_t *v, struct fd_addr *out);
bool jw_prefix_value(struct jw_ctx *c, json_t *v, struct fd_prefix *out);
bool jw_member_addr(struct jw_ctx *c, json_t *o, const char *key,
    struct fd_addr *out);
bool jw_member_prefix(struct jw_ctx *c, json_t *o, const char *key,
    struct fd_prefix *out);
unsigned jw_member_addrs(struct jw_ctx *c, json_t *o, const char *key,
    struct fd_addr *out, unsigned max);
unsigned jw_member_prefixes(struct jw_ctx *c, json_t *o, const char *key,
    struct fd_prefix *out, unsigned max);

#endif
