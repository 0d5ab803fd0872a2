/*
 * Helpers shared by the Azure provider's modules (azure_util.c): the
 * bottom layer, calling none of them.  Include rule: arm.c -> cred.c ->
 * jwt.c, each -> azure_util.h.
 */
#ifndef FD_AZURE_UTIL_H
#define FD_AZURE_UTIL_H

#include <stdbool.h>
#include <stdint.h>

#include "transport/http.h"

/* Server wait hint: retry-after-ms, x-ms-retry-after-ms, Retry-After
 * (seconds or HTTP-date); -1 when absent. */
int64_t azure_retry_after_ms(const struct http_response *r);
/* A random (v4) UUID. */
void azure_uuid(char out[37]);
/* Case-insensitive status helpers (Go azcore IsTerminalState). */
bool azure_status_is(const char *s, const char *want);
/* Zero and free a string holding a secret. */
void azure_free_secret(char *s);

#endif
