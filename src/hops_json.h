/*
 * A hop list as the TRACE object of the result document (result.h):
 * encoding, and the strict decoding back (reports read it).
 */
#ifndef FD_HOPS_JSON_H
#define FD_HOPS_JSON_H

#include <jansson.h>

#include "error.h"
#include "hops.h"

/* A new reference (NULL on allocation failure). */
json_t *hop_list_to_json(const struct hop_list *l);
/* The exact inverse; strict: unknown members, wrong types, bad addresses,
 * out-of-range indexes and the fixed limits of hops.h are errors. */
int hop_list_from_json(const json_t *j, struct hop_list *out,
    struct fd_error *err);

/* How messages name a JSON value's type ("an object", "a number", ...),
 * in "expected X, got Y"; result_check() says it alike. */
const char *hops_json_type_name(const json_t *v);

#endif
