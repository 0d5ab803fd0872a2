/*
 * Parsers of Junos CLI output: pure functions from a buffer to the models
 * of src/routes.h and src/hops.h.  No I/O.  Each appends to *out (which
 * the caller initialised) only when the whole buffer parsed; on error *out
 * is left as it was.  Formats: ../shared/reference/FORMATS.md sections 1-5.
 *
 * Errors: -EBADMSG for output that is not the expected format,
 * -EPROTONOSUPPORT for a known format we deliberately do not read (detail
 * or extensive text), -ENOMEM.
 */
#ifndef FD_JUNOS_PARSE_H
#define FD_JUNOS_PARSE_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"
#include "hops.h"
#include "provider.h"
#include "routes.h"

/* ---- JSON (| display json), FORMATS.md section 4 ---- */

/* route-information: show route [table T] [PREFIX exact], advertising- /
 * receive-protocol.  One struct route per rt-entry. */
int junos_json_routes(const char *buf, size_t len, struct route_set *out,
    struct fd_error *err);
/* bgp-information: show bgp summary / show bgp neighbor. */
int junos_json_bgp(const char *buf, size_t len, struct bgp_summary *out,
    struct fd_error *err);
/* software-information: show version; on an SRX chassis cluster
 * multi-routing-engine-results/multi-routing-engine-item/{re-name,
 * software-information} per node: the first item is the node answering
 * (PyEZ facts/get_software_information.py reads the first one too). */
int junos_json_version(const char *buf, size_t len, struct device_info *out,
    struct fd_error *err);

/* ---- XML (| display xml, NETCONF), FORMATS.md section 3 ---- */

/* libxml2 is loaded on the first XML reply: 0 and its name, or -ENOENT
 * and why it cannot be loaded. */
int junos_xml_library(char *buf, size_t len);
int junos_xml_routes(const char *buf, size_t len, struct route_set *out,
    struct fd_error *err);
int junos_xml_bgp(const char *buf, size_t len, struct bgp_summary *out,
    struct fd_error *err);
int junos_xml_version(const char *buf, size_t len, struct device_info *out,
    struct fd_error *err);
/* traceroute-results RPC reply; rtt is in microseconds there. */
int junos_xml_traceroute(const char *buf, size_t len, struct hop_list *out,
    struct fd_error *err);

/* ---- Text, FORMATS.md sections 1, 2 and 5 ---- */

/* show route [table T] [PREFIX] (brief). */
int junos_text_routes(const char *buf, size_t len, struct route_set *out,
    struct fd_error *err);
/* show route advertising-protocol / receive-protocol bgp NBR (brief).
 * A "Self" next hop is stored as no next hop (n_nh 0). */
int junos_text_bgp_routes(const char *buf, size_t len, struct route_set *out,
    struct fd_error *err);
int junos_text_bgp_summary(const char *buf, size_t len,
    struct bgp_summary *out, struct fd_error *err);
int junos_text_bgp_neighbor(const char *buf, size_t len,
    struct bgp_summary *out, struct fd_error *err);
int junos_text_version(const char *buf, size_t len, struct device_info *out,
    struct fd_error *err);
/* traceroute X no-resolve [routing-instance RI]; appends to out, which
 * the caller initialised with hop_list_init(). */
int junos_text_traceroute(const char *buf, size_t len, struct hop_list *out,
    struct fd_error *err);
/* traceroute monitor ... summary (mtr-like report). */
int junos_text_traceroute_monitor(const char *buf, size_t len,
    struct hop_list *out, struct fd_error *err);

/* ---- helpers shared by the parsers (junos_util.c) ---- */

/* "3w2d 4:19:15", "1d 6:42:42", "4:05", "9" -> seconds; -1 if malformed. */
long long junos_age_parse(const char *s);
/* "AS path: (65151 65000) I, validation-state: unverified" ->
 * "(65151 65000) I". */
/* False when the path did not fit out (out then holds its start). */
bool junos_as_path_clean(const char *in, char *out, size_t len);
/* Does a reply say the CLI did not accept the command ("syntax error",
 * "unknown command", "invalid argument")? */
bool junos_reply_rejected(const char *buf);
/* A routing-engine prompt line: "{master:0}", "{master}", "{backup}",
 * "{primary:node0}" (FORMATS.md rule 0.4). */
bool junos_is_prompt(const char *line);
/* Narrow buf/len past leading and trailing blank and status lines
 * ("{primary:node0}" before or after a reply on an SRX cluster; "{master}"
 * after one on a dual-RE router).  Every parser calls it first. */
void junos_status_trim(const char **buf, size_t *len);
/* Table "Cust11.inet.0" -> instance "Cust11"; "inet.0" -> "". */
void junos_table_instance(const char *table, char *out, size_t len);

#endif
